"""The exercises as an nbgrader assignment (scripts/class/nbgrader_assignment.py), graded.

  - the assignment's student version (`nbgrader generate_assignment`) is what
    notebooks/student/ holds, once the generated test cells are left out;
  - on 4.3, autograded by nbgrader on the `rust` kernel (warm slots, the class's offline
    kernel environment): a correct submission gets full marks on every autograded
    exercise; a wrong answer loses exactly that exercise's points; a panicking cell scores 0
    for its exercise, and the exercise after both keeps its points.

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
from test_class_hub import run_install

ROOT = Path(__file__).resolve().parent.parent
PREFIX = Path(os.environ.get("DLFS_PREFIX", "/opt/dlfs"))
PY = PREFIX / "venv" / "bin" / "python"
GEN = ROOT / "scripts" / "class" / "nbgrader_assignment.py"
ASSIGNMENT = "chapter4"
GRADED = "4.3-numerical-differentiation"


def kernel_env(scratch: Path) -> dict[str, str]:
    """The environment of a student's kernel (scripts/class/hub_config.py), with the
    build cache and the slots in `scratch`, seeded from the install's warm copies."""
    cache, pool = scratch / "cache", scratch / "pool"
    if not cache.exists():
        shutil.copytree(PREFIX / "warm" / "cache", cache, symlinks=True)
        shutil.copytree(PREFIX / "warm" / "pool" / "slot-0", pool / "slot-0", symlinks=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO", "RUSTUP", "RUSTC"))}
    env.update({
        "PATH": f"{PREFIX}/rust/bin:{PREFIX}/bin:{PREFIX}/venv/bin:/usr/local/bin:/usr/bin:/bin",
        "CARGO_HOME": f"{PREFIX}/cargo", "CARGO_NET_OFFLINE": "true",
        "DLFS_DATA_DIR": f"{PREFIX}/mnist", "XDG_CACHE_HOME": str(cache),
        "DLFS_KERNEL_POOL": str(pool),
    })
    return env


@pytest.fixture(scope="module")
def course():
    if os.geteuid() != 0:
        pytest.fail("tests/test_class_grading.py must run as root (it installs /opt/dlfs)")
    run_install("class grading")
    scratch = Path(tempfile.mkdtemp(prefix="dlfs-grading-"))
    course = scratch / "course"
    env = kernel_env(scratch)
    r = subprocess.run([str(PY), str(GEN), "--course", str(course)], capture_output=True, text=True, env=env,
                       check=False)
    assert r.returncode == 0, r.stderr
    nbgrader = str(PREFIX / "venv" / "bin" / "nbgrader")
    r = subprocess.run([nbgrader, "generate_assignment", ASSIGNMENT, "--force"],
                       cwd=course, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    yield {"course": course, "env": env}
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
        graded = [c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
                  or c["metadata"].get("nbgrader", {}).get("solution")]
        public = "\n".join("".join(c["source"]) for c in source["cells"] if c not in graded)
        solutions = ["".join(c["source"]) for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
        released = "\n".join("".join(c["source"]) for c in rel["cells"])
        for sol in solutions:
            # the solution's own lines (a line the lesson itself shows is no secret)
            lines = [x.strip() for x in sol.splitlines()
                     if len(x.strip()) > 12 and not x.strip().startswith("//") and x.strip() not in public]
            assert lines and not any(x in released for x in lines), (name, [x for x in lines if x in released])
    config = (course["course"] / "nbgrader_config.py").read_text()
    assert '"rust": ' in config and "c.Execute.timeout = 900" in config


def submit(course: dict, student: str, answers: dict[str, str]) -> dict[str, list]:
    """Submit the 4.3 notebook with the solutions, some replaced by `answers`
    ({solution id: code}); autograde it; the scores per grade id."""
    root = course["course"]
    src = json.loads((root / "source" / ASSIGNMENT / f"{GRADED}.ipynb").read_text())
    nb = json.loads((root / "release" / ASSIGNMENT / f"{GRADED}.ipynb").read_text())
    solutions = {c["id"]: "".join(c["source"]) for c in src["cells"] if "solution" in c["metadata"].get("tags", [])}
    for cell in nb["cells"]:
        if cell.get("id") in solutions:
            cell["source"] = answers.get(cell["id"], solutions[cell["id"]])
    sub = root / "submitted" / student / ASSIGNMENT
    sub.mkdir(parents=True, exist_ok=True)
    (sub / f"{GRADED}.ipynb").write_text(json.dumps(nb))
    shutil.copy(root / "release" / ASSIGNMENT / "evcxr.toml", sub / "evcxr.toml")
    r = subprocess.run([str(PREFIX / "venv" / "bin" / "nbgrader"), "autograde", ASSIGNMENT, "--student", student,
                        "--force", "--create"],
                       cwd=root, capture_output=True, text=True, env=course["env"], timeout=1800, check=False)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    r = subprocess.run([str(PY), str(GEN), "--course", str(root), "--scores", student, GRADED],
                       capture_output=True, text=True, env=course["env"], check=False)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def graded_ids(course) -> tuple[list[str], list[str]]:
    """The autograded test cells and the hand-graded solutions of the graded notebook's source."""
    src = json.loads((course["course"] / "source" / ASSIGNMENT / f"{GRADED}.ipynb").read_text())
    meta = [c["metadata"].get("nbgrader", {}) for c in src["cells"]]
    auto = [m["grade_id"] for m in meta if m.get("grade") and not m.get("solution")]
    manual = [m["grade_id"] for m in meta if m.get("grade") and m.get("solution")]
    return auto, manual


def test_correct_submission_gets_full_marks(course):
    scores = submit(course, "good", {})
    auto_ids, manual_ids = graded_ids(course)
    auto = {k: v for k, v in scores.items() if k.endswith("-test")}
    assert auto_ids and sorted(auto) == sorted(auto_ids)
    assert all(score == top == 2 for score, top, _ in auto.values()), auto
    # a solution that binds nothing (a loop that prints, a figure) is graded by hand
    assert all(scores[m][2] is True and scores[m][1] == 2 for m in manual_ids), scores


def test_wrong_answer_and_panic_lose_exactly_their_points(course):
    scores = submit(course, "bad", {
        # x = 5 at h = 1e-2 instead of 1e-1: other numbers, so its test scores 0
        "sol-4-3-1": "let quad = dlfs_plot::DifferenceErrors::measure(function_1, 5.0, 0.2)?;\n"
                     "let (h_b, fwd_b, cen_b) = quad.at(1e-2);",
        "sol-4-3-4": 'panic!("student code panics");',  # the last exercise
    })
    assert scores["sol-4-3-1-test"][0] == 0, scores  # wrong value
    assert scores["sol-4-3-4-test"][0] == 0, scores  # panicked
    auto_ids, _ = graded_ids(course)
    others = [a for a in auto_ids if a not in ("sol-4-3-1-test", "sol-4-3-4-test")]
    assert others and all(scores[a][0] == 2 for a in others), scores  # untouched: full marks
