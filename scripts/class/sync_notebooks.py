"""Give a user their own copy of the course notebooks, and bring later updates without losing work.

Installed as PREFIX/bin/dlfs_sync_notebooks.py; PREFIX/bin/dlfs-singleuser runs it as the user
at every server start:

    python dlfs_sync_notebooks.py --prefix /opt/dlfs --home ~ --role student|lecturer

The user's tree mirrors the repository, so the notebooks' `:dep dlfs = { path = ... }` lines
work unchanged:

    ~/dlfs/crate, ~/dlfs/crates   links to PREFIX/course/crate, PREFIX/course/crates
    ~/dlfs/notebooks/student/     the student copies (PREFIX/course/notebooks/student)
    ~/dlfs/notebooks/             the lecturer only: the notebooks with solutions

The rule for each file, like nbgitpuller's (local changes win), decided by content hashes kept
in ~/dlfs/.sync.json (the hash of the version last delivered):

  - not in the home (first start, or deleted by the user): copied;
  - unchanged since delivered: replaced by the new version;
  - changed by the user: left alone; when the course's version is newer, it is put next to
    it as NAME.updated.ipynb (overwritten by later updates), and a line says so.

Files are written to a temporary name and renamed into place; a link the user made in place
of a file is left alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.sync-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def sync_dir(src: Path, dest: Path, state: dict[str, str], key: str, log) -> None:
    """Bring the files of `src` (not its subdirectories) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for s in sorted(p for p in src.iterdir() if p.is_file()):
        rel = f"{key}/{s.name}"
        d = dest / s.name
        new = s.read_bytes()
        new_hash = hashlib.sha256(new).hexdigest()
        if d.is_symlink():
            log(f"{d}: a link, left alone")
            continue
        if not d.exists():
            write(d, new)
            state[rel] = new_hash
            log(f"{d}: copied")
            continue
        have = digest(d)
        if have == new_hash:
            state[rel] = new_hash
        elif have == state.get(rel):
            write(d, new)
            state[rel] = new_hash
            log(f"{d}: updated")
        elif new_hash != state.get(rel):
            upd = d.with_name(f"{d.stem}.updated{d.suffix}")
            if not (upd.is_file() and not upd.is_symlink() and digest(upd) == new_hash):
                write(upd, new)
                log(f"{d}: changed by you, kept; the course's new version is {upd.name}")


def link(path: Path, target: Path, log) -> None:
    if path.is_symlink() and os.readlink(path) == str(target):
        return
    if path.is_symlink():
        path.unlink()
    elif path.exists():
        log(f"{path}: exists and is not a link to {target}; left alone")
        return
    if target.exists():
        path.symlink_to(target)


def sync(prefix: Path, home: Path, role: str, log=print) -> dict[str, str]:
    root = home / "dlfs"
    root.mkdir(parents=True, exist_ok=True)
    state_file = root / ".sync.json"
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        state = {}
    for name in ("crate", "crates"):
        link(root / name, prefix / "course" / name, log)
    sync_dir(prefix / "course" / "notebooks" / "student", root / "notebooks" / "student", state,
             "student", log)
    if role == "lecturer":
        try:
            sync_dir(prefix / "solutions" / "notebooks", root / "notebooks", state, "solutions", log)
        except PermissionError as e:
            log(f"the solutions are not readable for this user ({e}); add them to the group dlfs-staff")
        except FileNotFoundError:
            # the class image leaves them out (binder/Dockerfile): mount them there
            log(f"no notebooks with solutions in {prefix / 'solutions' / 'notebooks'}; the student copies only")
    write(state_file, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())
    return state


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prefix", type=Path, required=True)
    p.add_argument("--home", type=Path, required=True)
    p.add_argument("--role", choices=["student", "lecturer"], default="student")
    a = p.parse_args()
    sync(a.prefix, a.home, a.role, log=lambda m: print(f"dlfs-sync: {m}", file=sys.stderr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
