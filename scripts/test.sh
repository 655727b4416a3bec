#!/usr/bin/env bash
# The project's whole test run (what CI runs through .ci/run):
#   formatting, clippy (default features and the notebooks' lean build),
#   cargo test, cargo doc without warnings, then the notebook environment
#   (scripts/lab.sh --no-launch) and every notebook executed headless with
#   its key values checked (scripts/run_notebooks.py --check), and last the
#   browser stage: the slide decks built (scripts/slides.sh) and the notebooks
#   and decks opened in chromium through JupyterLab (scripts/browser_test.py).
#
#   bash scripts/test.sh
#
# MNIST: DLFS_DATA_DIR if set; else ../shared/mnist next to the repository if
# it is there (this project's CI); else the crate's default ~/.cache/dlfs/mnist.
# Stops at the first failing stage and says which one.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
need cargo "Install Rust first (https://rustup.rs)."

use_shared_mnist
if [ -n "${DLFS_DATA_DIR:-}" ]; then
    say "MNIST from DLFS_DATA_DIR=$DLFS_DATA_DIR"
else
    say "DLFS_DATA_DIR unset: MNIST from the user's cache directory (\`dlfs where\` tells which)"
fi

TOTAL_START="$(now)"
CARGO_TEST_LOG="$(mktemp "${TMPDIR:-/tmp}/dlfs-cargo-test.XXXXXX")"
NOTEBOOK_LOG="$(mktemp "${TMPDIR:-/tmp}/dlfs-notebooks.XXXXXX")"
BROWSER_LOG="$(mktemp "${TMPDIR:-/tmp}/dlfs-browser.XXXXXX")"
trap 'rm -f "$CARGO_TEST_LOG" "$NOTEBOOK_LOG" "$BROWSER_LOG"' EXIT

cargo_test() {
    cargo test --workspace -- --include-ignored 2>&1 | tee "$CARGO_TEST_LOG"
}
notebooks() {
    "$PY" scripts/run_notebooks.py --check 2>&1 | tee "$NOTEBOOK_LOG"
}
kernel_tests() { "$PY" scripts/test_kernel.py; }
# The notebooks in JupyterLab in chromium (installed with apt-get when missing),
# and the slide decks: built into a temporary directory, then opened and
# checked; the screenshots' directory is printed at the end.
browser() {
    . "$ROOT/scripts/browser/chromium.sh"
    ensure_chromium
    ensure_korean_font
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/dlfs-browser-shots.XXXXXX")"
    # Every notebook carries slide types (scripts/slideshow.py gives them).
    "$PY" scripts/slideshow.py --self-test --check notebooks/[!_]*.ipynb
    bash scripts/slides.sh "$dir/slides"
    "$PY" scripts/browser_test.py --decks "$dir/slides" --rise --shots "$dir" 2>&1 | tee "$BROWSER_LOG"
}

run_stage "cargo fmt --check" cargo fmt --all -- --check
run_stage "cargo clippy --all-targets" cargo clippy --workspace --all-targets -- -D warnings
run_stage "cargo clippy (lib, no default features)" \
    cargo clippy -p dlfs --lib -- -D warnings
run_stage "cargo test" cargo_test
run_stage "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
run_stage "notebook environment (scripts/lab.sh --no-launch)" bash scripts/lab.sh --no-launch
run_stage "notebooks (scripts/run_notebooks.py --check)" notebooks
run_stage "kernel: pool, restarts, two kernels (scripts/test_kernel.py)" kernel_tests
run_stage "browser (scripts/slides.sh, scripts/browser_test.py)" browser

print_stage_times
printf '  %8ss  total\n' "$(elapsed "$TOTAL_START")"
# One line for all of cargo's test binaries (unit, integration, doc tests).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     END { printf "cargo tests: %d passed, %d failed\n", p, f }' "$CARGO_TEST_LOG"
grep '^notebooks: ' "$NOTEBOOK_LOG" | tail -n 1
grep '^browser: ' "$BROWSER_LOG" | tail -n 1
