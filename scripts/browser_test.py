#!/usr/bin/env python3
"""The notebooks and the slide decks in a real browser (the last stage of scripts/test.sh).

    .venv/bin/python scripts/browser_test.py [--decks DIR] [--shots DIR] [--docs] [NOTEBOOK...]

JupyterLab is started the way ``scripts/lab.sh`` starts it (``bash scripts/lab.sh
--no-warm --no-browser`` on a free 127.0.0.1 port, with a random token, and a
settings directory of its own that turns JupyterLab's cell windowing off, so
that every cell is in the page), and driven with Playwright through the
system's chromium (``/usr/bin/chromium``, or CHROMIUM). For each notebook:

1. open it, check that the kernel shown is Rust;
2. clear all outputs, then Run > Run All Cells from the menu, and wait until
   every code cell has run (15 min for the first cell, 10 for each other);
3. fail on any error or stderr output (naming the notebook and the cell), on a
   figure that is not a decoded image (naturalWidth 0), on fewer or more
   figures than the committed notebook has, and on a key number missing from
   the page (the CHECKS of scripts/run_notebooks.py);
4. take a screenshot with a figure in view;
5. restart the kernel from the Kernel menu and time the first cell again.

Then JupyterLab is stopped (by its process id, whatever happened; its log is
printed if it did not come up within a minute). With ``--decks DIR`` (made by
``scripts/slides.sh DIR``) each deck is opened from a local server: no request
may leave 127.0.0.1, the deck must have the slides its notebook's slide types
give (scripts/slideshow.py), its figures must decode, and ``DIR/<name>.pdf``
must have one page per slide. With ``--rise`` a notebook is also opened as a
jupyterlab-rise slideshow. ``--docs`` copies a JupyterLab and a slide
screenshot to docs/. The screenshots' directory is printed at the end, then the
times per notebook, then ``browser: N passed, M failed``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slides  # noqa: E402
import slideshow  # noqa: E402
from run_notebooks import ANSI, CHECKS, first_line  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DOCS = ROOT / "docs"

LAB_UP_TIMEOUT = 60  # seconds for JupyterLab to answer, once lab.sh starts it
SETUP_TIMEOUT = 900  # seconds for lab.sh's set-up checks before that
FIRST_CELL_TIMEOUT = 900
CELL_TIMEOUT = 600
UI_TIMEOUT_MS = 60_000

# JupyterLab settings for the test's own settings directory.
LAB_SETTINGS = {
    # Every cell in the DOM: JupyterLab 4 renders only the cells near the
    # viewport by default, and the checks read the whole notebook.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # The test runs the committed notebooks in place: never save them (the
    # files are also compared before and after, see guard_notebooks).
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # No pop-up asking about Jupyter news over the notebook (and no fetch).
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

FIGURE_MIME = slideshow.FIGURE_MIME
STDERR_MIME = "application/vnd.jupyter.stderr"


class Failure(Exception):
    """A check that failed; the message names the notebook (and cell)."""


@dataclass
class Outcome:
    name: str
    ok: bool = False
    message: str = ""
    times: dict = field(default_factory=dict)
    screenshot: Path | None = None


def fmt(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds:.0f}s ({seconds / 60:.1f} min)"


# --------------------------------------------------------------------------
# JupyterLab, started and stopped
# --------------------------------------------------------------------------


class Lab:
    """JupyterLab from scripts/lab.sh on a free port with a token, in its own
    process group; ``stop()`` ends it by its process id."""

    def __init__(self, scratch: Path) -> None:
        self.port = slides.free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = scratch / "jupyterlab.log"
        settings = scratch / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2))
        env = dict(os.environ)
        env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
        env["JUPYTERLAB_WORKSPACES_DIR"] = str(scratch / "lab-workspaces")
        command = [
            "bash", str(ROOT / "scripts" / "lab.sh"), "--no-warm",
            "--no-browser", "--ip", "127.0.0.1", "--port", str(self.port),
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
        ]
        self.log = open(self.log_path, "w")
        # lab.sh execs `jupyter lab` at the end: this process id becomes
        # JupyterLab's, and its group holds the kernels it starts.
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)

    def wait_up(self) -> float:
        start = time.monotonic()
        launched = None
        while True:
            if self.process.poll() is not None:
                raise Failure(f"JupyterLab (scripts/lab.sh) exited with code {self.process.returncode}"
                              f" before it answered:\n{self.log_text()}")
            text = self.log_path.read_text(errors="replace")
            if launched is None and "starting JupyterLab" in text:
                launched = time.monotonic()
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=5) as r:
                    if r.status == 200:
                        return time.monotonic() - start
            except OSError:
                pass
            waited = time.monotonic() - (launched or start)
            if (launched and waited > LAB_UP_TIMEOUT) or (not launched and waited > SETUP_TIMEOUT):
                what = "JupyterLab" if launched else "scripts/lab.sh's set-up"
                limit = LAB_UP_TIMEOUT if launched else SETUP_TIMEOUT
                raise Failure(f"{what} did not come up within {limit}s; its log:\n{self.log_text()}")
            time.sleep(1)

    def api(self, method: str, path: str):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session (and its kernel) through the REST API, so that the
        next notebook starts on a quiet machine."""
        try:
            for session in self.api("GET", "/api/sessions") or []:
                self.api("DELETE", f"/api/sessions/{session['id']}")
        except OSError as e:
            print(f"  warning: could not shut the kernels down: {e}", flush=True)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # JupyterLab shuts its kernels down
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        # Anything left in JupyterLab's own process group (a kernel that did
        # not stop): the group is the one made for this process id.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()


# --------------------------------------------------------------------------
# One notebook in JupyterLab
# --------------------------------------------------------------------------

# The page's state, read in one go: prompts of the code cells, the kernel's
# status, errors, images.
STATE_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')];
  const prompts = cells.map(c => c.classList.contains('jp-CodeCell')
      ? (c.querySelector('.jp-InputArea-prompt')?.innerText || '').trim() : null);
  const errors = [];
  cells.forEach((c, i) => c.querySelectorAll('.jp-OutputArea-output[data-mime-type="%s"]')
      .forEach(o => errors.push([i, o.innerText.slice(-3000)])));
  const images = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')]
      .map(img => [img.complete, img.naturalWidth]);
  const indicator = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
  const bar = (document.querySelector('#jp-main-statusbar') || {}).innerText || '';
  const status = indicator ? indicator.getAttribute('data-status') : null;
  // The status bar's "Rust | Idle", or the toolbar's indicator.
  const idle = /\|\s*Idle\b/.test(bar) || status === 'idle';
  return {cells: cells.length, prompts, errors, images, status, idle};
}""" % STDERR_MIME


def menu(page, top: str, item: str) -> None:
    """Click the menu bar's ``top`` menu, then its item ``item``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).first.click()


def code_cell_indices(nb: dict) -> list[int]:
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def image_outputs(nb: dict) -> int:
    return sum(
        1
        for c in nb["cells"] if c["cell_type"] == "code"
        for o in c.get("outputs", []) if any(m in o.get("data", {}) for m in FIGURE_MIME)
    )


def describe_cell(nb: dict, index: int) -> str:
    source = "".join(nb["cells"][index]["source"]) if index < len(nb["cells"]) else ""
    return f"cell {index + 1} ({first_line(source)})"


def wait_run_all(page, nb: dict, name: str) -> None:
    """Wait until every code cell has an execution count, or the run stopped
    at an error; fail with the notebook and cell that went wrong."""
    code = code_cell_indices(nb)
    started = time.monotonic()
    last_done, last_progress = -1, time.monotonic()
    stable = 0
    while True:
        state = page.evaluate(STATE_JS)
        if state["cells"] != len(nb["cells"]):
            raise Failure(f"{name}: the page shows {state['cells']} cells, the notebook has {len(nb['cells'])}")
        prompts = state["prompts"]
        done = sum(1 for i in code if re.fullmatch(r"\[\d+\]:", prompts[i] or ""))
        running = any((prompts[i] or "").startswith("[*]") for i in code)
        if state["errors"]:
            index, text = state["errors"][0]
            raise Failure(f"{name}: {describe_cell(nb, index)} shows an error or stderr output:\n"
                          f"{ANSI.sub('', text).strip()}")
        if done == len(code) and not running and state["idle"]:
            stable += 1
            if stable >= 2:
                return
        else:
            stable = 0
        if not running and done < len(code) and time.monotonic() - last_progress > 30:
            missing = next(i for i in code if not re.fullmatch(r"\[\d+\]:", prompts[i] or ""))
            raise Failure(f"{name}: the run stopped before {describe_cell(nb, missing)} "
                          f"(its prompt is {prompts[missing]!r})")
        if done != last_done:
            last_done, last_progress = done, time.monotonic()
        limit = FIRST_CELL_TIMEOUT if done == 0 else CELL_TIMEOUT
        if time.monotonic() - last_progress > limit:
            stuck = code[min(done, len(code) - 1)]
            raise Failure(f"{name}: {describe_cell(nb, stuck)} did not finish within {limit}s "
                          f"({fmt(time.monotonic() - started)} into Run All)")
        time.sleep(1)


def check_figures(page, nb: dict, name: str) -> int:
    expected = image_outputs(nb)
    # Let the browser decode every image (they are data: URLs).
    page.evaluate("""async () => {
      const imgs = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')];
      await Promise.all(imgs.map(i => i.decode().catch(() => null)));
    }""")
    images = page.evaluate(STATE_JS)["images"]
    broken = [i + 1 for i, (complete, width) in enumerate(images) if not complete or width <= 0]
    if broken:
        raise Failure(f"{name}: figure(s) {broken} of {len(images)} are not decoded images (naturalWidth 0)")
    if len(images) != expected:
        raise Failure(f"{name}: {len(images)} figures on the page, the committed notebook has {expected}")
    return len(images)


def check_numbers(page, name: str) -> None:
    text = page.evaluate("""() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')].map(o => o.innerText).join('\\n')""")
    text = ANSI.sub("", text)
    failed = []
    for check in CHECKS.get(name, []):
        passed, detail = check.test(text)
        print(f"    check {'ok  ' if passed else 'FAIL'} {check.describe}: {detail}", flush=True)
        if not passed:
            failed.append(f"{check.describe} ({detail})")
    if failed:
        raise Failure(f"{name}: key values missing from the page: {'; '.join(failed)}")


def first_cell_prompt(page) -> str:
    return page.evaluate("""() => {
      const c = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell');
      return c ? (c.querySelector('.jp-InputArea-prompt')?.innerText || '').trim() : '';
    }""")


VERBOSE = os.environ.get("DLFS_BROWSER_VERBOSE") == "1"


def step(text: str) -> None:
    """A progress line, with DLFS_BROWSER_VERBOSE=1."""
    if VERBOSE:
        print(f"    [{time.strftime('%H:%M:%S')}] {text}", flush=True)


def kernel_status(page) -> str | None:
    return page.evaluate("""() => {
      const i = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
      return i ? i.getAttribute('data-status') : null;
    }""")


def restart_and_time_first_cell(page, nb: dict, name: str) -> float:
    """Kernel > Restart Kernel (confirmed in the dialog), clear the outputs,
    run the first code cell from the Run menu, and return its time."""
    step("restarting the kernel (Kernel > Restart Kernel…)")
    menu(page, "Kernel", "Restart Kernel…")
    page.locator(".jp-Dialog .jp-mod-accept").click(timeout=UI_TIMEOUT_MS)
    # The indicator leaves "idle" while the kernel restarts, then comes back.
    deadline = time.monotonic() + 15
    while kernel_status(page) == "idle" and time.monotonic() < deadline:
        time.sleep(0.2)
    page.wait_for_function("""() => {
      const i = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
      return !i || i.getAttribute('data-status') === 'idle';
    }""", timeout=UI_TIMEOUT_MS * 2)
    step("kernel idle again; clearing the outputs")
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("""() => !document.querySelector(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-OutputArea-output')""", timeout=UI_TIMEOUT_MS)
    step("running the first code cell (Run > Run Selected Cell and Do not Advance)")
    first = code_cell_indices(nb)[0]
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell").first
    cell.locator(".jp-InputArea-prompt").click()  # select it
    start = time.monotonic()
    menu(page, "Run", "Run Selected Cell and Do not Advance")
    seen_running = False
    last_seen = None
    while True:
        state = page.evaluate(STATE_JS)
        prompt = first_cell_prompt(page)
        if state["errors"]:
            index, text = state["errors"][0]
            raise Failure(f"{name}: after the restart, {describe_cell(nb, index)} shows an error:\n{text.strip()}")
        seen_running = seen_running or prompt.startswith("[*]")
        seen = (prompt, state["status"], state["idle"])
        if seen != last_seen:
            step(f"prompt {prompt!r}, kernel {state['status']}, idle {state['idle']}")
            last_seen = seen
        if seen_running and re.fullmatch(r"\[\d+\]:", prompt) and state["idle"]:
            return time.monotonic() - start
        if not seen_running and time.monotonic() - start > 60:
            raise Failure(f"{name}: after the restart, {describe_cell(nb, first)} did not start "
                          f"within 60s of Run > Run Selected Cell (prompt {prompt!r}, kernel {state['status']})")
        if time.monotonic() - start > FIRST_CELL_TIMEOUT:
            raise Failure(f"{name}: after the restart, {describe_cell(nb, first)} did not finish "
                          f"within {FIRST_CELL_TIMEOUT}s")
        time.sleep(0.5)


def screenshot_with_figure(page, path: Path) -> None:
    img = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img").first
    if img.count():
        img.scroll_into_view_if_needed(timeout=UI_TIMEOUT_MS)
        # Put the figure near the top, with the code cell that made it above.
        page.evaluate("""() => {
          const img = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img');
          const cell = img.closest('.jp-Cell');
          (cell || img).scrollIntoView({block: 'start'});
        }""")
        page.wait_for_timeout(300)
    page.screenshot(path=str(path))


def run_notebook(context, lab: Lab, path: Path, shots: Path) -> Outcome:
    name = path.name
    outcome = Outcome(name)
    nb = json.loads(path.read_text(encoding="utf-8"))
    page = context.new_page()
    shot = shots / f"{path.stem}.png"
    print(f"\n--- {name} ({len(code_cell_indices(nb))} code cells, {image_outputs(nb)} figures expected)",
          flush=True)
    try:
        t0 = time.monotonic()
        # A workspace of its own: only this notebook's tab, none restored from the last one.
        workspace = "test-" + re.sub(r"[^A-Za-z0-9]+", "-", path.stem)
        page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?token={lab.token}",
                  wait_until="domcontentloaded")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=UI_TIMEOUT_MS * 2)
        kernel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName")
        try:
            page.wait_for_function("""() => {
              const k = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName');
              return k && /rust/i.test(k.innerText);
            }""", timeout=UI_TIMEOUT_MS * 2)
        except Exception:
            shown = kernel.first.inner_text() if kernel.count() else "(no kernel name in the toolbar)"
            raise Failure(f"{name}: the kernel shown is {shown.strip()!r}, not Rust") from None
        page.wait_for_function("""() => {
          const i = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
          return !i || i.getAttribute('data-status') === 'idle';
        }""", timeout=UI_TIMEOUT_MS * 2)
        outcome.times["open"] = time.monotonic() - t0
        print(f"  opened, kernel {kernel.first.inner_text().strip()!r}, idle in {fmt(outcome.times['open'])}",
              flush=True)

        menu(page, "Edit", "Clear Outputs of All Cells")
        t0 = time.monotonic()
        menu(page, "Run", "Run All Cells")
        wait_run_all(page, nb, name)
        outcome.times["run all"] = time.monotonic() - t0
        print(f"  Run All Cells: {fmt(outcome.times['run all'])}", flush=True)
        figures = check_figures(page, nb, name)
        print(f"  {figures} figures decoded", flush=True)
        check_numbers(page, name)
        step("screenshot")
        screenshot_with_figure(page, shot)
        outcome.screenshot = shot

        outcome.times["first cell after restart"] = restart_and_time_first_cell(page, nb, name)
        print(f"  restarted the kernel; first cell again in {fmt(outcome.times['first cell after restart'])}",
              flush=True)
        outcome.ok = True
    except Failure as e:
        outcome.message = str(e)
    except Exception as e:  # a Playwright timeout or a closed page
        outcome.message = f"{name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if not outcome.ok:
        try:
            page.screenshot(path=str(shot))
            outcome.screenshot = shot
        except Exception:
            pass
        print(f"  FAILED: {outcome.message}", flush=True)
    page.close()
    lab.shutdown_kernels()
    return outcome


# --------------------------------------------------------------------------
# The slide decks (scripts/slides.sh) and RISE
# --------------------------------------------------------------------------


def check_deck(context, base_url: str, decks: Path, path: Path, shots: Path) -> Outcome:
    from pypdf import PdfReader

    name = slides.deck_name(path)
    outcome = Outcome(name)
    facts = slides.deck_facts(path)
    page = context.new_page()
    log = slides.RequestLog(page)
    shot = shots / f"{path.stem}.slide.png"
    t0 = time.monotonic()
    try:
        if not (decks / name).is_file():
            raise Failure(f"{name}: not in {decks} (run `bash scripts/slides.sh {decks}`)")
        page.goto(f"{base_url}/{name}", wait_until="load")
        try:
            slides.wait_deck_ready(page, name)
        except slides.DeckError as e:
            raise Failure(str(e)) from None
        total = page.evaluate("Reveal.getTotalSlides()")
        if total != facts["slides"]:
            raise Failure(f"{name}: {total} slides, expected {facts['slides']} from the notebook's slide types")
        images = page.evaluate("""async () => {
          const imgs = [...document.querySelectorAll('.reveal .slides img')];
          await Promise.all(imgs.map(i => i.decode().catch(() => null)));
          return imgs.map(i => [i.complete, i.naturalWidth]);
        }""")
        broken = [i + 1 for i, (complete, width) in enumerate(images) if not complete or width <= 0]
        if broken:
            raise Failure(f"{name}: figure(s) {broken} of {len(images)} are not decoded images")
        if len(images) != facts["figures"]:
            raise Failure(f"{name}: {len(images)} figures, expected {facts['figures']}")
        # Go to the first slide with a figure, for the screenshot.
        page.evaluate("""() => {
          const img = document.querySelector('.reveal .slides img');
          if (img) { const s = img.closest('section'); const i = Reveal.getIndices(s); Reveal.slide(i.h, i.v); }
        }""")
        page.wait_for_timeout(1200)  # the slide transition
        page.screenshot(path=str(shot))
        outcome.screenshot = shot
        pdf = decks / f"{path.stem}.pdf"
        if not pdf.is_file():
            raise Failure(f"{pdf.name}: not in {decks}")
        pages = len(PdfReader(str(pdf)).pages)
        if pages != facts["slides"]:
            raise Failure(f"{pdf.name}: {pages} pages, expected {facts['slides']} (one per slide)")
        bad = log.foreign()
        if bad:
            raise Failure(f"{name}: {len(bad)} request(s) left 127.0.0.1: {bad[:5]}")
        outcome.times["deck"] = time.monotonic() - t0
        print(f"  {name}: {total} slides, {len(images)} figures decoded, {pages}-page PDF, "
              f"{len(log.urls)} requests all to 127.0.0.1 ({fmt(outcome.times['deck'])})", flush=True)
        outcome.ok = True
    except Failure as e:
        outcome.message = str(e)
    except Exception as e:
        outcome.message = f"{name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if not outcome.ok:
        print(f"  FAILED: {outcome.message}", flush=True)
    page.close()
    return outcome


def check_rise(context, lab: Lab, path: Path, shots: Path) -> Outcome:
    """Open the notebook as a jupyterlab-rise slideshow and check that a slide
    shows and that the deck has the slides of the notebook's slide types."""
    name = f"RISE {path.name}"
    outcome = Outcome(name)
    facts = slides.deck_facts(path)
    page = context.new_page()
    shot = shots / f"{path.stem}.rise.png"
    t0 = time.monotonic()
    try:
        page.goto(f"{lab.url}/rise/{path.name}?token={lab.token}", wait_until="domcontentloaded")
        page.wait_for_selector(".reveal .slides section.present", timeout=UI_TIMEOUT_MS * 2)
        page.wait_for_timeout(1000)
        text = page.locator(".reveal .slides section.present").first.inner_text().strip()
        if not text:
            raise Failure(f"{name}: the first slide is empty")
        total = page.evaluate("""() => [...document.querySelectorAll('.reveal .slides > section')]
            .reduce((n, s) => n + Math.max(1, s.querySelectorAll(':scope > section').length), 0)""")
        page.screenshot(path=str(shot))
        outcome.screenshot = shot
        if total != facts["slides"]:
            raise Failure(f"{name}: {total} slides, expected {facts['slides']}")
        # RISE runs the notebook live: its session must be on the Rust kernel.
        kernels = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not kernels:
            kernels = [s["kernel"]["name"] for s in lab.api("GET", "/api/sessions") or []
                       if s.get("path", "").endswith(path.name) and s.get("kernel")]
            time.sleep(1)
        if kernels != ["rust"]:
            raise Failure(f"{name}: the slideshow's kernel is {kernels or 'not started'}, expected ['rust']")
        outcome.times["rise"] = time.monotonic() - t0
        print(f"  {name}: {total} slides on the {kernels[0]} kernel, the first shows {first_line(text, 50)!r} "
              f"({fmt(outcome.times['rise'])})", flush=True)
        outcome.ok = True
    except Failure as e:
        outcome.message = str(e)
    except Exception as e:
        outcome.message = f"{name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if not outcome.ok:
        try:
            page.screenshot(path=str(shot))
        except Exception:
            pass
        print(f"  FAILED: {outcome.message}", flush=True)
    page.close()
    return outcome


def save_docs_png(src: Path, dest: Path) -> None:
    """Copy a 1280x720 screenshot into docs/ (written through a temporary file)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)
    print(f"  wrote {dest.relative_to(ROOT)}")


def snapshot_notebooks() -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in NOTEBOOKS.glob("*.ipynb")}


def restore_notebooks(before: dict[Path, bytes]) -> list[str]:
    """Put back any notebook that changed on disk while JupyterLab ran (it must
    not save them: autosave is off); returns the names of those it restored."""
    changed = []
    for path, data in before.items():
        if not path.is_file() or path.read_bytes() != data:
            tmp = path.with_name(f".{path.name}.restore-tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            changed.append(path.name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--decks", type=Path, help="check the decks and PDFs that scripts/slides.sh wrote here")
    parser.add_argument("--rise", action="store_true", help="also open the first notebook as a RISE slideshow")
    parser.add_argument("--shots", type=Path, help="directory for the screenshots (default: a new temporary one)")
    parser.add_argument("--docs", action="store_true",
                        help="copy a JupyterLab screenshot and a slide screenshot to docs/")
    parser.add_argument("--decks-only", action="store_true",
                        help="check only the decks (with --decks), without JupyterLab")
    parser.add_argument("--chromium", default=slides.CHROMIUM, help=f"chromium (default {slides.CHROMIUM})")
    args = parser.parse_args(argv)
    # `timeout` and CI stop with SIGTERM: unwind, so that JupyterLab is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if VERBOSE:  # `kill -USR1 PID` prints where the test is
        import faulthandler

        faulthandler.register(signal.SIGUSR1)

    paths = [p.resolve() for p in args.notebooks] or sorted(
        p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("_"))
    missing = [str(p) for p in paths if not p.is_file() or p.parent != NOTEBOOKS]
    if missing:
        print(f"error: not a notebook in {NOTEBOOKS}: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("error: playwright missing: run with .venv/bin/python after `bash scripts/lab.sh --no-launch`",
              file=sys.stderr)
        return 2
    if not (Path(args.chromium).is_file() and os.access(args.chromium, os.X_OK)):
        print(f"error: chromium not found at {args.chromium}: the browser stage needs it "
              "(scripts/test.sh installs Debian's chromium with apt-get when run as root)", file=sys.stderr)
        return 1
    shots = (args.shots or Path(tempfile.mkdtemp(prefix="dlfs-browser-"))).resolve()
    shots.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlfs-lab-"))

    outcomes: list[Outcome] = []
    decks: list[Outcome] = []
    started = time.monotonic()
    before = snapshot_notebooks()
    written: list[str] = []
    if args.decks_only and not args.decks:
        print("error: --decks-only needs --decks DIR", file=sys.stderr)
        return 2
    with sync_playwright() as pw, slides.launch_chromium(pw, args.chromium) as context:
        if not args.decks_only:
            lab = Lab(scratch)
            try:
                print(f"JupyterLab from scripts/lab.sh on {lab.url} (log: {lab.log_path})", flush=True)
                up = lab.wait_up()
                print(f"  up in {fmt(up)} (set-up checks included)", flush=True)
                for path in paths:
                    outcomes.append(run_notebook(context, lab, path, shots))
                if args.rise:
                    print("\n--- jupyterlab-rise", flush=True)
                    decks.append(check_rise(context, lab, paths[0], shots))
            except Failure as e:
                print(f"error: {e}", file=sys.stderr)
                done = {o.name for o in outcomes}
                outcomes += [Outcome(p.name, message=str(e).splitlines()[0]) for p in paths if p.name not in done]
            finally:
                lab.stop()
                print(f"JupyterLab stopped (pid {lab.process.pid})", flush=True)
                written = restore_notebooks(before)
        if args.decks:
            print(f"\n--- slide decks in {args.decks}", flush=True)
            with slides.serve(args.decks.resolve()) as base_url:
                for path in paths:
                    decks.append(check_deck(context, base_url, args.decks.resolve(), path, shots))
    shutil.rmtree(scratch, ignore_errors=True)

    if args.docs:
        # The README shows 4.3 in JupyterLab and a figure slide of 4.4 (or the first that passed).
        def pick(results: list[Outcome], prefer: str, kind: str) -> Path | None:
            ok = [o for o in results if o.ok and o.screenshot and kind in o.name]
            return next((o.screenshot for o in ok if o.name.startswith(prefer)), ok[0].screenshot if ok else None)

        lab_shot = pick(outcomes, "4.3", ".ipynb")
        slide_shot = pick(decks, "4.4", ".slides.html")
        if lab_shot:
            save_docs_png(lab_shot, DOCS / "jupyterlab.png")
        if slide_shot:
            save_docs_png(slide_shot, DOCS / "slide.png")

    print(f"\nScreenshots: {shots}")
    print("Times")
    for o in outcomes:
        times = ", ".join(f"{k} {fmt(v)}" for k, v in o.times.items())
        print(f"  {'ok    ' if o.ok else 'FAILED'}  {o.name}: {times or '-'}")
    for o in decks:
        print(f"  {'ok    ' if o.ok else 'FAILED'}  {o.name}: {', '.join(fmt(v) for v in o.times.values()) or '-'}")
    print(f"  total {fmt(time.monotonic() - started)}")
    if written:
        outcomes.append(Outcome("notebooks on disk", message=f"JupyterLab wrote to {', '.join(written)} "
                                "during the test; the committed files were put back"))
    failed = [o for o in outcomes + decks if not o.ok]
    for o in failed:
        kept = f" (screenshot: {o.screenshot})" if o.screenshot else ""
        print(f"\nFAILED {o.name}: {o.message}{kept}", file=sys.stderr)
    if args.decks or args.rise:
        print(f"decks: {sum(o.ok for o in decks)} passed, {sum(not o.ok for o in decks)} failed")
    if not args.decks_only:
        print(f"browser: {sum(o.ok for o in outcomes)} passed, {sum(not o.ok for o in outcomes)} failed",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
