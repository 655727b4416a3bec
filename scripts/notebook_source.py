"""The notebooks' sources: notebooks/src/*.md (MyST Markdown, read with jupytext).

A source holds the lesson as text: Markdown cells as Markdown, Rust cells in fenced
```{code-cell} rust``` blocks. Every cell carries its id in its metadata, written once
and never recomputed, so that inserting or moving a cell changes no other cell's id:

    +++ {"id": "md-3b8602b9"}          a Markdown cell
    ```{code-cell} rust
    :id: rs-44469a7a                    a code cell; other options: :tags: [solution],
                                        slideshow (slide_type), ...
    ```

The first code cell of each notebook is `:include: setup.evcxr`: its text comes from
notebooks/src/setup.evcxr, the ONE place where the set-up (`:dep dlfs = ...`) is written.

    build(source)        -> the notebook (no outputs), ids and set-up filled in, slide
                            types assigned (scripts/slideshow.py, when it exists)
    student_copy(nb)     -> the copy for students: every answer cell, code or prose (tag
                            `solution`), removed, an empty code cell to write in where
                            each code answer was, a header of its own, no outputs, the
                            crate path one level further up
    check_sources()      -> problems (missing or repeated ids, ...), [] when all is well
    add_ids(source)      -> writes an id into every cell of a source that has none

Used by scripts/run_notebooks.py (--inplace writes notebooks/*.ipynb and
notebooks/student/*.ipynb; --check verifies that both are current) and by
`python scripts/notebook_source.py --add-ids notebooks/src/4.3-....md`.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
STUDENT = NOTEBOOKS / "student"
SETUP = SOURCES / "setup.evcxr"
SOLUTION_TAG = "solution"
# A cell a lecturer steps through stays short: one idea, at most this many lines.
MAX_CODE_LINES = 15
# ... and lines that fit a projector: at most this many columns (a Hangul character counts two).
MAX_CODE_COLUMNS = 90
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

KERNELSPEC = {"name": "rust", "display_name": "Rust", "language": "rust"}
LANGUAGE_INFO = {
    "name": "rust",
    "file_extension": ".rs",
    "mimetype": "text/rust",
    "codemirror_mode": "rust",
    "pygment_lexer": "rust",
}
# What the student copies (one directory further down) change in a `:dep` line: every crate
# path (../crate, ../crates/plot, ../crates/fast) one level further up.
CRATE_PATH = 'path = "../'
STUDENT_CRATE_PATH = 'path = "../../'


def sources() -> list[Path]:
    return sorted(SOURCES.glob("*.md"))


def notebook_path(source: Path) -> Path:
    return NOTEBOOKS / f"{source.stem}.ipynb"


def student_path(source: Path) -> Path:
    return STUDENT / f"{source.stem}.ipynb"


def source_of(notebook: Path) -> Path | None:
    """The source of notebooks/NAME.ipynb, if there is one."""
    s = SOURCES / f"{notebook.stem}.md"
    return s if s.is_file() else None


def _read(source: Path):
    import jupytext

    return jupytext.read(source, fmt="md:myst")


def _slideshow():
    """scripts/slideshow.py's module, when the file exists (it assigns slide types)."""
    path = ROOT / "scripts" / "slideshow.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("slideshow", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(source: Path):
    """The notebook of `source`, without outputs."""
    import nbformat

    text = _read(source)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    for cell in text.cells:
        meta = dict(cell.metadata)
        cell_id = meta.pop("id", None)
        if cell_id is None:
            raise ValueError(f"{source.name}: a cell has no id (run scripts/notebook_source.py --add-ids {source}): "
                             f"{cell.source[:60]!r}")
        include = meta.pop("include", None)
        body = cell.source
        if include is not None:
            body = (SOURCES / include).read_text(encoding="utf-8").strip("\n")
            meta.setdefault("slideshow", {"slide_type": "skip"})
        new = nbformat.v4.new_code_cell(body) if cell.cell_type == "code" else nbformat.v4.new_markdown_cell(body)
        new["id"] = cell_id
        new.metadata.update(meta)
        nb.cells.append(new)
    return nb


def assign_slides(nb) -> bool:
    """Gives every cell a slide type by scripts/slideshow.py's rules (`assign(nb)`, which keeps
    the types set in the source), when that file exists. Called on the executed notebook, since
    the rules look at the outputs (a figure gets a slide of its own). True if it ran."""
    module = _slideshow()
    if module is None or not hasattr(module, "assign"):
        return False
    module.assign(nb)
    return True


# The student copy's own header (inserted after the title cell) and its empty answer cell.
STUDENT_HEADER_ID = "student-header"
STUDENT_HEADER = (
    "> **학생용 사본입니다.** 먼저 위에서부터 강의 셀을 차례로 실행하세요: 연습문제는 앞의 셀이 만든 변수를 씁니다. "
    "연습문제마다 바로 아래의 빈 셀에 답(코드나 설명)을 써 보세요. "
    "설명은 `//` 주석으로 써도 됩니다. 이 사본에는 풀이가 없습니다: 풀어 본 뒤에 "
    "풀이가 들어 있는 강의용 노트북과 비교하세요."
)
STUDENT_BLANK = "// 여기에 답을 써 보세요."


def student_copy(nb):
    """`nb` for students: every cell tagged `solution` (code or Markdown) removed, an empty
    code cell to write in where each code answer was, the student header after the title,
    no outputs, no execution counts, the crate one directory further up, and a slide type on
    every cell (the new ones get theirs by scripts/slideshow.py's rules). The removing and
    clearing are nbconvert's TagRemovePreprocessor and ClearOutputPreprocessor."""
    import nbformat
    from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

    out = copy.deepcopy(nb)
    cells, in_answer = [], False
    for cell in out.cells:
        answer = SOLUTION_TAG in cell.metadata.get("tags", [])
        if cell.cell_type == "code" and answer and not in_answer:  # one blank per run of answer cells
            blank = nbformat.v4.new_code_cell(STUDENT_BLANK)
            blank["id"] = f"{cell['id']}-todo"[:64]
            cells.append(blank)
        cells.append(cell)  # an answer: removed below with the tagged Markdown answers
        in_answer = answer and cell.cell_type == "code"
    header = nbformat.v4.new_markdown_cell(STUDENT_HEADER)
    header["id"] = STUDENT_HEADER_ID
    cells.insert(1 if cells and cells[0].cell_type == "markdown" else 0, header)
    out.cells = cells
    out, _ = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}).preprocess(out, {})
    out, _ = ClearOutputPreprocessor().preprocess(out, {})
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace(CRATE_PATH, STUDENT_CRATE_PATH)
    assign_slides(out)  # the header and the blanks too: the student copy is a deck as well
    return out


def content(nb, slides: bool = True) -> list:
    """What a notebook says, without its outputs: (id, type, source, metadata) of each cell;
    with `slides=False`, without the slide types (which scripts/slideshow.py adds)."""
    def meta(c):
        m = dict(c.metadata)
        if not slides:
            m.pop("slideshow", None)
        return m
    return [(c.get("id"), c.cell_type, c.source, meta(c)) for c in nb.cells]


def first_difference(want, have, slides: bool = True) -> str:
    """Where notebook `have` first differs from `want` in its cells (ids, types, sources,
    metadata; outputs aside), or "" if it does not. With `slides=False` slide types are
    compared only where `want` sets one."""
    a, b = content(want, slides), content(have, slides)
    for n, (x, y) in enumerate(zip(a, b), 1):
        if x != y:
            what = ["id", "cell type", "source", "metadata"][next(i for i in range(4) if x[i] != y[i])]
            return f"cell {n} ({x[0]}): its {what} differs"
    if len(a) != len(b):
        return f"{len(a)} cells expected, {len(b)} found"
    if not slides:
        for n, (x, y) in enumerate(zip(want.cells, have.cells), 1):
            if "slideshow" in x.metadata and x.metadata["slideshow"] != y.metadata.get("slideshow"):
                return f"cell {n} ({x.get('id')}): its slide type differs from the source's"
    return ""


def check_insertion_keeps_ids(chosen: list[Path] | None = None) -> list[str]:
    """Inserts a cell into the middle of each source (in a scratch copy) and checks that every
    other cell keeps its id in the built notebook."""
    import tempfile

    import jupytext
    import nbformat

    problems = []
    for source in sources() if chosen is None else chosen:
        before = [c["id"] for c in build(source).cells]
        text = _read(source)
        middle = len(text.cells) // 2
        new = nbformat.v4.new_markdown_cell("an inserted cell")
        new.metadata["id"] = "inserted-by-check"
        text.cells.insert(middle, new)
        with tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp) / source.name
            scratch.write_text(jupytext.writes(text, fmt="md:myst"), encoding="utf-8")
            after = [c["id"] for c in build(scratch).cells]
        if after[:middle] + after[middle + 1:] != before or after[middle] != "inserted-by-check":
            problems.append(f"{source.name}: inserting a cell changed the ids of other cells")
    return problems


def check_sources(chosen: list[Path] | None = None) -> list[str]:
    """Problems with the sources: a cell without an id, an id used twice, an id nbformat
    refuses, an id the student copy uses for its own cells, a code cell longer than
    MAX_CODE_LINES, a missing set-up include."""
    problems = []
    if not SETUP.is_file():
        problems.append(f"{SETUP.relative_to(ROOT)} is missing")
    for source in sources() if chosen is None else chosen:
        seen: dict[str, int] = {}
        text = _read(source)
        for n, cell in enumerate(text.cells, 1):
            cid = cell.metadata.get("id")
            if cid is None:
                problems.append(f"{source.name}: cell {n} has no id ({cell.source[:40]!r})")
                continue
            if not ID_RE.match(str(cid)):
                problems.append(f"{source.name}: cell {n} has the id {cid!r} (letters, digits, - and _ only)")
            if cid in seen:
                problems.append(f"{source.name}: cells {seen[cid]} and {n} share the id {cid!r}")
            seen[cid] = n
            lines = len(cell.source.splitlines())
            if cell.cell_type == "code" and lines > MAX_CODE_LINES:
                problems.append(f"{source.name}: cell {n} ({cid}) has {lines} lines; a lesson cell has at most "
                                f"{MAX_CODE_LINES}: split it")
            if cid == STUDENT_HEADER_ID or str(cid).endswith("-todo"):
                problems.append(f"{source.name}: cell {n} has the id {cid!r}, which the student copy "
                                f"gives to a cell of its own")
        if not any("include" in c.metadata for c in text.cells):
            problems.append(f"{source.name}: no cell includes setup.evcxr")
    return problems


def columns(line: str) -> int:
    """How many columns `line` takes in a monospace font: a wide (East Asian) character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def wide_code_lines(source: Path) -> list[str]:
    """The code lines of `source` wider than MAX_CODE_COLUMNS (a projector's width), each as
    "cell N (id), line K: W columns"; [] when every line fits. Kept apart from check_sources,
    which gates the build: a wide line is for the author to fix, not a reason to stop."""
    found = []
    for n, cell in enumerate(_read(source).cells, 1):
        if cell.cell_type != "code" or "include" in cell.metadata:
            continue
        for k, line in enumerate(cell.source.splitlines(), 1):
            if columns(line) > MAX_CODE_COLUMNS:
                found.append(f"cell {n} ({cell.metadata.get('id')}), line {k}: {columns(line)} columns")
    return found


def new_id(cell) -> str:
    prefix = "rs" if cell.cell_type == "code" else "md"
    return f"{prefix}-{hashlib.sha1(cell.source.encode()).hexdigest()[:8]}"


def add_ids(source: Path) -> int:
    """Gives every cell of `source` without an id a new one (a hash of its text, written
    into the file, never recomputed). Returns how many were added."""
    import jupytext

    text = _read(source)
    used = {c.metadata.get("id") for c in text.cells}
    added = 0
    for cell in text.cells:
        if "id" not in cell.metadata:
            cid = new_id(cell)
            while cid in used:
                cid += "x"
            cell.metadata["id"] = cid
            used.add(cid)
            added += 1
    if added:
        out = jupytext.writes(text, fmt="md:myst").replace("```{code-cell}\n", "```{code-cell} rust\n")
        source.write_text(out, encoding="utf-8")
    return added


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--add-ids":
        for arg in sys.argv[2:] or [str(s) for s in sources()]:
            print(f"{arg}: {add_ids(Path(arg))} id(s) added")
    elif len(sys.argv) == 2 and sys.argv[1] == "--check":
        found = check_sources()
        for p in found:
            print(p)
        sys.exit(1 if found else 0)
    else:
        print(__doc__)
        sys.exit(2)
