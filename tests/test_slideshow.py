"""The slide-type rules of scripts/slideshow.py, on a made-up notebook and on the real ones."""

from __future__ import annotations

import json
import re

import pytest
import slides
import slideshow
from conftest import NOTEBOOKS, chapter_notebooks


def md(text, **meta):
    return {"cell_type": "markdown", "metadata": meta, "source": text}


def code(text, outputs=(), **meta):
    return {"cell_type": "code", "metadata": meta, "source": text, "outputs": list(outputs),
            "execution_count": None}


PNG = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}, "metadata": {}}
LONG = {"output_type": "stream", "name": "stdout", "text": "line\n" * (slideshow.LONG_OUTPUT + 1)}
SHORT = {"output_type": "stream", "name": "stdout", "text": "x = 1\n"}


def made_up():
    return {"cells": [
        md("# Title\n\nintro"),                             # slide (first visible)
        code(':dep dlfs = { path = "../crate" }'),          # skip (the set-up cell)
        md("## Section"),                                   # slide (a heading)
        md("### Subsection"),                               # - (a heading after a heading-only cell)
        md("text under it"),                                # - (after a heading-only cell)
        code("let x = 1;", [SHORT]),                        # fragment
        code("plot()", [PNG]),                              # slide (a figure)
        md("after the figure"),                             # slide (after a figure)
        code("for i in 0..16 {}", [LONG]),                  # subslide (a long output)
        md("after the long output"),                        # subslide
        md("kept", slideshow={"slide_type": "notes"}),     # notes (given by hand: kept)
        code(""),                                           # skip (empty)
    ]}


def test_rules_on_a_made_up_notebook():
    nb = slideshow.assign(made_up())
    assert [slideshow.slide_type(c) for c in nb["cells"]] == [
        "slide", "skip", "slide", "slide", "-", "fragment", "slide", "slide", "subslide", "subslide", "notes", "skip"]
    assert slideshow.expected_slides(nb) == 7  # cells 0, 2, 3, 6, 7, 8, 9 start one


def test_assign_is_idempotent():
    nb = slideshow.assign(made_up())
    again = slideshow.assign(json.loads(json.dumps(nb)))
    assert again == nb


def test_a_tall_cell_gets_a_subslide():
    tall = "\n".join(f"line {i}" for i in range(slideshow.SLIDE_LINES + 2))
    nb = slideshow.assign({"cells": [md("# T"), code(":dep x"), md("text"), code(tall)]})
    assert slideshow.slide_type(nb["cells"][3]) == "subslide"


def test_slide_count_edge_cases():
    assert slideshow.expected_slides({"cells": [md("x", slideshow={"slide_type": "fragment"})]}) == 1
    assert slideshow.expected_slides({"cells": [md("x", slideshow={"slide_type": "skip"})]}) == 0


# The lecture notebooks and their student copies: both are decks.
REAL = chapter_notebooks() + sorted((NOTEBOOKS / "student").glob("*.ipynb"))


def _id(path):
    return f"student/{path.stem}" if path.parent.name == "student" else path.stem


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_every_cell_of_the_notebooks_has_a_slide_type(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    bad = [i + 1 for i, c in enumerate(nb["cells"]) if slideshow.slide_type(c) not in slideshow.TYPES]
    assert not bad, f"{path.name}: cells {bad} have no valid slide type (python scripts/slideshow.py {path})"


def exercises():
    """Two exercises: a question (its own heading), a long answer and a remark; a short one."""
    tall = "\n".join(f"line {i}" for i in range(slideshow.SLIDE_LINES + 2))
    return {"cells": [
        md("# Title"),
        code(":dep x"),
        md("## Exercises"),
        md("### Exercise 1\n\nDo this."),
        code(tall, tags=["solution"]),
        md("Because.", tags=["solution"]),
        md("### Exercise 2\n\nDo that."),
        code("let y = 2;", [SHORT], tags=["solution"]),
    ]}


def test_a_question_starts_a_slide_and_its_answer_follows():
    nb = slideshow.assign(exercises())
    kinds = [slideshow.slide_type(c) for c in nb["cells"]]
    assert kinds == ["slide", "skip", "slide", "slide", "subslide", "subslide", "slide", "fragment"]
    questions = [g for g in slideshow.slides_of(nb) if "Exercise 2" in g[0]["source"]]
    assert len(questions) == 1 and "Because." not in [c["source"] for c in questions[0]]


def test_running_headings_give_every_slide_one_heading():
    nb = slideshow.assign(exercises())
    deck = slideshow.with_running_headings(nb)
    groups = slideshow.slides_of(deck)
    assert [sum(len(slideshow.headings(c)) for c in g) for g in groups] == [1] * len(groups)
    assert groups[3][0]["source"] == "### Exercise 1 — solution"  # the long answer's subslide
    assert slideshow.expected_slides(deck) == slideshow.expected_slides(nb)
    assert len(nb["cells"]) == 8, "the notebook itself keeps its cells"


def test_headings_ignore_code_fences_and_hashtags():
    assert slideshow.headings(md("## A\n\n```\n# not a heading\n```\n#hashtag")) == ["## A"]
    assert slideshow.headings(code("# a comment")) == []


QUESTION = re.compile(r"^\s*(#{1,6}\s*)?\**\s*(연습문제|Exercise)\s*\d")


def deck(path):
    return slides.deck_notebook(path)


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_every_slide_of_the_deck_has_one_heading(path):
    bad = []
    for n, group in enumerate(slideshow.slides_of(deck(path)), 1):
        found = [h for c in group for h in slideshow.headings(c)]
        if len(found) != 1:
            bad.append(f"slide {n} ({group[0].get('id')}): {found or 'no heading'}")
    assert not bad, f"{path.name}: {bad}"


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_every_question_starts_a_slide_and_every_answer_follows_it(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        kind, text = slideshow.slide_type(cell), "".join(cell["source"])
        if cell["cell_type"] == "markdown" and QUESTION.match(text):
            assert kind in ("slide", "subslide"), f"{path.name}: question {cell.get('id')} is a {kind!r}"
            assert slideshow.heading_level(cell), f"{path.name}: question {cell.get('id')} has no heading"
        if slideshow.SOLUTION_TAG in cell["metadata"].get("tags", []):
            assert kind in ("fragment", "subslide", "slide", "skip"), \
                f"{path.name}: answer {cell.get('id')} is a {kind!r}: it shows with what comes before"


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_code_and_printed_lines_fit_a_projector(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    wide = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or slideshow.slide_type(cell) in ("skip", "notes"):
            continue
        printed = [slideshow._text(o.get("text")) for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        printed += [slideshow._text((o.get("data") or {}).get("text/plain")) for o in cell.get("outputs", [])
                    if o.get("output_type") in ("execute_result", "display_data")]
        for line in (slideshow._text(cell["source"]) + "\n" + "\n".join(printed)).splitlines():
            if slideshow._width(line) > slideshow.MARKDOWN_COLUMNS:
                wide.append(f"{cell.get('id')}: {slideshow._width(line)} columns: {line[:40]}...")
    assert not wide, f"{path.name}: lines wider than {slideshow.MARKDOWN_COLUMNS} columns: {wide}"
