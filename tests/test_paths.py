"""A clone whose path has spaces and Korean letters (think `My Drive/강의`): the set-up,
a notebook and a deck work from there as from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

RUN_NOTEBOOK = """
import sys
from pathlib import Path
sys.path.insert(0, "scripts")
import nbformat, run_notebooks
path = Path("notebooks/4.3-numerical-differentiation.ipynb")
nb = nbformat.read(path, as_version=4)
run = run_notebooks.execute(nb, path.name, path.resolve().parent)
sys.exit(0 if run.ok else 1)
"""


def run(command, cwd, env, timeout):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (f"{command} in {cwd} failed ({done.returncode}):\n"
                                  f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def make_clone(base: Path) -> tuple[Path, dict]:
    """The repository's files (tracked and new, as `git ls-files` lists them) in
    `BASE/my course/강의/dlfs`, and its environment: a kernel pool of its own (see
    test_pool_path_has_no_space)."""
    dest = base / "my course" / "강의" / "dlfs"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")  # reuse the compiled dependencies
    env = {**os.environ, "CARGO_TARGET_DIR": target, "DLFS_KERNEL_POOL": str(base / "kernel-pool"),
           "PYTHON": sys.executable if sys.version_info >= (3, 11) else "python3"}
    env.pop("VIRTUAL_ENV", None)
    return dest, env


def set_up(dest: Path, env: dict) -> str:
    """`lab.sh --no-launch` in the clone (mostly pip), its output."""
    return run(["bash", "scripts/lab.sh", "--no-launch", "--no-warm"], dest, env, 1800)


@pytest.fixture(scope="module")
def clone(clone_setup):
    """(the clone, its environment, its set-up: a Future of `set_up`'s output), made and set up
    in the background from the session's start (conftest.py's `clone_setup`)."""
    return clone_setup


def test_setup_and_a_notebook_from_a_path_with_spaces_and_korean(clone):
    dest, env, setup = clone
    out = setup.result()  # lab.sh's failure, if it failed
    assert f"registered at {dest}/.venv/share/jupyter/kernels/rust" in out, out[-2000:]
    pool = run([str(dest / ".venv/bin/python"), "scripts/kernel/launch.py", "--pool"], dest, env, 60).strip()
    assert pool == env["DLFS_KERNEL_POOL"]
    run([str(dest / ".venv/bin/python"), "-c", RUN_NOTEBOOK], dest, env, 1800)
    assert (Path(pool) / "slot-0" / "target").is_dir(), f"the kernel did not build in its slot ({pool})"


def test_a_deck_from_a_path_with_spaces_and_korean(clone):
    dest, env, setup = clone
    setup.result()
    out = dest / "out" / "내 슬라이드"
    run(["bash", "scripts/slides.sh", str(out), "notebooks/4.3-numerical-differentiation.ipynb"], dest, env, 900)
    assert (out / "4.3-numerical-differentiation.slides.html").is_file()
    assert (out / "4.3-numerical-differentiation.pdf").stat().st_size > 10_000


def test_pool_path_has_no_space(monkeypatch):
    """evcxr cannot load a cell built under a path with a space ("dlopen failed"): the
    launcher's pool for a clone named `my course` has none (the clone's path may)."""
    import launch

    monkeypatch.delenv("DLFS_KERNEL_POOL", raising=False)
    pool = launch.pool_dir(ROOT.parent / "my course" / "강의 자료")
    assert " " not in str(pool.relative_to(launch.cache_home())), pool
    assert pool != launch.pool_dir(ROOT.parent / "my course" / "강의-자료"), "two clones must not share a pool"
