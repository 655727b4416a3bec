#!/bin/sh
# rustc for evcxr's cell crate: cargo's RUSTC_WORKSPACE_WRAPPER, which launch.py sets when the
# kernel's environment has DLFS_CELL_LTO=off (issue 19; off by default).
#
# evcxr compiles every cell as the crate `ctx` at opt-level 2 with 16 codegen units, so rustc
# adds a local ThinLTO pass that optimises the cell's code a second time (-Ztime-passes: 1.0-2.0 s
# of a 2-3 s cell compile on the 2-core machine). This turns that pass off (-C lto=off) for the
# cell crate only: compiles are shorter, but code written in a cell runs 1.3-2 times slower
# (docs/kernel.md). The dependencies (dlfs, ndarray, ...) are not workspace members, so cargo
# never runs them through this script; they stay as evcxr builds and caches them.
rustc="$1"
shift
case " $* " in
*" --crate-name ctx "*) exec "$rustc" "$@" -C lto=off ;;
esac
exec "$rustc" "$@"
