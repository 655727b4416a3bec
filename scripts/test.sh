#!/usr/bin/env bash
# The project's whole test run (what CI runs through .ci/run), one stage after
# another, stopping at the first that fails and saying which:
#   cargo fmt --check, clippy (default features and the notebooks' lean build),
#   cargo test (ignored tests included), cargo doc without warnings;
#   the notebook environment (scripts/lab.sh --no-launch);
#   lint: ruff (Python) and shellcheck (shell), both installed into .venv;
#   pytest (tests/): each notebook executed once headless with its key values,
#   the sources and student copies, the kernel launcher and pool, the slide
#   rules and decks, and the notebooks in JupyterLab in chromium.
#
#   bash scripts/test.sh            # extra arguments go to pytest, e.g. -x or -k 4.3
#
# MNIST: DLFS_DATA_DIR if set; else ../shared/mnist next to the repository if
# it is there (this project's CI); else the crate's default ~/.cache/dlfs/mnist.
# The last lines are cargo's and pytest's own closing lines.

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT" || exit 1
need cargo "Install Rust first (https://rustup.rs)."

use_shared_mnist
if [ -n "${DLFS_DATA_DIR:-}" ]; then
    say "MNIST from DLFS_DATA_DIR=$DLFS_DATA_DIR"
else
    say "DLFS_DATA_DIR unset: MNIST from the user's cache directory (\`dlfs where\` tells which)"
fi

TOTAL_START="$(now)"
CARGO_TEST_LOG="$(mktemp "${TMPDIR:-/tmp}/dlfs-cargo-test.XXXXXX")"
PYTEST_LOG="$(mktemp "${TMPDIR:-/tmp}/dlfs-pytest.XXXXXX")"
trap 'rm -f "$CARGO_TEST_LOG" "$PYTEST_LOG"' EXIT

cargo_test() {
    cargo test --workspace -- --include-ignored 2>&1 | tee "$CARGO_TEST_LOG"
}
lint() {
    "$VENV/bin/ruff" check .
    # Every shell script of the repository (common.sh and chromium.sh through those that source them).
    git ls-files -z '*.sh' .ci/run | xargs -0 "$VENV/bin/shellcheck"
}
# chromium and a Korean font for the browser tests and the decks (apt-get when missing, as root).
run_pytest() {
    # shellcheck source=browser/chromium.sh
    . "$ROOT/scripts/browser/chromium.sh"
    ensure_chromium
    ensure_korean_font
    # --durations: the 25 slowest set-ups, calls and teardowns (of 1 s or more), so that
    # every run shows where pytest's time goes; a --durations=N among the arguments wins.
    "$VENV/bin/pytest" --durations=25 --durations-min=1 "$@" 2>&1 | tee "$PYTEST_LOG"
}

run_stage "cargo fmt --check" cargo fmt --all -- --check
run_stage "cargo clippy --all-targets" cargo clippy --workspace --all-targets -- -D warnings
run_stage "cargo clippy (lib, no default features)" \
    cargo clippy -p dlfs --lib -- -D warnings
run_stage "cargo test" cargo_test
run_stage "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
run_stage "notebook environment (scripts/lab.sh --no-launch)" bash scripts/lab.sh --no-launch
run_stage "lint (ruff, shellcheck)" lint
run_stage "pytest" run_pytest "$@"

print_stage_times
printf '  %8ss  total\n' "$(elapsed "$TOTAL_START")"
# One line for all of cargo's test binaries (unit, integration, doc tests), then pytest's own.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     END { printf "cargo tests: %d passed, %d failed\n", p, f }' "$CARGO_TEST_LOG"
grep -E '^=+ .*(passed|failed).* in [0-9.]+s' "$PYTEST_LOG" | tail -n 1
