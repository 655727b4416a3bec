#!/usr/bin/env python3
"""Execute the notebooks headless on a fresh `rust` (evcxr) kernel and check them.

Run it with the project's environment (``bash scripts/lab.sh --no-launch``
makes it), from anywhere:

    .venv/bin/python scripts/run_notebooks.py --check      # the tests: committed files untouched
    .venv/bin/python scripts/run_notebooks.py --inplace    # build from notebooks/src, execute, write (scripts/notebooks.sh)
    .venv/bin/python scripts/run_notebooks.py --warm       # build the first cells' set-up (scripts/lab.sh)
    .venv/bin/python scripts/run_notebooks.py --check notebooks/4.2-loss-functions.ipynb

Every ``notebooks/*.ipynb`` runs in name order (names starting with "_" only
when named on the command line or with --all), top to bottom, each on its own
fresh kernel started in ``notebooks/`` (so ``:dep dlfs = { path = "../crate" }``
resolves). A notebook fails on any error output (a compile error, a panic, an
evcxr error), on any stderr text (evcxr's report of an error returned by `?`) or
a panic, on a
cell timeout, on a dead kernel, and when a value in CHECKS below is not in its
outputs. The last line is the summary, e.g. ``notebooks: 4 passed, 0 failed``.

The notebooks are built from their sources, notebooks/src/*.md (see
scripts/notebook_source.py). --inplace builds each notebook from its source,
executes it and, if it passes, writes notebooks/NAME.ipynb with its outputs and
the student copy notebooks/student/NAME.ipynb (no solutions, no outputs).
--check first checks that the sources are sound (every cell has its own stored
id; an inserted cell renumbers no other) and that the committed notebooks and
student copies are what the sources give, then executes the committed notebooks.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))
import notebook_source  # noqa: E402

# ---------------------------------------------------------------------------
# Key values that each notebook's outputs must show. Edit here.
#
# Keys are notebook file names. Each check looks at the text of all outputs of
# the notebook (stdout, stderr, text/plain results, text/markdown/html displays)
# with ANSI colour codes removed:
#   contains("0.0975")                        the exact text appears somewhere
#   matches(r"argmax[: =]+2")                 the regular expression matches
#   near_vector([6.0, 8.0], 1e-4)             some printed [a, b] or (a, b) is
#                                             within 1e-4 of it, element-wise
#   at_least(r"test accuracy[: =]+(\d\.\d+)", 0.9)
#                                             the number captured by the regex's
#                                             first group, at its LAST match, is
#                                             >= the bound (case-insensitive)
# A notebook listed here but absent is skipped with a warning.
# ---------------------------------------------------------------------------


@dataclass
class Check:
    describe: str
    test: Callable[[str], tuple[bool, str]]


def contains(text: str) -> Check:
    def test(out: str) -> tuple[bool, str]:
        return (text in out, "found" if text in out else "not found")

    return Check(f"contains {text!r}", test)


def matches(pattern: str) -> Check:
    rx = re.compile(pattern, re.IGNORECASE)

    def test(out: str) -> tuple[bool, str]:
        m = rx.search(out)
        return (m is not None, f"matched {m.group(0)!r}" if m else "no match")

    return Check(f"matches /{pattern}/", test)


def at_least(pattern: str, bound: float) -> Check:
    rx = re.compile(pattern, re.IGNORECASE)

    def test(out: str) -> tuple[bool, str]:
        found = rx.findall(out)
        if not found:
            return (False, "no match")
        last = found[-1]
        value = float(last[0] if isinstance(last, tuple) else last)
        return (value >= bound, f"last value {value}")

    return Check(f"/{pattern}/ >= {bound}", test)


NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def near_vector(expected: list[float], tol: float) -> Check:
    """Some printed vector `[a, b, ...]` or `(a, b, ...)` of the same length is
    within `tol` of `expected`, element by element (e.g. [6.00000000000378,
    7.999999999999119] for (6, 8))."""
    inner = r"\s*,\s*".join([f"({NUMBER})"] * len(expected))
    rx = re.compile(rf"[\[(]\s*{inner}\s*,?\s*[\])]")

    def test(out: str) -> tuple[bool, str]:
        seen = []
        for m in rx.finditer(out):
            values = [float(v) for v in m.groups()]
            if all(abs(v - e) <= tol for v, e in zip(values, expected)):
                return (True, f"found {m.group(0)!r}")
            seen.append(m.group(0))
        return (False, f"no match; vectors seen: {seen[:5]}" if seen else "no vector of that length")

    return Check(f"a vector within {tol} of {expected}", test)


CHECKS: dict[str, list[Check]] = {
    "4.2-loss-functions.ipynb": [
        contains("SSE = 0.0975"),  # SSE, 0.6 at the right class
        contains("SSE = 0.5975"),  # SSE, 0.6 at index 7
        contains("CEE = 0.510825457099338"),  # CEE, right class
        contains("CEE = 2.302584092994546"),  # CEE, index 7
        contains("1.406704775046942"),  # batch CEE of both rows, labels
        contains("x_train.shape = [60000, 784]"),  # MNIST loaded
        contains("-9.999999505838704e-8"),  # the notes' bug reproduced
        # exercises (solution cells)
        contains("p = 0.9: SSE = 0.005556, CEE = 0.105360"),  # -ln 0.9
        contains("p = 0.1: SSE = 0.450000, CEE = 2.302584"),  # -ln 0.1
        contains("delta 있음: 16.11809565095832"),  # -ln 1e-7
        contains("batch_mask (시드 7) = [24998, 1819, 8553, 18425, 3643]"),  # seeded draw
        contains("균등 예측의 손실: 원-핫 2.3025840929945462, 레이블 2.3025840929945462"),  # ~ln 10
    ],
    "4.3-numerical-differentiation.ipynb": [
        contains("0.1999999999990898"),  # numerical_diff at x = 5
        contains("0.2999999999986347"),  # numerical_diff at x = 10
        contains("6.00000000000378"),  # partial derivative in x0 at (3, 4)
        contains("7.999999999999119"),  # partial derivative in x1 at (3, 4)
        contains("-3749.1499804999003"),  # the notes' misplaced parenthesis
        contains("1e-4 |        4.2e-5 |       9.0e-10"),  # sin at 1: truncation h/2 f2, h^2/6 f3
        # exercises (solution cells)
        matches(r"function_1, h = 1e-1: 전방 차분 오차 1\.0e-3, 중심 차분 오차 \d\.\de-1[4-7]"),
        contains("f32, h = 1e-4: 기울기 = 0.2002716"),  # f32: rounding wins at the book's h
        contains("x = 15: 수치 미분 0.4000000000026205"),  # tangent slope 0.02 x + 0.1
        contains("∂f/∂x0 at (-2, 1): 수치 -4.000000000004"),  # by hand: 2 x0 = -4
    ],
    "4.4-gradient.ipynb": [
        near_vector([6.0, 8.0], 1e-4),  # numerical_gradient of x0^2 + x1^2 at (3, 4)
        near_vector([0.0, 4.0], 1e-4),  # at (0, 2)
        near_vector([6.0, 0.0], 1e-4),  # at (3, 0)
        contains("[-2.58983747e13, -1.29524862e12]"),  # lr = 10 runs away
        contains("[-2.99999994, 3.99999992]"),  # lr = 1e-10 barely moves
        contains("[1.05414809, 0.63071653, 1.13280740]"),  # SimpleNet predict
        contains("0.928068286"),  # SimpleNet loss
        contains("[[0.21924757, 0.14356243, -0.36281000],"),  # SimpleNet dW, first row
        contains("delta 없이: -ln(y2)        = 0.92806853"),  # the book's loss, printed without delta
        # the notes' bugs
        contains("그 init_x 로 lr = 1e-10 을 다시 부르면: [-6.111e-10, 8.148e-10]"),  # init_x moved
        contains("배치 전체로 나눔: 행의 합 = [0.9009, 0.0991]"),  # softmax over the whole batch
        contains("reshape 만 고친 손실 = NaN"),  # one bug fixed of two
        # exercises (solution cells)
        contains("lr = 0.9: 20 단계 뒤 x = [-0.034588, 0.046117]"),  # (1 - 2 lr)^20 = 0.8^20
        contains("lr = 1: 20 단계 뒤 x = [-3.000000, 4.000000]"),  # (-1)^20
        contains("수치 미분: [8.00000000, 3.00000000], 손으로: [8.0, 3.0]"),  # (2 x0 + 3 x1, 3 x0) at (1, 2)
        contains("100 단계 뒤 x = [-5.614e-4, 4.074e-10]"),  # -7 * 0.91^100, 2 * 0.8^100
        contains("[[0.21924763, 0.14356247, -0.36281009],"),  # dW by hand = the book's dW
        contains("수치 미분과의 최대 차이 = 1.4e-7"),  # the delta again
    ],
    "4.5-learning-algorithm.ipynb": [
        contains("W1.shape = [784, 100]"),
        contains("epoch 16/16"),  # one line per epoch, the book's 10000 iterations
        at_least(r"test accuracy[: =]+([01]\.\d+)", 0.9),  # the final net (book: about 0.94)
        contains("학습이 끝난 신경망 (갱신 10000 번 뒤): train accuracy: 0.9479, test accuracy: 0.9447"),
        contains("마지막 에폭 기록 (에폭 16, 갱신 9600 번 뒤): 훈련 0.9462, 시험 0.9436"),  # 400 updates earlier
        contains("에폭 2: (훈련, 시험) 정확도 = (0.8797, 0.8830)"),  # the hand-written loop
        contains("손으로 쓴 루프와 같은 기록: 손실 true, 정확도 true"),  # ... is the book's train
        matches(r"W1: max \|Δ\| = \d\.\d+e-(9|10|11), 상대 오차 = \d\.\d+e-(6|7)"),  # gradient check
        # the notes' bugs
        contains("노트의 predict: 첫 행의 합 = 0.01099"),  # softmax over the whole batch
        contains("인수를 무시한 loss_W 의 dW1: 0 이 아닌 원소 0 개 / 24 개"),  # loss_W ignores W
        matches(r"dlfs 가 거부함: .*not one-hot"),  # np.random.rand targets
        # exercises (solution cells)
        contains("학습률 0.01: 마지막 손실 2.2916, 시험 정확도 0.1135"),
        contains("학습률 1: 마지막 손실 0.1163, 시험 정확도 0.9304"),
        contains("은닉 뉴런 10: 5 에폭 뒤 시험 정확도 0.8966"),
        contains("은닉 뉴런 50: 5 에폭 뒤 시험 정확도 0.9164"),
        contains("배치 10: 마지막 100 번의 손실 평균 0.903, 표준편차 0.204"),
        contains("배치 1000: 마지막 100 번의 손실 평균 0.937, 표준편차 0.054"),
        contains("시드 42 두 번: 손실 기록이 같다 = true"),
        contains("시험 정확도: 시드 42 → 0.7978, 시드 7 → 0.7912"),
    ],
}

# Timeouts in seconds. The first code cell builds the crate and its
# dependencies, which on a cold evcxr cache takes minutes.
FIRST_CELL_TIMEOUT = 900
CELL_TIMEOUT = 300
STARTUP_TIMEOUT = 120
KERNEL = "rust"

# stderr (or stdout) text that means a cell went wrong even without an error
# output: rustc errors and panics.
BAD_STREAM = re.compile(r"error\[E\d{4}\]|panicked at|thread '.*' panicked")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# When no notebook exists yet, --warm builds this first cell (what every
# notebook starts with).
DEFAULT_FIRST_CELL = notebook_source.SETUP.read_text(encoding="utf-8").strip() if notebook_source.SETUP.is_file() else ""


def fmt_time(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds:.0f}s ({seconds / 60:.1f} min)"


def first_line(source: str, width: int = 60) -> str:
    for line in source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= width else line[: width - 3] + "..."
    return ""


def output_text(output: dict) -> str:
    """The text of one output, for the checks and the error scan."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("text", "")
    if kind == "error":
        lines = output.get("traceback") or [f"{output.get('ename', '')}: {output.get('evalue', '')}"]
        return "\n".join(lines)
    data = output.get("data", {})
    parts = [data[m] for m in ("text/plain", "text/markdown", "text/html", "text/latex") if m in data]
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def coalesce_streams(outputs: list) -> list:
    """Merge adjacent stream outputs of the same name (how a kernel chunks its
    stdout depends on timing; merged, a rerun gives the same file) and apply
    carriage returns the way a terminal shows them."""
    merged: list = []
    for out in outputs:
        if (
            out.get("output_type") == "stream"
            and merged
            and merged[-1].get("output_type") == "stream"
            and merged[-1].get("name") == out.get("name")
        ):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    for out in merged:
        if out.get("output_type") == "stream" and "\r" in out["text"]:
            lines = out["text"].replace("\r\n", "\n").split("\n")
            out["text"] = "\n".join(line.rsplit("\r", 1)[-1] for line in lines)
    return merged


# evcxr_jupyter forwards a cell's stdout from a thread, so its last lines can reach
# the kernel's IOPub channel after the cell has reported "idle"; nbclient stops
# listening at "idle" and would drop them with the next cell. Wait this long for
# such late output after each cell.
LATE_OUTPUT_WAIT = 0.5


def collect_late_output(client, cell) -> None:
    """Append to `cell` the stream output that arrived after its "idle" status (see
    LATE_OUTPUT_WAIT), so that no printed line is lost."""
    import queue

    import nbformat
    from nbclient.util import run_sync

    get = run_sync(client.kc.get_iopub_msg)
    while True:
        try:
            msg = get(timeout=LATE_OUTPUT_WAIT)
        except (queue.Empty, TimeoutError):
            return
        if msg.get("msg_type") == "stream":
            content = msg["content"]
            cell.outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))


def make_deterministic(nb) -> None:
    """Strip what changes from run to run but is not content: execution
    timestamps. Give id-less cells a stable id (nbformat would make random ones).
    Number the executed code cells 1, 2, ... (evcxr_jupyter 0.22 starts at 2)."""
    count = 0
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        if nb.get("nbformat_minor", 0) >= 5 and not cell.get("id"):
            cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
            if cell.get("execution_count") is not None:
                count += 1
                cell.execution_count = count
                for out in cell.outputs:
                    if out.get("output_type") == "execute_result":
                        out["execution_count"] = count


@dataclass
class Result:
    name: str
    ok: bool
    seconds: float
    message: str = ""


def execute(path: Path, mode: str, out_dir: Path | None, args) -> Result:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    name = path.name
    source = notebook_source.source_of(path) if mode == "inplace" else None
    if source is not None:
        # Built from its source; written below only if it passes.
        nb = notebook_source.build(source)
        original = nbformat.read(path, as_version=4) if path.is_file() else None
    else:
        nb = nbformat.read(path, as_version=4)
        original = copy.deepcopy(nb)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    print(f"\n--- {name} ({len(code_cells)} code cells)", flush=True)
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.monotonic()
    failure = ""
    try:
        with client.setup_kernel():
            startup = time.monotonic() - start
            print(f"  kernel started in {fmt_time(startup)}", flush=True)
            for n, index in enumerate(code_cells):
                cell = nb.cells[index]
                client.timeout = args.first_timeout if n == 0 else args.timeout
                t0 = time.monotonic()
                label = f"  cell {index + 1:>3} [{n + 1}/{len(code_cells)}]"
                try:
                    client.execute_cell(cell, index)
                    collect_late_output(client, cell)
                except CellTimeoutError:
                    failure = f"cell {index + 1} timed out after {client.timeout}s: {first_line(cell.source)}"
                except DeadKernelError:
                    failure = f"the kernel died in cell {index + 1}: {first_line(cell.source)}"
                except CellExecutionError as e:
                    # evcxr puts the compiler's message in the error output,
                    # not always in the reply that nbclient quotes.
                    shown = [output_text(o) for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                    detail = ANSI.sub("", "\n".join(shown) if shown else str(e)).strip()
                    failure = f"cell {index + 1} raised an error: {first_line(cell.source)}\n{detail[-3000:]}"
                dt = time.monotonic() - t0
                print(f"{label} {fmt_time(dt):>10}  {first_line(cell.source)}", flush=True)
                if not failure:
                    for out in cell.get("outputs", []):
                        text = ANSI.sub("", output_text(out))
                        if out.get("output_type") == "error":
                            failure = f"cell {index + 1} has an error output:\n{text[-3000:]}"
                        elif out.get("output_type") == "stream" and BAD_STREAM.search(text):
                            failure = f"cell {index + 1} printed an error or a panic:\n{text[-3000:]}"
                        elif out.get("output_type") == "stream" and out.get("name") == "stderr" and text.strip():
                            # evcxr reports an error returned with `?` on stderr only,
                            # without an error output: any stderr text is a failure.
                            failure = f"cell {index + 1} wrote to stderr:\n{text[-3000:]}"
                        if failure:
                            break
                if failure:
                    break
    except Exception as e:  # kernel could not start, etc.
        failure = failure or f"{type(e).__name__}: {e}"
    seconds = time.monotonic() - start

    if not failure and mode != "warm":
        text = "\n".join(
            ANSI.sub("", output_text(out)) for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
        )
        for check in CHECKS.get(name, []):
            passed, detail = check.test(text)
            print(f"  check {'ok  ' if passed else 'FAIL'} {check.describe}: {detail}", flush=True)
            if not passed:
                failure = failure or f"check failed: {check.describe} ({detail})"
        if name not in CHECKS and not name.startswith("_"):
            print("  (no value checks listed for this notebook)")

    if mode in ("check", "inplace") and (out_dir is not None or not failure):
        make_deterministic(nb)
        if mode == "inplace" and not failure:
            if source is not None:
                notebook_source.assign_slides(nb)
            if nb != original:
                nbformat.write(nb, path)
                print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            else:
                print("  unchanged")
            if source is not None:
                write_student_copy(source, nb)
        elif out_dir is not None:
            nbformat.write(nb, out_dir / name)

    if failure and mode == "inplace":
        # Left as it was; the failed run is kept for a look.
        make_deterministic(nb)
        kept = Path(tempfile.mkdtemp(prefix="dlfs-failed-")) / name
        nbformat.write(nb, kept)
        print(f"  {path.name} left as it was; the failed run is in {kept}", flush=True)
    if failure:
        print(f"  FAILED {name} after {fmt_time(seconds)}: {failure}", flush=True)
    else:
        print(f"  passed {name} in {fmt_time(seconds)}", flush=True)
    return Result(name, not failure, seconds, failure)


def write_student_copy(source: Path, nb) -> None:
    """notebooks/student/NAME.ipynb (and evcxr.toml beside it, which turns on the build cache)."""
    import nbformat

    target = notebook_source.student_path(source)
    target.parent.mkdir(exist_ok=True)
    toml = NOTEBOOKS / "evcxr.toml"
    if toml.is_file():
        (target.parent / "evcxr.toml").write_text(toml.read_text(encoding="utf-8"), encoding="utf-8")
    student = notebook_source.student_copy(nb)
    old = nbformat.read(target, as_version=4) if target.is_file() else None
    if old != student:
        nbformat.write(student, target)
        print(f"  wrote {target.relative_to(ROOT)}")


def check_current(paths: list[Path]) -> list[str]:
    """The sources are sound, an inserted cell renumbers no other, and the committed
    notebooks and student copies are what the sources give (outputs aside): for the
    sources of the notebooks in `paths`."""
    import nbformat

    chosen = {p.resolve() for p in paths}
    sources = [s for s in notebook_source.sources() if notebook_source.notebook_path(s).resolve() in chosen]
    if not sources:
        return []
    problems = notebook_source.check_sources(sources)
    problems += notebook_source.check_insertion_keeps_ids(sources)
    for source in sources:
        built = notebook_source.build(source)
        committed_path = notebook_source.notebook_path(source)
        student_path = notebook_source.student_path(source)
        rerun = "run `bash scripts/notebooks.sh`"
        if not committed_path.is_file():
            problems.append(f"{committed_path.relative_to(ROOT)} is missing: {rerun}")
            continue
        committed = nbformat.read(committed_path, as_version=4)
        diff = notebook_source.first_difference(built, committed, slides=False)
        if diff:
            problems.append(f"{committed_path.relative_to(ROOT)} is not what {source.relative_to(ROOT)} gives "
                            f"({diff}): {rerun}")
        reassigned = copy.deepcopy(committed)
        if notebook_source.assign_slides(reassigned) and notebook_source.first_difference(committed, reassigned):
            problems.append(f"{committed_path.relative_to(ROOT)}: slide types are not those of scripts/slideshow.py: {rerun}")
        if not student_path.is_file():
            problems.append(f"{student_path.relative_to(ROOT)} is missing: {rerun}")
            continue
        student = nbformat.read(student_path, as_version=4)
        want = notebook_source.student_copy(committed)
        diff = notebook_source.first_difference(want, student)
        if diff:
            problems.append(f"{student_path.relative_to(ROOT)} is not current ({diff}): {rerun}")
        if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in student.cells):
            problems.append(f"{student_path.relative_to(ROOT)} has outputs: {rerun}")
        if any(notebook_source.SOLUTION_TAG in c.metadata.get("tags", []) for c in student.cells):
            problems.append(f"{student_path.relative_to(ROOT)} holds a solution cell: {rerun}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", dest="mode", action="store_const", const="check",
                      help="execute copies (in a temporary directory); committed notebooks untouched (default)")
    mode.add_argument("--inplace", dest="mode", action="store_const", const="inplace",
                      help="write the executed notebooks back (only those that pass)")
    mode.add_argument("--warm", dest="mode", action="store_const", const="warm",
                      help="build each distinct set-up of the notebooks' first cells once, to fill evcxr's build cache")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--all", action="store_true", help="also run notebooks whose names start with '_'")
    parser.add_argument("--kernel", default=KERNEL, help=f"kernel name (default {KERNEL})")
    parser.add_argument("--first-timeout", type=int, default=FIRST_CELL_TIMEOUT,
                        help=f"seconds for each notebook's first code cell (default {FIRST_CELL_TIMEOUT})")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds for every other cell (default {CELL_TIMEOUT})")
    parser.add_argument("--startup-timeout", type=int, default=STARTUP_TIMEOUT,
                        help=f"seconds for the kernel to start (default {STARTUP_TIMEOUT})")
    args = parser.parse_args()
    mode_name = args.mode or "check"

    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        print("error: nbclient/nbformat missing: run with the project's Python, "
              "after `bash scripts/lab.sh --no-launch`: .venv/bin/python scripts/run_notebooks.py",
              file=sys.stderr)
        return 2

    if args.notebooks:
        paths = [p.resolve() for p in args.notebooks]
        missing = [str(p) for p in paths
                   if not p.is_file() and not (mode_name == "inplace" and notebook_source.source_of(p))]
        if missing:
            print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
            return 2
    else:
        paths = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if args.all or not p.name.startswith("_"))
        if mode_name == "inplace":
            paths = sorted(set(paths) | {notebook_source.notebook_path(s) for s in notebook_source.sources()})

    if mode_name == "warm":
        return warm(paths, args)

    if mode_name == "check":
        problems = check_current(paths)
        print(f"sources: {len(notebook_source.sources())} in notebooks/src, "
              f"{'all current' if not problems else f'{len(problems)} problem(s)'}", flush=True)
        for p in problems:
            print(f"  {p}", flush=True)
        if problems:
            print("notebooks: 0 passed, 1 failed (the sources and the committed notebooks disagree)", flush=True)
            return 1

    for name in sorted(CHECKS):
        if not (NOTEBOOKS / name).is_file():
            print(f"warning: {name} is not in notebooks/: its checks are skipped", file=sys.stderr)

    out_dir = Path(tempfile.mkdtemp(prefix="dlfs-notebooks-")) if mode_name == "check" else None
    print(f"Executing {len(paths)} notebook(s) on the '{args.kernel}' kernel ({mode_name}"
          f"{f'; executed copies go to {out_dir}' if out_dir else ''})", flush=True)
    results = [execute(p, mode_name, out_dir, args) for p in paths]

    print("\nNotebook times")
    for r in results:
        print(f"  {fmt_time(r.seconds):>12}  {'ok    ' if r.ok else 'FAILED'}  {r.name}")
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"\nFAILED {r.name}: {r.message}", file=sys.stderr)
    print(f"notebooks: {len(results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


def warm_source(first_cell: str) -> str:
    """What of a first cell decides evcxr's compiled dependencies: its ':'
    commands (:opt, :cache, :dep) and its `use` lines. The rest is left out, so
    that notebooks whose first cells differ only in their own checks share one
    warm-up."""
    keep = [l for l in first_cell.splitlines() if l.startswith(":") or re.match(r"use [\w:]+", l)]
    return "\n".join(keep)


def warm(paths: list[Path], args) -> int:
    """Fill evcxr's build cache: for each distinct set-up among the notebooks'
    first cells (see warm_source), build it once on a fresh kernel. Without
    notebooks, build DEFAULT_FIRST_CELL."""
    import nbformat

    sources: list[str] = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        code = [c.source.strip() for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        source = warm_source(code[0]) if code else ""
        if source and source not in sources:
            sources.append(source)
    if not sources:
        sources.append(DEFAULT_FIRST_CELL)
    # Run in notebooks/ so that "../crate" resolves as in a real notebook.
    NOTEBOOKS.mkdir(exist_ok=True)
    results = []
    for source in sources:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source)]
        fd, name = tempfile.mkstemp(prefix="_warm-", suffix=".ipynb", dir=NOTEBOOKS)
        os.close(fd)
        scratch = Path(name)
        try:
            nbformat.write(nb, scratch)
            results.append(execute(scratch, "warm", None, args))
        finally:
            scratch.unlink(missing_ok=True)
    failed = [r for r in results if not r.ok]
    print(f"warm: {len(results) - len(failed)} set-up(s) built, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
