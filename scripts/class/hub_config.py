# JupyterHub configuration of the class hub (scripts/class.sh starts `jupyterhub -f` this file).
# Everything specific to one run comes from the environment class.sh sets:
#   DLFS_PREFIX       the shared install (default /opt/dlfs)
#   DLFS_HUB_STATE    the hub's own directory: database, cookie secret, proxy token, logs
#   DLFS_HUB_PORT     the public port on 127.0.0.1 (the proxy)
#   DLFS_HUB_API_PORT, DLFS_PROXY_API_PORT   the hub's and the proxy's internal ports
#   DLFS_LECTURER     the lecturer's user name (an admin; sees the solutions)
#   DLFS_CULL_TIMEOUT seconds of inactivity before a server is stopped (default 5400)
# ruff: noqa: F821  (`c` is given by JupyterHub)
import grp
import os
import pwd
import sys

prefix = os.environ.get("DLFS_PREFIX", "/opt/dlfs")
state = os.environ["DLFS_HUB_STATE"]
lecturer = os.environ.get("DLFS_LECTURER", "lecturer")
cull_timeout = int(os.environ.get("DLFS_CULL_TIMEOUT", "5400"))
STUDENTS_GROUP = "dlfs-students"
STAFF_GROUP = "dlfs-staff"

# -- network: everything on 127.0.0.1 ------------------------------------------------------
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["DLFS_HUB_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ["DLFS_HUB_API_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['DLFS_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [f"{prefix}/bin/configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
c.ConfigurableHTTPProxy.should_start = True
c.Spawner.ip = "127.0.0.1"

# -- the hub's state --------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{os.path.join(state, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every server it started
c.JupyterHub.cleanup_proxy = True

# -- accounts: system users, logged in with their password (PAM) ------------------------------
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {STUDENTS_GROUP, STAFF_GROUP}
c.Authenticator.admin_users = {lecturer}
c.PAMAuthenticator.open_sessions = False

# -- servers: JupyterHub's local process spawner; each server runs as its user ---------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{prefix}/bin/dlfs-singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.Spawner.env_keep = ["LANG", "LC_ALL", "TZ"]
c.Spawner.environment = {
    # cargo and rustc on the server's PATH (and so the kernels'), the shared toolchain first
    "PATH": f"{prefix}/rust/bin:{prefix}/bin:{prefix}/venv/bin:/usr/local/bin:/usr/bin:/bin",
    "CARGO_HOME": f"{prefix}/cargo",  # the crates of Cargo.lock, fetched by the install
    "CARGO_NET_OFFLINE": "true",  # the kernels never go to the network
    "DLFS_DATA_DIR": f"{prefix}/mnist",
    "LANG": os.environ.get("LANG", "C.UTF-8"),
}
if "DLFS_NBGRADER_EXCHANGE" in os.environ:  # nbgrader's exchange, when not the default
    c.Spawner.environment["DLFS_NBGRADER_EXCHANGE"] = os.environ["DLFS_NBGRADER_EXCHANGE"]


def is_lecturer(name: str) -> bool:
    if name == lecturer:
        return True
    try:
        return name in grp.getgrnam(STAFF_GROUP).gr_mem
    except KeyError:
        return False


def pre_spawn_hook(spawner):
    name = spawner.user.name
    home = pwd.getpwnam(name).pw_dir
    role = "lecturer" if is_lecturer(name) else "student"
    spawner.environment = {
        **spawner.environment,
        "DLFS_ROLE": role,
        # each user's kernel slots in their own home
        "DLFS_KERNEL_POOL": os.path.join(home, ".cache", "dlfs", "evcxr-pool", "class"),
    }
    spawner.default_url = "/lab/tree/dlfs/notebooks" + ("" if role == "lecturer" else "/student")


c.Spawner.pre_spawn_hook = pre_spawn_hook

# -- idle culling: a lecture, not 10 minutes ----------------------------------------------------
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    f"--timeout={cull_timeout}", "--cull-every=300"],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
