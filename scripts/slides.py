#!/usr/bin/env python3
"""Export the notebooks' committed outputs as reveal.js decks and PDF handouts.

Run through ``bash scripts/slides.sh [DIR]``, which installs the pinned
JavaScript packages first (npm ci); directly:

    .venv/bin/python scripts/slides.py --out DIR --vendor .venv/slides-assets/node_modules [NOTEBOOK...]

For each notebook (default ``notebooks/*.ipynb``, names starting with "_" left
out) it writes ``DIR/<name>.slides.html`` (nbconvert's reveal.js exporter, with
the template ``scripts/browser/templates/dlfs-reveal``) and ``DIR/<name>.pdf``
(chromium printing the deck's ``?print-pdf`` view, one page per slide), and
copies reveal.js, require.js, jQuery and the part of MathJax the decks use into
``DIR/assets``: the decks load nothing from the network. Each deck is served
from 127.0.0.1 while it is printed; a request to any other host, a PDF whose
page count is not the deck's slide count, or a deck that does not get ready
stops the run with a message naming the deck. The last line is
``slides: N decks in DIR``.

The module also holds what tests/test_decks.py shares: ``serve`` (a local
HTTP server), ``RequestLog`` and ``deck_facts`` (the expected slide and figure
counts of a notebook's deck).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import http.server
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slideshow  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = ROOT / "scripts" / "browser" / "templates"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium flags for a headless run on a CI machine without a display or
# network (the sandbox needs user namespaces, which containers lack).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 720}
READY_TIMEOUT_MS = 60_000

# Where each JavaScript package goes under DIR/assets, and which of its files
# (globs relative to the unpacked npm package) the decks need.
ASSETS = {
    "reveal.js": ("reveal.js", ["LICENSE", "dist/**/*", "plugin/notes/**/*"]),
    "requirejs": ("requirejs", ["require.js"]),
    "jquery": ("jquery", ["LICENSE.txt", "dist/jquery.min.js"]),
    "mathjax": (
        "mathjax",
        [
            "LICENSE",
            "MathJax.js",
            "config/TeX-AMS_CHTML-full.js",
            "extensions/**/*",
            "jax/input/TeX/**/*",
            "jax/element/**/*",
            "jax/output/CommonHTML/**/*",
            "fonts/HTML-CSS/TeX/woff/**/*",
            "localization/en/**/*",
        ],
    ),
}


class DeckError(Exception):
    """A deck that could not be built or checked; the message names it."""


def deck_name(notebook: Path) -> str:
    return f"{notebook.stem}.slides.html"


def deck_notebook(path: Path):
    """The notebook as its deck shows it: read with nbformat, with slide types
    from scripts/slideshow.py for the cells that have none, and a running heading
    on every slide that starts without one (slideshow.with_running_headings)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return slideshow.with_running_headings(slideshow.assign(copy.deepcopy(nb)))


def deck_facts(path: Path) -> dict:
    """What the deck of the notebook at ``path`` must show: ``slides`` (from the
    cells' slide types, see slideshow.expected_slides) and ``figures`` (the
    image outputs of the cells that are not skipped)."""
    nb = deck_notebook(path)
    figures = 0
    for cell in nb.cells:
        if slideshow.slide_type(cell) in ("skip",):
            continue
        for out in cell.get("outputs", []):
            if any(m in out.get("data", {}) for m in slideshow.FIGURE_MIME):
                figures += 1
    return {"slides": slideshow.expected_slides(nb), "figures": figures}


def copy_assets(vendor: Path, dest: Path) -> None:
    """Copy the files the decks load from the unpacked npm packages in ``vendor``
    into ``dest`` (DIR/assets)."""
    for target, (package, patterns) in ASSETS.items():
        src = vendor / package
        if not (src / "package.json").is_file():
            raise DeckError(f"{src} is missing: run `bash scripts/slides.sh`, which installs it (npm ci)")
        for pattern in patterns:
            matched = [p for p in src.glob(pattern) if p.is_file()]
            if not matched:
                raise DeckError(f"{src}: no file matches {pattern}")
            for file in matched:
                out = dest / target / file.relative_to(src)
                if out.is_file() and out.stat().st_size == file.stat().st_size:
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, out)


def export_deck(path: Path, out_dir: Path) -> Path:
    """Write ``out_dir/<name>.slides.html`` for the notebook at ``path``."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.SlidesExporter.template_name = "dlfs-reveal"
    config.SlidesExporter.reveal_url_prefix = "assets/reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_width = "1280"
    config.SlidesExporter.reveal_height = "720"
    config.SlidesExporter.reveal_number = "c/t"
    config.HTMLExporter.require_js_url = "assets/requirejs/require.js"
    config.HTMLExporter.jquery_url = "assets/jquery/dist/jquery.min.js"
    config.HTMLExporter.mathjax_url = "assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    exporter = SlidesExporter(config=config)
    nb = deck_notebook(path)
    if slideshow.expected_slides(nb) == 0:
        raise DeckError(f"{path.name}: every cell is skipped: no slide to show")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    for host in ("unpkg.com", "cdnjs.cloudflare.com", "cdn.jsdelivr.net"):
        if host in body and f"//{host}" in body:
            raise DeckError(f"{path.name}: the exported deck still loads from {host}")
    out = out_dir / deck_name(path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(out)
    return out


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no access log on the terminal
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) while the block runs;
    yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def launch_chromium(playwright, chromium: str = CHROMIUM):
    """Headless chromium at ``chromium`` (not Playwright's own download) with a
    fresh user-data directory, removed afterwards. Yields a browser context."""
    if not Path(chromium).is_file() or not os.access(chromium, os.X_OK):
        raise DeckError(f"chromium not found at {chromium}: run the script through "
                        "scripts/slides.sh or scripts/test.sh, which install it, or set CHROMIUM")
    profile = tempfile.mkdtemp(prefix="dlfs-chromium-")
    try:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def is_local(url: str) -> bool:
    """A URL that does not leave the machine: 127.0.0.1, or data:/blob:/about:."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


class RequestLog:
    """Records every request a page makes and aborts those that would leave
    127.0.0.1 (so a deck never reaches the network); ``foreign()`` lists them."""

    def __init__(self, page) -> None:
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.route(lambda url: not is_local(url), lambda route: route.abort())

    def foreign(self) -> list[str]:
        return [url for url in self.urls if not is_local(url)]


def wait_deck_ready(page, name: str) -> None:
    """Wait until the deck's template says reveal.js and MathJax are done."""
    try:
        page.wait_for_function("document.body && document.body.dataset.deckReady === '1'",
                               timeout=READY_TIMEOUT_MS)
    except Exception as e:  # playwright's TimeoutError
        raise DeckError(f"{name}: the deck did not get ready within {READY_TIMEOUT_MS // 1000}s "
                        f"(reveal.js or MathJax did not load): {str(e).splitlines()[0]}") from None


def print_pdf(context, base_url: str, path: Path, out_dir: Path, expected: int) -> Path:
    """Print the deck's ?print-pdf view to ``out_dir/<name>.pdf`` and check that it
    has ``expected`` pages."""
    from pypdf import PdfReader

    name = deck_name(path)
    pdf = out_dir / f"{path.stem}.pdf"
    page = context.new_page()
    log = RequestLog(page)
    try:
        page.goto(f"{base_url}/{name}?print-pdf", wait_until="load")
        wait_deck_ready(page, name)
        page.wait_for_function("document.querySelectorAll('.pdf-page').length > 0", timeout=READY_TIMEOUT_MS)
        page.wait_for_timeout(300)  # let the last images and fonts settle
        tmp = pdf.with_name(pdf.name + ".tmp")
        page.pdf(path=str(tmp), prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    bad = log.foreign()
    if bad:
        tmp.unlink(missing_ok=True)
        raise DeckError(f"{name}: requests leaving 127.0.0.1 while printing: {bad[:5]}")
    pages = len(PdfReader(str(tmp)).pages)
    if pages != expected:
        tmp.unlink(missing_ok=True)
        raise DeckError(f"{pdf.name}: {pages} pages, expected {expected} (one per slide)")
    tmp.replace(pdf)
    return pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "slides", help="output directory")
    parser.add_argument("--vendor", type=Path, default=ROOT / ".venv" / "slides-assets" / "node_modules",
                        help="the npm packages (scripts/slides.sh installs them with npm ci)")
    parser.add_argument("--chromium", default=CHROMIUM, help=f"chromium to print with (default {CHROMIUM})")
    parser.add_argument("--no-pdf", action="store_true", help="write the decks only")
    args = parser.parse_args(argv)

    paths = [p.resolve() for p in args.notebooks] or sorted(
        p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("_"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not paths:
        print("error: no notebooks to export", file=sys.stderr)
        return 2
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        copy_assets(args.vendor.resolve(), out_dir / "assets")
        decks = []
        for path in paths:
            t0 = time.monotonic()
            deck = export_deck(path, out_dir)
            decks.append((path, deck_facts(path)))
            print(f"  {deck.relative_to(out_dir)}: {decks[-1][1]['slides']} slides, "
                  f"{decks[-1][1]['figures']} figures ({time.monotonic() - t0:.1f}s)", flush=True)
        if not args.no_pdf:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw, launch_chromium(pw, args.chromium) as context, serve(out_dir) as url:
                for path, facts in decks:
                    t0 = time.monotonic()
                    pdf = print_pdf(context, url, path, out_dir, facts["slides"])
                    print(f"  {pdf.relative_to(out_dir)}: {facts['slides']} pages "
                          f"({time.monotonic() - t0:.1f}s)", flush=True)
    except DeckError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"slides: {len(paths)} decks in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
