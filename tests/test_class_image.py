"""The class image (binder/Dockerfile), checked without building it (no docker daemon here).

What the tests run is scripts/class/install.sh; the image must stay a thin wrapper around
exactly that:

  - the build calls the install as the tests do (tests/test_class_hub.py's INSTALL_ARGS:
    every stage, the default prefix /opt/dlfs), with no DLFS_DATA_DIR, so that MNIST comes
    from `dlfs download` (which checks the SHA-256), and with nothing of the build in a home;
  - the image copies /opt/dlfs and nothing else from the build; no instruction of it writes
    under /home or /root; the solutions are removed before the copy, so no layer holds them;
  - its kernel environment is the one the hub gives every server (scripts/class/hub_config.py),
    offline, and so is deploy/z2jh-values.yaml's;
  - Binder's conditions: the build args NB_USER and NB_UID, the user NB_UID, `jupyter
    notebook` in the venv (requirements-class.txt), the entrypoint that syncs the home;
  - the toolchain it installs is the one the tests ran with.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from test_class_hub import INSTALL_ARGS

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "binder" / "Dockerfile"
PREFIX = "/opt/dlfs"


def instructions(path: Path) -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, per stage: [(INSTRUCTION, arguments)], continuation
    lines joined and comment lines dropped (as docker does, also inside a continuation)."""
    stages: list[list[tuple[str, str]]] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current += (" " if current else "") + line.removesuffix("\\").strip()
        if line.endswith("\\"):
            continue
        word, _, rest = current.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        assert stages, f"{path}: an instruction before FROM: {current}"
        stages[-1].append((word.upper(), rest.strip()))
        current = ""
    assert not current, f"{path} ends inside a continuation"
    return stages


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    """The ENV values a stage sets (KEY=VALUE form), later ones winning."""
    env: dict[str, str] = {}
    for word, rest in stage:
        if word == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(rest))
    return env


def runs(stage: list[tuple[str, str]]) -> list[str]:
    return [rest for word, rest in stage if word == "RUN"]


def hub_environment() -> dict[str, str]:
    """c.Spawner.environment of scripts/class/hub_config.py, with the default prefix."""

    class Node(dict):
        def __getattr__(self, name):
            return self.setdefault(name, Node())

        def __setattr__(self, name, value):
            self[name] = value

    c = Node()
    env = {"DLFS_HUB_STATE": "/tmp/x", "DLFS_HUB_PORT": "1", "DLFS_HUB_API_PORT": "2", "DLFS_PROXY_API_PORT": "3"}
    saved = {k: os.environ.get(k) for k in [*env, "DLFS_PREFIX", "DLFS_NBGRADER_EXCHANGE"]}
    os.environ.update(env)
    os.environ.pop("DLFS_PREFIX", None)
    os.environ.pop("DLFS_NBGRADER_EXCHANGE", None)
    try:
        code = (ROOT / "scripts" / "class" / "hub_config.py").read_text()
        exec(compile(code, "hub_config.py", "exec"), {"c": c, "__name__": "hub_config"})
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return dict(c.Spawner.environment)


@pytest.fixture(scope="module")
def stages():
    stages = instructions(DOCKERFILE)
    assert len(stages) == 2, "binder/Dockerfile: a build stage and the image"
    return stages


def test_the_build_runs_the_install_as_the_tests_do(stages):
    build, image = stages
    calls = [r for st in stages for r in runs(st) if "install.sh" in r]
    assert len(calls) == 1 and calls[0] in runs(build), calls
    # exactly the tests' command, from the repository's root, then only clean-up
    first, *rest = [part.strip() for part in calls[0].split("&&")]
    assert shlex.split(first) == INSTALL_ARGS, first
    assert all(part.startswith("rm -rf ") for part in rest), rest
    workdir = [r for w, r in build if w == "WORKDIR"][-1]
    copies = [r.split() for w, r in build if w == "COPY"]
    assert [".", workdir] in copies, "the repository's root is copied to the WORKDIR the install runs in"
    env = env_of(build)
    assert "DLFS_PREFIX" not in env and "DLFS_DATA_DIR" not in env, env  # the default prefix; MNIST downloaded
    # the build's own HOME, rustup and cargo in /tmp/build, a stage of their own
    for key in ("HOME", "RUSTUP_HOME", "CARGO_HOME"):
        assert env[key].startswith("/tmp/build/"), (key, env[key])
    # no solutions in the image: removed before /opt/dlfs is copied
    assert f"{PREFIX}/solutions" in calls[0].split("&&", 1)[1]
    # MNIST without DLFS_DATA_DIR: the install downloads it, building the checked downloader
    install = (ROOT / "scripts" / "class" / "install.sh").read_text()
    assert 'download --data-dir "$PREFIX/mnist"' in install and "-p dlfs-cli" in install


def test_the_image_holds_opt_dlfs_and_nothing_in_a_home(stages):
    _, image = stages
    copies = [r.split() for w, r in image if w in ("COPY", "ADD")]
    assert copies == [["--from=build", PREFIX, PREFIX]], copies
    for r in runs(image):
        for word in shlex.split(r.replace("&&", " ")):
            assert not word.startswith(("/root", "/home", "~")), r
        assert "install.sh" not in r and "curl" not in r, r
    env = env_of(image)
    for key in ("CARGO_HOME", "DLFS_DATA_DIR"):
        assert env[key].startswith(PREFIX + "/"), (key, env[key])
    for entry in env["PATH"].split(":"):
        assert entry.startswith(PREFIX + "/") or entry in ("/usr/local/bin", "/usr/bin", "/bin"), entry
    # the kernel slots are the one thing in the home: seeded from /opt/dlfs/warm at the start
    assert env["DLFS_KERNEL_POOL"] == "/home/$NB_USER/.cache/dlfs/evcxr-pool/class"
    entry = [r for w, r in image if w == "ENTRYPOINT"]
    assert entry == [f'["{PREFIX}/bin/dlfs-singleuser"]'], entry


def test_the_image_kernel_environment_is_the_hubs(stages):
    _, image = stages
    env, hub = env_of(image), hub_environment()
    for key in ("PATH", "CARGO_HOME", "CARGO_NET_OFFLINE", "DLFS_DATA_DIR"):
        assert env[key] == hub[key], (key, env[key], hub[key])
    assert env["CARGO_NET_OFFLINE"] == "true"
    install = (ROOT / "scripts" / "class" / "install.sh").read_text()
    assert '"[net]" "offline = true" >"$PREFIX/cargo/config.toml"' in install
    import yaml  # PyYAML, in the venv with Jupyter
    values = yaml.safe_load((ROOT / "deploy" / "z2jh-values.yaml").read_text())
    extra = values["singleuser"]["extraEnv"]
    for key in ("CARGO_HOME", "CARGO_NET_OFFLINE", "DLFS_DATA_DIR"):
        assert extra[key] == hub[key], key
    assert extra["DLFS_KERNEL_POOL"] == env["DLFS_KERNEL_POOL"].replace("$NB_USER", "jovyan")


def test_binder_can_start_it(stages):
    _, image = stages
    args = {r.split("=")[0] for w, r in image if w == "ARG"}
    assert {"NB_USER", "NB_UID"} <= args
    assert [r for w, r in image if w == "USER"] == ["$NB_UID"]
    # Binder starts `jupyter notebook ...` through the entrypoint: the venv must have it
    reqs = (ROOT / "deploy" / "requirements-class.txt").read_text()
    assert re.search(r"^notebook==", reqs, re.M) and re.search(r"^jupyterlab==", reqs, re.M)
    singleuser = (ROOT / "scripts" / "class" / "singleuser.sh").read_text()
    assert 'exec "$@"' in singleuser  # a command given after the entrypoint runs as given
    ignore = (ROOT / "binder" / "Dockerfile.dockerignore").read_text().split()
    assert "**/target" in ignore and ".venv" in ignore


def test_the_image_toolchain_is_the_tested_one(stages):
    build, _ = stages
    version = next(r.split("=", 1)[1] for w, r in build if w == "ARG" and r.startswith("RUST_VERSION="))
    rustc = shutil.which("rustc")
    if rustc is None:
        pytest.fail("rustc is not on PATH: the class tests run with this machine's toolchain")
    out = subprocess.run([rustc, "-V"], capture_output=True, text=True, check=True).stdout
    assert out.split()[1] == version, f"binder/Dockerfile installs Rust {version}; the tests ran with {out.strip()}"
