"""Every notebook executed once, headless, on a fresh `rust` kernel (see conftest.py):
no error, no stderr, every figure, every key value of tests/facts.py."""

from __future__ import annotations

import base64
import struct

import nbformat
from conftest import NOTEBOOKS
from facts import FACTS, FIGURES, missing
from run_notebooks import output_text

FIGURE_MIME = ("image/png", "image/jpeg", "image/svg+xml")


def figures(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if any(m in o.get("data", {}) for m in FIGURE_MIME)]


def png_size(data: str) -> tuple[int, int]:
    """Width and height of a base64 PNG (its IHDR); (0, 0) if it is not a PNG."""
    raw = base64.b64decode(data)
    if raw[:8] != b"\x89PNG\r\n\x1a\n" or raw[12:16] != b"IHDR":
        return (0, 0)
    return struct.unpack(">II", raw[16:24])


def test_runs_without_error_or_stderr(executed, notebook):
    _, run = executed(notebook)
    assert run.ok, f"{notebook}: {run.failure}"


def test_key_values(executed, notebook):
    nb, run = executed(notebook)
    assert run.ok, f"{notebook} did not run through: {run.failure}"
    cells = {c.get("id"): c for c in nb.cells}
    assert notebook in FACTS, f"tests/facts.py has no key values for {notebook}"
    problems = []
    for cell_id, expected in FACTS[notebook].items():
        if cell_id not in cells:
            problems.append(f"cell {cell_id} is no longer in the notebook")
            continue
        text = "\n".join(output_text(o) for o in cells[cell_id].get("outputs", []))
        lost = missing(expected, text)
        if lost:
            problems.append(f"cell {cell_id} does not show {lost}; its output:\n{text[-600:]}")
    assert not problems, f"{notebook}:\n" + "\n".join(problems)


def test_every_figure_is_drawn(executed, notebook):
    """Each cell of tests/facts.py's FIGURES draws its figures again, PNGs of a real
    size (the browser test checks that they decode on the page), and no other cell
    draws one."""
    nb, run = executed(notebook)
    assert run.ok, f"{notebook} did not run through: {run.failure}"
    want = FIGURES[notebook]
    got = {c.get("id"): figures(c) for c in nb.cells}
    for cell_id, count in want.items():
        drawn = got.get(cell_id, [])
        assert len(drawn) == count, f"{notebook}: cell {cell_id} drew {len(drawn)} figure(s), expected {count}"
        for out in drawn:
            if "image/png" in out["data"]:
                width, height = png_size(out["data"]["image/png"])
                assert width >= 100 and height >= 100, f"{notebook}: cell {cell_id}: PNG of {width}x{height}"
    extra = sorted(set(k for k, v in got.items() if v) - set(want))
    assert not extra, f"{notebook}: cells {extra} drew a figure the committed notebook does not have"


def test_committed_figures_are_the_table_of_figures():
    """The committed notebooks hold the figures tests/facts.py's FIGURES lists (no kernel)."""
    assert set(FIGURES) == {p.stem for p in NOTEBOOKS.glob("4.*.ipynb")}
    for name, want in FIGURES.items():
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        have = {c.get("id"): len(figures(c)) for c in nb.cells if figures(c)}
        assert have == want, f"{name}: the committed figures {have} are not FIGURES' {want}"


def test_facts_name_cells_of_the_sources():
    """Every cell id in tests/facts.py is a cell of its notebook (no kernel needed)."""
    for name, cells in FACTS.items():
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        ids = {c.get("id") for c in nb.cells}
        assert set(cells) <= ids, f"{name}: cells {sorted(set(cells) - ids)} of tests/facts.py are not in it"


def test_facts_match_by_number_not_sentence():
    """The key-value matcher: digits as written, NaN, lower bounds; sentences ignored."""
    assert missing(["0.0975"], "SSE 는 0.09750 입니다") == []
    assert missing(["0.0975"], "SSE = 0.0976") == ["0.0975"]
    assert missing(["6.0000", "8.0000"], "[6.00000000000378, 7.999999999999119]") == []
    assert missing(["-2.58983747e13"], "x = [-2.58983747e13, -1.2e12]") == []
    assert missing(["NaN"], "loss = NaN") == [] and missing(["NaN"], "loss = 0.5") == ["NaN"]
    assert missing([">=0.9"], "test accuracy 0.9447") == [] and missing([">=0.9"], "acc 0.89") == [">=0.9"]
    assert missing(["0.1999999999990898"], "[60000, 784] 1e300 -2.5e13 0.1999999999990898") == []
    assert missing(["0.92806853"], "= 0.9280685387482351") == []  # printed with more digits
