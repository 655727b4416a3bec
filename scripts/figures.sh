#!/usr/bin/env sh
# Writes every chapter-4 figure as PNG and SVG (default: out/figures).
# Figures 4-11, 4-12 and the MNIST pictures need MNIST (--data-dir or DLFS_DATA_DIR) and
# train TwoLayerNet with the book's settings first; without MNIST the others are written,
# one line names each figure not made, and the exit status is 1.
# Extra arguments go to `dlfs figures`, e.g. scripts/figures.sh out/figures --scale 2
set -eu
out="${1:-out/figures}"
[ "$#" -gt 0 ] && shift
exec cargo run --release --manifest-path "$(dirname "$0")/../Cargo.toml" -p dlfs-cli -- figures --out "$out" "$@"
