#!/usr/bin/env bash
# The project's whole test run (what CI runs through .ci/run):
#   formatting, clippy (default features and the notebooks' lean build),
#   cargo test, cargo doc without warnings, then the notebook environment
#   (scripts/lab.sh --no-launch) and every notebook executed headless with
#   its key values checked (scripts/run_notebooks.py --check).
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
trap 'rm -f "$CARGO_TEST_LOG" "$NOTEBOOK_LOG"' EXIT

cargo_test() {
    cargo test --workspace 2>&1 | tee "$CARGO_TEST_LOG"
}
notebooks() {
    "$PY" scripts/run_notebooks.py --check 2>&1 | tee "$NOTEBOOK_LOG"
}

run_stage "cargo fmt --check" cargo fmt --all -- --check
run_stage "cargo clippy --all-targets" cargo clippy --workspace --all-targets -- -D warnings
run_stage "cargo clippy (lib, no default features)" \
    cargo clippy -p dlfs --no-default-features --lib -- -D warnings
run_stage "cargo test" cargo_test
run_stage "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
run_stage "notebook environment (scripts/lab.sh --no-launch)" bash scripts/lab.sh --no-launch
run_stage "notebooks (scripts/run_notebooks.py --check)" notebooks

print_stage_times
printf '  %8ss  total\n' "$(elapsed "$TOTAL_START")"
# One line for all of cargo's test binaries (unit, integration, doc tests).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     END { printf "cargo tests: %d passed, %d failed\n", p, f }' "$CARGO_TEST_LOG"
grep '^notebooks: ' "$NOTEBOOK_LOG" | tail -n 1
