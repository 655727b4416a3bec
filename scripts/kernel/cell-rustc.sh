#!/bin/sh
# rustc for evcxr's cell crate: cargo's RUSTC_WORKSPACE_WRAPPER, which launch.py sets (issue 19).
#
# evcxr compiles every cell as the crate `ctx` at opt-level 2 with 16 codegen units, so rustc
# adds a local ThinLTO pass that optimises the cell's code a second time (-Ztime-passes: 1.0-2.0 s
# of a 2-3 s cell compile on the 2-core machine). launch.py puts the flags for the cell crate in
# DLFS_CELL_RUSTC_FLAGS: by default `-C lto=off` (that pass off), plus DLFS_CELL_RUSTFLAGS if the
# user set it; DLFS_CELL_LTO=on gives evcxr's own build back (docs/kernel.md). Only the cell crate
# gets them: the dependencies (dlfs, ndarray, ...) are not workspace members, so cargo never runs
# them through this script; they stay as evcxr builds and caches them.
rustc="$1"
shift
case " $* " in
*" --crate-name ctx "*)
    # shellcheck disable=SC2086 # the flags are words: `-C lto=off -C codegen-units=4`
    exec "$rustc" "$@" ${DLFS_CELL_RUSTC_FLAGS-}
    ;;
esac
exec "$rustc" "$@"
