#!/usr/bin/env python3
"""Execute notebooks headless on a fresh `rust` (evcxr) kernel, with nbclient.

    .venv/bin/python scripts/run_notebooks.py --inplace [NOTEBOOK...]   # scripts/notebooks.sh
    .venv/bin/python scripts/run_notebooks.py --warm                    # scripts/lab.sh

--inplace builds each notebook from its source (notebooks/src/NAME.md, see
scripts/notebook_source.py), executes it top to bottom and, only if it passes,
writes notebooks/NAME.ipynb with its outputs and the student copy
notebooks/student/NAME.ipynb. --warm runs the notebooks' first cell once, to
fill evcxr's build cache and a kernel build directory. The tests (tests/) call
`execute` below; they do not write the committed notebooks.

Why some code of our own around nbclient (the "evcxr rules"): evcxr reports an
error returned by `?` on stderr only, with no error output, so any stderr text
fails a cell; and evcxr forwards a cell's stdout from a thread, so output can
arrive after the kernel said "idle", which nbclient would drop: it is collected.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts" / "kernel"))
import notebook_source  # noqa: E402
from client import ANSI, first_line  # noqa: E402

# Seconds. The first code cell builds the crate and its dependencies, minutes
# on a cold evcxr cache.
FIRST_CELL_TIMEOUT = 900
CELL_TIMEOUT = 300
STARTUP_TIMEOUT = 120
KERNEL = "rust"
# Output that arrives this long after "idle" is still collected (evcxr rule 2).
LATE_OUTPUT_WAIT = 0.5
# rustc errors and panics printed to a stream, even without an error output.
BAD_STREAM = re.compile(r"error\[E\d{4}\]|panicked at|thread '.*' panicked")


def output_text(output: dict) -> str:
    """The text of one output, ANSI colours removed."""
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
    elif kind == "error":
        text = "\n".join(output.get("traceback") or [f"{output.get('ename', '')}: {output.get('evalue', '')}"])
    else:
        data = output.get("data", {})
        parts = [data[m] for m in ("text/plain", "text/markdown", "text/html", "text/latex") if m in data]
        text = "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)
    return ANSI.sub("", text if isinstance(text, str) else "".join(text))


def cell_problem(cell) -> str:
    """Why an executed cell failed (evcxr rule 1: any stderr text), or "".
    A panic's message can come in a later chunk than its first line, so the
    report quotes all the cell's stderr."""
    outputs = cell.get("outputs", [])
    stderr = "".join(output_text(o) for o in outputs
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    for out in outputs:
        text = output_text(out)
        if out.get("output_type") == "error":
            return f"an error output:\n{text[-3000:]}"
        if out.get("output_type") == "stream" and BAD_STREAM.search(text):
            quoted = stderr if out.get("name") == "stderr" else text
            return f"printed an error or a panic:\n{quoted[-3000:]}"
        if out.get("output_type") == "stream" and out.get("name") == "stderr" and text.strip():
            return f"wrote to stderr (evcxr shows an error returned by `?` only there):\n{text[-3000:]}"
    return ""


def collect_late_output(client, cell) -> None:
    """Evcxr rule 2: append the stream output that reached IOPub after "idle"."""
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
    """No execution timestamps; stream chunks merged (nbconvert's
    CoalesceStreamsPreprocessor); code cells numbered 1, 2, ... (evcxr_jupyter
    0.22 starts at 2)."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    CoalesceStreamsPreprocessor().preprocess(nb, {})
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if out.get("output_type") == "execute_result":
                    out["execution_count"] = count


@dataclass
class Run:
    """One executed notebook: `failure` is "" when every cell passed."""

    name: str
    failure: str = ""
    seconds: float = 0.0
    cell_seconds: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failure


def execute(nb, name: str, cwd: Path, *, kernel: str = KERNEL, first_timeout: int = FIRST_CELL_TIMEOUT,
            timeout: int = CELL_TIMEOUT, startup_timeout: int = STARTUP_TIMEOUT, log=print,
            env: dict | None = None) -> Run:
    """Run every code cell of `nb` (changed in place) on a fresh kernel started
    in `cwd`, stopping at the first cell that fails. Returns the Run."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    log(f"--- {name} ({len(code_cells)} code cells)")
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, startup_timeout=startup_timeout,
                            allow_errors=False, record_timing=False, resources={"metadata": {"path": str(cwd)}})
    run = Run(name)
    start = time.monotonic()
    try:
        with client.setup_kernel(**({"env": {**os.environ, **env}} if env else {})):
            for n, index in enumerate(code_cells):
                cell = nb.cells[index]
                where = f"cell {index + 1} ({cell.get('id')}: {first_line(cell.source)})"
                client.timeout = first_timeout if n == 0 else timeout
                t0 = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                    collect_late_output(client, cell)
                except CellTimeoutError:
                    run.failure = f"{where} timed out after {client.timeout}s"
                except DeadKernelError:
                    run.failure = f"the kernel died in {where}"
                except CellExecutionError as e:
                    shown = [output_text(o) for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                    run.failure = f"{where} raised an error:\n{(chr(10).join(shown) or str(e)).strip()[-3000:]}"
                run.cell_seconds[cell.get("id")] = time.monotonic() - t0
                log(f"  {run.cell_seconds[cell.get('id')]:7.1f}s  {where}")
                run.failure = run.failure or (f"{where} {problem}" if (problem := cell_problem(cell)) else "")
                if run.failure:
                    break
    except Exception as e:  # the kernel could not start, ...
        run.failure = run.failure or f"{type(e).__name__}: {e}"
    run.seconds = time.monotonic() - start
    make_deterministic(nb)
    log(f"  {'passed' if run.ok else 'FAILED'} {name} in {run.seconds:.1f}s{': ' + run.failure if run.failure else ''}")
    return run


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


def inplace(path: Path, args) -> bool:
    """Build notebooks/NAME.ipynb from its source, execute it, write it (and the
    student copy) only if it passes."""
    import nbformat

    source = notebook_source.source_of(path)
    if source is None:
        print(f"error: {path.name} has no source in notebooks/src", file=sys.stderr)
        return False
    nb = notebook_source.build(source)
    original = nbformat.read(path, as_version=4) if path.is_file() else None
    run = execute(nb, path.name, NOTEBOOKS, kernel=args.kernel, first_timeout=args.first_timeout,
                  timeout=args.timeout)
    if not run.ok:
        kept = Path(tempfile.mkdtemp(prefix="dlfs-failed-")) / path.name
        nbformat.write(nb, kept)
        print(f"  {path.name} left as it was; the failed run is in {kept}", flush=True)
        return False
    notebook_source.assign_slides(nb)
    if nb != original:
        nbformat.write(nb, path)
        print(f"  wrote {path.relative_to(ROOT)}")
    else:
        print("  unchanged")
    write_student_copy(source, nb)
    return True


def warm_source(first_cell: str) -> str:
    """What of a first cell decides evcxr's compiled dependencies: its ':'
    commands and its `use` lines (so notebooks share one warm-up)."""
    return "\n".join(line for line in first_cell.splitlines()
                     if line.startswith(":") or re.match(r"use [\w:]+", line))


def warm(paths: list[Path], args) -> bool:
    """Build each distinct set-up among the notebooks' first cells once, on a
    fresh kernel in notebooks/ (so that "../crate" resolves)."""
    import nbformat

    sources: list[str] = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        code = [c.source.strip() for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        source = warm_source(code[0]) if code else ""
        if source and source not in sources:
            sources.append(source)
    if not sources and notebook_source.SETUP.is_file():
        sources.append(notebook_source.SETUP.read_text(encoding="utf-8").strip())
    ok = True
    for source in sources:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source)]
        ok = execute(nb, "warm-up", NOTEBOOKS, kernel=args.kernel, first_timeout=args.first_timeout).ok and ok
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--inplace", dest="mode", action="store_const", const="inplace",
                      help="build from notebooks/src, execute, write the notebooks that pass")
    mode.add_argument("--warm", dest="mode", action="store_const", const="warm",
                      help="run the notebooks' first cell once (evcxr's build cache)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: those of notebooks/src)")
    parser.add_argument("--kernel", default=KERNEL, help=f"kernel name (default {KERNEL})")
    parser.add_argument("--first-timeout", type=int, default=FIRST_CELL_TIMEOUT,
                        help=f"seconds for the first code cell (default {FIRST_CELL_TIMEOUT})")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds for every other cell (default {CELL_TIMEOUT})")
    args = parser.parse_args()
    paths = [p.resolve() for p in args.notebooks] or [notebook_source.notebook_path(s)
                                                     for s in notebook_source.sources()]
    if args.mode == "warm":
        ok = warm([p for p in paths if p.is_file()], args)
        print(f"warm: {'done' if ok else 'FAILED'}")
        return 0 if ok else 1
    results = {p.name: inplace(p, args) for p in paths}
    failed = [n for n, ok in results.items() if not ok]
    print(f"notebooks: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
