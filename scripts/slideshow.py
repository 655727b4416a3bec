#!/usr/bin/env python3
"""Give every cell of a notebook a slide type, so that the notebook is a lecture deck.

Our own rules, because no library gives slide types: nbconvert and RISE only read them.

    python scripts/slideshow.py notebooks/*.ipynb          # rewrite the metadata in place
    python scripts/slideshow.py --check notebooks/*.ipynb  # fail if a cell has no slide type

As a function (the notebook build calls it): ``assign(nb) -> nb``, on a notebook
read with nbformat or json (a dict with "cells"); it changes the cells'
``metadata.slideshow.slide_type`` and nothing else, and returns the same object.

A cell that already has a slide type keeps it (set one by hand in JupyterLab's
property inspector, or in the notebook's source, and this script leaves it).
Every other cell gets one by these rules, in order, so that each slide holds one
idea:

- the set-up cell (the first code cell: ``:dep dlfs ...``) and empty cells: ``skip``;
- a cell whose outputs hold a figure (a PNG, JPEG or SVG image): a ``slide`` of
  its own, and the cell after it starts a new slide;
- a markdown cell that starts with a heading: a ``slide``, always, so that no
  slide holds two headings (a section heading alone is a title slide; an
  exercise question starts with its own heading, so it never lands on the
  previous answer's slide);
- a cell with a long output (more than LONG_OUTPUT lines of text): a
  ``subslide`` of its own (and the cell after it starts a new subslide);
- a cell that would overflow its slide (more than SLIDE_LINES lines in all,
  counted roughly: source, wrapped markdown, outputs): a ``subslide``;
- a markdown cell right after a heading-only cell: ``-`` (the heading and its
  introduction appear together);
- any other cell: a ``fragment``: the lecturer's next key press shows it (a
  code cell with its result, the remark that follows).

The command line rewrites only cell metadata: sources and outputs are written
back as they were read (the file is rewritten with the same JSON layout as
nbformat's, one-space indent).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import notebook_source  # scripts/ is on sys.path wherever this runs

# An output of more than this many lines of text gets a subslide of its own.
LONG_OUTPUT = 15
# About how many lines of code-sized text fit on one 960x700 reveal.js slide
# with nbconvert's font sizes.
SLIDE_LINES = 20
# About how many columns a wrapped line of markdown holds on a slide
# (a Hangul or other wide character counts as two).
MARKDOWN_COLUMNS = 90

FIGURE_MIME = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
# Cells with this tag hold an answer (notebook_source.SOLUTION_TAG).
SOLUTION_TAG = "solution"


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value or [])


def _metadata(cell) -> dict:
    if "metadata" not in cell or cell["metadata"] is None:
        cell["metadata"] = {}
    return cell["metadata"]


def slide_type(cell) -> str | None:
    """The cell's ``metadata.slideshow.slide_type``, or None when it has none."""
    show = (cell.get("metadata") or {}).get("slideshow") or {}
    value = show.get("slide_type")
    return value if value else None


def has_figure(cell) -> bool:
    """True if one of the cell's outputs is an image."""
    return any(
        any(m in (out.get("data") or {}) for m in FIGURE_MIME) for out in cell.get("outputs") or []
    )


def output_lines(cell) -> int:
    """Lines of text in the cell's outputs (streams, text results, errors); images count 0."""
    lines = 0
    for out in cell.get("outputs") or []:
        kind = out.get("output_type")
        if kind == "stream":
            lines += len(_text(out.get("text")).rstrip("\n").splitlines())
        elif kind == "error":
            lines += len(out.get("traceback") or []) or 1
        else:
            data = out.get("data") or {}
            if any(m in data for m in FIGURE_MIME):
                continue
            text = _text(data.get("text/plain", ""))
            if text.strip():
                lines += len(text.rstrip("\n").splitlines())
    return lines


# A line's width in monospace columns (a wide, East Asian character counts two).
_width = notebook_source.columns


def source_lines(cell) -> int:
    """Rough height of the cell's source on a slide, in lines (markdown wrapped)."""
    source = _text(cell.get("source"))
    if cell.get("cell_type") != "markdown":
        return len(source.rstrip("\n").splitlines())
    total = 0
    for line in source.splitlines():
        total += max(1, -(-_width(line) // MARKDOWN_COLUMNS)) if line.strip() else 0
    return total + 1


def heading_level(cell) -> int:
    """The level of the markdown heading the cell starts with (1 for '#'), or 0."""
    if cell.get("cell_type") != "markdown":
        return 0
    for line in _text(cell.get("source")).splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        hashes = len(stripped) - len(stripped.lstrip("#"))
        return hashes if 0 < hashes <= 6 and stripped[hashes:hashes + 1] in (" ", "") else 0
    return 0


def is_heading_only(cell) -> bool:
    """A markdown cell that holds a heading and nothing else."""
    lines = [l for l in _text(cell.get("source")).splitlines() if l.strip()]
    return heading_level(cell) > 0 and len(lines) == 1


def assign(nb):
    """Set ``metadata.slideshow.slide_type`` on every cell of ``nb`` that has none,
    by the rules in this module's docstring; cells that have one keep it.
    Returns ``nb`` (changed in place)."""
    cells = nb["cells"] if isinstance(nb, dict) else nb.cells
    first_code = next(
        (i for i, c in enumerate(cells) if c.get("cell_type") == "code" and _text(c.get("source")).strip()),
        None,
    )
    used = 0  # lines on the current (sub)slide so far
    force_new = None  # "slide"/"subslide" when the previous cell asks the next to start one
    previous = None  # the previous visible cell
    for index, cell in enumerate(cells):
        given = slide_type(cell)
        height = source_lines(cell) + output_lines(cell) + (1 if cell.get("cell_type") == "code" else 0)
        if given is not None:
            kind = given
        elif index == first_code or not _text(cell.get("source")).strip():
            kind = "skip"
        elif has_figure(cell):
            kind = "slide"
        elif heading_level(cell):
            kind = "slide"
        elif force_new:
            kind = force_new
        elif output_lines(cell) > LONG_OUTPUT:
            kind = "subslide"
        elif previous is None:
            kind = "slide"
        elif used + height > SLIDE_LINES:
            kind = "subslide"
        elif is_heading_only(previous):
            kind = "-"
        else:
            kind = "fragment"
        if given is None:
            show = _metadata(cell).setdefault("slideshow", {})
            show["slide_type"] = kind

        if kind in ("skip", "notes"):
            continue
        used = height if kind in ("slide", "subslide") else used + height
        if has_figure(cell):
            force_new = "slide"
        elif output_lines(cell) > LONG_OUTPUT or used > SLIDE_LINES:
            force_new = "subslide"
        else:
            force_new = None
        previous = cell
    return nb


def headings(cell) -> list[str]:
    """The heading lines of a markdown cell (``#`` to ``######`` and a space, outside fenced
    code), as written; [] for a code cell."""
    if cell.get("cell_type") != "markdown":
        return []
    found, fenced = [], False
    for line in _text(cell.get("source")).splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        hashes = len(stripped) - len(stripped.lstrip("#"))
        if not fenced and 0 < hashes <= 6 and stripped[hashes:hashes + 1] == " ":
            found.append(stripped)
    return found


def slides_of(nb) -> list[list]:
    """The visible cells of ``nb`` grouped as the deck shows them: a new group at the first
    visible cell and at every ``slide`` or ``subslide``; ``skip`` and ``notes`` cells left out."""
    cells = nb["cells"] if isinstance(nb, dict) else nb.cells
    groups: list[list] = []
    for cell in cells:
        kind = slide_type(cell) or "-"
        if kind in ("skip", "notes"):
            continue
        if not groups or kind in ("slide", "subslide"):
            groups.append([])
        groups[-1].append(cell)
    return groups


def _is_solution(cell) -> bool:
    return SOLUTION_TAG in ((cell.get("metadata") or {}).get("tags") or [])


def with_running_headings(nb):
    """A copy of ``nb`` (slide types assigned) in which every slide and subslide that does not
    start with a heading gets one: the heading it continues, marked "— 계속" ("— continued"),
    or "— 풀이" ("— solution") before an answer. The added cell takes the slide type and the
    cell it stands before becomes ``-``. For the deck only: the notebook keeps its cells."""
    try:
        from nbformat import from_dict  # cells as nbformat's NotebookNode, as nbconvert expects
    except ImportError:  # a plain JSON notebook
        from_dict = dict
    out = copy.deepcopy(nb)
    cells = out["cells"] if isinstance(out, dict) else out.cells
    title = next((h for c in cells for h in headings(c)), "")
    korean = any("\uac00" <= ch <= "\ud7a3" for ch in title)
    words = {"more": "계속", "answer": "풀이"} if korean else {"more": "continued", "answer": "solution"}
    result, current, first = [], None, True
    for cell in cells:
        kind = slide_type(cell) or "-"
        visible = kind not in ("skip", "notes")
        starts = visible and (first or kind in ("slide", "subslide"))
        own = headings(cell)
        if starts and not (own and heading_level(cell)) and current is not None:
            word = words["answer"] if _is_solution(cell) else words["more"]
            added = from_dict({
                "cell_type": "markdown",
                "id": f"{cell.get('id', 'cell')}-heading"[:64],
                "metadata": {"slideshow": {"slide_type": "slide" if first else kind}},
                "source": f"{current} — {word}",
            })
            _metadata(cell).setdefault("slideshow", {})["slide_type"] = "-"
            result.append(added)
        result.append(cell)
        if own:
            current = own[-1]
        first = first and not visible
    out["cells"] = result  # a dict or nbformat's NotebookNode (a dict too)
    return out


def expected_slides(nb) -> int:
    """How many slides (reveal.js's horizontal and vertical ones together) the
    nbconvert deck of ``nb`` has, from its slide types: the first visible cell
    starts one (nbconvert makes it a slide), and so does every later visible
    cell whose type is ``slide`` or ``subslide``. ``skip`` and ``notes`` cells
    are not shown."""
    cells = nb["cells"] if isinstance(nb, dict) else nb.cells
    kinds = [slide_type(c) or "-" for c in cells]
    visible = [k for k in kinds if k not in ("skip", "notes")]
    if not visible:
        return 0
    return 1 + sum(1 for k in visible[1:] if k in ("slide", "subslide"))


def count_types(nb) -> dict[str, int]:
    cells = nb["cells"] if isinstance(nb, dict) else nb.cells
    counts: dict[str, int] = {}
    for cell in cells:
        kind = slide_type(cell) or "(none)"
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _write_like_nbformat(nb: dict, path: Path) -> None:
    """Write ``nb`` as nbformat does (indent 1, sorted keys, non-ASCII kept, final
    newline), through a temporary file, so that an interrupted write loses nothing."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.slideshow-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (.ipynb) to give slide types")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail if a cell has no slide type or one reveal.js does not know")
    args = parser.parse_args(argv)
    if not args.notebooks:
        parser.error("no notebooks given")
    failed = 0
    for path in args.notebooks:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
                raise ValueError("not a notebook (no list of cells)")
        except (OSError, ValueError) as e:
            print(f"error: {path}: {e}", file=sys.stderr)
            failed += 1
            continue
        if args.check:
            bad = [
                f"cell {i + 1}: {slide_type(c)!r}"
                for i, c in enumerate(nb["cells"])
                if slide_type(c) not in TYPES
            ]
            if bad:
                more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
                print(f"error: {path}: {len(bad)} cell(s) without a valid slide type ({', '.join(bad[:5])}{more});"
                      f" give them one with `python scripts/slideshow.py {path}`", file=sys.stderr)
                failed += 1
            else:
                print(f"{path}: {expected_slides(nb)} slides, {count_types(nb)}")
            continue
        before = json.dumps(nb, sort_keys=True)
        assign(nb)
        changed = json.dumps(nb, sort_keys=True) != before
        if changed:
            _write_like_nbformat(nb, path)
        print(f"{path}: {expected_slides(nb)} slides, {count_types(nb)}{'' if changed else ' (unchanged)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
