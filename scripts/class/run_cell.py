"""Run one cell on a fresh `rust` kernel and check its output (the class install's warm-up).

    PREFIX/venv/bin/python scripts/class/run_cell.py --cwd DIR --file CELL.evcxr \
        [--expect TEXT] [--timeout SECONDS]

The kernel is the `rust` kernelspec of the Python running this (PREFIX/venv), so it starts
through the launcher, with this process's environment. Prints the cell's text output and
its time; exits 1 on an error output, a timeout, or when TEXT is not in the output.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import time


def run(cwd: str, source: str, timeout: float) -> tuple[str, str, float]:
    """(text output, error, seconds) of `source` run on a new kernel started in `cwd`."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="rust")
    km.start_kernel(cwd=cwd, env=dict(os.environ))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        t0 = time.monotonic()
        msg_id = kc.execute(source)
        text, error = [], ""
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                return "".join(text), f"no answer within {timeout:.0f} s", time.monotonic() - t0
            try:
                msg = kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content["name"] == "stdout":
                text.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                text.append(content["data"].get("text/plain", "") + "\n")
            elif kind == "error":
                error = content["ename"] + ": " + content["evalue"]
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(text), error, time.monotonic() - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cwd", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--expect", default="")
    p.add_argument("--timeout", type=float, default=900)
    a = p.parse_args()
    with open(a.file, encoding="utf-8") as f:
        source = f.read()
    text, error, seconds = run(a.cwd, source, a.timeout)
    print(text.rstrip())
    print(f"run_cell: {seconds:.1f} s", flush=True)
    if error:
        print(f"run_cell: the cell failed: {error}", file=sys.stderr)
        return 1
    if a.expect and a.expect not in text:
        print(f"run_cell: {a.expect!r} not in the cell's output", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
