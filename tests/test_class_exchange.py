"""nbgrader's exchange between real accounts: release, fetch, submit, collect, autograde.

Runs as root, like tests/test_class_hub.py. The whole exchange runs ONCE per test run, in
the session fixture `graded_class` (tests/conftest.py, which calls `class_run` below), and
this file and tests/test_class_grading.py check what it left. `class_run` adds a test
lecturer and two test students (`dlfsx...`, system users made by `scripts/class.sh
--add-only`, removed afterwards with their homes) and an exchange of its own
(DLFS_NBGRADER_EXCHANGE, in a scratch directory), then runs every nbgrader command as the
user who would run it (runuser), with the environment the hub gives their servers:

  - the lecturer makes the course from the notebooks with solutions (the installed
    PREFIX/course/scripts/class/nbgrader_assignment.py, 4.3 only, to keep it short),
    generates and releases the assignment;
  - each student fetches it (into ~/dlfs/notebooks/chapter4) and submits: student A the
    mixed answers of `ANSWERS_A` (a wrong value, a stub left as it is, a panic, and two
    solutions, each kind followed by an exercise that must keep its points), student B
    every solution;
  - the lecturer collects once and autogrades once (both submissions) on the class's `rust`
    kernel.

Checked here: the exchange's modes; neither student can list the inbound, read the other's
submission (even by its exact path) or the course's source, or write into the release; the
release holds no line of a solution; the collected notebooks are what each student
submitted. The scores: tests/test_class_grading.py.
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

from test_class_hub import kill_pids, pids_of

ROOT = Path(__file__).resolve().parent.parent
PREFIX = Path(os.environ.get("DLFS_PREFIX", "/opt/dlfs"))
NBGRADER = str(PREFIX / "venv" / "bin" / "nbgrader")
PY = str(PREFIX / "venv" / "bin" / "python")
ASSIGNMENT, COURSE_ID = "chapter4", "dlfs-ch4"
GRADED = "4.3-numerical-differentiation"
STUB = "여기에 답을 써 보세요"
SOLUTION = "(the solution)"  # in ANSWERS_A: the exercise's solution from the course's source

# Student A's answers ({solution cell id: code}); an exercise not named keeps its stub.
ANSWERS_A = {
    # x = 5 at h = 1e-2 instead of 1e-1: other numbers, so its test fails
    "sol-4-3-1": "let quad = dlfs_plot::DifferenceErrors::measure(function_1, 5.0, 0.2)?;\n"
                 "let (h_b, fwd_b, cen_b) = quad.at(1e-2);",
    # sol-4-3-2: the stub (the test cell's names are unbound: a compile error)
    "sol-4-3-3": SOLUTION,  # after a wrong value and a stub
    "sol-4-3-4": 'panic!("student code panics");',
    "sol-4-3-5": SOLUTION,  # after a panic (evcxr keeps the variables)
}
# Student A's points per exercise, as nbgrader must give them (2 per autograded exercise).
SCORES_A = {"sol-4-3-1": 0, "sol-4-3-2": 0, "sol-4-3-3": 2, "sol-4-3-4": 0, "sol-4-3-5": 2}


class Class:
    """The test users, the exchange, and a way to run a command as one of them, the
    steps of the exchange, and what they left (paths, submissions, scores, times)."""

    def __init__(self, scratch: Path, lecturer: str, students: list[str]):
        self.scratch, self.lecturer, self.students = scratch, lecturer, students
        self.exchange = scratch / "exchange"
        self.inbound = self.exchange / COURSE_ID / "inbound"
        self.released = self.exchange / COURSE_ID / "outbound" / ASSIGNMENT / f"{GRADED}.ipynb"
        self.course = Path(pwd.getpwnam(lecturer).pw_dir) / "course"
        self.source_path = self.course / "source" / ASSIGNMENT / f"{GRADED}.ipynb"
        self.submitted: dict[str, dict[str, str]] = {}  # student: {cell id: the source submitted}
        self.submissions: dict[str, Path] = {}  # student: their directory in the inbound
        self.scores: dict[str, dict[str, list]] = {}  # student: nbgrader_assignment.py --scores
        self.times: dict[str, float] = {}

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

    def source(self) -> dict[str, dict]:
        """The course's source notebook (the solutions, the hidden tests), cells by id."""
        return cells_by_id(self.source_path)

    def release(self) -> None:
        """The lecturer: the server's start (notebooks, warm slot), the course, the release."""
        lect = self.lecturer
        self.ok(lect, f"{PREFIX}/bin/dlfs-singleuser", "true")
        self.ok(lect, PY, f"{PREFIX}/course/scripts/class/nbgrader_assignment.py", "--course", str(self.course),
                f"{PREFIX}/solutions/notebooks/{GRADED}.ipynb")
        self.ok(lect, NBGRADER, "generate_assignment", ASSIGNMENT, cwd=self.course, timeout=600)
        self.ok(lect, NBGRADER, "release_assignment", ASSIGNMENT, cwd=self.course)

    def submit(self, student: str, answers: dict[str, str]) -> None:
        """`student`: their notebooks (as at a server start), fetch, the stubs of `answers`
        replaced ({cell id: code, or SOLUTION}), submit."""
        home = Path(pwd.getpwnam(student).pw_dir)
        self.ok(student, PY, f"{PREFIX}/bin/dlfs_sync_notebooks.py", "--prefix", str(PREFIX), "--home",
                str(home), "--role", "student")
        self.ok(student, NBGRADER, "fetch_assignment", ASSIGNMENT)
        fetched = home / "dlfs" / "notebooks" / ASSIGNMENT / f"{GRADED}.ipynb"
        assert fetched.owner() == student, "fetch_assignment did not put the notebook in ~/dlfs/notebooks/chapter4"
        source = self.source()
        nb = json.loads(fetched.read_text())
        cells = {c["id"]: c for c in nb["cells"]}
        assert set(answers) <= set(cells), f"no cell {sorted(set(answers) - set(cells))} in the release"
        for cid, code in answers.items():
            assert STUB in "".join(cells[cid]["source"]), f"{cid} is not a stub in the release"
            cells[cid]["source"] = source[cid]["source"] if code == SOLUTION else code
        fetched.write_text(json.dumps(nb))
        os.chown(fetched, pwd.getpwnam(student).pw_uid, -1)
        self.ok(student, NBGRADER, "submit", ASSIGNMENT)
        self.submitted[student] = {c["id"]: "".join(c["source"]) for c in nb["cells"]}
        (self.submissions[student],) = [p for p in self.inbound.iterdir() if p.name.startswith(f"{student}+")]

    def grade(self) -> None:
        """The lecturer: one collect, one autograde (every submission, the class kernel, warm)."""
        self.ok(self.lecturer, NBGRADER, "collect", ASSIGNMENT, cwd=self.course)
        self.ok(self.lecturer, NBGRADER, "autograde", ASSIGNMENT, "--create", cwd=self.course, timeout=1800)
        for student in self.students:
            out = self.ok(self.lecturer, PY, f"{PREFIX}/course/scripts/class/nbgrader_assignment.py", "--course",
                          str(self.course), "--scores", student, GRADED)
            self.scores[student] = json.loads(out.splitlines()[-1])


def class_run():
    """The users, the exchange run once (release, both submissions, collect, autograde), and
    afterwards the users and their processes removed: the generator behind `graded_class`."""
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
        klass = Class(scratch, lecturer, students)
        a, b = students
        steps = [("release", klass.release), ("submit A", lambda: klass.submit(a, ANSWERS_A)),
                 ("submit B", lambda: klass.submit(b, {cid: SOLUTION for cid, c in klass.source().items()
                                                       if c["metadata"].get("nbgrader", {}).get("solution")})),
                 ("collect and autograde", klass.grade)]
        for name, step in steps:
            t0 = time.monotonic()
            step()
            klass.times[name] = time.monotonic() - t0
        pool = Path(pwd.getpwnam(lecturer).pw_dir) / ".cache" / "dlfs" / "evcxr-pool" / "class"
        print(f"class exchange: {', '.join(f'{k} {v:.0f} s' for k, v in klass.times.items())} "
              f"(the lecturer's kernel slots: {sorted(p.name for p in pool.iterdir())}); "
              f"{a}: {klass.scores[a]}; {b}: {klass.scores[b]}", flush=True)
        yield klass
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


def leaked(source_cells, released: str) -> list[str]:
    """The lines of the solutions among `source_cells` (an nbgrader source notebook's) that
    are in `released`. Only a solution's own lines count: a line the lesson itself shows (like
    `let h = 1e-4;`), a comment, or a line of 12 characters or fewer is no secret."""
    text = lambda c: "".join(c["source"])
    nbg = lambda c: c["metadata"].get("nbgrader", {})
    cells = list(source_cells)
    public = "\n".join(text(c) for c in cells if not nbg(c).get("grade") and not nbg(c).get("solution"))
    found = []
    for c in cells:
        if nbg(c).get("solution"):
            lines = [x.strip() for x in text(c).splitlines()
                     if len(x.strip()) > 12 and not x.strip().startswith("//") and x.strip() not in public]
            assert lines, f"{c['id']}: no line of its own to look for"
            found += [x for x in lines if x in released]
    return found


def test_the_exchange_is_the_lecturers(graded_class):
    klass = graded_class
    # as class.sh made it: nbgrader's sticky root; an inbound students write to but cannot list
    assert klass.exchange.stat().st_mode & 0o7777 == 0o1777
    inbound = klass.inbound
    assert inbound.stat().st_mode & 0o7777 == 0o2733 and inbound.owner() == klass.lecturer
    assert inbound.group() == "dlfs-staff"
    assert klass.released.is_file() and klass.released.owner() == klass.lecturer
    # each submission closed to other students (scripts/class/nbgrader_exchange.py's StaffOnlySubmit)
    for student in klass.students:
        sub = klass.submissions[student]
        assert sub.stat().st_mode & 0o777 == 0o770 and sub.group() == "dlfs-staff", (student, oct(sub.stat().st_mode))


def test_a_student_reads_no_other_submission_nor_the_solutions(graded_class):
    klass = graded_class
    a, b = klass.students
    for reader, other in ((b, a), (a, b)):
        for path in (klass.inbound, klass.submissions[other] / f"{GRADED}.ipynb", klass.source_path):
            r = klass.run(reader, "cat" if path.suffix else "ls", str(path))
            assert r.returncode != 0 and "Permission denied" in r.stderr, f"{reader} reads {path}: {r.stdout[:200]}"
        r = klass.run(reader, "touch", str(klass.released.parent / "x"))
        assert r.returncode != 0 and "Permission denied" in r.stderr, f"{reader} can write into the release"
    release = "\n".join("".join(c["source"]) for c in json.loads(klass.ok(b, "cat", str(klass.released)))["cells"])
    assert not leaked(klass.source().values(), release)


def test_collect_brings_what_each_student_submitted(graded_class):
    klass = graded_class
    for student in klass.students:
        collected = cells_by_id(klass.course / "submitted" / student / ASSIGNMENT / f"{GRADED}.ipynb")
        assert {cid: c["source"] for cid, c in collected.items()} == klass.submitted[student], student
