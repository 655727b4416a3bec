#!/usr/bin/env bash
# Starts a class hub on this machine: JupyterHub (local process spawner, system users with
# their passwords) behind configurable-http-proxy on 127.0.0.1, with the `rust` kernel
# warm for every student. Run as root (the hub starts each server as its user).
#
#   bash scripts/class.sh --students names.txt            # add the students, start the hub
#   bash scripts/class.sh --port 8000 --lecturer kim --students names.txt
#   bash scripts/class.sh --add-only --students more.txt  # add students, do not start
#
# Options:
#   --students FILE   one user name per line (# comments and blank lines skipped): each new
#                     name becomes a system user in the group dlfs-students with a home of
#                     mode 0700 and a random password; the new passwords are appended to
#                     STATE/passwords.txt (root only, mode 0600). Existing users keep theirs.
#   --lecturer NAME   the lecturer's account (default lecturer): an admin of the hub, in the
#                     group dlfs-staff, sees the notebooks with solutions and nbgrader.
#   --port N          the hub's port on 127.0.0.1 (default: a free one, printed)
#   --state DIR       the hub's database, cookie secret and logs (default /var/lib/dlfs-hub)
#   --cull MINUTES    stop a server after this long without activity (default 90: a lecture)
#   --no-install      do not run scripts/class/install.sh first (it is quick when done)
#   --add-only        add the users and stop
# Environment: DLFS_PREFIX (default /opt/dlfs), as for the install; DLFS_NBGRADER_EXCHANGE,
# nbgrader's exchange (default /srv/nbgrader/exchange; the lecturer's course dlfs-ch4 in it is
# made here, also with --add-only).
#
# It ends by exec'ing jupyterhub, so this script's PID is the hub's: stop the hub (and with
# it the proxy and every server it started) with `kill PID` or Ctrl-C.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PREFIX="${DLFS_PREFIX:-/opt/dlfs}"
students=""
lecturer="lecturer"
port=""
state="/var/lib/dlfs-hub"
cull=90
install=1
add_only=0
while [ $# -gt 0 ]; do
    case "$1" in
    --students) students="$2"; shift 2 ;;
    --lecturer) lecturer="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --state) state="$2"; shift 2 ;;
    --cull) cull="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    --add-only) add_only=1; shift ;;
    -h | --help) sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
done
[ "$(id -u)" -eq 0 ] || die "run scripts/class.sh as root: the hub starts each student's server as that student"
[[ "$cull" =~ ^[1-9][0-9]*$ ]] || die "--cull takes whole minutes, got '$cull'"
[ -z "$port" ] || [[ "$port" =~ ^[1-9][0-9]{0,4}$ ]] || die "--port takes a port number, got '$port'"
[ -z "$students" ] || [ -r "$students" ] || die "cannot read the student list '$students'"

if [ "$install" -eq 1 ]; then
    bash "$ROOT/scripts/class/install.sh"
fi
[ -x "$PREFIX/venv/bin/jupyterhub" ] || die "no JupyterHub in $PREFIX/venv: run bash scripts/class/install.sh"

umask 077
mkdir -p "$state"
chmod 700 "$state"

NAME_RE='^[a-z_][a-z0-9_-]{0,30}$'
# add_user NAME GROUP: a system user with a private home and a random password (new users only).
add_user() {
    local name="$1" group="$2" pw
    [[ "$name" =~ $NAME_RE ]] || die "'$name' is not a valid user name (lower-case letters, digits, _ and -, at most 31, starting with a letter)"
    getent group "$group" >/dev/null || groupadd --system "$group"
    if id "$name" >/dev/null 2>&1; then
        usermod -a -G "$group" "$name"
        ok "user $name exists (password unchanged), in $group"
        return 0
    fi
    useradd --create-home --shell /bin/bash --groups "$group" "$name"
    chmod 700 "$(getent passwd "$name" | cut -d: -f6)"
    pw="$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-12)"
    printf '%s:%s\n' "$name" "$pw" | chpasswd
    printf '%s %s\n' "$name" "$pw" >>"$state/passwords.txt"
    ok "user $name added to $group (password in $state/passwords.txt)"
}

add_user "$lecturer" dlfs-staff
if [ -n "$students" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%%#*}"
        line="$(echo "$line" | tr -d '[:space:]')"
        [ -n "$line" ] && add_user "$line" dlfs-students
    done <"$students"
fi

# nbgrader's exchange (PREFIX/venv/etc/jupyter/nbgrader_config.py, from
# scripts/class/nbgrader_exchange.py, reads the same variable): the root writable by all with
# the sticky bit, as nbgrader needs; the course's directories owned by the lecturer and made
# now, so that no student can make them first. inbound is 2733: students write, cannot list,
# and a submission takes the group dlfs-staff.
exchange="${DLFS_NBGRADER_EXCHANGE:-/srv/nbgrader/exchange}"
case "$exchange" in /*) ;; *) die "DLFS_NBGRADER_EXCHANGE must be an absolute path, got '$exchange'" ;; esac
(umask 022 && mkdir -p "$exchange")
chown root:root "$exchange"
chmod 1777 "$exchange"
install -d -o "$lecturer" -g dlfs-staff -m 755 "$exchange/dlfs-ch4" "$exchange/dlfs-ch4/outbound"
install -d -o "$lecturer" -g dlfs-staff -m 2733 "$exchange/dlfs-ch4/inbound"
ok "nbgrader exchange $exchange/dlfs-ch4 (lecturer $lecturer)"
[ "$add_only" -eq 1 ] && exit 0

free_port() { "$PREFIX/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export DLFS_PREFIX="$PREFIX" DLFS_HUB_STATE="$state" DLFS_LECTURER="$lecturer"
DLFS_HUB_PORT="${port:-$(free_port)}"
DLFS_HUB_API_PORT="$(free_port)"
DLFS_PROXY_API_PORT="$(free_port)"
export DLFS_HUB_PORT DLFS_HUB_API_PORT DLFS_PROXY_API_PORT
export DLFS_CULL_TIMEOUT=$((cull * 60))
export CONFIGPROXY_AUTH_TOKEN
CONFIGPROXY_AUTH_TOKEN="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
say "class hub on http://127.0.0.1:$DLFS_HUB_PORT/ (lecturer: $lecturer; state: $state; servers stopped after $cull idle minutes; PID $$)"
cd "$state" || die "cannot enter $state"
exec "$PREFIX/venv/bin/jupyterhub" -f "$ROOT/scripts/class/hub_config.py"
