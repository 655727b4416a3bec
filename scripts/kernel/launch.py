#!/usr/bin/env python3
"""Start evcxr_jupyter in a build directory of its own that outlives the kernel.

The `rust` kernel that scripts/lab.sh registers in .venv runs

    .venv/bin/python scripts/kernel/launch.py /path/to/evcxr_jupyter --control_file {connection_file}

evcxr compiles every cell as a crate in a build directory. By default that is a
fresh temporary directory per kernel, so a new or restarted kernel rebuilds the
`dlfs` crate from scratch (evcxr's `:cache` skips path crates on purpose). This
launcher gives each kernel a slot from a pool of persistent build directories
instead:

  - the pool is DLFS_KERNEL_POOL if set, else the user's cache directory +
    dlfs/evcxr-pool/<clone>-<hash of the clone's path> (~/.cache/dlfs/... on
    Linux, $XDG_CACHE_HOME if set; ~/Library/Caches/dlfs/... on macOS);
  - it takes the first free slot-N (N < DLFS_KERNEL_SLOTS, default 8): free
    means nobody holds the `flock` on slot-N/.lock. The lock is taken here and
    handed to evcxr_jupyter, which this process becomes (exec): it is held for
    the kernel's whole life, by the kernel and the cargo/rustc processes it
    starts, and the operating system releases it when they end, however they
    end (a crashed or killed kernel frees its slot);
  - it sets EVCXR_TMPDIR to the slot and execs evcxr_jupyter, unmodified. Being
    the same process, Jupyter's interrupts (messages) and kills (signals) reach
    the kernel as before.

Two live kernels never share a slot (evcxr writes its whole crate there). When
all slots are taken the kernel runs in evcxr's own temporary directory, as
without this launcher, and says so on stderr.

A restarted kernel takes the slot its predecessor freed, whose target/ still
holds the compiled `dlfs`: cargo rebuilds it only if crate/ changed.

It also appends rustc's target library directory (`rustc --print target-libdir`,
where libstd-*.so is) to LD_LIBRARY_PATH (DYLD_LIBRARY_PATH on macOS). Each
cell's shared object finds libstd through a run path relative to the directory
it was linked in (target/<host>/debug/deps), but evcxr loads it from the
directory above; from a build directory in /tmp the one `..` too many is lost
at `/`, from one in the home directory that also holds ~/.rustup it is not, and
the kernel dies with "dlopen failed".

Live figures (issue 19): by default this process does not exec evcxr_jupyter but runs it as a
child behind scripts/kernel/relay.py (see there), staying the kernel process Jupyter signals;
it keeps the slot's lock and passes it on to evcxr. DLFS_KERNEL_RELAY=0 execs as described above.

Cell compiles (issue 19): cargo's RUSTC_WORKSPACE_WRAPPER is set to cell-rustc.sh, which turns
off rustc's local ThinLTO pass for the cell crate only (shorter cells; code written in a cell
runs up to 2 times slower, the crates' code not at all; docs/kernel.md). DLFS_CELL_LTO=on gives
evcxr's build back; DLFS_CELL_RUSTFLAGS adds rustc flags for the cell crate only.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_SLOTS = 8
LOCK_NAME = ".lock"
OWNER_NAME = ".kernel.json"


def cache_home() -> Path:
    """The user's cache directory, as the `dirs` crate (and so `dlfs`) finds it."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"


def pool_dir(root: Path = ROOT) -> Path:
    """Where the slots of this clone live (DLFS_KERNEL_POOL overrides it)."""
    explicit = os.environ.get("DLFS_KERNEL_POOL")
    if explicit:
        return Path(explicit)
    tag = hashlib.sha256(str(root).encode()).hexdigest()[:10]
    # No spaces in the slot's path: evcxr cannot load a cell built under one ("dlopen failed").
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name)
    return cache_home() / "dlfs" / "evcxr-pool" / f"{name}-{tag}"


def slot_count() -> int:
    raw = os.environ.get("DLFS_KERNEL_SLOTS", str(DEFAULT_SLOTS))
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise SystemExit(f"launch.py: DLFS_KERNEL_SLOTS={raw!r} is not a positive whole number")
    return n


def try_lock(slot: Path) -> int | None:
    """Lock slot/.lock without waiting; the fd on success, None if another
    process holds it. Makes the slot if needed."""
    slot.mkdir(parents=True, exist_ok=True)
    lock = slot / LOCK_NAME
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        os.close(fd)
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    # The lock file could have been deleted (the pool cleared) between open
    # and flock: then this lock guards nothing; try that slot again.
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(lock))
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return try_lock(slot)
    return fd


def take_slot(pool: Path, slots: int) -> tuple[Path, int] | None:
    """The first free slot of the pool, locked; None when all are taken."""
    for n in range(slots):
        slot = pool / f"slot-{n}"
        fd = try_lock(slot)
        if fd is not None:
            return slot, fd
    return None


def tidy(slot: Path) -> None:
    """Remove what the previous kernel of this slot left that no later kernel
    reads: its cells' shared objects (evcxr renames each cell's build to
    libcode_<n>.so and, when EVCXR_TMPDIR is set, never deletes them)."""
    target = slot / "target"
    if not target.is_dir():
        return
    for pattern in ("*/debug/libcode_*.*", "*/debug/deps/libcode_*.*"):
        for so in target.glob(pattern):
            try:
                so.unlink()
            except OSError:
                pass


def rust_libdir() -> str | None:
    """rustc's target library directory (libstd-*.so), or None if rustc cannot say."""
    cargo_home = Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo")
    # rustc on PATH as evcxr finds it; the rustup proxy in CARGO_HOME when Jupyter's PATH lacks it.
    for rustc in ("rustc", str(cargo_home / "bin" / "rustc")):
        try:
            out = subprocess.run([rustc, "--print", "target-libdir"], capture_output=True, text=True,
                                 timeout=60, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if out and os.path.isdir(out):
            return out
    return None


def add_library_path(env: dict[str, str]) -> None:
    var = "DYLD_LIBRARY_PATH" if sys.platform == "darwin" else "LD_LIBRARY_PATH"
    libdir = rust_libdir()
    if libdir is None:
        print("launch.py: `rustc --print target-libdir` failed; cells may fail to load libstd", file=sys.stderr)
        return
    parts = [p for p in env.get(var, "").split(os.pathsep) if p]
    if libdir not in parts:
        env[var] = os.pathsep.join([*parts, libdir])


def cell_rustc_flags(env: dict[str, str]) -> list[str]:
    """rustc's extra flags for the cells (evcxr's crate `ctx`): `-C lto=off` unless
    DLFS_CELL_LTO=on, then the words of DLFS_CELL_RUSTFLAGS. A bad DLFS_CELL_LTO is an error."""
    lto = env.get("DLFS_CELL_LTO", "off").strip().lower() or "off"
    if lto not in ("on", "off"):
        raise SystemExit(f"launch.py: DLFS_CELL_LTO={env['DLFS_CELL_LTO']!r}: expected `on` (evcxr's "
                         "build of the cells) or `off` (rustc's local ThinLTO off for them, the default)")
    return (["-C", "lto=off"] if lto == "off" else []) + env.get("DLFS_CELL_RUSTFLAGS", "").split()


def add_cell_wrapper(env: dict[str, str]) -> None:
    """Compile the cells (evcxr's crate `ctx`, cargo's only workspace member) through
    cell-rustc.sh with the flags of `cell_rustc_flags`: by default rustc's local ThinLTO pass
    off for them, so a cell compiles in about two thirds of the time (docs/kernel.md).
    DLFS_CELL_LTO=on with no DLFS_CELL_RUSTFLAGS leaves evcxr's build as it is; a
    RUSTC_WORKSPACE_WRAPPER the user set is kept."""
    flags = cell_rustc_flags(env)
    wrapper = Path(__file__).resolve().parent / "cell-rustc.sh"
    if not flags or env.get("RUSTC_WORKSPACE_WRAPPER"):
        return
    if not os.access(wrapper, os.X_OK):  # a copy of the launcher without it: evcxr's own build
        print(f"launch.py: {wrapper} is missing or not executable; cells are built as evcxr builds them",
              file=sys.stderr)
        return
    env["RUSTC_WORKSPACE_WRAPPER"] = str(wrapper)
    env["DLFS_CELL_RUSTC_FLAGS"] = " ".join(flags)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    if argv[0] == "--pool":
        print(pool_dir())
        return 0
    program, args = argv[0], argv[1:]
    if not os.access(program, os.X_OK):
        print(f"launch.py: {program} is not an executable file; rerun `bash scripts/lab.sh --no-launch` "
              "to install evcxr_jupyter and register the kernel again", file=sys.stderr)
        return 2
    env = dict(os.environ)
    pool = pool_dir()
    try:
        taken = take_slot(pool, slot_count())
        if taken is None:
            print(f"launch.py: all {slot_count()} slots of {pool} are in use; "
                  "this kernel builds in a temporary directory (its first cell rebuilds dlfs)",
                  file=sys.stderr)
    except OSError as e:
        print(f"launch.py: cannot use the build-directory pool {pool} ({e}); "
              "this kernel builds in a temporary directory", file=sys.stderr)
        taken = None
    if taken is None:
        env.pop("EVCXR_TMPDIR", None)
    else:
        slot, fd = taken
        tidy(slot)
        owner = {"pid": os.getpid(), "started": time.time(), "args": args}
        try:  # who holds the slot, for the tests and for a curious reader; not needed to run
            (slot / OWNER_NAME).write_text(json.dumps(owner) + "\n")
        except OSError:
            pass
        # Keep the lock across exec: the kernel holds it until it ends.
        os.set_inheritable(fd, True)
        env["EVCXR_TMPDIR"] = str(slot)
        add_library_path(env)
    add_cell_wrapper(env)
    # --- live figures (issue 19): evcxr runs behind scripts/kernel/relay.py, which passes Jupyter's
    # sockets through and turns the crate's marker lines into display messages. This process
    # stays the kernel (it holds the slot's lock and passes it on to evcxr); DLFS_KERNEL_RELAY=0
    # execs evcxr_jupyter directly, as before.
    if os.environ.get("DLFS_KERNEL_RELAY", "1") != "0":
        try:
            import relay
        except ImportError as e:  # no pyzmq in this Python: no live figures, the rest as before
            print(f"launch.py: no relay ({e}); live figures are off", file=sys.stderr)
        else:
            return relay.run(program, args, env, (taken[1],) if taken else ())
    # --- end of live figures
    try:
        os.execve(program, [program, *args], env)
    except OSError as e:
        print(f"launch.py: cannot run {program}: {e}", file=sys.stderr)
        return 2
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
