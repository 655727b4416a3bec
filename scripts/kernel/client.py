"""A small driver of the `rust` (evcxr) kernel for bench/kernel.py and tests/test_kernel.py.

Run with the project's Python (.venv, made by `bash scripts/lab.sh --no-launch`), which has
jupyter_client. Every wait is bounded; `Kernel` is a context manager that always shuts the
kernel down (and kills it if it does not go).
"""

from __future__ import annotations

import json
import os
import queue
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNELSPEC = ROOT / ".venv" / "share" / "jupyter" / "kernels" / "rust" / "kernel.json"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def missing_kernelspec() -> str | None:
    """Why the project's `rust` kernel cannot be started, or None if its kernelspec is there."""
    if KERNELSPEC.is_file():
        return None
    return f"no rust kernel at {KERNELSPEC}: run `bash scripts/lab.sh --no-launch` first"


@dataclass
class CellRun:
    """One executed cell: its wall time, its text outputs and its error (if any)."""

    source: str
    seconds: float
    text: str = ""
    stderr: str = ""
    error: str = ""
    outputs: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


class KernelError(RuntimeError):
    pass


class Kernel:
    """A `rust` kernel started from the kernelspec (so through scripts/kernel/launch.py),
    with extra environment variables, in `cwd` (default notebooks/). The kernel's own
    stdout/stderr (cargo's "Compiling ..." lines) go to a temporary log, quoted on failures."""

    def __init__(self, env: dict[str, str] | None = None, cwd: Path = NOTEBOOKS,
                 kernel_name: str = "rust", startup_timeout: float = 120):
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=kernel_name)
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.kc = None
        self.start_seconds = 0.0
        self.log = tempfile.TemporaryFile(mode="w+", prefix="dlfs-kernel-", suffix=".log")

    # -- life cycle ---------------------------------------------------------
    def start(self) -> Kernel:
        """Start the kernel and wait until it answers; a kernel that does not is shut down."""
        t0 = time.monotonic()
        self.km.start_kernel(cwd=str(self.cwd), env=self.env, stdout=self.log, stderr=self.log)
        try:
            self._connect()
        except BaseException:
            self.shutdown()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _connect(self) -> None:
        if self.kc is None:
            self.kc = self.km.client()
            self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError as e:
            raise KernelError(f"the kernel did not start within {self.startup_timeout}s: {e}\n"
                              f"{self.log_tail()}") from e
        # Drop what the start left on iopub (status messages).
        self._drain()

    def restart(self) -> float:
        """Restart as Jupyter does (shutdown request, then a new process); the seconds until
        the new kernel answers."""
        t0 = time.monotonic()
        self.km.restart_kernel(now=False)
        self._connect()
        return time.monotonic() - t0

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the kernel's own output."""
        try:
            self.log.seek(0)
            return self.log.read()[-chars:]
        except (OSError, ValueError):
            return ""

    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(provisioner, "pid", None) if provisioner else None

    def kill(self) -> None:
        """Kill the kernel process (SIGKILL), as a crash would end it."""
        self.km.signal_kernel(9)
        deadline = time.monotonic() + 30
        while self.km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)

    def shutdown(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
        finally:
            self.kc = None
            if self.km.has_kernel:
                try:
                    self.km.shutdown_kernel(now=False)
                except Exception:
                    self.km.shutdown_kernel(now=True)
            self.log.close()

    def __enter__(self) -> Kernel:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def _drain(self) -> None:
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                return

    # -- cells --------------------------------------------------------------
    def run(self, source: str, timeout: float = 600) -> CellRun:
        """Execute one cell (jupyter_client's execute_interactive); wait at most `timeout` seconds."""
        run = CellRun(source, 0.0)

        def collect(msg) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                if content.get("name") == "stderr":
                    run.stderr += content["text"]
                else:
                    run.text += content["text"]
            elif kind in ("execute_result", "display_data"):
                run.outputs.append(content.get("data", {}))
                run.text += content.get("data", {}).get("text/plain", "")
            elif kind == "error":
                run.error = ANSI.sub("", "\n".join(content.get("traceback") or [content.get("evalue", "")]))

        t0 = time.monotonic()
        try:
            reply = self.kc.execute_interactive(source, timeout=timeout, output_hook=collect, store_history=True)
        except TimeoutError:
            alive = "still running" if self.km.is_alive() else "the kernel died"
            raise KernelError(f"cell did not finish within {timeout}s ({alive}): {first_line(source)}\n"
                              f"{self.log_tail()}") from None
        if reply["content"].get("status") == "error" and not run.error:
            run.error = f"{reply['content'].get('ename', '')}: {reply['content'].get('evalue', '')}"
        run.seconds = time.monotonic() - t0
        return run


def first_line(source: str, width: int = 60) -> str:
    for line in source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= width else line[: width - 3] + "..."
    return ""


def notebook_cells(path: Path) -> list[str]:
    """The non-empty code cells of a notebook, in order."""
    nb = json.loads(path.read_text())
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if source.strip():
            cells.append(source)
    return cells


def in_threads(work: Callable[[int], object], count: int, timeout: float) -> list[object]:
    """`work(i)` for each i < `count`, each on its own thread, all at once; what each returned,
    or the exception it raised (None if it had not ended `timeout` seconds after the start)."""
    results: list[object] = [None] * count

    def run(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as e:  # handed to the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return results


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
