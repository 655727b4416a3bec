"""bench/class.py refuses, before it adds anyone, a class too big for the machine's memory.

The benchmark itself is not run here (minutes, and gigabytes per student: see docs/class.md);
this checks its guard: N students need about N x 1 GB (the measured peak per student) plus the
hub's share, and a machine without that much MemAvailable gets a message saying so.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = Path(os.environ.get("DLFS_PREFIX", "/opt/dlfs")) / "venv" / "bin" / "python"


def mem_available_gb() -> float:
    with open("/proc/meminfo") as f:
        return next(int(x.split()[1]) for x in f if x.startswith("MemAvailable:")) * 1024 / 1e9


def test_refuses_more_students_than_memory_for(tmp_path, class_install):
    # as root, as the benchmark runs (class_install fails otherwise), with its venv installed
    n = int(mem_available_gb()) + 5  # at 1 GB each, more students than there is memory for
    passwd = Path("/etc/passwd").read_text()
    r = subprocess.run([str(PY), str(ROOT / "bench" / "class.py"), "--students", "2", "--students", str(n),
                        "--json", str(tmp_path / "out.json")],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode != 0, r.stdout
    assert f"not enough for N={n}: memory: {n} students need about" in r.stderr, r.stderr
    assert "MemAvailable is" in r.stderr and "--force" in r.stderr, r.stderr
    # checked before anything started: no user added, no result written, not even for N = 2
    assert Path("/etc/passwd").read_text() == passwd
    assert not (tmp_path / "out.json").exists()


def test_rejects_nonsense_counts(class_install):
    r = subprocess.run([str(PY), str(ROOT / "bench" / "class.py"), "--students", "0"],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode != 0 and "positive" in r.stderr, r.stderr
