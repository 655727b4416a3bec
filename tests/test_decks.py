"""The reveal.js decks and PDF handouts of scripts/slides.sh, opened in chromium
(Playwright's pytest plugin): nothing loaded from the network, the slides the
notebook's slide types give, every figure decoded, every slide within the
16:9 slide's height, one PDF page per slide."""

from __future__ import annotations

import pytest
import slides
from conftest import ROOT, chapter_notebooks
from pypdf import PdfReader

NOTEBOOKS = chapter_notebooks()


# Session scope: the `page` tests run among the other chromium tests, the rest later (pytest
# groups the browser's parameter); a module fixture would wait for the decks twice.
@pytest.fixture(scope="session")
def decks(decks_build):
    """The decks of scripts/slides.sh, started by conftest.py's `decks_build` at the session's start."""
    out, build, log = decks_build
    try:
        build.wait(timeout=1200)
    finally:
        log.seek(0)
        output = log.read()
    assert build.returncode == 0, f"scripts/slides.sh failed:\n{output[-6000:]}"
    return out


@pytest.fixture(scope="module")
def served(decks):
    with slides.serve(decks) as url:
        yield url


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_deck(page, decks, served, path):
    facts = slides.deck_facts(path)
    log = slides.RequestLog(page)
    name = slides.deck_name(path)
    page.goto(f"{served}/{name}", wait_until="load")
    slides.wait_deck_ready(page, name)
    assert page.evaluate("Reveal.getTotalSlides()") == facts["slides"], \
        f"{name}: not the {facts['slides']} slides of the notebook's slide types"
    images = page.evaluate("""async () => {
      const imgs = [...document.querySelectorAll('.reveal .slides img')];
      await Promise.all(imgs.map(i => i.decode().catch(() => null)));
      return imgs.map(i => i.complete && i.naturalWidth > 0);
    }""")
    assert images == [True] * facts["figures"], f"{name}: figures decoded {images}, expected {facts['figures']}"
    tall = page.evaluate("""() => {
      const limit = Reveal.getConfig().height, tall = [];
      for (const s of Reveal.getSlides()) {
        const at = Reveal.getIndices(s);
        Reveal.slide(at.h, at.v || 0);
        if (s.scrollHeight > limit + 2) tall.push(`${at.h}/${at.v || 0}: ${s.scrollHeight}px`);
      }
      return tall;
    }""")
    assert tall == [], f"{name}: slides taller than the 16:9 slide ({facts['slides']} slides): {tall}"
    assert log.urls, "no request was recorded"
    assert log.foreign() == [], f"{name}: requests that left 127.0.0.1"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_handout_has_one_page_per_slide(decks, path):
    pdf = decks / f"{path.stem}.pdf"
    assert pdf.is_file(), f"{pdf.name} was not written"
    pages, want = len(PdfReader(str(pdf)).pages), slides.deck_facts(path)["slides"]
    assert pages == want, f"{pdf.name}: {pages} pages, expected {want} (one per slide)"


def test_assets_come_from_the_lockfile(decks):
    """npm ci installed the versions the lockfile pins (reveal.js 4.0.2: nbconvert's template)."""
    import json

    lock = json.loads((ROOT / "scripts/browser/package-lock.json").read_text())
    assert lock["packages"]["node_modules/reveal.js"]["version"] == "4.0.2"
    assert (decks / "assets" / "reveal.js" / "dist" / "reveal.js").is_file()
    assert (decks / "assets" / "mathjax" / "MathJax.js").is_file()
