"""Live figures through the kernel relay (scripts/kernel/relay.py, issue 19).

The kernels are started as JupyterLab starts them: the `rust` kernelspec of .venv, so
scripts/kernel/launch.py, which runs evcxr_jupyter behind the relay. The cells print the
relay's marker lines by hand (the protocol, pinned here independently of the Rust side);
tests/test_live_train.py runs the crate's `train`. Builds go to a scratch pool; every kernel
is shut down. Run: `.venv/bin/pytest tests/test_live.py` after `bash scripts/lab.sh --no-launch`.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import signal
import struct
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "kernel"))
import launch  # noqa: E402
from client import Kernel, in_threads, missing_kernelspec  # noqa: E402

CELL_TIMEOUT = 600  # a first cell on a new kernel of a loaded 2-core machine


# --- a small driver: client.Kernel, with each message of a cell and when it came ------------

class LiveKernel(Kernel):
    """A `rust` kernel from .venv's kernelspec, started at once; every iopub message of a cell
    is kept with the time it arrived."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        if why := missing_kernelspec():
            pytest.fail(why)
        super().__init__(env=env, cwd=cwd)
        self.start()

    def log_text(self) -> str:
        return self.log_tail(4000)

    def execute(self, code: str, timeout: float = CELL_TIMEOUT, on_message=None) -> list[tuple[float, dict]]:
        """Runs a cell; [(arrival time, message)] of its iopub messages up to its idle status."""
        msg_id = self.kc.execute(code)
        got: list[tuple[float, dict]] = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"cell did not finish in {timeout}s:\n{code}\n{self.log_text()}")
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 5))
            except queue.Empty:
                if not self.km.is_alive():
                    raise AssertionError(f"the kernel died:\n{self.log_text()}") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            got.append((time.monotonic(), msg))
            if on_message is not None:
                on_message(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return got


def text_of(messages, name: str = "stdout") -> str:
    return "".join(m["content"]["text"] for _, m in messages
                   if m["msg_type"] == "stream" and m["content"]["name"] == name)


def errors_of(messages) -> list[str]:
    return [m["content"]["evalue"] for _, m in messages if m["msg_type"] == "error"]


def of_type(messages, kind: str) -> list[tuple[float, dict]]:
    return [(t, m) for t, m in messages if m["msg_type"] == kind]


def png(rgb: tuple[int, int, int]) -> str:
    """A 2x2 PNG of one colour, base64: a figure frame small enough to write into a cell."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    rows = b"".join(b"\x00" + bytes(rgb) * 2 for _ in range(2))
    raw = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return base64.b64encode(raw).decode()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


FRAMES = [png((40 * i, 255 - 40 * i, 100)) for i in range(6)]


def marker_cell(display: str, frames: list[str], pause_ms: int = 300) -> str:
    """A cell that shows `display`, then updates it with each later frame, with plain lines
    around: what the crate's live figure prints, written out."""
    lines = ", ".join(f'"{f}"' for f in frames)
    return f"""\
let nonce = std::env::var("DLFS_LIVE").expect("DLFS_LIVE is set by the relay");
let frames = [{lines}];
println!("before");
for (i, f) in frames.iter().enumerate() {{
    let verb = if i == 0 {{ "show" }} else {{ "update" }};
    println!("DLFS-LIVE:{{nonce}} {{verb}} {display} image/png {{f}} text/plain {b64('a figure')}");
    std::thread::sleep(std::time::Duration::from_millis({pause_ms}));
}}
println!("after");
"""


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "work").mkdir()
    return tmp_path


@pytest.fixture
def kernel(scratch: Path):
    k = LiveKernel({"DLFS_KERNEL_POOL": str(scratch / "pool")}, scratch / "work")
    yield k
    k.shutdown()


# --- the tests ---------------------------------------------------------------------------------

def test_marker_lines_become_signed_display_updates_while_the_cell_runs(kernel: LiveKernel) -> None:
    got = kernel.execute(marker_cell("t1", FRAMES))
    assert not errors_of(got), errors_of(got)
    # The markers are gone from the stream; the lines around them are kept, in order.
    assert text_of(got) == "before\nafter\n", text_of(got)
    shows, updates = of_type(got, "display_data"), of_type(got, "update_display_data")
    assert [m["content"]["transient"]["display_id"] for _, m in shows] == ["dlfs-t1"]
    assert [m["content"]["transient"]["display_id"] for _, m in updates] == ["dlfs-t1"] * 5
    assert [m["content"]["data"]["image/png"] for _, m in shows + updates] == FRAMES
    assert all(m["content"]["data"]["text/plain"] == "a figure" for _, m in shows + updates)
    # They came while the cell ran (5 pauses of 0.3 s after the first), not in one bundle at its end.
    idle = got[-1][0]
    assert idle - shows[0][0] >= 1.2, f"first display {idle - shows[0][0]:.2f}s before the end"
    # Each has the cell's request as parent, and jupyter_client checked the HMAC (it drops a
    # message whose signature is wrong, so they would be missing above).
    assert kernel.kc.session.auth is not None
    assert all(m["parent_header"]["msg_type"] == "execute_request" for _, m in shows + updates)
    # A line that only looks like a marker (another nonce) stays in the stream.
    got = kernel.execute('println!("DLFS-LIVE:0000 show x image/png AAAA");')
    assert text_of(got) == "DLFS-LIVE:0000 show x image/png AAAA\n"
    assert not of_type(got, "display_data")


def test_the_saved_notebook_keeps_one_final_figure_per_display(scratch: Path, monkeypatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("DLFS_KERNEL_POOL", str(scratch / "pool"))
    two = marker_cell("a", FRAMES[:4], 100) + marker_cell("b", FRAMES[2:], 100)  # two figures, one cell
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(marker_cell("n1", FRAMES)),
                                         nbformat.v4.new_code_cell(two)])
    NotebookClient(nb, kernel_name="rust", timeout=CELL_TIMEOUT, startup_timeout=120,
                   resources={"metadata": {"path": str(scratch / "work")}}).execute()
    path = scratch / "saved.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    first, second = ([o for o in cell.outputs if o.output_type == "display_data"] for cell in saved.cells)
    assert [o.data["image/png"] for o in first] == [FRAMES[-1]]
    assert [o.data["image/png"] for o in second] == [FRAMES[3], FRAMES[-1]]
    streams = "".join(o.text for c in saved.cells for o in c.outputs if o.output_type == "stream")
    assert "DLFS-LIVE" not in streams and streams.count("before") == 3


TRAINING = """\
let nonce = std::env::var("DLFS_LIVE").unwrap();
let stop = std::path::PathBuf::from(std::env::var("DLFS_LIVE_STOP").unwrap());
println!("DLFS-LIVE:{nonce} train-start run-%(run)s");
println!("training");
let mut steps = 0u64;
while %(check)s steps < 30_000 { std::thread::sleep(std::time::Duration::from_millis(10)); steps += 1; }
println!("DLFS-LIVE:{nonce} train-end run-%(run)s");
println!("stopped early: {}", steps < 30_000);
"""


def interrupt_when(kernel: LiveKernel, text: str, times: int = 1):
    """An on_message callback that interrupts the kernel `times` times (2 s apart) once `text`
    is printed."""
    def on_message(msg: dict) -> None:
        if msg["msg_type"] == "stream" and text in msg["content"]["text"]:
            def later() -> None:
                for _ in range(times):
                    time.sleep(2)
                    kernel.km.interrupt_kernel()
            threading.Thread(target=later, daemon=True).start()
    return on_message


def test_interrupt_during_a_training_stops_it_and_keeps_the_variables(kernel: LiveKernel) -> None:
    assert not errors_of(kernel.execute("let kept = 41;"))
    t0 = time.monotonic()
    got = kernel.execute(TRAINING % {"run": 1, "check": "!stop.exists() &&"},
                         on_message=interrupt_when(kernel, "training"))
    assert not errors_of(got), errors_of(got)
    assert "stopped early: true" in text_of(got), text_of(got)
    assert time.monotonic() - t0 < 250, "the training ran to its end: the interrupt did not stop it"
    # evcxr was not interrupted: its process and every variable are still there.
    got = kernel.execute("kept + 1")
    assert [m["content"]["data"]["text/plain"] for _, m in of_type(got, "execute_result")] == ["42"]
    # The stop request ended with its cell: the next training runs (and is stopped again).
    got = kernel.execute('std::path::Path::new(&std::env::var("DLFS_LIVE_STOP").unwrap()).exists()')
    assert [m["content"]["data"]["text/plain"] for _, m in of_type(got, "execute_result")] == ["false"]


def test_a_second_interrupt_or_one_outside_a_training_interrupts_evcxr_as_before(kernel: LiveKernel) -> None:
    assert not errors_of(kernel.execute("let kept = 41;"))
    # A training that never looks at the stop file: the first Interrupt asks it to stop, the
    # second goes to evcxr, which ends the cell by ending its process (variables lost, as today).
    t0 = time.monotonic()
    got = kernel.execute(TRAINING % {"run": 2, "check": ""}, on_message=interrupt_when(kernel, "training", 2))
    assert "stopped early" not in text_of(got)
    assert time.monotonic() - t0 < 250
    # No training: a sleeping cell is interrupted by evcxr at once.
    t0 = time.monotonic()
    got = kernel.execute('println!("sleeping");\nstd::thread::sleep(std::time::Duration::from_secs(300));',
                         on_message=interrupt_when(kernel, "sleeping"))
    assert time.monotonic() - t0 < 250
    got = kernel.execute("1 + 2")
    assert [m["content"]["data"]["text/plain"] for _, m in of_type(got, "execute_result")] == ["3"]


def test_without_the_relay_the_kernel_has_no_marker_variables(scratch: Path) -> None:
    k = LiveKernel({"DLFS_KERNEL_POOL": str(scratch / "pool"), "DLFS_KERNEL_RELAY": "0"}, scratch / "work")
    try:
        got = k.execute('std::env::var_os("DLFS_LIVE").is_none() && std::env::var_os("DLFS_LIVE_STOP").is_none()')
        assert [m["content"]["data"]["text/plain"] for _, m in of_type(got, "execute_result")] == ["true"]
    finally:
        k.shutdown()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_heartbeat_restart_and_a_killed_relay_leave_no_evcxr_and_free_the_slot(scratch: Path) -> None:
    pool = scratch / "pool"
    k = LiveKernel({"DLFS_KERNEL_POOL": str(pool)}, scratch / "work")
    try:
        assert k.kc.hb_channel.is_beating()
        k.km.restart_kernel(now=False)
        k.kc.wait_for_ready(timeout=120)
        got = k.execute("1 + 2")
        assert [m["content"]["data"]["text/plain"] for _, m in of_type(got, "execute_result")] == ["3"]
        relay = k.km.provisioner.pid
        assert json.loads((pool / "slot-0" / launch.OWNER_NAME).read_text())["pid"] == relay
        evcxr = children(relay)
        assert len(evcxr) == 1, evcxr
        os.kill(relay, signal.SIGKILL)  # the relay alone, not its process group
        deadline = time.monotonic() + 30
        while alive(evcxr[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(evcxr[0]), "evcxr outlived its relay"
        while time.monotonic() < deadline:
            taken = launch.take_slot(pool, 1)
            if taken:
                os.close(taken[1])
                break
            time.sleep(0.5)
        assert taken, "slot-0 is still locked after the kernel was killed"
    finally:
        k.shutdown()


def test_two_kernels_at_once_each_get_their_own_displays(scratch: Path) -> None:
    env = {"DLFS_KERNEL_POOL": str(scratch / "pool")}
    kernels = [LiveKernel(env, scratch / "work"), LiveKernel(env, scratch / "work")]
    try:
        def work(i: int) -> list:
            return kernels[i].execute(marker_cell(f"k{i}", FRAMES[i:i + 4], 100))

        for i, got in enumerate(in_threads(work, 2, 2 * CELL_TIMEOUT)):
            assert isinstance(got, list), f"kernel {i}: {got!r}"
            ids = {m["content"]["transient"]["display_id"] for _, m in got if "transient" in m["content"]}
            assert ids == {f"dlfs-k{i}"}, ids
            assert len(of_type(got, "update_display_data")) == 3
    finally:
        for k in kernels:
            k.shutdown()


def test_a_kernel_in_notebooks_warms_up_hidden_and_answers_at_once(scratch: Path) -> None:
    """In notebooks/, the relay first runs the set-up's :dep/use lines and a `let` of its own
    (relay.warm_up_code); Jupyter sees the kernel up while that cell builds, and none of its
    messages."""
    import relay

    code = relay.warm_up_code(ROOT / "notebooks")
    assert code is not None and code.endswith(relay.WARM_LET) and ":dep dlfs" in code, code
    assert relay.warm_up_code(ROOT / "notebooks" / "student").count('"../../') >= 1
    assert relay.warm_up_code(scratch) is None
    four_five = relay.warm_up_code(ROOT / "notebooks", "notebooks/4.5-learning-algorithm.ipynb")
    assert ":dep dlfs-fast" in four_five and ":dep dlfs-fast" not in code, four_five
    k = LiveKernel({"DLFS_KERNEL_POOL": str(scratch / "pool")}, ROOT / "notebooks")
    try:
        # Ready (kernel_info answered) while the warm-up still builds dlfs in the fresh slot.
        assert "warm-up cell:" not in k.log_text(), k.log_text()
        seen: list[dict] = []
        got = k.execute("dlfs_warm_up", on_message=seen.append)
        # The warm-up's ndarray sum: |1 - 2·0| over a 1x1 array.
        assert [m["content"]["data"]["text/plain"] for _, m in of_type(got, "execute_result")] == ["1.0"]
        assert "warm-up cell: ok" in k.log_text(), k.log_text()
        assert not any("let dlfs_warm_up" in m["content"].get("code", "") for m in seen)
        first = notebook_first_cell()
        got = k.execute(first)
        assert not errors_of(got), errors_of(got)
        assert "준비 완료" in text_of(got) + "".join(
            m["content"]["data"].get("text/plain", "") for _, m in of_type(got, "execute_result"))
    finally:
        k.shutdown()


def notebook_first_cell() -> str:
    nb = json.loads((ROOT / "notebooks" / "4.4-gradient.ipynb").read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    return "".join(code["source"])
