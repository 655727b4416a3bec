"""A relay between Jupyter and evcxr_jupyter 0.22.0 that turns marker lines into live figures.

evcxr 0.22.0 sends a cell's rich output once, as one `execute_result` when the cell ends, and
never `display_data` or `update_display_data`; but it sends every stdout line of a running cell
at once, as a `stream` message. So a figure that grows while a net trains needs someone between
Jupyter and evcxr who can turn lines into display messages: this relay. Jupyter starts
launch.py with a connection file; the relay binds Jupyter's five sockets there, starts the
unmodified evcxr_jupyter on five fresh ports of 127.0.0.1 with the same key, and passes every
message through as it is (shell, control, stdin and heartbeat byte for byte; iopub too, except
what follows), so interrupt, restart, shutdown, completion and the heartbeat work as before and
are still answered by evcxr itself. On iopub, a stdout line that begins with the marker
`DLFS-LIVE:<nonce> ` (a random nonce per kernel) is removed from the stream and becomes a
`display_data` (verb `show`) or `update_display_data` (verb `update`) with a display id, the
parent header of the cell, and the connection's HMAC-SHA256 signature; so Jupyter, nbclient and
nbconvert keep one output per display id, holding its last figure. The Rust side prints markers
only when evcxr's environment has DLFS_LIVE (set here, to the nonce), so plain evcxr_jupyter
without this relay sees no marker and shows the final figure as before. A training announces
itself (`train-start` / `train-end`): while one runs, Interrupt is not passed to evcxr (whose
interrupt kills the process that holds every variable) but creates the file named by
DLFS_LIVE_STOP, which the training polls, so it ends at its next iteration with what it has;
a second Interrupt, or one while no training runs, goes to evcxr as before. Markers on stdout
rather than a socket of our own keep evcxr unmodified and need no new dependency in the crate;
lines rather than files keep the figure in order with the cell's other output. Why not fork
evcxr: it is pinned at 0.22.0 and compiled by every set-up; the relay is one Python file.

Marker lines (one line each, fields separated by one space; the relay ignores anything else):

    DLFS-LIVE:<nonce> show <id> <mime> <base64> [<mime> <base64> ...]
    DLFS-LIVE:<nonce> update <id> <mime> <base64> [<mime> <base64> ...]
    DLFS-LIVE:<nonce> train-start <run>
    DLFS-LIVE:<nonce> train-end <run>

`<id>` is made unique by the Rust side (process id, time, counter); the display id sent is
`dlfs-<id>`. The payload of `image/png` is the PNG's base64, as Jupyter wants it; of any other
type, the base64 of its UTF-8 text.

Warming (DLFS_KERNEL_WARM=0 turns it off): when the kernel starts in notebooks/ (or below), the
relay sends evcxr a cell of its own before any of Jupyter's: the `:dep` and `use` lines of the
notebooks' set-up cell (notebooks/src/setup.evcxr, or setup-4.5.evcxr for the notebook 4.5-*
that JupyterLab names in JPY_SESSION_NAME; paths as seen from the kernel's directory, so
the lecturer's set-up cell finds the same Cargo.toml) and a `let dlfs_warm_up` of a small
ndarray computation (WARM_LET). evcxr then builds the crate, and its rust-analyzer resolves the
crate graph and ndarray's types for the first `let`, while JupyterLab opens the notebook instead
of in the lecturer's first cells. The messages of that cell are not passed to Jupyter; it leaves
the variable `dlfs_warm_up` (the `f64` 1.0), and evcxr counts
it, so the first cell is numbered 3. While it runs, Jupyter's kernel_info_request goes to evcxr's
control socket (its shell socket waits for the cell), so the kernel is reported up at once.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import zmq

DELIM = b"<IDS|MSG>"
ENV_NONCE = "DLFS_LIVE"
ENV_STOP = "DLFS_LIVE_STOP"
CHANNELS = ("shell", "control", "stdin", "hb", "iopub")


def log(message: str) -> None:
    print(f"relay: {message}", file=sys.stderr, flush=True)


def free_ports(n: int) -> list[int]:
    """n distinct free TCP ports of 127.0.0.1 (as jupyter_client picks them)."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def endpoint(conn: dict, channel: str) -> str:
    port = conn[f"{channel}_port"]
    if conn.get("transport", "tcp") == "ipc":
        return f"ipc://{conn['ip']}-{port}"
    return f"tcp://{conn['ip']}:{port}"


ROOT = Path(__file__).resolve().parent.parent.parent
# evcxr's rust-analyzer infers the type of each top-level `let` (only those); the first one makes
# it resolve the crate graph (std, dlfs and their dependencies), seconds of work, whatever the type.
# A lesson's first `let` then still paid for what `()` does not touch: ndarray's macro, its types
# and the trait impls of its arithmetic, inferred and compiled for the first time. So the warm-up's
# `let` uses them (a 1x1 array, a product, a difference, a closure and a sum; an `f64` is kept).
# DLFS_KERNEL_WARM_LET replaces it (a `let` statement; for measuring).
WARM_LET = "let dlfs_warm_up = (&array![[1.0]] - &(2.0 * &Array2::<f64>::zeros((1, 1)))).mapv(f64::abs).sum();"


def warm_up_code(cwd: Path, session: str | None = None, root: Path = ROOT) -> str | None:
    """The relay's own first cell for a kernel started in `cwd`: the `:dep` and `use` lines of
    the notebooks' set-up cell with their paths as seen from `cwd`, and a first `let`; None
    outside notebooks/ or without a set-up file. `session` is the notebook's path as JupyterLab
    gives it (JPY_SESSION_NAME): for `4.5-....ipynb` the set-up is setup-4.5.evcxr if there is one."""
    notebooks = (root / "notebooks").resolve()
    setup = notebooks / "src" / "setup.evcxr"
    section = Path(session or "").name.split("-", 1)[0]
    if section and (notebooks / "src" / f"setup-{section}.evcxr").is_file():
        setup = notebooks / "src" / f"setup-{section}.evcxr"
    cwd = cwd.resolve()
    if not setup.is_file() or not (cwd == notebooks or notebooks in cwd.parents):
        return None
    lines = []
    for line in setup.read_text().splitlines():
        line = line.strip()
        if line.startswith((":dep ", "use ")):
            lines.append(re.sub(r'path = "([^"]+)"',
                                lambda m: f'path = "{os.path.relpath(notebooks / m.group(1), cwd)}"', line))
    warm_let = os.environ.get("DLFS_KERNEL_WARM_LET", "").strip() or WARM_LET
    return "\n".join([*lines, warm_let]) if lines else None


class Signer:
    """HMAC-SHA256 of a message's four JSON parts with the connection's key (none if empty)."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def sign(self, parts: list[bytes]) -> bytes:
        if not self.key:
            return b""
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            mac.update(p)
        return mac.hexdigest().encode()

    def verify(self, signature: bytes, parts: list[bytes]) -> bool:
        return not self.key or hmac.compare_digest(self.sign(parts), signature)


def split(frames: list[bytes]) -> tuple[list[bytes], bytes, list[bytes]] | None:
    """(identities, signature, [header, parent, metadata, content, *buffers]), or None."""
    try:
        i = frames.index(DELIM)
    except ValueError:
        return None
    if len(frames) < i + 6:
        return None
    return frames[:i], frames[i + 1], frames[i + 2:]


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class Relay:
    def __init__(self, program: str, args: list[str], env: dict[str, str], pass_fds: tuple[int, ...] = ()):
        if "--control_file" not in args or args.index("--control_file") + 1 >= len(args):
            raise SystemExit("relay: evcxr_jupyter's arguments have no --control_file FILE")
        at = args.index("--control_file") + 1
        self.front_conn = json.loads(Path(args[at]).read_text())
        scheme = self.front_conn.get("signature_scheme", "hmac-sha256")
        if self.front_conn.get("key") and scheme != "hmac-sha256":
            raise SystemExit(f"relay: signature scheme {scheme!r} is not supported (evcxr signs with hmac-sha256)")
        self.signer = Signer(self.front_conn.get("key", "").encode())
        self.dir = Path(tempfile.mkdtemp(prefix="dlfs-relay-"))
        ports = free_ports(len(CHANNELS))
        self.back_conn = {**self.front_conn, "transport": "tcp", "ip": "127.0.0.1",
                          **{f"{c}_port": p for c, p in zip(CHANNELS, ports)}}
        back_file = self.dir / "evcxr-connection.json"
        back_file.write_text(json.dumps(self.back_conn))
        back_file.chmod(0o600)
        self.args = [*args[:at], str(back_file), *args[at + 1:]]
        self.program = program
        self.nonce = secrets.token_hex(8)
        self.marker = f"DLFS-LIVE:{self.nonce} "
        self.stop_file = self.dir / "stop"
        self.env = {**env, ENV_NONCE: self.nonce, ENV_STOP: str(self.stop_file)}
        self.pass_fds = pass_fds
        # The cell being executed (msg_id of its execute_request), the trainings running in it,
        # and whether an Interrupt already asked them to stop.
        self.cell: str | None = None
        self.trainings: set[str] = set()
        self.stop_requested = False
        self.child: subprocess.Popen | None = None
        self.terminating = False
        self.warm_id: str | None = None  # msg_id of the relay's own warm-up cell
        self.redirected: set[str] = set()  # kernel_info_requests sent to evcxr's control socket

    # -- sockets ------------------------------------------------------------
    def open_sockets(self) -> None:
        ctx = self.ctx = zmq.Context()
        ident = f"dlfs-relay-{self.nonce}".encode()
        self.front, self.back = {}, {}
        for c in ("shell", "control", "stdin", "hb"):
            f = ctx.socket(zmq.ROUTER)
            f.linger = 1000
            f.bind(endpoint(self.front_conn, c))
            b = ctx.socket(zmq.DEALER)
            # One routing id for shell, stdin and control: evcxr addresses an input_request on
            # stdin with the identities of the execute_request it got on shell.
            if c != "hb":
                b.setsockopt(zmq.ROUTING_ID, ident)
            b.linger = 0
            b.connect(endpoint(self.back_conn, c))
            self.front[c], self.back[c] = f, b
        pub = ctx.socket(zmq.PUB)
        pub.linger = 1000
        pub.bind(endpoint(self.front_conn, "iopub"))
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.linger = 0
        sub.connect(endpoint(self.back_conn, "iopub"))
        self.front["iopub"], self.back["iopub"] = pub, sub

    # -- the child ----------------------------------------------------------
    def start_child(self) -> None:
        parent = os.getpid()

        def die_with_relay() -> None:  # in the child, before exec
            try:
                import ctypes

                libc = ctypes.CDLL(None, use_errno=True)
                libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no orphaned evcxr
            except (OSError, AttributeError):
                pass
            if os.getppid() != parent:
                os._exit(1)

        self.child = subprocess.Popen([self.program, *self.args], env=self.env, pass_fds=self.pass_fds,
                                      preexec_fn=die_with_relay if sys.platform.startswith("linux") else None)

    def send_warm_up(self, code: str) -> None:
        """Queues the relay's own cell on evcxr's shell socket, ahead of Jupyter's requests."""
        self.warm_id = uuid.uuid4().hex
        header = {"msg_id": self.warm_id, "msg_type": "execute_request", "username": "dlfs-relay",
                  "session": self.nonce, "date": now_iso(), "version": "5.3"}
        content = {"code": code, "silent": True, "store_history": False, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        parts = [json.dumps(header).encode(), b"{}", b"{}", json.dumps(content).encode()]
        self.back["shell"].send_multipart([DELIM, self.signer.sign(parts), *parts])
        self.warm_start = time.monotonic()

    def is_warm_up(self, parts: list[bytes]) -> bool:
        if self.warm_id is None:
            return False
        try:
            return json.loads(parts[1]).get("msg_id") == self.warm_id
        except ValueError:
            return False

    def on_shell_reply(self, frames: list[bytes]) -> None:
        parsed = split(frames)
        if parsed is not None and self.is_warm_up(parsed[2]):
            status = json.loads(parsed[2][3]).get("status")
            log(f"warm-up cell: {status} in {time.monotonic() - self.warm_start:.1f}s")
            self.warm_id = None
            return
        self.front["shell"].send_multipart(frames)

    def on_shell_request(self, frames: list[bytes]) -> None:
        """While the warm-up cell runs, evcxr's shell socket waits for it; a kernel_info_request
        (how Jupyter sees that a kernel is up) goes to evcxr's control socket instead, which
        answers at once, and the relay says on iopub that the kernel is busy."""
        parsed = split(frames) if self.warm_id is not None else None
        if parsed is not None:
            idents, sig, parts = parsed
            try:
                header = json.loads(parts[0])
            except ValueError:
                header = {}
            if header.get("msg_type") == "kernel_info_request" and self.signer.verify(sig, parts[:4]):
                self.redirected.add(header.get("msg_id"))
                self.back["control"].send_multipart(frames)
                status = {**header, "msg_id": uuid.uuid4().hex, "msg_type": "status", "username": "kernel",
                          "date": now_iso()}
                self.send_iopub([], [json.dumps(status).encode(), parts[0], b"{}",
                                     json.dumps({"execution_state": "busy"}).encode()])
                return
        self.back["shell"].send_multipart(frames)

    def on_control_reply(self, frames: list[bytes]) -> None:
        if self.redirected:
            parsed = split(frames)
            if parsed is not None:
                try:
                    parent = json.loads(parsed[2][1]).get("msg_id")
                except ValueError:
                    parent = None
                if parent in self.redirected:
                    self.redirected.discard(parent)
                    self.front["shell"].send_multipart(frames)
                    return
        self.front["control"].send_multipart(frames)

    def on_sigterm(self, signum, frame) -> None:
        self.terminating = True

    # -- iopub: markers to display messages ---------------------------------
    def send_iopub(self, idents: list[bytes], parts: list[bytes]) -> None:
        self.front["iopub"].send_multipart([*idents, DELIM, self.signer.sign(parts[:4]), *parts])

    def display(self, idents: list[bytes], header: dict, parent: bytes, verb: str, fields: list[str]) -> bool:
        if len(fields) < 3 or len(fields) % 2 != 1:
            return False
        data = {}
        for mime, b64 in zip(fields[1::2], fields[2::2]):
            try:
                raw = base64.b64decode(b64, validate=True)
                data[mime] = b64 if mime == "image/png" else raw.decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
        msg_type = "display_data" if verb == "show" else "update_display_data"
        h = {**header, "msg_id": uuid.uuid4().hex, "msg_type": msg_type, "date": now_iso()}
        content = {"data": data, "metadata": {}, "transient": {"display_id": f"dlfs-{fields[0]}"}}
        self.send_iopub(idents, [json.dumps(h).encode(), parent, b"{}", json.dumps(content).encode()])
        return True

    def marker_line(self, line: str, idents: list[bytes], header: dict, parent: bytes) -> None:
        fields = line[len(self.marker):].split()
        verb, rest = (fields[0], fields[1:]) if fields else ("", [])
        ok = True
        if verb in ("show", "update"):
            ok = self.display(idents, header, parent, verb, rest)
        elif verb == "train-start" and len(rest) == 1:
            self.trainings.add(rest[0])
        elif verb == "train-end" and len(rest) == 1:
            self.trainings.discard(rest[0])
        else:
            ok = False
        if not ok:
            log(f"ignored a malformed marker line: {line[:120]!r}")

    def end_cell(self) -> None:
        self.cell = None
        self.trainings.clear()
        self.stop_requested = False
        self.stop_file.unlink(missing_ok=True)

    def on_iopub(self, frames: list[bytes]) -> None:
        parsed = split(frames)
        if parsed is None:
            self.front["iopub"].send_multipart(frames)
            return
        idents, _sig, parts = parsed
        try:
            header = json.loads(parts[0])
        except ValueError:
            self.front["iopub"].send_multipart(frames)
            return
        kind = header.get("msg_type")
        if self.is_warm_up(parts):
            if kind == "error":
                log(f"warm-up cell failed: {json.loads(parts[3]).get('evalue', '')[:500]}")
            return
        if kind == "execute_input":
            self.end_cell()
            self.cell = json.loads(parts[1]).get("msg_id")
        elif kind == "status":
            content = json.loads(parts[3])
            if content.get("execution_state") == "idle" and self.cell is not None \
                    and json.loads(parts[1]).get("msg_id") == self.cell:
                self.end_cell()
        elif kind == "stream" and self.marker.encode() in parts[3]:
            content = json.loads(parts[3])
            if content.get("name") == "stdout":
                self.stream_with_markers(idents, header, parts, content)
                return
        self.front["iopub"].send_multipart(frames)

    def stream_with_markers(self, idents: list[bytes], header: dict, parts: list[bytes], content: dict) -> None:
        """Sends the stream's plain lines as stream messages and its marker lines as displays,
        in their order."""
        plain: list[str] = []

        def flush() -> None:
            if plain:
                c = {**content, "text": "".join(plain)}
                h = {**header, "msg_id": uuid.uuid4().hex}
                self.send_iopub(idents, [json.dumps(h).encode(), parts[1], parts[2], json.dumps(c).encode()])
                plain.clear()

        for line in content.get("text", "").splitlines(keepends=True):
            if line.startswith(self.marker):
                flush()
                self.marker_line(line.rstrip("\r\n"), idents, header, parts[1])
            else:
                plain.append(line)
        flush()

    # -- control: Interrupt during a training -----------------------------
    def on_control(self, frames: list[bytes]) -> None:
        parsed = split(frames)
        if parsed is not None and self.trainings and not self.stop_requested:
            idents, sig, parts = parsed
            try:
                header = json.loads(parts[0])
            except ValueError:
                header = {}
            if header.get("msg_type") == "interrupt_request" and self.signer.verify(sig, parts[:4]):
                self.stop_file.write_text("stop\n")
                self.stop_requested = True
                log(f"Interrupt during a training: asked it to stop at its next iteration ({self.stop_file})")
                reply_header = {**header, "msg_id": uuid.uuid4().hex, "msg_type": "interrupt_reply",
                                "username": "kernel", "date": now_iso()}
                reply = [json.dumps(reply_header).encode(), parts[0], b"{}", json.dumps({"status": "ok"}).encode()]
                self.front["control"].send_multipart([*idents, DELIM, self.signer.sign(reply), *reply])
                return
        self.back["control"].send_multipart(frames)

    # -- the loop -----------------------------------------------------------
    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_sigterm)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Interrupt is a message (interrupt_mode "message")
        self.open_sockets()
        self.start_child()
        warm = (warm_up_code(Path.cwd(), os.environ.get("JPY_SESSION_NAME"))
                if os.environ.get("DLFS_KERNEL_WARM", "1") != "0" else None)
        if warm:
            self.send_warm_up(warm)
        poller = zmq.Poller()
        routes = {}
        for c in ("shell", "control", "stdin", "hb"):
            poller.register(self.front[c], zmq.POLLIN)
            poller.register(self.back[c], zmq.POLLIN)
            routes[self.front[c]] = {"control": self.on_control, "shell": self.on_shell_request}.get(
                c, self.back[c].send_multipart)
            routes[self.back[c]] = {"control": self.on_control_reply, "shell": self.on_shell_reply}.get(
                c, self.front[c].send_multipart)
        poller.register(self.back["iopub"], zmq.POLLIN)
        routes[self.back["iopub"]] = self.on_iopub
        code = None
        try:
            while True:
                if self.terminating:
                    code = self.stop_child()
                    break
                code = self.child.poll()
                # After evcxr has exited, pass on what it sent last (the shutdown reply).
                events = dict(poller.poll(100 if code is None else 300))
                for sock in events:
                    while True:
                        try:
                            frames = sock.recv_multipart(zmq.NOBLOCK)
                        except zmq.Again:
                            break
                        routes[sock](frames)
                if code is not None and not events:
                    break
        finally:
            self.close()
        if code is None:
            return 1
        return code if code >= 0 else 128 - code  # killed by a signal: as a shell reports it

    def stop_child(self) -> int:
        if self.child.poll() is None:
            if os.getpgrp() == os.getpid():
                # Started as Jupyter starts a kernel (a session of its own): evcxr's cargo and
                # rustc, which hold the slot's lock too, end with it (this process only sets a flag).
                os.killpg(os.getpid(), signal.SIGTERM)
            self.child.terminate()
            try:
                return self.child.wait(5)
            except subprocess.TimeoutExpired:
                self.child.kill()
        return self.child.wait()

    def close(self) -> None:
        if not hasattr(self, "ctx"):
            return
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        for s in [*self.front.values(), *self.back.values()]:
            s.close()
        self.ctx.term()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(program: str, args: list[str], env: dict[str, str], pass_fds: tuple[int, ...] = ()) -> int:
    """Runs evcxr_jupyter (`program args`) behind the relay until it exits; its exit status."""
    return Relay(program, args, env, pass_fds).run()
