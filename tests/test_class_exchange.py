"""nbgrader's exchange between real accounts: release, fetch, submit, collect, autograde.

Runs as root, like tests/test_class_hub.py: it adds a test lecturer and two test students
(`dlfsx...`, system users made by `scripts/class.sh --add-only`, removed afterwards with their
homes) and an exchange of its own (DLFS_NBGRADER_EXCHANGE, in a scratch directory), then runs
every nbgrader command as the user who would run it (runuser), with the environment the hub
gives their servers:

  - the lecturer makes the course from the notebooks with solutions (the installed
    PREFIX/course/scripts/class/nbgrader_assignment.py, 4.3 only, to keep it short),
    generates and releases the assignment;
  - student A fetches it (into ~/dlfs/notebooks/chapter4), writes one answer, submits;
  - student B can neither list the inbound nor read A's submission (even by its exact path),
    nor read the course's source; B can read the release, and no line of a solution is in it;
  - the lecturer collects and autogrades on the class's `rust` kernel: A's one answer gets
    its points, every exercise A left as the stub gets 0.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from test_class_hub import kill_pids, pids_of, require_root, run_install

ROOT = Path(__file__).resolve().parent.parent
PREFIX = Path(os.environ.get("DLFS_PREFIX", "/opt/dlfs"))
NBGRADER = str(PREFIX / "venv" / "bin" / "nbgrader")
PY = str(PREFIX / "venv" / "bin" / "python")
ASSIGNMENT, COURSE_ID = "chapter4", "dlfs-ch4"
GRADED = "4.3-numerical-differentiation"


class Class:
    """The test users, the exchange, and a way to run a command as one of them."""

    def __init__(self, scratch: Path, lecturer: str, students: list[str]):
        self.scratch, self.lecturer, self.students = scratch, lecturer, students
        self.exchange = scratch / "exchange"
        self.course = Path(pwd.getpwnam(lecturer).pw_dir) / "course"

    def run(self, user: str, *cmd: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        home = pwd.getpwnam(user).pw_dir
        env = [f"HOME={home}", f"USER={user}", f"LOGNAME={user}", "LANG=C.UTF-8",
               # as scripts/class/hub_config.py gives every server
               f"PATH={PREFIX}/rust/bin:{PREFIX}/bin:{PREFIX}/venv/bin:/usr/local/bin:/usr/bin:/bin",
               f"CARGO_HOME={PREFIX}/cargo", "CARGO_NET_OFFLINE=true", f"DLFS_DATA_DIR={PREFIX}/mnist",
               f"DLFS_KERNEL_POOL={home}/.cache/dlfs/evcxr-pool/class",
               f"DLFS_ROLE={'lecturer' if user == self.lecturer else 'student'}",
               f"DLFS_NBGRADER_EXCHANGE={self.exchange}"]
        return subprocess.run(["runuser", "-u", user, "--", "env", "-i", *env, *cmd], cwd=cwd or home,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def ok(self, user: str, *cmd: str, cwd: Path | None = None, timeout: float = 300) -> str:
        r = self.run(user, *cmd, cwd=cwd, timeout=timeout)
        assert r.returncode == 0, \
            f"{user}: {' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        return r.stdout


@pytest.fixture(scope="module")
def klass():
    require_root()
    run_install("class exchange")
    tag = secrets.token_hex(3)
    lecturer, students = f"dlfsx{tag}l", [f"dlfsx{tag}a", f"dlfsx{tag}b"]
    scratch = Path(tempfile.mkdtemp(prefix="dlfs-exchange-test-"))
    scratch.chmod(0o755)  # the users reach the exchange inside it
    try:
        (scratch / "students.txt").write_text("\n".join(students) + "\n")
        r = subprocess.run(["bash", str(ROOT / "scripts" / "class.sh"), "--no-install", "--add-only",
                            "--state", str(scratch / "state"), "--lecturer", lecturer,
                            "--students", str(scratch / "students.txt")],
                           capture_output=True, text=True, timeout=120, check=False,
                           env={**os.environ, "DLFS_NBGRADER_EXCHANGE": str(scratch / "exchange")})
        assert r.returncode == 0, f"class.sh --add-only failed:\n{r.stdout}\n{r.stderr}"
        yield Class(scratch, lecturer, students)
    finally:
        for user in [lecturer, *students]:
            try:
                kill_pids(pids_of(user))
            except KeyError:
                continue
            subprocess.run(["userdel", "--remove", user], capture_output=True, check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def cells_by_id(path: Path) -> dict[str, dict]:
    """A notebook's cells by id, each cell's source as one string."""
    cells = json.loads(path.read_text())["cells"]
    return {c["id"]: {**c, "source": "".join(c["source"])} for c in cells}


def test_release_fetch_submit_collect_autograde(klass):
    lect, (a, b) = klass.lecturer, klass.students
    course, inbound = klass.course, klass.exchange / COURSE_ID / "inbound"
    t0 = time.monotonic()
    # The exchange as class.sh made it.
    assert klass.exchange.stat().st_mode & 0o7777 == 0o1777
    assert inbound.stat().st_mode & 0o7777 == 0o2733 and inbound.owner() == lect and inbound.group() == "dlfs-staff"

    # The lecturer: the server's start (notebooks, warm slot), the course, the release.
    klass.ok(lect, f"{PREFIX}/bin/dlfs-singleuser", "true")
    klass.ok(lect, PY, f"{PREFIX}/course/scripts/class/nbgrader_assignment.py", "--course", str(course),
             f"{PREFIX}/solutions/notebooks/{GRADED}.ipynb")
    klass.ok(lect, NBGRADER, "generate_assignment", ASSIGNMENT, cwd=course, timeout=600)
    klass.ok(lect, NBGRADER, "release_assignment", ASSIGNMENT, cwd=course)
    released = klass.exchange / COURSE_ID / "outbound" / ASSIGNMENT / f"{GRADED}.ipynb"
    assert released.is_file() and released.owner() == lect

    # Student A: their notebooks (as at a server start), fetch, one answer, submit.
    klass.ok(a, PY, f"{PREFIX}/bin/dlfs_sync_notebooks.py", "--prefix", str(PREFIX), "--home",
             pwd.getpwnam(a).pw_dir, "--role", "student")
    klass.ok(a, NBGRADER, "fetch_assignment", ASSIGNMENT)
    fetched = Path(pwd.getpwnam(a).pw_dir) / "dlfs" / "notebooks" / ASSIGNMENT / f"{GRADED}.ipynb"
    assert fetched.owner() == a, "fetch_assignment did not put the notebook in ~/dlfs/notebooks/chapter4"
    source = cells_by_id(course / "source" / ASSIGNMENT / f"{GRADED}.ipynb")
    tests = [i for i in source if i.endswith("-test")]
    answered = tests[-1].removesuffix("-test")  # the last autograded exercise, the only one answered
    nb = json.loads(fetched.read_text())
    cell = next(c for c in nb["cells"] if c["id"] == answered)
    assert "여기에 답을 써 보세요" in "".join(cell["source"])
    cell["source"] = source[answered]["source"]
    fetched.write_text(json.dumps(nb))
    os.chown(fetched, pwd.getpwnam(a).pw_uid, -1)
    klass.ok(a, NBGRADER, "submit", ASSIGNMENT)
    (submission,) = [p for p in inbound.iterdir() if p.name.startswith(f"{a}+{ASSIGNMENT}+")]
    assert submission.stat().st_mode & 0o777 == 0o770 and submission.group() == "dlfs-staff"

    # Student B: not the inbound, not A's submission by its exact path, not the source;
    # the release, without any line of a solution.
    for path in (inbound, submission / f"{GRADED}.ipynb", course / "source" / ASSIGNMENT / f"{GRADED}.ipynb"):
        r = klass.run(b, "cat" if path.suffix else "ls", str(path))
        assert r.returncode != 0 and "Permission denied" in r.stderr, f"{b} reads {path}: {r.stdout[:200]}"
    r = klass.run(b, "touch", str(released.parent / "x"))
    assert r.returncode != 0 and "Permission denied" in r.stderr, "a student can write into the release"
    release = "\n".join("".join(c["source"]) for c in json.loads(klass.ok(b, "cat", str(released)))["cells"])
    public = "\n".join(c["source"] for c in source.values() if not c["metadata"].get("nbgrader", {}).get("grade")
                       and not c["metadata"].get("nbgrader", {}).get("solution"))
    for cid, c in source.items():
        if c["metadata"].get("nbgrader", {}).get("solution"):
            # the solution's own lines (a line the lesson itself shows, like `let h = 1e-4;`, is no secret)
            lines = [x.strip() for x in c["source"].splitlines()
                     if len(x.strip()) > 12 and not x.strip().startswith("//") and x.strip() not in public]
            assert lines and not any(x in release for x in lines), f"{cid} is in the release"

    # The lecturer: collect, autograde (the class kernel, warm), the scores.
    klass.ok(lect, NBGRADER, "collect", ASSIGNMENT, cwd=course)
    collected = course / "submitted" / a / ASSIGNMENT / f"{GRADED}.ipynb"
    assert cells_by_id(collected)[answered]["source"] == source[answered]["source"]
    klass.ok(lect, NBGRADER, "autograde", ASSIGNMENT, "--create", cwd=course, timeout=1800)
    scores = json.loads(klass.ok(lect, PY, f"{PREFIX}/course/scripts/class/nbgrader_assignment.py", "--course",
                                 str(course), "--scores", a, GRADED).splitlines()[-1])
    print(f"class exchange: {a}: {scores} ({time.monotonic() - t0:.0f} s from release to grades)", flush=True)
    assert sorted(k for k in scores if k.endswith("-test")) == sorted(tests)
    for test in tests:
        score, top, _ = scores[test]
        assert top == 2 and score == (2 if test == f"{answered}-test" else 0), (test, scores)
