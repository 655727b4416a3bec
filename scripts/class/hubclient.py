"""A student of the class hub, driven over HTTP: log in, start the server, run cells.

Used by tests/test_class_hub.py and bench/class.py with the class's Python
(PREFIX/venv/bin/python: it has websocket-client). Only the standard library and
websocket-client; every wait is bounded.

    user = HubUser("http://127.0.0.1:8000", "kim", "password")
    user.login()                    # POST /hub/login with the password (PAM)
    user.start()                    # the server, through the hub's REST API
    kernel = user.open_notebook("dlfs/notebooks/student/4.2-loss-functions.ipynb")
    run = kernel.execute("1 + 1")   # over the kernel's websocket
    kernel.close(); user.stop()
"""

from __future__ import annotations

import http.cookiejar
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass


class HubError(RuntimeError):
    pass


@dataclass
class Run:
    """One executed cell: its text output, stderr, error and wall time."""

    text: str
    stderr: str
    error: str
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.error


class HubUser:
    def __init__(self, base: str, name: str, password: str):
        self.base = base.rstrip("/")
        self.name = name
        self.password = password
        self.jar = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    # -- plumbing ------------------------------------------------------------------------
    def _cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, path: str, body=None, headers=None, timeout: float = 30):
        """(status, parsed JSON or text) of a request to the hub's origin."""
        data = None
        hdrs = dict(headers or {})
        if self.token:
            hdrs.setdefault("Authorization", f"token {self.token}")
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        elif isinstance(body, str):
            data = body.encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, headers=hdrs, method=method)
        try:
            with self.http.open(req, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    # -- the hub -------------------------------------------------------------------------
    def login(self) -> None:
        """Log in with the password, as the login form does; then make an API token."""
        status, _ = self.request("GET", "/hub/login")
        if status != 200:
            raise HubError(f"GET /hub/login answered {status}")
        xsrf = self._cookie("_xsrf")
        form = urllib.parse.urlencode({"username": self.name, "password": self.password, "_xsrf": xsrf})
        self.request("POST", "/hub/login?next=" + urllib.parse.quote("/hub/home"), body=form,
                     headers={"X-XSRFToken": xsrf})
        if not self._cookie("jupyterhub-hub-login"):
            raise HubError(f"{self.name}: the hub refused the login (wrong password or not allowed)")
        status, reply = self.request("POST", f"/hub/api/users/{self.name}/tokens",
                                     body={"note": "dlfs hubclient", "expires_in": 7200},
                                     headers={"X-XSRFToken": self._cookie("_xsrf"),
                                              "Referer": self.base + "/hub/home"})
        if status not in (200, 201) or not isinstance(reply, dict) or "token" not in reply:
            raise HubError(f"{self.name}: no API token ({status}: {reply})")
        self.token = reply["token"]

    def model(self) -> dict:
        status, reply = self.request("GET", f"/hub/api/users/{self.name}")
        if status != 200:
            raise HubError(f"GET /hub/api/users/{self.name}: {status} {reply}")
        return reply

    def start(self, timeout: float = 300) -> float:
        """Start the server and wait until the hub says it is ready; the seconds it took."""
        t0 = time.monotonic()
        status, reply = self.request("POST", f"/hub/api/users/{self.name}/server")
        if status not in (201, 202, 400):  # 400: already running
            raise HubError(f"{self.name}: the server did not start ({status}: {reply})")
        while time.monotonic() - t0 < timeout:
            server = self.model().get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - t0
            if server is None and time.monotonic() - t0 > 5:
                raise HubError(f"{self.name}: the server stopped while starting (see the hub's log)")
            time.sleep(0.5)
        raise HubError(f"{self.name}: the server was not ready within {timeout:.0f} s")

    def stop(self, timeout: float = 60) -> None:
        self.request("DELETE", f"/hub/api/users/{self.name}/server")
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if not self.model().get("servers"):
                return
            time.sleep(0.5)
        raise HubError(f"{self.name}: the server did not stop within {timeout:.0f} s")

    # -- the user's server -----------------------------------------------------------------
    def api(self, method: str, path: str, body=None, timeout: float = 60):
        return self.request(method, f"/user/{self.name}/api/{path}", body=body, timeout=timeout)

    def open_notebook(self, path: str) -> KernelSocket:
        """A session for the notebook at `path` (relative to the home): a `rust` kernel
        started in its directory, as JupyterLab does when the notebook is opened."""
        status, reply = self.api("POST", "sessions", body={
            "path": path, "name": path.rsplit("/", 1)[-1], "type": "notebook", "kernel": {"name": "rust"}})
        if status not in (200, 201):
            raise HubError(f"{self.name}: no session for {path} ({status}: {reply})")
        return KernelSocket(self, reply["id"], reply["kernel"]["id"])


class KernelSocket:
    """A kernel of the user's server, over its websocket (jupyter's kernel protocol, v5)."""

    def __init__(self, user: HubUser, session_id: str, kernel_id: str, timeout: float = 120):
        import websocket  # websocket-client, in PREFIX/venv

        self.user, self.session_id, self.kernel_id = user, session_id, kernel_id
        url = user.base.replace("http", "ws", 1) + f"/user/{user.name}/api/kernels/{kernel_id}/channels"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {user.token}"],
                                              timeout=timeout)
        self.session = uuid.uuid4().hex

    def execute(self, code: str, timeout: float = 600) -> Run:
        """Run `code`; its outputs once the kernel is idle again."""
        import websocket

        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.user.name,
                       "session": self.session, "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        t0 = time.monotonic()
        text, stderr, error = [], [], ""
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                return Run("".join(text), "".join(stderr), f"no answer within {timeout:.0f} s",
                           time.monotonic() - t0)
            self.ws.settimeout(left)
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id or msg.get("channel") != "iopub":
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                (text if content["name"] == "stdout" else stderr).append(content["text"])
            elif kind in ("execute_result", "display_data"):
                text.append(content["data"].get("text/plain", "") + "\n")
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                return Run("".join(text), "".join(stderr), error, time.monotonic() - t0)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.user.api("DELETE", f"sessions/{self.session_id}")


def scenario(base: str, name: str, password: str, notebook: str, cells: list[str],
             cell_timeout: float = 600, stop: bool = True) -> dict:
    """Log in, start the server, open `notebook` and run `cells` in turn on its kernel:
    the seconds of each step and each cell's outputs (a failed step ends it, with `error`)."""
    out: dict = {"user": name, "cells": []}
    user = HubUser(base, name, password)
    try:
        t0 = time.monotonic()
        user.login()
        out["login_s"] = time.monotonic() - t0
        out["start_s"] = user.start()
        t0 = time.monotonic()
        kernel = user.open_notebook(notebook)
        out["kernel_s"] = time.monotonic() - t0
        try:
            for code in cells:
                run = kernel.execute(code, timeout=cell_timeout)
                out["cells"].append(run.__dict__)
                if not run.ok:
                    break
        finally:
            kernel.close()
        if stop:
            user.stop()
    except (HubError, OSError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
    return out


def main() -> int:
    import argparse
    import os
    import sys

    p = argparse.ArgumentParser(description="Log in to the class hub as a student, start the "
                                "server and run cells on a notebook's kernel; prints JSON. "
                                "The password comes from the environment (DLFS_HUB_PASSWORD).")
    p.add_argument("--base", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--notebook", required=True, help="path relative to the user's home")
    p.add_argument("--cell", action="append", default=[], help="code of a cell (repeatable)")
    p.add_argument("--cell-timeout", type=float, default=600)
    p.add_argument("--keep", action="store_true", help="leave the server running")
    a = p.parse_args()
    result = scenario(a.base, a.user, os.environ["DLFS_HUB_PASSWORD"], a.notebook, a.cell,
                      a.cell_timeout, stop=not a.keep)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 1 if "error" in result else 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
