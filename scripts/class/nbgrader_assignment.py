"""The chapter's exercises as an nbgrader assignment, generated from the built notebooks.

    PREFIX/venv/bin/python scripts/class/nbgrader_assignment.py --course DIR [--prefix /opt/dlfs]
        [--assignment chapter4] [notebooks/4.3-numerical-differentiation.ipynb ...]

writes an nbgrader course directory DIR (default: all four notebooks; the install puts this
script in PREFIX/course/scripts/class/, where it takes them from PREFIX/solutions/notebooks,
which the lecturer's group can read):

  DIR/nbgrader_config.py          the Rust code stub, the execution timeout, the course id
  DIR/source/ASSIGNMENT/NAME.ipynb   the notebook with its solutions, as nbgrader's source
  DIR/source/ASSIGNMENT/evcxr.toml   the kernel's build cache setting (as notebooks/student/)
  DIR/crate, DIR/autograded/crate (and crates)   links to PREFIX/course/..., so that the
                                  set-up cell's `../../crate` works in source/, release/ and
                                  autograded/STUDENT/ alike

Nothing is written twice: every solution is the code cell tagged `solution` in the built
notebook (notebooks/NAME.ipynb, made from notebooks/src/NAME.md), and `nbgrader
generate_assignment` replaces it by the code stub, `// 여기에 답을 써 보세요.`, the text the
student copies (notebooks/student/) hold in its place. The set-up cell gets the student
copies' crate path. After each solution comes a generated, locked test cell:

  - when the solution binds names at its top level (`let x = ...`, `let (a, b) = ...`), the
    test recomputes them by running the solution's own code inside a block, and compares
    the student's values with them (`{:?}` text; numbers within 1e-9 relative). That block
    is a hidden test (nbgrader's `BEGIN/END HIDDEN TESTS`): the release keeps only the
    cell's first comment, and autograding restores the block. A mismatch
    fails an `assert!`: an error output, which nbgrader scores 0. (Not a line on stderr:
    evcxr forwards the child's stderr late, so nbgrader finds it under the next cell.)
    evcxr keeps the variables across a panic (`preserve_vars_on_panic`, on by default), so
    the other exercises are graded as before. The cell ends in `;`, so it has no value that
    nbgrader could read as partial credit;
  - when it binds nothing (a loop that prints, a figure), the solution cell itself is graded
    by hand (nbgrader's "manually graded answer").

Each exercise is worth POINTS points.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import notebook_source  # noqa: E402  (the student copies' header)

SOLUTION_TAG = "solution"
CODE_STUB = "// 여기에 답을 써 보세요."
# As scripts/notebook_source.py: every `path` dependency one directory further up.
CRATE_PATH = 'path = "../'
STUDENT_CRATE_PATH = 'path = "../../'
POINTS = 2
# nbgrader's hidden-test markers (matched anywhere in a line, so a Rust comment carries them):
# `generate_assignment` cuts the region out of the release, `autograde` puts it back from
# the gradebook. The test recomputes the solution, so it must not reach the students.
HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"
HIDDEN_END = "END HIDDEN TESTS"
CELL_TIMEOUT = 900  # seconds: a first cell on a cold build cache takes minutes
LET_RE = re.compile(r"^let\s+(?:mut\s+)?(\(?[A-Za-z_][A-Za-z0-9_,\s]*\)?)\s*[:=]")

CONFIG = '''# nbgrader configuration of the chapter-4 course (scripts/class/nbgrader_assignment.py)
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "dlfs-ch4"
# nbgrader refuses a notebook whose language has no stub: the student copies' text.
c.ClearSolutions.code_stub = {{"rust": {stub!r}}}
# A first cell builds the crate (seconds on a warm slot, minutes on a cold cache); the
# default 30 s would interrupt it, which kills evcxr's child and every variable.
c.Execute.timeout = {timeout}
c.Execute.startup_timeout = 120
c.Execute.interrupt_on_timeout = True

# evcxr's execute_reply for a failed cell has no ename/evalue/traceback; nbgrader 0.9's
# Execute.on_cell_executed reads reply["content"]["ename"] and stops grading with a KeyError.
# Fill them in before it looks.
from nbgrader.preprocessors import execute as _execute  # noqa: E402

_on_cell_executed = _execute.Execute.on_cell_executed


def _tolerant_on_cell_executed(self, **kwargs):
    content = kwargs["execute_reply"]["content"]
    if content.get("status") == "error":
        content.setdefault("ename", "Error")
        content.setdefault("evalue", "")
        content.setdefault("traceback", [])
    return _on_cell_executed(self, **kwargs)


_execute.Execute.on_cell_executed = _tolerant_on_cell_executed
'''

# The comparison every generated test cell carries (a test cell must stand alone).
CLOSE_FN = """\
    fn close(a: &str, b: &str) -> bool {
        let split = |s: &str| -> Vec<String> {
            let mut out: Vec<String> = vec![];
            let mut last = None;
            for c in s.chars() {
                let n = c.is_ascii_digit() || ".eE+-".contains(c);
                if last != Some(n) {
                    out.push(String::new());
                    last = Some(n);
                }
                out.last_mut().unwrap().push(c);
            }
            out
        };
        let (x, y) = (split(a), split(b));
        x.len() == y.len()
            && x.iter().zip(&y).all(|(p, q)| match (p.parse::<f64>(), q.parse::<f64>()) {
                (Ok(u), Ok(v)) => u == v || (u - v).abs() <= 1e-9 * u.abs().max(v.abs()),
                _ => p == q,
            })
    }
"""


def bound_names(source: str) -> list[str]:
    """The names a cell binds with `let` at its top level (no indentation), in order."""
    names: list[str] = []
    for line in source.splitlines():
        m = LET_RE.match(line)
        if not m:
            continue
        for part in m.group(1).strip("() ").split(","):
            name = part.strip()
            if name and name != "_" and not name.startswith("_") and name not in names:
                names.append(name)
    return names


def as_statements(source: str) -> str:
    """`source` with a final expression (a figure, a value) turned into a statement."""
    lines = source.rstrip().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    last = lines[-1].split("//")[0].rstrip() if lines else ""
    if last and not last.endswith((";", "}")):
        lines[-1] = last + ";"
    return "\n".join(lines)


def test_source(exercise: str, solution: str, names: list[str]) -> str:
    """A test cell: the solution run again in a block, its names compared with the student's."""
    tuple_of = (lambda xs: xs[0] if len(xs) == 1 else "(" + ", ".join(xs) + ")")
    body = "\n".join("        " + line if line else "" for line in as_statements(solution).splitlines())
    got = tuple_of([f"&{n}" for n in names])
    return (
        f"// 채점 ({exercise}): 채점할 때 이 자리에서 {', '.join(names)}의 값을 풀이의 값과 비교합니다.\n"
        f"// ### {HIDDEN_BEGIN}\n"
        "{\n" + CLOSE_FN +
        "    let expected = {\n" + body + "\n" + f"        {tuple_of(names)}\n" + "    };\n"
        f"    let (got, want) = (format!(\"{{:?}}\", {got}), format!(\"{{:?}}\", expected));\n"
        f"    assert!(close(&got, &want), \"{exercise}: {', '.join(names)}의 값이 풀이와 다릅니다\");\n"
        "};\n"
        f"// ### {HIDDEN_END}"
    )


def nbgrader_meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def assignment_notebook(nb):
    """The nbgrader source of a built notebook (an nbformat node): solution cells marked,
    test cells after them, the set-up cell's crate path as in the student copies."""
    import nbformat

    out = copy.deepcopy(nb)
    # An answer that spans several code cells (its figure in a cell of its own) is one
    # nbgrader answer, as it is one blank in the student copy.
    merged = []
    for cell in out.cells:
        answer = cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])
        prev = merged[-1] if merged else None
        if answer and prev is not None and prev.cell_type == "code" \
                and SOLUTION_TAG in prev.metadata.get("tags", []):
            prev.source = as_statements(prev.source) + "\n" + cell.source
            continue
        merged.append(cell)
    cells = []
    for cell in merged:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.source = cell.source.replace(CRATE_PATH, STUDENT_CRATE_PATH)
        if SOLUTION_TAG not in cell.metadata.get("tags", []):
            cells.append(cell)
            continue
        if cell.cell_type == "markdown":
            continue  # a prose answer: in the lecturer's notebook, not in the assignment
        names = bound_names(cell.source)
        cell.metadata["nbgrader"] = nbgrader_meta(cell["id"], solution=True, grade=not names,
                                                  locked=False, points=POINTS)
        cells.append(cell)
        if names:
            test = nbformat.v4.new_code_cell(test_source(cell["id"], cell.source, names))
            test["id"] = f"{cell['id']}-test"[:64]
            test.metadata["nbgrader"] = nbgrader_meta(test["id"], solution=False, grade=True,
                                                      locked=True, points=POINTS)
            cells.append(test)
    # The student copies' header after the title, so that the released version is the copy.
    header = nbformat.v4.new_markdown_cell(notebook_source.STUDENT_HEADER)
    header["id"] = notebook_source.STUDENT_HEADER_ID
    cells.insert(1 if cells and cells[0].cell_type == "markdown" else 0, header)
    out.cells = cells
    return out


def link(path: Path, target: Path) -> None:
    if path.is_symlink():
        path.unlink()
    if target.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)


def build(course: Path, notebooks: list[Path], prefix: Path, assignment: str = "chapter4") -> list[Path]:
    import nbformat

    course = course.resolve()
    src = course / "source" / assignment
    src.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(
        CONFIG.format(root=str(course), stub=CODE_STUB, timeout=CELL_TIMEOUT))
    toml = ROOT / "notebooks" / "student" / "evcxr.toml"
    (src / "evcxr.toml").write_text(toml.read_text())
    for name in ("crate", "crates"):
        for where in (course, course / "autograded"):
            link(where / name, prefix / "course" / name)
    written = []
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        out = src / path.name
        nbformat.write(assignment_notebook(nb), str(out))
        written.append(out)
    return written


def scores(course: Path, assignment: str, student: str, notebook: str) -> dict[str, list]:
    """{grade_id: [score, max_score, needs_manual_grade]} of one autograded notebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(notebook, assignment, student)
        return {g.name: [g.score, g.max_score, g.needs_manual_grade] for g in sub.grades}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--course", type=Path, required=True)
    p.add_argument("--prefix", type=Path, default=Path(os.environ.get("DLFS_PREFIX", "/opt/dlfs")))
    p.add_argument("--assignment", default="chapter4")
    p.add_argument("--scores", nargs=2, metavar=("STUDENT", "NOTEBOOK"),
                   help="print the per-cell scores of an autograded notebook as JSON instead")
    p.add_argument("notebooks", nargs="*", type=Path)
    a = p.parse_args()
    if a.scores:
        import json

        print(json.dumps(scores(a.course, a.assignment, *a.scores)))
        return 0
    # the repository's built notebooks, or (run from PREFIX/course) the lecturer's copies
    notebooks = (a.notebooks or sorted((ROOT / "notebooks").glob("4.*.ipynb"))
                 or sorted((a.prefix / "solutions" / "notebooks").glob("4.*.ipynb")))
    if not notebooks:
        p.error(f"no notebooks given, and none in {ROOT / 'notebooks'} or {a.prefix / 'solutions' / 'notebooks'}")
    for out in build(a.course, notebooks, a.prefix, a.assignment):
        print(f"nbgrader source: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
