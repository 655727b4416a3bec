"""Benchmark of the class hub: N simulated students log in within a minute and run the first
cells of 4.2 and 4.4 through the hub.

    /opt/dlfs/venv/bin/python bench/class.py --students 5 [--students 10 ...] [--cells 4]
        [--window 60] [--seed 1] [--install] [--json FILE] [--mb-per-student MB] [--force]

Run as root after `bash scripts/class/install.sh` (or with --install, which runs it first:
one command, unattended). Before each N it checks the machine's free memory (MemAvailable)
against N x MB_PER_STUDENT (measured: the peak of all students' processes was about 1 GB per
student at N = 5 and 10) plus MB_BASE for the hub and the system, and the free disk of /home
against N x 0.35 GB (the warm cache and slot each home gets); too little, and it stops before
adding anyone, saying what it needs (--force: warn and run). For each N it adds N test users
(`dlfsb...`, removed afterwards, with their homes), starts `bash scripts/class.sh` on a free
127.0.0.1 port, and starts one thread per student at a seeded random moment within the window:
log in with the password, start the server, open the 4.2 student notebook and run its first
CELLS code cells on its kernel (websocket), then the same with 4.4. Meanwhile it samples the
resident memory (RSS) of every process of each student every 0.5 s. It prints, per N:

  first-cell latency (each notebook's set-up cell) p50 / p95, later-cell latency p50 / p95,
  login-to-ready server start p50 / p95, peak memory per student (max, mean), and the peak of
  all students' processes together, plus the hub and the proxy;

and last one line per N: `class: N=5 first_p50=... first_p95=... later_p50=... later_p95=...
peak_per_student_mb=... peak_total_mb=...`. The hub is stopped by its PID afterwards.
--json FILE also writes every N's raw numbers there.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "class"))
from hubclient import HubError, HubUser  # noqa: E402

PREFIX = Path(os.environ.get("DLFS_PREFIX", "/opt/dlfs"))
NOTEBOOKS = ["4.2-loss-functions.ipynb", "4.4-gradient.ipynb"]
# Peak memory of all students' processes together, per student: 5062 MB for 5, 10194 MB for
# 10 (docs/class.md, "Sizing"); one student alone peaked at up to 2.3 GB, but the peaks of
# different students do not all coincide.
MB_PER_STUDENT = 1000
MB_BASE = 1500  # the hub, the proxy, this process and some slack for the system
HOME_MB_PER_STUDENT = 350  # the warm build cache and kernel slot copied into each home


def mem_available_mb() -> float:
    """MemAvailable of /proc/meminfo, in MB (what can be used without swapping)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise SystemExit("bench/class.py: no MemAvailable in /proc/meminfo (a Linux kernel of 3.14 or later is needed)")


def resources_problem(n: int, mb_per_student: float) -> str:
    """'' when the machine has the memory and the disk for n students, else what is missing."""
    need, have = n * mb_per_student + MB_BASE, mem_available_mb()
    problems = []
    if have < need:
        problems.append(f"memory: {n} students need about {need / 1000:.1f} GB ({n} x {mb_per_student:.0f} MB "
                        f"per student + {MB_BASE} MB for the hub and the system), and MemAvailable is "
                        f"{have / 1000:.1f} GB")
    disk_need, disk_have = n * HOME_MB_PER_STUDENT, shutil.disk_usage("/home").free / 1e6
    if disk_have < disk_need:
        problems.append(f"disk: {n} homes need about {disk_need / 1000:.1f} GB in /home, and "
                        f"{disk_have / 1000:.1f} GB are free")
    return "; ".join(problems)


def code_cells(name: str) -> list[str]:
    nb = json.loads((PREFIX / "course" / "notebooks" / "student" / name).read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MemorySampler(threading.Thread):
    """Peak RSS (MB) per uid, and of all the given uids together (+ the hub's processes)."""

    def __init__(self, uids: dict[int, str], extra_pids: list[int]):
        super().__init__(daemon=True)
        self.uids, self.extra = uids, extra_pids
        self.peak = {name: 0.0 for name in uids.values()}
        self.peak_total = 0.0
        self.stop_event = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop_event.is_set():
            per = {name: 0.0 for name in self.uids.values()}
            extra = 0.0
            for p in psutil.process_iter(["uids", "memory_info", "pid"]):
                try:
                    uid, rss = p.info["uids"].real, p.info["memory_info"].rss / 1e6
                except (TypeError, AttributeError):
                    continue
                if uid in self.uids:
                    per[self.uids[uid]] += rss
                elif p.info["pid"] in self.extra:
                    extra += rss
            for name, mb in per.items():
                self.peak[name] = max(self.peak[name], mb)
            self.peak_total = max(self.peak_total, sum(per.values()) + extra)
            self.stop_event.wait(0.5)


def student(base: str, name: str, password: str, delay: float, cells: int, out: dict) -> None:
    """One simulated student; every failure is recorded in out[name]["errors"], never raised."""
    time.sleep(delay)
    res = {"first": [], "later": [], "errors": []}
    out[name] = res
    user = HubUser(base, name, password)
    try:
        t0 = time.monotonic()
        user.login()
        res["start"] = user.start(timeout=600) + (time.monotonic() - t0)
        for nb in NOTEBOOKS:
            kernel = user.open_notebook(f"dlfs/notebooks/student/{nb}")
            try:
                for i, code in enumerate(code_cells(nb)[:cells]):
                    run = kernel.execute(code, timeout=900)
                    (res["first"] if i == 0 else res["later"]).append(run.seconds)
                    if not run.ok:
                        res["errors"].append(f"{nb} cell {i + 1}: {run.error}")
                        break
            finally:
                kernel.close()
        user.stop()
    except (HubError, OSError) as e:
        res["errors"].append(f"{type(e).__name__}: {e}")
    except Exception as e:  # a thread's error must reach the report, not vanish
        res["errors"].append(f"unexpected {type(e).__name__}: {e}")


def kill_user(name: str) -> None:
    uid = pwd.getpwnam(name).pw_uid
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and os.stat(f"/proc/{p}").st_uid == uid:
                os.kill(int(p), signal.SIGKILL)
        except OSError:
            pass


def bench(n: int, cells: int, window: float, seed: int) -> dict:
    tag = secrets.token_hex(2)
    names = [f"dlfsb{tag}{i:02d}" for i in range(n)]
    lecturer = f"dlfsb{tag}l"
    state = Path(tempfile.mkdtemp(prefix="dlfs-hub-bench-"))
    (state / "students.txt").write_text("\n".join(names) + "\n")
    log = open(state / "hub.log", "w")  # noqa: SIM115 (open for the whole run)
    proc = None
    env = {**os.environ, "DLFS_NBGRADER_EXCHANGE": str(state / "exchange")}  # not the machine's
    try:
        subprocess.run(["bash", str(ROOT / "scripts" / "class.sh"), "--no-install", "--add-only", "--state",
                        str(state), "--lecturer", lecturer, "--students", str(state / "students.txt")],
                       check=True, capture_output=True, env=env)
        passwords = dict(line.split() for line in (state / "passwords.txt").read_text().splitlines())
        port = free_port()
        proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "class.sh"), "--no-install", "--port", str(port),
                                 "--state", str(state), "--lecturer", lecturer],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        base = f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        while True:
            try:
                urllib.request.urlopen(base + "/hub/login", timeout=5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() - t0 > 90:
                    raise SystemExit(f"the hub did not start; see {state / 'hub.log'}") from None
                time.sleep(0.5)
        proxy_pid = int((state / "proxy.pid").read_text()) if (state / "proxy.pid").exists() else 0
        sampler = MemorySampler({pwd.getpwnam(u).pw_uid: u for u in names}, [proc.pid, proxy_pid])
        sampler.start()
        rng = random.Random(seed)
        delays = sorted(rng.uniform(0, window) for _ in names)
        out: dict = {}
        threads = [threading.Thread(target=student, args=(base, u, passwords[u], d, cells, out))
                   for u, d in zip(names, delays)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        sampler.stop_event.set()
        sampler.join()
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for u in [*names, lecturer]:
            try:
                kill_user(u)
            except KeyError:
                continue
            subprocess.run(["userdel", "--remove", u], capture_output=True, check=False)
        log.close()
        shutil.rmtree(state, ignore_errors=True)
    first = [s for r in out.values() for s in r["first"]]
    later = [s for r in out.values() for s in r["later"]]
    starts = [r["start"] for r in out.values() if "start" in r]
    errors = [f"{u}: {e}" for u, r in out.items() for e in r["errors"]]
    per = list(sampler.peak.values())
    return {"n": n, "wall": wall, "first": first, "later": later, "starts": starts, "errors": errors,
            "peak_per_student": per, "peak_total": sampler.peak_total}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, action="append", help="N (repeatable; default 5)")
    p.add_argument("--cells", type=int, default=4, help="code cells run per notebook (default 4)")
    p.add_argument("--window", type=float, default=60, help="seconds within which all log in")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--install", action="store_true", help="run scripts/class/install.sh first")
    p.add_argument("--json", type=Path, help="also write the raw numbers of every N to this file")
    p.add_argument("--mb-per-student", type=float, default=MB_PER_STUDENT,
                   help=f"memory to expect per student (default {MB_PER_STUDENT}, measured)")
    p.add_argument("--force", action="store_true", help="run even when memory or disk look too small")
    a = p.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/class.py runs as root (it adds users and starts the hub)")
    ns = a.students or [5]
    if any(n < 1 for n in ns) or a.cells < 1 or a.window < 0 or not a.mb_per_student > 0:
        raise SystemExit("bench/class.py: --students and --cells take positive numbers, --window a number >= 0")
    for n in sorted(set(ns), reverse=True):  # all before anything starts: fail early, not at the last N
        problem = resources_problem(n, a.mb_per_student)
        if problem and not a.force:
            raise SystemExit(f"bench/class.py: not enough for N={n}: {problem}. Run fewer students, free "
                             "memory (other work on this machine), or pass --force to run anyway (the "
                             "kernel's OOM killer may then stop students' kernels or other processes).")
        if problem:
            print(f"warning: N={n}: {problem}; running anyway (--force)", file=sys.stderr, flush=True)
    if a.install:
        subprocess.run(["bash", str(ROOT / "scripts" / "class" / "install.sh")], check=True)
    lines, results = [], []
    for n in ns:
        problem = resources_problem(n, a.mb_per_student)  # again: an earlier N may have left less
        if problem and not a.force:
            raise SystemExit(f"bench/class.py: not enough for N={n} now: {problem} (--force to run anyway)")
        r = bench(n, a.cells, a.window, a.seed)
        results.append(r)
        if a.json:
            a.json.write_text(json.dumps(results, indent=1) + "\n")
        print(f"\nN = {n} students (logged in within {a.window:.0f} s; {a.cells} cells of 4.2 and 4.4 each; "
              f"all done in {r['wall']:.0f} s)")
        print(f"  server start (login to ready): p50 {pct(r['starts'], .5):.1f} s, p95 {pct(r['starts'], .95):.1f} s")
        print(f"  first cell (set-up cell):      p50 {pct(r['first'], .5):.1f} s, p95 {pct(r['first'], .95):.1f} s"
              f"  ({len(r['first'])} cells)")
        print(f"  later cells:                   p50 {pct(r['later'], .5):.1f} s, p95 {pct(r['later'], .95):.1f} s"
              f"  ({len(r['later'])} cells)")
        per = r["peak_per_student"]
        print(f"  peak memory per student: max {max(per):.0f} MB, mean {statistics.mean(per):.0f} MB; "
              f"all students + hub + proxy: {r['peak_total']:.0f} MB")
        for e in r["errors"]:
            print(f"  error: {e}")
        lines.append(f"class: N={n} first_p50={pct(r['first'], .5):.1f}s first_p95={pct(r['first'], .95):.1f}s "
                     f"later_p50={pct(r['later'], .5):.1f}s later_p95={pct(r['later'], .95):.1f}s "
                     f"peak_per_student_mb={max(per):.0f} peak_total_mb={r['peak_total']:.0f} "
                     f"errors={len(r['errors'])}")
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
