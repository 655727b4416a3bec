#!/usr/bin/env bash
# Installed as PREFIX/bin/dlfs-singleuser by scripts/class/install.sh. JupyterHub's spawner
# starts every user's server through it, already running as that user (so everything it
# writes belongs to the user, in their home, and it cannot write anywhere else):
#   1. the notebooks: PREFIX/bin/dlfs_sync_notebooks.py gives the user their own copy on the
#      first start and brings later updates without touching what they changed (see there);
#      the lecturer (DLFS_ROLE=lecturer) also gets the notebooks with the solutions;
#   2. a warm start: on the first start, evcxr's build cache (~/.cache/evcxr) and the first
#      kernel slot ($DLFS_KERNEL_POOL/slot-0) are copied from PREFIX/warm, built once by the
#      install, so the first cell compiles nothing but the cell;
#   3. exec jupyterhub-singleuser with the spawner's arguments (or, when the first argument
#      is a command rather than an option, that command: the container image uses this
#      script as its ENTRYPOINT, in front of whatever command Binder or Kubernetes gives).
set -euo pipefail
PREFIX="/opt/dlfs"
umask 077

: "${HOME:?HOME is not set}"
role="${DLFS_ROLE:-student}"
"$PREFIX/venv/bin/python" "$PREFIX/bin/dlfs_sync_notebooks.py" --prefix "$PREFIX" --home "$HOME" --role "$role"

cache="${XDG_CACHE_HOME:-$HOME/.cache}"
pool="${DLFS_KERNEL_POOL:-$cache/dlfs/evcxr-pool/class}"
seed() { # seed FROM TO: copy FROM to TO (keeping the files' times, which cargo compares) if TO is absent
    [ -e "$2" ] && return 0
    [ -d "$1" ] || return 0
    mkdir -p "$(dirname "$2")"
    cp -R --preserve=mode,timestamps "$1" "$2.seeding.$$"
    mv "$2.seeding.$$" "$2"
    echo "dlfs-singleuser: seeded $2 from $1" >&2
}
seed "$PREFIX/warm/cache/evcxr" "$cache/evcxr"
seed "$PREFIX/warm/pool/slot-0" "$pool/slot-0"

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    exec "$@"
fi
exec "$PREFIX/venv/bin/jupyterhub-singleuser" "$@"
