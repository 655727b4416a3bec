"""Shared fixtures of the test suite (`.venv/bin/pytest`, or `bash scripts/test.sh`).

- `notebook_names`: the chapter's notebooks (notebooks/*.ipynb, "_" names left out).
- `executed`: each notebook executed ONCE per test run, headless (nbclient with
  the evcxr rules of scripts/run_notebooks.py), on first request; the notebook
  tests and the browser tests read the same run. The executed copies live in a
  scratch folder laid out like the repository (notebooks/ beside a link to
  crate/ and crates/), so that the set-up cell's `path` dependencies resolve there too.
- `browser_type_launch_args`: Playwright's pytest plugin launches Debian's
  /usr/bin/chromium (or CHROMIUM), never a browser download of its own.
- `decks_build`: scripts/slides.sh started at the session's start when a test needs the decks,
  so that it runs beside the first tests (the headless notebooks keep about one core of two
  busy); tests/test_decks.py's `decks` waits for it.
- `clone_setup`: tests/test_paths.py's clone, and its `lab.sh --no-launch` run in a thread
  from the session's start, after the decks' build, when a test needs the clone.
- `class_install`: the class install under /opt/dlfs (scripts/class/install.sh, as root),
  run ONCE per test run for every class test that needs it.
- `graded_class`: nbgrader's exchange between real accounts run ONCE per test run (release,
  two submissions, one collect, one autograde on the `rust` kernel); the exchange tests and
  the grading tests check what it left (tests/test_class_exchange.py).

Nothing here starts JupyterLab: tests/test_browser.py brings its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts" / "kernel"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless on a machine without a display, network or user namespaces.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chapter_notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("_"))


def pytest_generate_tests(metafunc):
    """`notebook` parameters: one per chapter notebook, named by its stem."""
    if "notebook" in metafunc.fixturenames:
        metafunc.parametrize("notebook", [p.stem for p in chapter_notebooks()])


def wait_for_first_slot(limit: float = 60) -> None:
    """Wait until the kernel pool's slot-0 is free: a kernel that just ended leaves its
    lock with its child processes a moment longer, and the next kernel would otherwise
    take a cold slot and compile `dlfs` again."""
    import launch

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        fd = launch.try_lock(launch.pool_dir() / "slot-0")
        if fd is not None:
            os.close(fd)
            return
        time.sleep(0.5)


class Executed:
    """Runs each notebook once, on first request, and keeps the result."""

    def __init__(self, scratch: Path) -> None:
        self.dir = scratch / "notebooks"
        self.dir.mkdir(parents=True)
        for folder in ("crate", "crates"):  # the set-up cell's `path` dependencies
            (scratch / folder).symlink_to(ROOT / folder, target_is_directory=True)
        for extra in ("evcxr.toml",):
            if (NOTEBOOKS / extra).is_file():
                shutil.copyfile(NOTEBOOKS / extra, self.dir / extra)
        self.runs: dict = {}

    def __call__(self, name: str):
        """(the executed notebook, its run_notebooks.Run) for notebooks/NAME.ipynb."""
        if name not in self.runs:
            import nbformat
            import run_notebooks

            path = NOTEBOOKS / f"{name}.ipynb"
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:  # run from a clean slate, as a student would
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            run = run_notebooks.execute(nb, path.name, self.dir, log=lambda line: print(line, flush=True))
            nbformat.write(nb, self.dir / path.name)
            wait_for_first_slot()
            self.runs[name] = (nb, run)
        return self.runs[name]


@pytest.fixture(scope="session")
def executed(tmp_path_factory) -> Executed:
    from client import missing_kernelspec

    if why := missing_kernelspec():
        pytest.fail(why)
    return Executed(tmp_path_factory.mktemp("executed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"chromium not found at {CHROMIUM}: install Debian's chromium "
                    "(scripts/test.sh does, as root) or set CHROMIUM")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}}


@pytest.fixture(scope="session", autouse=True)
def decks_build(request, tmp_path_factory):
    """(the decks' folder, scripts/slides.sh's process, its log) if a selected test needs the decks."""
    if not any("decks" in item.fixturenames for item in request.session.items):
        yield None
        return
    out = tmp_path_factory.mktemp("decks")
    with open(out.parent / f"{out.name}.log", "w+") as log:
        build = subprocess.Popen(["bash", str(ROOT / "scripts" / "slides.sh"), str(out)], cwd=ROOT,
                                 stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            yield out, build, log
        finally:
            if build.poll() is None:  # the session stopped early (-x, Ctrl-C)
                build.kill()
                build.wait()


@pytest.fixture(scope="session", autouse=True)
def clone_setup(request, tmp_path_factory, decks_build):
    """(the clone, its environment, a Future of its set-up's output) if a selected test needs it.
    The set-up (mostly pip: about one core) waits for the decks' build, so that two jobs at most
    run beside the tests."""
    if not any("clone" in item.fixturenames for item in request.session.items):
        yield None
        return
    from concurrent.futures import ThreadPoolExecutor

    from test_paths import make_clone, set_up

    base = tmp_path_factory.mktemp("paths")
    dest, env = make_clone(base)

    def after_the_decks() -> str:
        if decks_build:
            decks_build[1].wait(timeout=1200)
        return set_up(dest, env)

    with ThreadPoolExecutor(1) as pool:
        yield dest, env, pool.submit(after_the_decks)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def class_install() -> Path:
    """The class install (seconds when /opt/dlfs is current), once per test run; as root."""
    from test_class_hub import PREFIX, require_root, run_install

    require_root()
    run_install("class")
    return PREFIX


@pytest.fixture(scope="session")
def graded_class(class_install):
    """The exchange run once (test_class_exchange.class_run); its users removed at the end."""
    from test_class_exchange import class_run

    yield from class_run()
