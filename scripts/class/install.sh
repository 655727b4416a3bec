#!/usr/bin/env bash
# Installs everything a class's Rust kernels need under one prefix (default /opt/dlfs),
# readable by every user and writable by root only. Run as root; rerunning it redoes
# only what changed (each step compares a stamp).
#
#   bash scripts/class/install.sh              # install or update /opt/dlfs
#   DLFS_PREFIX=/opt/x bash scripts/class/install.sh
#   bash scripts/class/install.sh crates warm  # only these stages (names below, in order:
#                                              # toolchain evcxr course crates venv proxy mnist scripts warm)
#
# What goes where (PREFIX = /opt/dlfs):
#   rust/        a copy of this machine's Rust toolchain (`rustc --print sysroot`), or
#                the one rustup installed in an image; without its HTML docs; with rust-src
#                (evcxr infers variables' types from it), added with rustup if missing
#   bin/         evcxr_jupyter 0.22.0 (copied from ~/.cargo/bin when `cargo install --list`
#                there says 0.22.0 and it is the same file after the copy, else built with
#                `cargo install --locked --version 0.22.0 --root PREFIX/evcxr`), and
#                dlfs-singleuser, the wrapper each student's server starts through
#   cargo/       CARGO_HOME of the kernels: every crate of Cargo.lock (`cargo fetch`), and
#                config.toml: offline
#   venv/        Python (the system's python3) with deploy/requirements-class.txt:
#                JupyterHub, JupyterLab, nbgrader, the idle culler; the `rust` kernel
#                registered in venv/share/jupyter/kernels/rust, through the launcher
#   node/        configurable-http-proxy from deploy/chp/package-lock.json (npm ci)
#   course/      the workspace (Cargo.toml, Cargo.lock, crate/, crates/), the kernel
#                launcher, notebooks/student/ (the student copies) and notebooks/evcxr.toml
#   solutions/   root:dlfs-staff 0750: the notebooks with solutions, the nbgrader course
#   mnist/       the four MNIST files ($DLFS_DATA_DIR, or ../shared/mnist, or else `dlfs download`,
#                which checks their SHA-256; the dlfs command is built for it if not on PATH)
#   warm/        evcxr's build cache and one kernel slot, built once by running the
#                notebooks' first cell (notebooks/src/setup.evcxr, read now); a student's
#                server copies both into their home on first start
#
# Environment: DLFS_PREFIX (default /opt/dlfs), DLFS_DATA_DIR (MNIST), PYTHON (default
# /usr/bin/python3: it must be readable by all users, so not one under /root).

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

PREFIX="${DLFS_PREFIX:-/opt/dlfs}"
CLASS="$ROOT/scripts/class"
SYS_PYTHON="${PYTHON:-/usr/bin/python3}"
STAFF_GROUP="dlfs-staff"

[ "$(id -u)" -eq 0 ] || die "run scripts/class/install.sh as root (it writes $PREFIX and makes the group $STAFF_GROUP)"
case "$PREFIX" in /*) ;; *) die "DLFS_PREFIX must be an absolute path, got '$PREFIX'" ;; esac
umask 022
mkdir -p "$PREFIX"
chmod 755 "$PREFIX"

# stamp_ok NAME VALUE: true when PREFIX/.stamps/NAME holds VALUE.
stamp_ok() { [ -f "$PREFIX/.stamps/$1" ] && [ "$(cat "$PREFIX/.stamps/$1")" = "$2" ]; }
stamp_set() { mkdir -p "$PREFIX/.stamps" && printf '%s\n' "$2" >"$PREFIX/.stamps/$1"; }

# The environment a student's kernel runs with (the hub's spawner sets the same, see
# scripts/class/hub_config.py); the warm-up below uses it so that what it builds is
# what the students' kernels find.
kernel_env() {
    export PATH="$PREFIX/rust/bin:$PREFIX/bin:$PREFIX/venv/bin:/usr/local/bin:/usr/bin:/bin"
    export CARGO_HOME="$PREFIX/cargo"
    export CARGO_NET_OFFLINE=true
    export DLFS_DATA_DIR="$PREFIX/mnist"
    unset RUSTUP_HOME RUSTUP_TOOLCHAIN CARGO_TARGET_DIR RUSTC RUSTC_WRAPPER
}

# --- 1. the Rust toolchain ------------------------------------------------------
install_toolchain() {
    need rustc "A Rust toolchain is needed to copy (on an image: install one with rustup first)."
    local sysroot version
    sysroot="$(rustc --print sysroot)"
    # evcxr's type inference (rust-analyzer) reads the standard library's source: without
    # rust-src, `let x = 1f64.cos();` fails with "Couldn't automatically determine type".
    if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
        say "the toolchain has no rust-src; adding it with rustup"
        rustup component add rust-src >/dev/null 2>&1 || true
        [ -d "$sysroot/lib/rustlib/src/rust/library" ] ||
            die "$sysroot has no rust-src (lib/rustlib/src/rust/library), which evcxr needs to infer variables' types; add it (rustup component add rust-src) and rerun"
    fi
    version="$(rustc -vV | tr '\n' ' ') $(tr '\n' ' ' <"$sysroot/lib/rustlib/components")"
    if stamp_ok toolchain "$version" && [ -x "$PREFIX/rust/bin/cargo" ]; then
        ok "toolchain in $PREFIX/rust is $(rustc -V)"
        return 0
    fi
    say "copying the toolchain $sysroot to $PREFIX/rust (without its HTML docs)"
    rm -rf "$PREFIX/rust.new"
    mkdir -p "$PREFIX/rust.new"
    (cd "$sysroot" && tar --exclude=./share/doc -cf - .) | (cd "$PREFIX/rust.new" && tar -xf -)
    [ -x "$PREFIX/rust.new/bin/cargo" ] || die "no bin/cargo in $sysroot: copy a toolchain that has cargo"
    chown -R root:root "$PREFIX/rust.new"
    chmod -R a+rX,go-w "$PREFIX/rust.new"
    rm -rf "$PREFIX/rust"
    mv "$PREFIX/rust.new" "$PREFIX/rust"
    "$PREFIX/rust/bin/rustc" -V >/dev/null || die "the copied rustc does not run"
    stamp_set toolchain "$version"
    ok "toolchain copied: $("$PREFIX/rust/bin/rustc" -V), $("$PREFIX/rust/bin/cargo" -V)"
}

# --- 2. evcxr_jupyter ---------------------------------------------------------------
install_evcxr() {
    local dest="$PREFIX/bin/evcxr_jupyter" built="$CARGO_HOME_DIR/bin/evcxr_jupyter"
    mkdir -p "$PREFIX/bin"
    if [ -x "$dest" ] && "$dest" --help 2>&1 | grep -q . && stamp_ok evcxr "$EVCXR_VERSION"; then
        ok "evcxr_jupyter $EVCXR_VERSION in $dest ($(cat "$PREFIX/.stamps/evcxr-source"))"
        return 0
    fi
    if [ -x "$built" ] && cargo install --list 2>/dev/null | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"; then
        install -m 755 "$built" "$dest"
        cmp -s "$built" "$dest" || die "$dest differs from $built after copying it"
        stamp_set evcxr-source "copied from $built (cargo install --list: v$EVCXR_VERSION; identical bytes)"
    else
        say "building evcxr_jupyter $EVCXR_VERSION (cargo install --locked; ~10 minutes on 2 cores)"
        nice cargo install --locked --version "$EVCXR_VERSION" --root "$PREFIX/evcxr" evcxr_jupyter
        install -m 755 "$PREFIX/evcxr/bin/evcxr_jupyter" "$dest"
        stamp_set evcxr-source "built with cargo install --locked --version $EVCXR_VERSION --root $PREFIX/evcxr"
    fi
    stamp_set evcxr "$EVCXR_VERSION"
    ok "evcxr_jupyter $EVCXR_VERSION in $dest ($(cat "$PREFIX/.stamps/evcxr-source"))"
}

# --- 3. the workspace, the launcher, the student notebooks ---------------------------
# copy_tree SRC DEST: replace DEST by a copy of SRC (no target/ directories).
copy_tree() {
    rm -rf "$2.new"
    mkdir -p "$2.new"
    (cd "$1" && tar --exclude=./target --exclude='*/target' -cf - .) | (cd "$2.new" && tar -xf -)
    chown -R root:root "$2.new"
    chmod -R a+rX,go-w "$2.new"
    rm -rf "$2"
    mv "$2.new" "$2"
}
install_course() {
    local c="$PREFIX/course" d
    mkdir -p "$c/scripts/kernel" "$c/notebooks"
    install -m 644 "$ROOT/Cargo.toml" "$ROOT/Cargo.lock" "$ROOT/README.md" "$c/"
    for d in crate crates; do
        if [ -d "$ROOT/$d" ]; then copy_tree "$ROOT/$d" "$c/$d"; else rm -rf "${c:?}/$d"; fi
    done
    install -m 644 "$ROOT/scripts/kernel/launch.py" "$c/scripts/kernel/launch.py"
    # launch.py builds the cells through it (ThinLTO off for the cell crate: docs/kernel.md).
    install -m 755 "$ROOT/scripts/kernel/cell-rustc.sh" "$c/scripts/kernel/cell-rustc.sh"
    install -m 644 "$ROOT/notebooks/evcxr.toml" "$c/notebooks/evcxr.toml"
    copy_tree "$ROOT/notebooks/student" "$c/notebooks/student"
    # The lecturer's assignment generator, runnable from here (it takes the notebooks from
    # PREFIX/solutions/notebooks and the student copies' header from notebook_source.py).
    install -D -m 644 "$ROOT/scripts/notebook_source.py" "$c/scripts/notebook_source.py"
    install -D -m 644 "$CLASS/nbgrader_assignment.py" "$c/scripts/class/nbgrader_assignment.py"
    # The solutions: the lecturer's group only.
    getent group "$STAFF_GROUP" >/dev/null || groupadd --system "$STAFF_GROUP"
    mkdir -p "$PREFIX/solutions/notebooks"
    chown root:"$STAFF_GROUP" "$PREFIX/solutions"
    chmod 750 "$PREFIX/solutions"
    rm -f "$PREFIX/solutions/notebooks/"*.ipynb
    install -m 644 "$ROOT"/notebooks/*.ipynb "$ROOT/notebooks/evcxr.toml" "$PREFIX/solutions/notebooks/"
    ok "course files in $c (crate, launcher, $(find "$c/notebooks/student" -name '*.ipynb' | wc -l) student notebooks); solutions in $PREFIX/solutions (group $STAFF_GROUP)"
}

# --- 4. the crates, in the kernels' own CARGO_HOME ------------------------------------
# `cargo fetch` fills PREFIX/cargo (registry index, .crate files, sources) with every crate of
# Cargo.lock; the kernels use it read-only and offline. (A `cargo vendor` directory source
# builds too, but evcxr's rust-analyzer then cannot see the crates' types: `let (a, b, c) =
# quad.at(0.1);` fails with "Couldn't automatically determine type".)
install_crates() {
    local want
    want="cargo fetch $(sha256_of "$ROOT/Cargo.lock")"
    mkdir -p "$PREFIX/cargo"
    printf '%s\n' "# CARGO_HOME of the class's kernels (written by scripts/class/install.sh): the crates" \
        "# of the workspace's Cargo.lock are in registry/; cargo never goes to the network." \
        "[net]" "offline = true" >"$PREFIX/cargo/config.toml"
    chmod 644 "$PREFIX/cargo/config.toml"
    rm -rf "${PREFIX:?}/vendor" # from an earlier install that vendored the crates
    # evcxr's rust-analyzer loads the standard library's workspace (rust-src) with `cargo
    # metadata`, which needs that workspace's own crates.io dependencies: offline and without
    # them, the types behind `?` and of dlfs's structs stay unknown ("Couldn't automatically
    # determine type of variable"). Fetch them too (RUSTC_BOOTSTRAP: the library's
    # Cargo.toml uses a nightly cargo feature).
    local library="$PREFIX/rust/lib/rustlib/src/rust/library"
    if ! stamp_ok sysroot-crates "$(cat "$PREFIX/.stamps/toolchain")"; then
        (cd "$library" && RUSTC_BOOTSTRAP=1 CARGO_HOME="$PREFIX/cargo" CARGO_NET_OFFLINE=false \
            PATH="$PREFIX/rust/bin:$PATH" cargo fetch --quiet)
        chmod -R a+rX,go-w "$PREFIX/cargo"
        stamp_set sysroot-crates "$(cat "$PREFIX/.stamps/toolchain")"
        ok "the standard library workspace's crates fetched (for evcxr's type inference)"
    fi
    if stamp_ok crates "$want" && [ -d "$PREFIX/cargo/registry/src" ]; then
        ok "crates of Cargo.lock in $PREFIX/cargo/registry"
        return 0
    fi
    say "cargo fetch: the workspace's crates into $PREFIX/cargo/registry"
    (cd "$PREFIX/course" && CARGO_HOME="$PREFIX/cargo" CARGO_NET_OFFLINE=false cargo fetch --locked --quiet)
    chmod -R a+rX,go-w "$PREFIX/cargo"
    stamp_set crates "$want"
    ok "$(find "$PREFIX/cargo/registry/cache" -name '*.crate' | wc -l) crates fetched into $PREFIX/cargo/registry"
}

# --- 5. Python: JupyterHub, JupyterLab, nbgrader; the `rust` kernel --------------------
install_venv() {
    local req="$ROOT/deploy/requirements-class.txt" want
    [ -x "$SYS_PYTHON" ] || die "$SYS_PYTHON not found (set PYTHON=/path/to/python3, readable by all users)"
    case "$(readlink -f "$SYS_PYTHON")" in /root/*) die "$SYS_PYTHON lives under /root, which students cannot read; use the system's python3" ;; esac
    want="$(sha256_of "$req") $("$SYS_PYTHON" -c 'import sys; print(sys.version.split()[0])')"
    if stamp_ok venv "$want" && [ -x "$PREFIX/venv/bin/jupyterhub" ]; then
        ok "venv up to date with deploy/requirements-class.txt"
    else
        say "creating $PREFIX/venv with $("$SYS_PYTHON" --version) and deploy/requirements-class.txt (1-2 minutes)"
        rm -rf "$PREFIX/venv"
        "$SYS_PYTHON" -m venv "$PREFIX/venv" ||
            die "\`$SYS_PYTHON -m venv\` failed (Debian: apt-get install python3-venv)"
        "$PREFIX/venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir -r "$req"
        stamp_set venv "$want"
        ok "venv: $("$PREFIX/venv/bin/jupyterhub" --version | sed 's/^/jupyterhub /'), jupyterlab $("$PREFIX/venv/bin/jupyter-lab" --version)"
    fi
    chmod -R a+rX,go-w "$PREFIX/venv"
}

# --- 6. configurable-http-proxy ------------------------------------------------------
install_proxy() {
    local want
    need npm "Install Node.js and npm (Debian: apt-get install nodejs npm)."
    want="$(sha256_of "$ROOT/deploy/chp/package-lock.json")"
    if stamp_ok chp "$want" && [ -x "$PREFIX/node/node_modules/.bin/configurable-http-proxy" ]; then
        ok "configurable-http-proxy $("$PREFIX/node/node_modules/.bin/configurable-http-proxy" --version)"
        return 0
    fi
    rm -rf "$PREFIX/node"
    mkdir -p "$PREFIX/node"
    cp "$ROOT/deploy/chp/package.json" "$ROOT/deploy/chp/package-lock.json" "$PREFIX/node/"
    (cd "$PREFIX/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    mkdir -p "$PREFIX/bin"
    ln -sf "$PREFIX/node/node_modules/.bin/configurable-http-proxy" "$PREFIX/bin/configurable-http-proxy"
    chmod -R a+rX,go-w "$PREFIX/node"
    stamp_set chp "$want"
    ok "configurable-http-proxy $("$PREFIX/bin/configurable-http-proxy" --version) (npm ci)"
}

# --- 7. MNIST -----------------------------------------------------------------------
install_mnist() {
    local f src="" missing=0
    use_shared_mnist
    mkdir -p "$PREFIX/mnist"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [ -s "$PREFIX/mnist/$f.gz" ] || missing=1
    done
    if [ "$missing" -eq 0 ]; then
        ok "MNIST in $PREFIX/mnist"
        return 0
    fi
    if [ -n "${DLFS_DATA_DIR:-}" ] && [ -s "$DLFS_DATA_DIR/train-images-idx3-ubyte.gz" ]; then
        src="$DLFS_DATA_DIR"
        cp "$src"/{train-images,train-labels,t10k-images,t10k-labels}-idx?-ubyte.gz "$PREFIX/mnist/"
    else
        # No copy here (an image's build, Binder): the project's downloader, which checks
        # each file's SHA-256 against the hashes it carries. Built for this when `dlfs` is
        # not on PATH; the build directory goes afterwards.
        local dlfs_bin
        dlfs_bin="$(command -v dlfs || true)"
        if [ -z "$dlfs_bin" ]; then
            say "building the dlfs command (crates/cli) to download MNIST"
            (cd "$ROOT" && nice cargo build --quiet --release --locked -p dlfs-cli --target-dir "$PREFIX/.build")
            dlfs_bin="$PREFIX/.build/release/dlfs"
        fi
        say "MNIST not found in DLFS_DATA_DIR: downloading it into $PREFIX/mnist"
        "$dlfs_bin" download --data-dir "$PREFIX/mnist"
        rm -rf "${PREFIX:?}/.build"
        src="dlfs download, SHA-256 checked"
    fi
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [ -s "$PREFIX/mnist/$f.gz" ] || die "$PREFIX/mnist/$f.gz is missing after the copy from $src"
    done
    chmod -R a+rX,go-w "$PREFIX/mnist"
    ok "MNIST copied into $PREFIX/mnist (from $src)"
}

# --- 8. the rust kernel, the singleuser wrapper and the notebook sync -------------------------------------
install_scripts() {
    # The rust kernel, started through the launcher (as scripts/lab.sh does for .venv).
    local dir="$PREFIX/venv/share/jupyter/kernels/rust"
    JUPYTER_PATH="$PREFIX/venv/share/jupyter" "$PREFIX/bin/evcxr_jupyter" --install >/dev/null
    "$PREFIX/venv/bin/python" - "$dir/kernel.json" "$PREFIX" <<'PYEOF'
import json, sys
path, prefix = sys.argv[1:3]
spec = json.load(open(path))
spec["argv"] = [f"{prefix}/venv/bin/python", f"{prefix}/course/scripts/kernel/launch.py",
                f"{prefix}/bin/evcxr_jupyter", "--control_file", "{connection_file}"]
with open(path, "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
PYEOF
    # JupyterLab's news and update pop-ups off (as scripts/lab.sh does for .venv).
    mkdir -p "$PREFIX/venv/share/jupyter/lab/settings"
    printf '%s\n' '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
        >"$PREFIX/venv/share/jupyter/lab/settings/overrides.json"
    chmod -R a+rX,go-w "$PREFIX/venv/share/jupyter"
    ok "kernel 'rust' in $dir: $(tr -d '\n ' <"$dir/kernel.json" | grep -o '"argv":\[[^]]*\]')"
    # nbgrader's exchange for every user (the exchange's directories: scripts/class.sh).
    install -D -m 644 "$CLASS/nbgrader_exchange.py" "$PREFIX/venv/etc/jupyter/nbgrader_config.py"
    ok "nbgrader: $PREFIX/venv/etc/jupyter/nbgrader_config.py (course dlfs-ch4, exchange \$DLFS_NBGRADER_EXCHANGE or /srv/nbgrader/exchange)"
    install -m 755 "$CLASS/singleuser.sh" "$PREFIX/bin/dlfs-singleuser"
    install -m 644 "$CLASS/sync_notebooks.py" "$PREFIX/bin/dlfs_sync_notebooks.py"
    sed -i "s|^PREFIX=.*|PREFIX=\"$PREFIX\"|" "$PREFIX/bin/dlfs-singleuser"
    ok "$PREFIX/bin/dlfs-singleuser (each server starts through it)"
}

# --- 9. warm: evcxr's cache and one slot, built by the notebooks' first cell ------------
warm() {
    local setup="$ROOT/notebooks/src/setup.evcxr" want
    want="$(cat "$PREFIX/.stamps/toolchain" "$PREFIX/.stamps/evcxr" "$PREFIX/.stamps/crates" | sha256sum | cut -c1-16)"
    want="$want $(cd "$PREFIX/course" && find . \( -path ./notebooks -o -path ./scripts/class \) -prune -o -type f -print | LC_ALL=C sort |
        xargs -d '\n' cat | sha256sum | cut -c1-16)"
    want="$want $(sha256_of "$setup" | cut -c1-16)"
    if stamp_ok warm "$want" && [ -d "$PREFIX/warm/pool/slot-0/target" ]; then
        ok "warm build directory and evcxr cache are current ($PREFIX/warm)"
        return 0
    fi
    say "warming: the notebooks' first cell (notebooks/src/setup.evcxr) on a kernel like a student's (cold: minutes)"
    rm -rf "$PREFIX/warm"
    mkdir -p "$PREFIX/warm/cache" "$PREFIX/warm/pool"
    (
        kernel_env
        export XDG_CACHE_HOME="$PREFIX/warm/cache" DLFS_KERNEL_POOL="$PREFIX/warm/pool" DLFS_KERNEL_SLOTS=1
        nice "$PREFIX/venv/bin/python" "$CLASS/run_cell.py" --cwd "$PREFIX/course/notebooks" \
            --file "$setup" --expect "dlfs " --timeout 1800
    )
    rm -f "$PREFIX/warm/pool/slot-0/.kernel.json"
    chmod -R a+rX,go-w "$PREFIX/warm"
    stamp_set warm "$want"
    ok "warm: $(du -sh "$PREFIX/warm/cache/evcxr" | cut -f1) evcxr cache, $(du -sh "$PREFIX/warm/pool/slot-0" | cut -f1) build directory"
}

# Stages by name; `bash scripts/class/install.sh crates warm` runs only those (default: all).
STAGES=(toolchain evcxr course crates venv proxy mnist scripts warm)
declare -A TITLE=([toolchain]="Rust toolchain -> $PREFIX/rust" [evcxr]="evcxr_jupyter $EVCXR_VERSION"
    [course]="course files" [crates]="crates (cargo fetch)" [venv]="Python venv (JupyterHub, JupyterLab, nbgrader)"
    [proxy]="configurable-http-proxy" [mnist]="MNIST" [scripts]="rust kernel, singleuser wrapper" [warm]="warm cache")
declare -A FUNC=([toolchain]=install_toolchain [evcxr]=install_evcxr [course]=install_course
    [crates]=install_crates [venv]=install_venv [proxy]=install_proxy [mnist]=install_mnist
    [scripts]=install_scripts [warm]=warm)
[ $# -eq 0 ] || STAGES=("$@")
for s in "${STAGES[@]}"; do
    [ -n "${FUNC[$s]:-}" ] || die "unknown stage '$s' (stages: toolchain evcxr course crates venv proxy mnist scripts warm)"
    run_stage "${TITLE[$s]}" "${FUNC[$s]}"
done
print_stage_times
ok "class install in $PREFIX done"
