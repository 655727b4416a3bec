"""The notebooks as a person sees them: JupyterLab in chromium (Playwright's pytest plugin).

JupyterLab serves the notebooks that the headless run of this test session
produced (conftest.py's `executed`: nothing is run twice). For each notebook:
the kernel shown is Rust, no error or stderr output is on the page, every figure
is a decoded image, the key values are on the page; then two cells are run, the
kernel is restarted from the Kernel menu and the first cell runs again. The 4.3
notebook opens as a jupyterlab-rise slideshow on the Rust kernel. And a short
training (`dlfs_plot::live::train`, issue 19) run in JupyterLab redraws its loss
figure on the page while the cell runs, and ends with one final figure per display.

The README's pictures are taken here too, on request only:
`DLFS_DOCS_SHOTS=1 .venv/bin/pytest tests/test_browser.py -k "4.3 or rise or live"`
writes docs/jupyterlab.png (4.3 in JupyterLab), docs/slide.png (a figure slide of
4.3 in RISE) and docs/live.png (the training figure while it grows).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.request

import pytest
import slides
from conftest import ROOT, chapter_notebooks, wait_for_first_slot
from facts import FACTS, missing

UI_MS = 120_000
CELL_TIMEOUT = 900  # a first cell that builds the crate on a busy 2-core machine
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
DOCS = ROOT / "docs"
DOCS_SHOTS = os.environ.get("DLFS_DOCS_SHOTS", "") not in ("", "0")
SHOWCASE = "4.3"  # the notebook of the README's pictures
# The live training: 4 epochs of the book's settings (600 updates each), several seconds on a
# quiet machine, far longer than the second after which live figures start to be drawn.
LIVE_ITERS = 2400
LAB_SETTINGS = {
    # Every cell in the page (JupyterLab 4 renders only those near the viewport by default).
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}
# What the page shows: code cells' prompts, error/stderr outputs, images, the kernel's state.
STATE_JS = """() => {
  const panel = document.querySelector('%(panel)s');
  if (!panel) return null;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell')]
      .map(c => (c.querySelector('.jp-InputArea-prompt')?.innerText || '').trim());
  const errors = [...panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
      .map(o => o.innerText.slice(-2000));
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return {prompts, errors, status: indicator ? indicator.getAttribute('data-status') : null,
          text: [...panel.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\\n')};
}""".replace("%(panel)s", PANEL)


class Lab:
    """JupyterLab of .venv on a free 127.0.0.1 port with a token, on `root`; stopped by its pid."""

    def __init__(self, root, scratch) -> None:
        self.port = slides.free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        settings = scratch / "settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces")}
        mnist = ROOT.parent / "shared" / "mnist"  # as scripts/common.sh finds it
        if "DLFS_DATA_DIR" not in env and mnist.is_dir():
            env["DLFS_DATA_DIR"] = str(mnist.resolve())
        command = [str(ROOT / ".venv" / "bin" / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log_path = scratch / "jupyterlab.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_up(self, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"JupyterLab exited:\n{self.log_path.read_text()[-3000:]}"
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"JupyterLab did not answer within {limit}s:\n{self.log_path.read_text()[-3000:]}")

    def api(self, method: str, path: str):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def wait_kernel_connected(self, limit: float = UI_MS / 1000) -> None:
        """Wait until a kernel is idle with the page connected to it (a websocket)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if any(k.get("connections", 0) > 0 and k.get("execution_state") == "idle"
                   for k in self.api("GET", "/api/kernels") or []):
                return
            time.sleep(0.5)
        pytest.fail(f"no kernel idle and connected to the page within {limit:.0f}s")

    def shutdown_kernels(self) -> None:
        """End every session, and wait until the pool's first slot is free again (a kernel's
        child processes hold its lock a moment longer), so that the next kernel gets it
        with `dlfs` compiled rather than a cold slot."""
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")
        deadline = time.monotonic() + 60
        while self.api("GET", "/api/kernels") and time.monotonic() < deadline:
            time.sleep(0.5)
        wait_for_first_slot()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # JupyterLab shuts its kernels down
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        try:  # a kernel left in the process group this JupyterLab leads
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()


@pytest.fixture(scope="module")
def lab(executed, tmp_path_factory):
    server = Lab(executed.dir, tmp_path_factory.mktemp("lab"))
    try:
        server.wait_up()
        yield server
    finally:
        server.stop()


def menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).first.click()


def state(page) -> dict:
    return page.evaluate(STATE_JS)


def wait_idle(page) -> None:
    page.wait_for_function(f"""() => {{
      const i = document.querySelector('{PANEL} .jp-Notebook-ExecutionIndicator');
      return i && i.getAttribute('data-status') === 'idle';
    }}""", timeout=UI_MS)


def run_cell(page, index: int, name: str, watch=None) -> float:
    """Select code cell `index` (0-based among code cells), Run > Run Selected Cell and
    Do not Advance, wait until it has run; its seconds. Fails on an error or stderr output.
    `watch()`, if given, is called at every look at the page while the cell runs."""
    cell = page.locator(f"{PANEL} .jp-CodeCell").nth(index)
    cell.locator(".jp-InputArea-prompt").click()
    before = state(page)["prompts"][index]
    start = time.monotonic()
    menu(page, "Run", "Run Selected Cell and Do not Advance")
    seen_running = False
    while True:
        if watch:
            watch()
        now = state(page)
        prompt = now["prompts"][index]
        assert not now["errors"], f"{name}: code cell {index + 1} shows an error:\n{now['errors'][0]}"
        seen_running = seen_running or prompt.startswith("[*]") or prompt != before
        if seen_running and re.fullmatch(r"\[\d+\]:", prompt) and now["status"] == "idle":
            return time.monotonic() - start
        waited = time.monotonic() - start
        assert seen_running or waited < 60, f"{name}: code cell {index + 1} did not start (prompt {prompt!r})"
        assert waited < CELL_TIMEOUT, f"{name}: code cell {index + 1} did not finish within {CELL_TIMEOUT}s"
        time.sleep(0.3)


def test_notebook_in_jupyterlab(page, lab, executed, notebook, tmp_path):
    nb, run = executed(notebook)
    assert run.ok, f"{notebook} did not run through headless: {run.failure}"
    name = f"{notebook}.ipynb"
    page.goto(f"{lab.url}/lab/workspaces/t-{secrets.token_hex(4)}/tree/{name}?token={lab.token}",
              wait_until="domcontentloaded")
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    page.wait_for_function(f"""() => document.querySelectorAll('{PANEL} .jp-Notebook .jp-CodeCell').length
        === {len(code_cells)}""", timeout=UI_MS)
    page.wait_for_function(f"""() => /rust/i.test(document.querySelector(
        '{PANEL} .jp-Toolbar-kernelName')?.innerText || '')""", timeout=UI_MS)
    wait_idle(page)
    shown = state(page)
    assert not shown["errors"], f"{name}: an error or stderr output on the page:\n{shown['errors'][0]}"

    images = page.evaluate(f"""async () => {{
      const imgs = [...document.querySelectorAll('{PANEL} .jp-OutputArea-output img')];
      await Promise.all(imgs.map(i => i.decode().catch(() => null)));
      return imgs.map(i => i.complete && i.naturalWidth > 0);
    }}""")
    want = sum(1 for c in code_cells for o in c.outputs if "image/png" in o.get("data", {}))
    assert images == [True] * want, f"{name}: figures decoded on the page {images}, expected {want}"
    lost = {cell: missing(values, shown["text"]) for cell, values in FACTS.get(notebook, {}).items()}
    assert not any(lost.values()), f"{name}: key values not on the page: { {k: v for k, v in lost.items() if v} }"
    if DOCS_SHOTS and notebook.startswith(SHOWCASE):
        # The first figure near the top, the code cell that drew it above.
        page.locator(f"{PANEL} .jp-OutputArea-output img").first.evaluate(
            "img => img.closest('.jp-Cell').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)  # the scroll settles
        save_docs_png(page, "jupyterlab.png")
    page.screenshot(path=str(tmp_path / f"{notebook}.png"))

    menu(page, "Edit", "Clear Outputs of All Cells")  # prompts back to "[ ]:", as a lecturer starts
    run_cell(page, 0, name)  # the set-up cell
    run_cell(page, 1, name)  # and the lesson's first code cell
    menu(page, "Kernel", "Restart Kernel…")
    page.locator(".jp-Dialog .jp-mod-accept").click(timeout=UI_MS)
    deadline = time.monotonic() + 15
    while state(page)["status"] == "idle" and time.monotonic() < deadline:
        time.sleep(0.2)  # the indicator leaves "idle" while the kernel restarts
    wait_idle(page)
    menu(page, "Edit", "Clear Outputs of All Cells")
    seconds = run_cell(page, 0, name)
    print(f"{name}: the first cell after Kernel > Restart took {seconds:.1f}s")
    lab.shutdown_kernels()


def save_docs_png(page, name: str) -> None:
    """The page as docs/NAME (1280x720), written through a temporary file."""
    tmp = DOCS / f".{name}.tmp"
    page.screenshot(path=str(tmp), type="png")
    tmp.replace(DOCS / name)
    print(f"wrote docs/{name}")


def test_rise_slideshow(page, lab, executed):
    """jupyterlab-rise shows the 4.3 notebook as the deck of its slide types, on the Rust kernel."""
    notebook = next((p.stem for p in chapter_notebooks() if p.stem.startswith(SHOWCASE)),
                    chapter_notebooks()[0].stem)
    executed(notebook)
    path = executed.dir / f"{notebook}.ipynb"
    page.goto(f"{lab.url}/rise/{path.name}?token={lab.token}", wait_until="domcontentloaded")
    page.wait_for_selector(".reveal .slides section.present", timeout=UI_MS)
    assert page.locator(".reveal .slides section.present").first.inner_text().strip(), "the first slide is empty"
    total = page.evaluate("""() => [...document.querySelectorAll('.reveal .slides > section')]
        .reduce((n, s) => n + Math.max(1, s.querySelectorAll(':scope > section').length), 0)""")
    assert total == slides.deck_facts(path)["slides"]
    kernels: list = []
    deadline = time.monotonic() + 60
    while not kernels and time.monotonic() < deadline:
        kernels = [s["kernel"]["name"] for s in lab.api("GET", "/api/sessions") or []
                   if s.get("path", "").endswith(path.name) and s.get("kernel")]
        time.sleep(1)
    assert kernels == ["rust"], f"the slideshow's kernel: {kernels or 'none started'}"
    if DOCS_SHOTS:
        rise_to_first_figure(page, total)
        save_docs_png(page, "slide.png")
    lab.shutdown_kernels()


def rise_to_first_figure(page, total: int) -> None:
    """Step the slideshow forward (the right arrow key) to the first slide that shows a figure."""
    present = ".reveal .slides section.present"
    page.evaluate("() => document.activeElement?.blur()")  # the deck, not a cell editor, gets the keys
    for _ in range(total):
        if page.locator(f"{present} .jp-OutputArea-output img").count():
            page.wait_for_timeout(1500)  # the slide transition
            return
        before = page.locator(present).last.inner_text()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"""(before) => [...document.querySelectorAll('{present}')]
            .pop()?.innerText !== before""", arg=before, timeout=UI_MS)
    pytest.fail("no slide of the deck shows a figure")


# Every output image of one code cell (the sources), its output text and its prompt,
# read in one go (so an image read with the prompt "[*]:" was there before the cell ended).
CELL_IMAGES_JS = """(index) => {
  const cell = document.querySelectorAll('%(panel)s .jp-CodeCell')[index];
  return {prompt: (cell.querySelector('.jp-InputArea-prompt')?.innerText || '').trim(),
          images: [...cell.querySelectorAll('.jp-OutputArea-output img')].map(i => i.src),
          text: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\\n')};
}""".replace("%(panel)s", PANEL)


def live_training_notebook(path, iters: int) -> None:
    """A notebook of three cells: 4.5's set-up cell, MNIST, and a short `train` drawn live."""
    import nbformat

    setup = (ROOT / "notebooks" / "src" / "setup-4.5.evcxr").read_text().strip()
    cells = [setup, "let mnist = load_mnist(true, true, true)?;",
             f"let settings = TrainSettings {{ iters_num: {iters}, ..TrainSettings::default() }};\n"
             "let live_run = dlfs_plot::live::train(&mnist, &settings)?; // 학습하는 동안 그래프가 자랍니다\n"
             "live_run.history.train_loss.len()"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata={
        "kernelspec": {"name": "rust", "display_name": "Rust", "language": "rust"}})
    nbformat.write(nb, path)


def test_live_training_redraws_the_figure_on_the_page(page, lab, executed):
    """Issue 19: `dlfs_plot::live::train` (after 4.5's set-up; the book's settings, LIVE_ITERS
    updates) run in JupyterLab:
    the figure on the page changes at least twice while the cell runs, and when it ends the
    cell holds one figure (loss | accuracy), the final one: the same image as the saved
    notebook, whose accuracy title names the last epoch's accuracies; the epoch lines stop when
    the figure appears, and the last epoch's line ends the output."""
    from test_live_train import mnist_dir

    mnist_dir()  # fails, naming the folder, without MNIST
    name = "live-train.ipynb"
    live_training_notebook(executed.dir / name, LIVE_ITERS)
    page.goto(f"{lab.url}/lab/workspaces/t-{secrets.token_hex(4)}/tree/{name}?token={lab.token}",
              wait_until="domcontentloaded")
    page.wait_for_function(f"() => document.querySelectorAll('{PANEL} .jp-CodeCell').length === 3",
                           timeout=UI_MS)
    lab.wait_kernel_connected()  # a fresh notebook: a Run before that would do nothing
    wait_idle(page)
    run_cell(page, 0, name)  # the set-up (builds the crates if the pool's slot has not)
    run_cell(page, 1, name)  # MNIST

    epochs = LIVE_ITERS // 600
    running: list[tuple[float, list[str]]] = []  # (seconds, the images' hashes) while "[*]:"
    shot = {"taken": not DOCS_SHOTS}

    def watch() -> None:
        seen = page.evaluate(CELL_IMAGES_JS, 2)
        if seen["prompt"] != "[*]:":
            return
        running.append((time.monotonic(), [hashlib.sha256(i.encode()).hexdigest()[:16] for i in seen["images"]]))
        drawn = len({h[0] for _, h in running if h})  # different figures seen so far
        if not shot["taken"] and drawn >= 4:  # the figure has grown a while: the loss fallen
            page.locator(f"{PANEL} .jp-CodeCell").nth(2).evaluate("c => c.scrollIntoView({block: 'start'})")
            save_docs_png(page, "live.png")
            shot["taken"] = True

    seconds = run_cell(page, 2, name, watch=watch)
    loss_images = [h[0] for _, h in running if h]
    distinct = list(dict.fromkeys(loss_images))
    print(f"{name}: {LIVE_ITERS} updates in {seconds:.1f}s; {len(running)} looks while it ran, "
          f"{len(distinct)} different loss figures seen")
    assert len(distinct) >= 2, (f"{len(distinct)} different loss figure(s) on the page while the "
                                f"cell ran ({len(running)} looks in {seconds:.1f}s, {len(loss_images)} with a figure)")

    wait_idle(page)
    end = page.evaluate(CELL_IMAGES_JS, 2)
    decoded = page.evaluate(f"""async () => {{
      const imgs = [...document.querySelectorAll('{PANEL} .jp-CodeCell')[2]
          .querySelectorAll('.jp-OutputArea-output img')];
      await Promise.all(imgs.map(i => i.decode().catch(() => null)));
      return imgs.map(i => i.complete && i.naturalWidth > 0);
    }}""")
    assert decoded == [True], f"the cell ends with figures {decoded}, expected one: the loss and the accuracy"
    text = state(page)["text"]
    assert "DLFS-LIVE" not in text, "a marker line is left on the page"
    assert f"에폭 {epochs}/{epochs}" in text and str(LIVE_ITERS) in text, text[-2000:]

    # The page holds the final figures: those the saved notebook keeps.
    page.keyboard.press("Control+s")
    saved: list = []
    deadline = time.monotonic() + UI_MS / 1000
    while not saved and time.monotonic() < deadline:
        cell = lab.api("GET", f"/api/contents/{name}?content=1")["content"]["cells"][2]
        saved = [o for o in cell["outputs"] if o["output_type"] == "display_data"]
        time.sleep(0.5)
    titles = [o["data"]["text/plain"] for o in saved]
    # One figure, the loss and the accuracy side by side; live figures carry no book figure
    # number (their settings may not be the book's).
    assert len(saved) == 1 and titles[0].startswith("반복마다의 훈련 손실 · 에폭별 정확도") \
        and "그림" not in titles[0], titles
    shown = [src.removeprefix("data:image/png;base64,") for src in end["images"]]
    assert shown == [o["data"]["image/png"].replace("\n", "") for o in saved], \
        "the page's figures are not the saved notebook's"
    streams = "".join(o["text"] for o in cell["outputs"] if o["output_type"] == "stream")
    last = re.findall(rf"에폭 {epochs}/{epochs} .* 훈련 (\d\.\d{{4}})\s+시험 (\d\.\d{{4}})", streams)
    assert last and all(acc in titles[0] for acc in last[0]), (titles, streams[-500:])
    # Epoch lines until the figure appeared, then only the last: the cell fits a slide.
    printed = [int(e) for e in re.findall(rf"^에폭 (\d+)/{epochs} ", streams, re.M)]
    assert printed[-1] == epochs and printed[:-1] == list(range(len(printed) - 1)) \
        and len(printed) < epochs + 1, streams[-800:]
    lab.shutdown_kernels()
