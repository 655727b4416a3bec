"""The class hub's notebook sync (scripts/class/sync_notebooks.py), on scratch directories.

The rule: a file the user has not got is copied; one they did not change follows the
course; one they changed is kept, and the course's new version lands next to it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "scripts" / "class" / "sync_notebooks.py")
sync_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync_notebooks)


def make_prefix(tmp: Path) -> Path:
    prefix = tmp / "opt"
    (prefix / "course" / "crate").mkdir(parents=True)
    student = prefix / "course" / "notebooks" / "student"
    student.mkdir(parents=True)
    (student / "a.ipynb").write_text("a v1")
    (student / "b.ipynb").write_text("b v1")
    (student / "evcxr.toml").write_text("[evcxr]\n")
    sol = prefix / "solutions" / "notebooks"
    sol.mkdir(parents=True)
    (sol / "a.ipynb").write_text("a with solutions")
    return prefix


def test_first_start_copies_and_links(tmp_path):
    prefix, home = make_prefix(tmp_path), tmp_path / "home"
    sync_notebooks.sync(prefix, home, "student", log=lambda m: None)
    nbs = home / "dlfs" / "notebooks" / "student"
    assert sorted(p.name for p in nbs.iterdir()) == ["a.ipynb", "b.ipynb", "evcxr.toml"]
    assert (nbs / "a.ipynb").read_text() == "a v1"
    assert (home / "dlfs" / "crate").resolve() == (prefix / "course" / "crate").resolve()
    # crates/ does not exist in this course: no dangling link
    assert not (home / "dlfs" / "crates").is_symlink()
    # no solutions for a student
    assert not (home / "dlfs" / "notebooks" / "a.ipynb").exists()
    state = json.loads((home / "dlfs" / ".sync.json").read_text())
    assert set(state) == {"student/a.ipynb", "student/b.ipynb", "student/evcxr.toml"}


def test_update_keeps_the_users_work(tmp_path):
    prefix, home = make_prefix(tmp_path), tmp_path / "home"
    logs: list[str] = []
    sync_notebooks.sync(prefix, home, "student", log=logs.append)
    nbs = home / "dlfs" / "notebooks" / "student"
    (nbs / "a.ipynb").write_text("a v1 + my answer")  # the student works on a
    student = prefix / "course" / "notebooks" / "student"
    (student / "a.ipynb").write_text("a v2")  # the course updates both
    (student / "b.ipynb").write_text("b v2")
    logs.clear()
    sync_notebooks.sync(prefix, home, "student", log=logs.append)
    assert (nbs / "a.ipynb").read_text() == "a v1 + my answer"
    assert (nbs / "a.updated.ipynb").read_text() == "a v2"
    assert (nbs / "b.ipynb").read_text() == "b v2"
    assert any("changed by you, kept" in m for m in logs) and any(m.endswith("b.ipynb: updated") for m in logs)
    # a deleted notebook comes back; a rerun with nothing new changes nothing
    (nbs / "b.ipynb").unlink()
    sync_notebooks.sync(prefix, home, "student", log=lambda m: None)
    assert (nbs / "b.ipynb").read_text() == "b v2"
    before = {p.name: p.read_text() for p in nbs.iterdir()}
    logs.clear()
    sync_notebooks.sync(prefix, home, "student", log=logs.append)
    assert {p.name: p.read_text() for p in nbs.iterdir()} == before
    assert not [m for m in logs if "updated" in m or "copied" in m]


def test_lecturer_gets_the_solutions(tmp_path):
    prefix, home = make_prefix(tmp_path), tmp_path / "home"
    sync_notebooks.sync(prefix, home, "lecturer", log=lambda m: None)
    assert (home / "dlfs" / "notebooks" / "a.ipynb").read_text() == "a with solutions"
    assert (home / "dlfs" / "notebooks" / "student" / "a.ipynb").read_text() == "a v1"


def test_a_link_in_place_of_a_notebook_is_not_followed(tmp_path):
    prefix, home = make_prefix(tmp_path), tmp_path / "home"
    nbs = home / "dlfs" / "notebooks" / "student"
    nbs.mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.write_text("not yours")
    (nbs / "a.ipynb").symlink_to(victim)
    sync_notebooks.sync(prefix, home, "student", log=lambda m: None)
    assert victim.read_text() == "not yours"
    assert (nbs / "a.ipynb").is_symlink()


def test_lecturer_without_solutions_in_the_install(tmp_path):
    """The class image has no solutions (binder/Dockerfile): a lecturer's start still works."""
    prefix, home = make_prefix(tmp_path), tmp_path / "home"
    (prefix / "solutions" / "notebooks" / "a.ipynb").unlink()
    (prefix / "solutions" / "notebooks").rmdir()
    logs: list[str] = []
    sync_notebooks.sync(prefix, home, "lecturer", log=logs.append)
    assert sorted(p.name for p in (home / "dlfs" / "notebooks" / "student").iterdir()) == \
        ["a.ipynb", "b.ipynb", "evcxr.toml"]
    assert not (home / "dlfs" / "notebooks" / "a.ipynb").exists()
    assert any("no notebooks with solutions" in m for m in logs), logs
