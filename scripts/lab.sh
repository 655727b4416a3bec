#!/usr/bin/env bash
# Sets up everything the notebooks need and opens JupyterLab on notebooks/.
#
#   bash scripts/lab.sh                      # set up (first time ~15 min), then start JupyterLab
#   bash scripts/lab.sh --no-browser --port 8890   # other arguments go to `jupyter lab`
#   bash scripts/lab.sh --no-launch          # set up only (tests, CI)
#   bash scripts/lab.sh --no-warm            # skip warming evcxr's build cache
#
# Needs: a Rust toolchain (cargo) and Python 3.11 or newer with the venv module.
# Each step is skipped when it is already done, so rerunning is quick:
#   1. .venv/            project-local Python environment from environment.txt
#   2. evcxr_jupyter     the Rust kernel, pinned, `cargo install --locked`
#   3. the `rust` kernel registered inside .venv (not in your home directory),
#      started through scripts/kernel/launch.py (a persistent build directory
#      per kernel, from a pool in ~/.cache/dlfs/evcxr-pool/); JupyterLab's news
#      and update pop-ups turned off in .venv/share/jupyter/lab/settings
#   4. cargo build --release   the `dlfs` command line
#   5. MNIST: found by `dlfs where` ($DLFS_DATA_DIR, else ~/.cache/dlfs/mnist), else `dlfs download`
#   6. evcxr's build cache (~/.cache/evcxr) and the pool's first build directory
#      warmed with the notebooks' first cell
#   7. jupyter lab --notebook-dir notebooks
#
# Environment: PYTHON (default python3) picks the interpreter for .venv;
# DLFS_DATA_DIR the MNIST directory; CARGO_TARGET_DIR is respected.

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

launch=1
warm=1
lab_args=()
for arg in "$@"; do
    case "$arg" in
    --no-launch) launch=0 ;;
    --no-warm) warm=0 ;;
    -h | --help)
        sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) lab_args+=("$arg") ;;
    esac
done

cd "$ROOT" || exit 1
need cargo "Install Rust first (https://rustup.rs), then rerun."
PYTHON="${PYTHON:-python3}"
need "$PYTHON" "Install Python 3 (3.11 or newer), or set PYTHON=/path/to/python3."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "$PYTHON is $("$PYTHON" --version 2>&1); the pinned packages in environment.txt need Python 3.11 or newer (set PYTHON=/path/to/python3.11)."
use_shared_mnist

# --- 1. Python environment --------------------------------------------------
setup_venv() {
    local want have=""
    # The stamp covers the requirements and the interpreter that made .venv.
    want="$(sha256_of environment.txt) $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
    [ -f "$VENV/.environment.sha256" ] && have="$(cat "$VENV/.environment.sha256")"
    if [ -x "$PY" ] && [ "$have" = "$want" ]; then
        ok ".venv is up to date with environment.txt"
        return 0
    fi
    if [ -d "$VENV" ]; then
        say "environment.txt or the Python version changed (or .venv is incomplete): recreating .venv"
        rm -rf "$VENV"
    fi
    say "creating .venv with $("$PYTHON" --version 2>&1)"
    if ! "$PYTHON" -m venv "$VENV"; then
        rm -rf "$VENV"
        die "\`$PYTHON -m venv\` failed. On Debian/Ubuntu install the venv module (apt-get install python3-venv) and rerun."
    fi
    say "installing environment.txt into .venv (about 1-2 minutes)"
    "$PY" -m pip install --quiet --disable-pip-version-check -r environment.txt
    printf '%s\n' "$want" >"$VENV/.environment.sha256"
    ok ".venv ready: $("$VENV/bin/jupyter" lab --version 2>/dev/null | sed 's/^/jupyterlab /')"
}

# --- 2. evcxr_jupyter -------------------------------------------------------
evcxr_installed() {
    [ -x "$EVCXR_BIN" ] &&
        cargo install --list 2>/dev/null | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"
}
# evcxr infers the type of a cell's `let` from the standard library's sources (rustup's rust-src).
setup_rust_src() {
    command -v rustup >/dev/null 2>&1 || return 0
    rustup component list --installed 2>/dev/null | grep -q '^rust-src' && return 0
    say "adding rustup's rust-src (evcxr reads the standard library's sources to infer types)"
    rustup component add rust-src ||
        warn "rust-src could not be added: a cell may then need the type of a \`let\` written out"
}
setup_evcxr() {
    setup_rust_src
    if evcxr_installed; then
        ok "evcxr_jupyter $EVCXR_VERSION is installed ($EVCXR_BIN)"
        return 0
    fi
    say "installing evcxr_jupyter $EVCXR_VERSION with cargo (builds from source: ~10 minutes on 2 cores)"
    cargo install --locked evcxr_jupyter --version "$EVCXR_VERSION"
    evcxr_installed || die "evcxr_jupyter $EVCXR_VERSION is not in \`cargo install --list\` after installing it"
    ok "evcxr_jupyter $EVCXR_VERSION installed"
}

# --- 3. the `rust` kernel, inside .venv ---------------------------------------
setup_kernel() {
    local dir="$VENV/share/jupyter/kernels/rust"
    # `evcxr_jupyter --install` writes kernel.json (argv: its own absolute path,
    # --control_file, {connection_file}), the logos and kernel.js into
    # $JUPYTER_PATH/kernels/rust when JUPYTER_PATH is set: point it at .venv so
    # the user's home is untouched. The venv's jupyter looks in
    # sys.prefix/share/jupyter first, so this kernel is the one it runs.
    JUPYTER_PATH="$VENV/share/jupyter" "$EVCXR_BIN" --install >/dev/null
    [ -f "$dir/kernel.json" ] || die "no $dir/kernel.json after \`evcxr_jupyter --install\`"
    # Then the kernel is started through scripts/kernel/launch.py, which gives
    # each kernel a persistent build directory of its own from a pool (see there).
    "$PY" - "$dir/kernel.json" "$EVCXR_BIN" "$PY" "$ROOT/scripts/kernel/launch.py" <<'EOF'
import json, os, sys
path, exe, python, launcher = sys.argv[1:5]
with open(path) as f:
    spec = json.load(f)
argv = spec.get("argv", [])
if not argv or not os.path.isabs(argv[0]) or os.path.realpath(argv[0]) != os.path.realpath(exe):
    sys.exit(f"{path}: argv[0] is {argv[:1]}, expected {exe}")
if argv[1:] != ["--control_file", "{connection_file}"] or spec.get("language") != "rust":
    sys.exit(f"{path}: unexpected kernel spec {spec}")
spec["argv"] = [python, launcher, *argv]
with open(path + ".tmp", "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
os.replace(path + ".tmp", path)
EOF
    local listed
    # The JSON listing, not the table: a path with spaces is one field there.
    listed="$("$VENV/bin/jupyter" kernelspec list --json 2>/dev/null |
        "$PY" -c 'import json, sys; print(json.load(sys.stdin)["kernelspecs"].get("rust", {}).get("resource_dir", ""))')"
    [ "$listed" = "$dir" ] || die "jupyter lists the rust kernel at '$listed', expected $dir"
    ok "kernel 'rust' registered at $dir, started by scripts/kernel/launch.py"
    ok "kernels build in $("$PY" "$ROOT/scripts/kernel/launch.py" --pool)/slot-N (clear: rm -rf that directory)"
}

# JupyterLab's news and update checks pop up over a projected notebook: turn
# them off for the JupyterLab in .venv only, as defaults in its settings
# overrides (the user's settings in ~/.jupyter are not touched, and win if set).
setup_lab_settings() {
    local dir="$VENV/share/jupyter/lab/settings"
    mkdir -p "$dir"
    "$PY" - "$dir/overrides.json" <<'EOF'
import json, os, sys
path = sys.argv[1]
try:
    with open(path) as f:
        overrides = json.load(f)
except FileNotFoundError:
    overrides = {}
overrides.setdefault("@jupyterlab/apputils-extension:notification", {}).update(
    {"fetchNews": "false", "checkForUpdates": False}
)
with open(path + ".tmp", "w") as f:
    json.dump(overrides, f, indent=2)
    f.write("\n")
os.replace(path + ".tmp", path)
EOF
    ok "JupyterLab: no news or update pop-ups ($dir/overrides.json)"
}

# --- 4. the crate and its command line ----------------------------------------
build_crate() {
    say "cargo build --release (the dlfs command line; a minute or two the first time)"
    cargo build --release --quiet
    ok "built $(cargo metadata --format-version 1 --no-deps 2>/dev/null |
        "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
        echo target)/release/dlfs"
}

# --- 5. MNIST -----------------------------------------------------------------
setup_mnist() {
    local found target
    # `dlfs where` prints the directory that holds MNIST (and on stderr why that one).
    if found="$(dlfs where 2>/dev/null)"; then
        ok "MNIST found in $found"
        return 0
    fi
    target="$(dlfs where --download-dir 2>/dev/null)"
    say "MNIST not found: downloading it into $target (about 11 MB)"
    if dlfs download && found="$(dlfs where 2>/dev/null)"; then
        ok "MNIST downloaded to $found"
        return 0
    fi
    warn "could not download MNIST into $target."
    cat >&2 <<EOF
  The notebook 4.5-learning-algorithm.ipynb (and \`dlfs train\`) need MNIST;
  the other notebooks work without it. To provide it, either
    - rerun \`cargo run --release -p dlfs-cli -- download\` when the network is up, or
    - copy the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
      t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz into $target, or
    - point DLFS_DATA_DIR at a directory that holds them and rerun this script.
  Continuing without MNIST.
EOF
}

# --- 6. evcxr build cache -----------------------------------------------------
warm_cache() {
    say "warming evcxr's build cache and a kernel build directory with the notebooks' first cell (cold: several minutes, then cached in ~/.cache/evcxr and $("$PY" "$ROOT/scripts/kernel/launch.py" --pool))"
    # A failure here is reported but does not stop the set-up: the notebook
    # then shows the same error in its first cell, where it can be read.
    "$PY" "$ROOT/scripts/run_notebooks.py" --warm ||
        warn "warming the evcxr cache failed (see above); the notebooks' first cell will show the error"
}

run_stage "Python environment (.venv)" setup_venv
run_stage "evcxr_jupyter $EVCXR_VERSION" setup_evcxr
run_stage "rust kernel in .venv" setup_kernel
run_stage "JupyterLab settings" setup_lab_settings
run_stage "cargo build --release" build_crate
run_stage "MNIST" setup_mnist
if [ "$warm" -eq 1 ]; then
    run_stage "warm evcxr cache" warm_cache
fi
print_stage_times

if [ "$launch" -eq 0 ]; then
    ok "set-up done (--no-launch). Start JupyterLab with: bash scripts/lab.sh"
    exit 0
fi
# Jupyter refuses to start as root without --allow-root (containers, CI).
if [ "$(id -u)" -eq 0 ] && [[ " ${lab_args[*]-} " != *" --allow-root "* ]]; then
    lab_args+=(--allow-root)
fi
mkdir -p "$ROOT/notebooks"
say "starting JupyterLab on notebooks/ (Ctrl-C to stop)"
exec "$VENV/bin/jupyter" lab --notebook-dir "$ROOT/notebooks" "${lab_args[@]+"${lab_args[@]}"}"
