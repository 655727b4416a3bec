"""The benchmark command: Rust against NumPy on the book's chapter-4 work, in one run.

    python3 bench/bench.py [--data-dir DIR] [--python PY] [--iters N] [--skip-numgrad]

1. builds the release binary and the bench example (`cargo build --release -p dlfs-cli --bins
   --example bench`);
2. finds MNIST in DIR (default: $DLFS_DATA_DIR, else ~/.cache/dlfs/mnist), running
   `dlfs download --data-dir DIR` first if the four files are not there;
3. runs, each as its own process, the Rust training with the book's settings (`dlfs train`,
   which calls `dlfs_fast::train_with`), the prelude's `train` (the book's dense loop,
   `bench book-loop`), the NumPy training (bench/numpy_train.py train), one Rust numerical
   gradient of TwoLayerNet(784, 50, 10) on 100 images (`bench numgrad`, which calls
   `dlfs_fast::numerical_gradient`), and the same in NumPy the book's way
   (bench/numpy_train.py numgrad);
4. prints the seconds (as each program measures its own training loop or gradient, loading
   excluded; the process's wall time too) and the peak memory (maximum resident set size of
   the process, from wait4) of each, and last the line
   `speedup: train=X.XXx book_loop=Y.YYx numerical_gradient=Z.ZZx` (NumPy seconds over Rust
   seconds).

The NumPy processes run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from their
environment (set on some machines, they slow a current NumPy); the BLAS kernel NumPy uses is
printed (threadpoolctl). Python needs numpy (and threadpoolctl), pinned in environment.txt.
"""

import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def run(name, cmd, env=None):
    """Runs cmd, echoing its output; returns (stdout, wall seconds, max RSS in MB)."""
    print(f"\n== {name}: {' '.join(cmd)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=ROOT)
    lines = []
    for line in proc.stdout:
        print("   " + line, end="", flush=True)
        lines.append(line)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{name} failed with exit code {proc.returncode}")
    return "".join(lines), wall, usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux


def seconds_in(output, prefix):
    """The `seconds=S` of the last line starting with prefix."""
    found = [line for line in output.splitlines() if line.startswith(prefix)]
    if not found:
        sys.exit(f"no line starting with {prefix!r} in the output")
    return float(re.search(r"seconds=([0-9.]+)", found[-1]).group(1)), found[-1]


def has_mnist(data_dir):
    return all(os.path.isfile(os.path.join(data_dir, f + ".gz")) or
               os.path.isfile(os.path.join(data_dir, f)) for f in FILES)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("DLFS_DATA_DIR") or
                        os.path.join(os.path.expanduser("~"), ".cache", "dlfs", "mnist"))
    parser.add_argument("--python", default=None,
                        help="the Python with numpy (default: .venv/bin/python if it exists, "
                             "else this Python)")
    parser.add_argument("--iters", type=int, default=10000, help="training iterations (book: 10000)")
    parser.add_argument("--skip-numgrad", action="store_true",
                        help="skip both numerical gradients (NumPy's takes minutes on a loaded "
                             "machine); the speedup line then says numerical_gradient=skipped")
    args = parser.parse_args()
    data_dir = os.path.abspath(args.data_dir)
    python = args.python or next(
        (p for p in [os.path.join(ROOT, ".venv", "bin", "python")] if os.path.isfile(p)),
        sys.executable)

    check = subprocess.run([python, "-c", "import numpy"], capture_output=True)
    if check.returncode != 0:
        sys.exit(f"{python} has no numpy: install the versions pinned in environment.txt "
                 f"(pip install numpy threadpoolctl) or give --python")

    print("building the release binary ...", flush=True)
    subprocess.run(["cargo", "build", "--release", "-p", "dlfs-cli", "--bins", "--example", "bench",
                    "--quiet"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    release = os.path.join(target if os.path.isabs(target) else os.path.join(ROOT, target),
                           "release")
    dlfs = os.path.join(release, "dlfs")
    bench = os.path.join(release, "examples", "bench")
    if not has_mnist(data_dir):
        run("download", [dlfs, "download", "--data-dir", data_dir])

    numpy_env = {k: v for k, v in os.environ.items()
                 if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    script = os.path.join(ROOT, "bench", "numpy_train.py")
    iters = str(args.iters)
    results = {}
    out, wall, rss = run("Rust training", [dlfs, "train", "--data-dir", data_dir, "--iters", iters])
    results["rust_train"] = (seconds_in(out, "final:")[0], wall, rss)
    out, wall, rss = run("Rust book loop", [bench, "book-loop", "--data-dir", data_dir,
                                            "--iters", iters])
    results["rust_book_loop"] = (seconds_in(out, "final:")[0], wall, rss)
    out, wall, rss = run("NumPy training", [python, script, "train", "--data-dir", data_dir,
                                            "--iters", iters], env=numpy_env)
    results["numpy_train"] = (seconds_in(out, "final:")[0], wall, rss)
    blas = next((l for l in out.splitlines() if l.startswith("numpy ")), "numpy: ?")
    if not args.skip_numgrad:
        out, wall, rss = run("Rust numerical gradient", [bench, "numgrad", "--data-dir", data_dir])
        results["rust_numgrad"] = (seconds_in(out, "numerical_gradient:")[0], wall, rss)
        out, wall, rss = run("NumPy numerical gradient", [python, script, "numgrad", "--data-dir",
                                                          data_dir], env=numpy_env)
        results["numpy_numgrad"] = (seconds_in(out, "numerical_gradient:")[0], wall, rss)

    print(f"\n{blas}")
    print(f"MNIST from {data_dir}; {os.cpu_count()} CPUs")
    print(f"{'':34}{'seconds':>10}{'process s':>12}{'peak MB':>10}")
    labels = {"rust_train": f"Rust training ({iters} iters)",
              "rust_book_loop": f"Rust book loop ({iters} iters)",
              "numpy_train": f"NumPy training ({iters} iters)",
              "rust_numgrad": "Rust numerical gradient",
              "numpy_numgrad": "NumPy numerical gradient"}
    for key, label in labels.items():
        if key not in results:
            print(f"{label:34}{'skipped':>10}")
            continue
        seconds, wall, rss = results[key]
        print(f"{label:34}{seconds:>10.4f}{wall:>12.2f}{rss:>10.1f}")
    train = results["numpy_train"][0] / results["rust_train"][0]
    book_loop = results["numpy_train"][0] / results["rust_book_loop"][0]
    numgrad = (f"{results['numpy_numgrad'][0] / results['rust_numgrad'][0]:.2f}x"
               if "rust_numgrad" in results else "skipped")
    print(f"speedup: train={train:.2f}x book_loop={book_loop:.2f}x numerical_gradient={numgrad}")


if __name__ == "__main__":
    main()
