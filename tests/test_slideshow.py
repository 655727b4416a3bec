"""The slide-type rules of scripts/slideshow.py, on a made-up notebook and on the real ones."""

from __future__ import annotations

import json

import pytest
import slideshow
from conftest import chapter_notebooks


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
        "slide", "skip", "slide", "-", "-", "fragment", "slide", "slide", "subslide", "subslide", "notes", "skip"]
    assert slideshow.expected_slides(nb) == 6  # cells 0, 2, 6, 7, 8, 9 start one


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


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_every_cell_of_the_notebooks_has_a_slide_type(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    bad = [i + 1 for i, c in enumerate(nb["cells"]) if slideshow.slide_type(c) not in slideshow.TYPES]
    assert not bad, f"{path.name}: cells {bad} have no valid slide type (python scripts/slideshow.py {path})"
