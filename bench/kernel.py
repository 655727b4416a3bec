#!/usr/bin/env python3
"""Benchmark of the `rust` kernel in class: how long a new kernel, a restart and each cell take.

    .venv/bin/python bench/kernel.py [--notebook notebooks/4.4-gradient.ipynb] [--restarts 2] [--no-cold]
        [--no-pair] [--pool DIR] [--env KEY=VALUE ...] [--label TEXT] [--pause SECONDS]
        [--cells N] [--report-cells 13,17]

For one notebook, on the `rust` kernel as JupyterLab starts it (through
scripts/kernel/launch.py), it prints

  1. cold: a new kernel with an empty evcxr cache (a scratch XDG_CACHE_HOME) and a fresh pool
     slot: kernel start and first cell (ndarray, plotters, ... and dlfs compiled);
  2. warm: a new kernel with the warm ~/.cache/evcxr but a fresh slot (what every kernel cost
     before the pool): kernel start and first cell;
  3. restart (repeated --restarts times): the kernel restarted as Jupyter does, so it gets its
     slot back: the restart, the first cell, the first code cell after it, and the median of the
     later cells (the whole notebook is run);
  4. the same with two kernels at once (two notebooks open): a first start (one slot warm, one
     fresh), then both restarted and the notebook run in both at the same time.

The slots of steps 2-4 are in a scratch pool (DLFS_KERNEL_POOL), so the user's pool is not
touched; the scratch directory is removed at the end. The closing line gives the single-kernel
restart figures (medians over the repeats):

    kernel: restart_first_cell=X.Xs next_cell=Y.Ys median_cell=Z.Zs

The machine's load is printed with it: on a shared machine the figures vary from run to run.
To compare set-ups in one sitting, alternate runs that differ by --env (variables for the
kernels, e.g. DLFS_KERNEL_RELAY=0 for the launcher without the relay, or a PATH with a linker)
and give each set-up its own --pool (a pool kept between runs, so that its slot is built once and
only the restarts are timed); --label names the run in its closing line. --pause waits between a
restart and its first cell, as a lecturer does (what the kernel warms while it starts needs that
time). The closing line also gives the first cell with a top-level `let` (`first_let`: the cell
that makes evcxr's rust-analyzer resolve the crate graph). --cells N runs only the notebook's
first N code cells; --report-cells adds the restarts' median of the cells named (numbered from
1) to the closing line, e.g. 4.5's numeric cells: `--notebook notebooks/4.5-learning-algorithm.ipynb
--cells 17 --report-cells 13,17`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "kernel"))
from client import NOTEBOOKS, ROOT, Kernel, first_line, median, notebook_cells  # noqa: E402

CELL_TIMEOUT = 1800
TOP_LET = re.compile(r"(?m)^let ")


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run_cell(kernel: Kernel, source: str) -> float:
    run = kernel.run(source, timeout=CELL_TIMEOUT)
    if not run.ok:
        raise SystemExit(f"cell failed: {first_line(source)}\n{run.error[-2000:]}")
    return run.seconds


def run_notebook(kernel: Kernel, cells: list[str], verbose: bool, label: str) -> list[float]:
    times = []
    for n, source in enumerate(cells):
        t = run_cell(kernel, source)
        times.append(t)
        if verbose:
            print(f"    {label} cell {n + 1:>2}/{len(cells)} {t:6.2f}s  {first_line(source, 50)}", flush=True)
    return times


def summary(times: list[float]) -> tuple[float, float, float]:
    """(first cell, the first code cell after it, median of the later cells)."""
    later = times[2:]
    return times[0], times[1] if len(times) > 1 else float("nan"), median(later)


def fmt(xs: list[float]) -> str:
    xs = [x for x in xs if x == x]
    if not xs:
        return "-"
    if len(xs) == 1:
        return f"{xs[0]:.1f}s"
    return f"{statistics.median(xs):.1f}s ({min(xs):.1f}-{max(xs):.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", type=Path, default=NOTEBOOKS / "4.4-gradient.ipynb")
    parser.add_argument("--restarts", type=int, default=2, help="restarts of the single kernel (default 2)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-cache kernel (minutes)")
    parser.add_argument("--no-pair", action="store_true", help="skip the two kernels at once")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every cell's time")
    parser.add_argument("--pool", type=Path, help="keep the kernels' pool here between runs (default: a scratch one)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="an environment variable for every kernel (repeatable)")
    parser.add_argument("--label", default="", help="a name for this run in the closing line")
    parser.add_argument("--pause", type=float, default=0.0,
                        help="seconds between a restart and its first cell (a lecturer talking; default 0)")
    parser.add_argument("--cells", type=int, help="run only the first N code cells")
    parser.add_argument("--report-cells", default="", metavar="I,J",
                        help="cells (numbered from 1) whose median time the closing line gives")
    args = parser.parse_args()
    extra = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--env {item!r}: expected KEY=VALUE")
        extra[key] = value

    cells = notebook_cells(args.notebook.resolve())
    if args.cells is not None:
        if args.cells < 3:
            raise SystemExit(f"--cells {args.cells}: needs at least 3 code cells")
        cells = cells[:args.cells]
    try:
        reported = [int(n) for n in args.report_cells.split(",") if n.strip()]
    except ValueError:
        raise SystemExit(f"--report-cells {args.report_cells!r}: expected cell numbers such as 13,17") from None
    if any(not 1 <= n <= len(cells) for n in reported):
        raise SystemExit(f"--report-cells {args.report_cells!r}: the cells run are numbered 1-{len(cells)}")
    if len(cells) < 3:
        raise SystemExit(f"{args.notebook}: needs at least 3 code cells, has {len(cells)}")
    scratch = Path(tempfile.mkdtemp(prefix="dlfs-kernel-bench-"))
    pool = {"DLFS_KERNEL_POOL": str(args.pool.resolve() if args.pool else scratch / "pool")}
    # As scripts/common.sh: MNIST from ../shared/mnist when DLFS_DATA_DIR is unset (4.5).
    shared = ROOT.parent / "shared" / "mnist"
    data = {} if os.environ.get("DLFS_DATA_DIR") or not shared.is_dir() else {"DLFS_DATA_DIR": str(shared)}
    data.update(extra)
    print(f"kernel benchmark: {args.notebook.name}, {len(cells)} code cells; {os.cpu_count()} CPUs, "
          f"load {load()}", flush=True)
    rows: list[tuple[str, str]] = []

    def row(name: str, value: str) -> None:
        rows.append((name, value))
        print(f"  {name:<52} {value}", flush=True)

    try:
        # 1. cold
        if not args.no_cold:
            env = {**data, "XDG_CACHE_HOME": str(scratch / "cache"), "DLFS_KERNEL_POOL": str(scratch / "cold-pool")}
            with Kernel(env=env) as k:
                row("cold: kernel start", f"{k.start_seconds:.1f}s")
                row("cold: first cell (empty evcxr cache, fresh slot)", f"{run_cell(k, cells[0]):.1f}s")
            shutil.rmtree(scratch / "cache", ignore_errors=True)
            shutil.rmtree(scratch / "cold-pool", ignore_errors=True)

        # 2. warm cache, fresh slot; 3. restarts into the same slot
        restart_s, firsts, nexts, medians, lets = [], [], [], [], []
        picked: dict[int, list[float]] = {n: [] for n in reported}
        let_at = next((i for i, c in enumerate(cells) if TOP_LET.search(c)), None)
        with Kernel(env={**data, **pool}) as k:
            row("warm: kernel start", f"{k.start_seconds:.1f}s")
            row("warm: first cell (warm evcxr cache, fresh slot)", f"{run_cell(k, cells[0]):.1f}s")
            for i in range(args.restarts):
                restart_s.append(k.restart())
                time.sleep(args.pause)
                times = run_notebook(k, cells, args.verbose, f"restart {i + 1}")
                if let_at is not None:
                    lets.append(times[let_at])
                for n in reported:
                    picked[n].append(times[n - 1])
                first, nxt, med = summary(times)
                firsts.append(first)
                nexts.append(nxt)
                medians.append(med)
        row("restart: the restart itself", fmt(restart_s))
        row("restart: first cell", fmt(firsts))
        row("restart: the first code cell after it", fmt(nexts))
        row(f"restart: median of the later {len(cells) - 2} cells", fmt(medians))
        if let_at is not None:
            row(f"restart: the first cell with a top-level let (cell {let_at + 1})", fmt(lets))

        # 4. two kernels at once
        if not args.no_pair:
            kernels = [Kernel(env={**data, **pool}), Kernel(env={**data, **pool})]
            try:
                t0 = time.monotonic()
                for k in kernels:
                    k.start()
                row("two kernels: both started", f"{time.monotonic() - t0:.1f}s")
                results: dict[int, object] = {}

                def first_cells(i: int, k: Kernel) -> None:
                    try:
                        results[i] = run_cell(k, cells[0])
                    except BaseException as e:
                        results[i] = e

                def whole(i: int, k: Kernel) -> None:
                    try:
                        k.restart()
                        results[i] = run_notebook(k, cells, args.verbose, f"kernel {i + 1}")
                    except BaseException as e:
                        results[i] = e

                for step in (first_cells, whole):
                    results.clear()
                    threads = [threading.Thread(target=step, args=(i, k)) for i, k in enumerate(kernels)]
                    for t in threads:
                        t.start()
                    for t in threads:
                        t.join()
                    for i in range(2):
                        if isinstance(results.get(i), BaseException) or i not in results:
                            raise SystemExit(f"kernel {i + 1}: {results.get(i)!r}")
                    if step is first_cells:
                        row("two kernels: first cells at once (warm slot, fresh slot)",
                            f"{results[0]:.1f}s, {results[1]:.1f}s")
                    else:
                        s = [summary(results[i]) for i in range(2)]
                        row("two kernels: restarted, first cells at once", f"{s[0][0]:.1f}s, {s[1][0]:.1f}s")
                        row("two kernels: the first code cell after it", f"{s[0][1]:.1f}s, {s[1][1]:.1f}s")
                        row("two kernels: median of the later cells", f"{s[0][2]:.1f}s, {s[1][2]:.1f}s")
            finally:
                for k in kernels:
                    k.shutdown()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"load after: {load()}")
    label = f" [{args.label}]" if args.label else ""
    first_let = f" first_let={statistics.median(lets):.2f}s" if lets else ""
    cells_named = "".join(f" cell{n}={statistics.median(ts):.2f}s" for n, ts in picked.items())
    print(f"kernel{label}: restart_first_cell={statistics.median(firsts):.2f}s "
          f"next_cell={statistics.median(nexts):.2f}s median_cell={statistics.median(medians):.2f}s"
          f"{first_let}{cells_named}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
