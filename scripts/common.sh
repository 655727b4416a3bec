# shellcheck shell=bash disable=SC2034 # (the variables are for the scripts that source this file)
# Shared shell functions for scripts/*.sh. Source it, do not run it:
#   . "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# It sets ROOT (the repository root), VENV, PY and the pinned evcxr version,
# and gives logging, failure and timing helpers.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
# evcxr_jupyter is pinned: `cargo install --locked` with this version is what
# the README and the notebooks were tested with (plain `cargo install` of it
# does not compile today because of newer, unlocked dependencies).
EVCXR_VERSION="0.22.0"
CARGO_HOME_DIR="${CARGO_HOME:-$HOME/.cargo}"
EVCXR_BIN="$CARGO_HOME_DIR/bin/evcxr_jupyter"

# Colours only on a terminal.
if [ -t 1 ]; then
    _B=$'\033[1m'
    _R=$'\033[31m'
    _G=$'\033[32m'
    _Y=$'\033[33m'
    _N=$'\033[0m'
else
    _B="" _R="" _G="" _Y="" _N=""
fi

# say MESSAGE...: a progress line.
say() { printf '%s==>%s %s\n' "$_B" "$_N" "$*"; }
# ok MESSAGE...: a step that is done (or was already done).
ok() { printf '%s  ok%s %s\n' "$_G" "$_N" "$*"; }
# warn MESSAGE...: something the user should know, but not a failure.
warn() { printf '%swarning:%s %s\n' "$_Y" "$_N" "$*" >&2; }
# die MESSAGE...: stop with an error message.
die() {
    printf '%serror:%s %s\n' "$_R" "$_N" "$*" >&2
    exit 1
}

# need COMMAND HINT: fail with HINT if COMMAND is not on PATH.
need() {
    command -v "$1" >/dev/null 2>&1 || die "\`$1\` not found. $2"
}

# now: seconds since the epoch, with decimals where `date` has them.
now() { date +%s.%N 2>/dev/null | sed 's/N$/0/' || date +%s; }

# elapsed START: seconds since START (from `now`), one decimal.
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# Stage timing: `stage NAME` starts one, `stage_done` ends it and prints its
# time; `print_stage_times` prints the table of all stages run so far.
_STAGE_NAMES=()
_STAGE_TIMES=()
_STAGE_NAME=""
_STAGE_START=""
stage() {
    _STAGE_NAME="$1"
    _STAGE_START="$(now)"
    printf '\n%s=== %s%s\n' "$_B" "$1" "$_N"
}
stage_done() {
    local t
    t="$(elapsed "$_STAGE_START")"
    _STAGE_NAMES+=("$_STAGE_NAME")
    _STAGE_TIMES+=("$t")
    printf '%s=== %s: done in %ss%s\n' "$_G" "$_STAGE_NAME" "$t" "$_N"
}
print_stage_times() {
    local i
    printf '\n%sStage times%s\n' "$_B" "$_N"
    for i in "${!_STAGE_NAMES[@]}"; do
        printf '  %8ss  %s\n' "${_STAGE_TIMES[$i]}" "${_STAGE_NAMES[$i]}"
    done
}

# run_stage NAME COMMAND...: run COMMAND (a command or a function) as a timed
# stage, in a subshell; on failure, print
# the stage times so far and stop with a message naming the stage.
run_stage() {
    local name="$1"
    shift
    stage "$name"
    # A subshell with errexit on, outside any `||` (which would switch errexit
    # off inside functions): any failing command in the stage stops it.
    local rc=0
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        _STAGE_NAMES+=("$name (FAILED)")
        _STAGE_TIMES+=("$(elapsed "$_STAGE_START")")
        print_stage_times
        die "stage '$name' failed (exit $rc): $*"
    fi
    stage_done
}

# sha256_of FILE: the SHA-256 of FILE (sha256sum on Linux, shasum on macOS).
sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# dlfs ARGS...: the project's command line, built in release mode if need be
# (`cargo run`; quick once built). MNIST questions go to it, so that the
# scripts and the crate always agree on where the data are:
#   dlfs where                  prints the directory that holds MNIST, or fails
#                               (exit 1) saying where it looked
#   dlfs where --download-dir   prints where `dlfs download` puts the files
#   dlfs download               downloads and verifies the four files
dlfs() {
    cargo run --release --quiet --manifest-path "$ROOT/Cargo.toml" -p dlfs-cli -- "$@"
}

# use_shared_mnist: in this project's CI (and on the developers' machines) the
# data sit in ../shared/mnist next to the clone; use them when DLFS_DATA_DIR is
# unset and they are there (the four files, gzip or raw). Runs before anything
# is built, hence the check in shell.
use_shared_mnist() {
    local dir="$ROOT/../shared/mnist" f
    [ -z "${DLFS_DATA_DIR:-}" ] && [ -d "$dir" ] || return 0
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte \
        t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [ -s "$dir/$f.gz" ] || [ -s "$dir/$f" ] || return 0
    done
    DLFS_DATA_DIR="$(cd "$dir" && pwd)"
    export DLFS_DATA_DIR
}
