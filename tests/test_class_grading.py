"""The exercises as an nbgrader assignment (scripts/class/nbgrader_assignment.py), graded.

  - the assignment's student version (`nbgrader generate_assignment`, all four notebooks, no
    kernel) is what notebooks/student/ holds, once the generated test cells are left out;
    its test cells keep only their comment, and no line of a solution is in it;
  - 4.3 autograded by nbgrader on the `rust` kernel (warm slots, the class's offline kernel
    environment), through the exchange between real accounts that tests/test_class_exchange.py
    runs once per test run (the session fixture `graded_class`): student B's submission, every
    solution, gets full marks on every autograded exercise; in student A's, a wrong answer,
    an exercise left as the stub and a panicking cell each score 0 for their exercise only,
    and the exercises after them, answered with the solution, keep their points.

Runs as root, like tests/test_class_hub.py (it installs /opt/dlfs first).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from test_class_exchange import SCORES_A, leaked

ROOT = Path(__file__).resolve().parent.parent
PREFIX = Path(os.environ.get("DLFS_PREFIX", "/opt/dlfs"))
PY = PREFIX / "venv" / "bin" / "python"
GEN = ROOT / "scripts" / "class" / "nbgrader_assignment.py"
ASSIGNMENT = "chapter4"


@pytest.fixture(scope="module")
def course(class_install):
    """All four notebooks as an assignment, generated (nothing runs on a kernel), as root."""
    scratch = Path(tempfile.mkdtemp(prefix="dlfs-grading-"))
    course = scratch / "course"
    env = {**os.environ, "PATH": f"{PREFIX}/venv/bin:{os.environ['PATH']}"}  # nbgrader calls alembic
    r = subprocess.run([str(PY), str(GEN), "--course", str(course)], capture_output=True, text=True, env=env,
                       check=False)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(PREFIX / "venv" / "bin" / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force"],
                       cwd=course, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    yield {"course": course}
    shutil.rmtree(scratch, ignore_errors=True)


def is_test(cell) -> bool:
    meta = cell["metadata"].get("nbgrader", {})
    return meta.get("grade", False) and not meta.get("solution", False)


def test_student_version_is_the_student_copy(course):
    release = course["course"] / "release" / ASSIGNMENT
    student = ROOT / "notebooks" / "student"
    names = sorted(p.name for p in student.glob("*.ipynb"))
    assert names and sorted(p.name for p in release.glob("*.ipynb")) == names
    for name in names:
        rel = json.loads((release / name).read_text())
        stu = json.loads((student / name).read_text())
        kept = [c for c in rel["cells"] if not is_test(c)]
        assert [(c["cell_type"], "".join(c["source"])) for c in kept] == \
            [(c["cell_type"], "".join(c["source"])) for c in stu["cells"]], name
        assert all(not c.get("outputs") for c in kept if c["cell_type"] == "code"), name
        tests = [c for c in rel["cells"] if is_test(c)]
        assert tests, f"{name}: no test cells"
        source = json.loads((course["course"] / "source" / ASSIGNMENT / name).read_text())
        hidden = {c["id"]: "".join(c["source"]) for c in source["cells"] if is_test(c)}
        assert sorted(hidden) == sorted(t["id"] for t in tests), name
        for t in tests:
            src = "".join(t["source"])
            # the release keeps the comment only: the recomputed solution is a hidden test
            assert t["metadata"]["nbgrader"]["locked"] and src.strip().startswith("// 채점"), src
            assert "HIDDEN" not in src and "expected" not in src and "\n" not in src.strip(), src
            code = [line for line in hidden[t["id"]].splitlines() if not line.lstrip().startswith("//")]
            assert "BEGIN HIDDEN TESTS" in hidden[t["id"]] and code[-1].rstrip().endswith(";"), hidden[t["id"]]
        # no line of a solution reaches the students (the stub replaces it, the tests are hidden)
        released = "\n".join("".join(c["source"]) for c in rel["cells"])
        assert not leaked(source["cells"], released), name
    config = (course["course"] / "nbgrader_config.py").read_text()
    assert '"rust": ' in config and "c.Execute.timeout = 900" in config


def graded_ids(klass) -> tuple[list[str], list[str]]:
    """The autograded test cells and the hand-graded solutions of the graded notebook's source."""
    meta = [c["metadata"].get("nbgrader", {}) for c in klass.source().values()]
    auto = [m["grade_id"] for m in meta if m.get("grade") and not m.get("solution")]
    manual = [m["grade_id"] for m in meta if m.get("grade") and m.get("solution")]
    return auto, manual


def test_correct_submission_gets_full_marks(graded_class):
    scores = graded_class.scores[graded_class.students[1]]  # student B: every solution
    auto_ids, manual_ids = graded_ids(graded_class)
    auto = {k: v for k, v in scores.items() if k.endswith("-test")}
    assert auto_ids and sorted(auto) == sorted(auto_ids)
    assert all(score == top == 2 for score, top, _ in auto.values()), auto
    # a solution that binds nothing (a loop that prints, a figure) is graded by hand
    assert all(scores[m][2] is True and scores[m][1] == 2 for m in manual_ids), scores


def test_wrong_answer_stub_and_panic_lose_exactly_their_points(graded_class):
    scores = graded_class.scores[graded_class.students[0]]  # student A: ANSWERS_A
    auto_ids, _ = graded_ids(graded_class)
    # every autograded exercise of 4.3 is in SCORES_A (a new exercise must be given a part)
    assert sorted(auto_ids) == sorted(f"{cid}-test" for cid in SCORES_A), auto_ids
    got = {cid: scores[f"{cid}-test"][0] for cid in SCORES_A}
    assert got == SCORES_A, scores  # 0 for the wrong value, the stub and the panic; 2 after each
    assert all(scores[f"{cid}-test"][1] == 2 for cid in SCORES_A), scores
