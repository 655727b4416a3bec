"""The notebooks' sources (notebooks/src/*.md) and what is built from them: no kernel needed."""

from __future__ import annotations

import copy

import nbformat
import notebook_source
import pytest
from conftest import ROOT

RERUN = "run `bash scripts/notebooks.sh`"
SOURCES = notebook_source.sources()


def test_there_are_sources():
    assert SOURCES, "no notebooks/src/*.md"


def test_sources_are_sound():
    assert notebook_source.check_sources(SOURCES) == []


def test_inserting_a_cell_renumbers_no_other():
    assert notebook_source.check_insertion_keeps_ids(SOURCES) == []


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_committed_notebook_is_what_the_source_gives(source):
    path = notebook_source.notebook_path(source)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: {RERUN}"
    committed = nbformat.read(path, as_version=4)
    diff = notebook_source.first_difference(notebook_source.build(source), committed, slides=False)
    assert not diff, f"{path.relative_to(ROOT)} is not what {source.relative_to(ROOT)} gives ({diff}): {RERUN}"
    reassigned = copy.deepcopy(committed)
    notebook_source.assign_slides(reassigned)
    diff = notebook_source.first_difference(committed, reassigned)
    assert not diff, f"{path.relative_to(ROOT)}: slide types are not scripts/slideshow.py's ({diff}): {RERUN}"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_student_copy_is_current(source):
    student_path = notebook_source.student_path(source)
    assert student_path.is_file(), f"{student_path.relative_to(ROOT)} is missing: {RERUN}"
    student = nbformat.read(student_path, as_version=4)
    committed = nbformat.read(notebook_source.notebook_path(source), as_version=4)
    diff = notebook_source.first_difference(notebook_source.student_copy(committed), student)
    assert not diff, f"{student_path.relative_to(ROOT)} is not current ({diff}): {RERUN}"
    assert not any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in student.cells), \
        f"{student_path.relative_to(ROOT)} has outputs: {RERUN}"
    assert not any(notebook_source.SOLUTION_TAG in c.metadata.get("tags", []) for c in student.cells), \
        f"{student_path.relative_to(ROOT)} holds a solution cell: {RERUN}"


# What a student's copy must not send them to: the repository's layout and the kernel's settings.
PLUMBING = ("evcxr.toml", "notebooks/", ":dep", "/work/", "/home/")


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_student_copy_prose_names_no_plumbing(source):
    student = notebook_source.student_copy(notebook_source.build(source))
    prose = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    found = [word for word in PLUMBING if word in prose]
    assert not found, f"{source.name}: the student copy's text names {found}"


def test_student_header_speaks_to_the_student():
    header = notebook_source.STUDENT_HEADER
    assert "빈 셀" in header and "풀이가 없습니다" in header
    assert not any(word in header for word in PLUMBING)


def test_a_code_line_wider_than_a_projector_is_reported(tmp_path):
    wide = "let x = 1; // " + "가" * 40  # 14 + 80 columns
    text = (notebook_source.SOURCES / "4.3-numerical-differentiation.md").read_text(encoding="utf-8")
    scratch = tmp_path / "wide.md"
    scratch.write_text(text.replace("let d5 = numerical_diff(function_1, 5.0);", wide), encoding="utf-8")
    cell = _cell_of(scratch, wide)
    assert notebook_source.wide_code_lines(scratch) == [f"cell {cell} (rs-e1b66ec1), line 1: 94 columns"]
    assert notebook_source.check_sources([scratch]) == [], "a wide line does not stop the build"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_code_lines_fit_a_projector(source):
    assert notebook_source.wide_code_lines(source) == [], f"{source.name}: lines wider than 90 columns"


def _cell_of(source, text):
    cells = notebook_source._read(source).cells
    return next(n for n, c in enumerate(cells, 1) if text in c.source)


def test_student_copy_has_one_blank_per_answer():
    nb = nbformat.v4.new_notebook()
    for n, (kind, text, tags) in enumerate([
        ("markdown", "# T", []), ("markdown", "note for the lecturer", ["solution"]),
        ("code", "answer 1", ["solution"]), ("code", "answer 1, its figure", ["solution"]),
        ("markdown", "why", ["solution"]), ("markdown", "### Exercise 2", []), ("code", "answer 2", ["solution"]),
    ]):
        cell = nbformat.v4.new_code_cell(text) if kind == "code" else nbformat.v4.new_markdown_cell(text)
        cell["id"], cell.metadata["tags"] = f"c{n}", tags
        nb.cells.append(cell)
    student = notebook_source.student_copy(nb)
    assert [c.source for c in student.cells] == [
        "# T", notebook_source.STUDENT_HEADER, notebook_source.STUDENT_BLANK, "### Exercise 2",
        notebook_source.STUDENT_BLANK]
