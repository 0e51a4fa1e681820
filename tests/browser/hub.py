"""A real JupyterHub for the hub tests and the hub benchmark: the school's config from deploy/jupyterhub, as
a host copies it, with the test sign-in of tests/browser/jupyterhub_config.py (one shared password), the
hub's proxy (configurable-http-proxy, from npm) and the store on the database given, all on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from playwright.sync_api import BrowserContext, Page, expect

from selfexplore.content import load_content
from selfexplore.store import Store
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "class-of-2030"  # noqa: S105 - the test hub's shared dummy password
API_TOKEN = "selfexplore-hub-tests-0123456789abcdef"  # noqa: S105 - a throwaway test hub's service token
CHP = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
DEPLOY_CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
# The Kubernetes values, translated as the Zero to JupyterHub chart translates them (see the file).
Z2JH_CONFIG = Path(__file__).with_name("z2jh_config.py")
Z2JH_VALUES = ROOT / "deploy" / "kubernetes" / "values.yaml"
TEST_CONFIG = Path(__file__).with_name("jupyterhub_config.py")
FACILITATOR = "fran"
ADVISER = "lee"
ADVISER_DISPLAY = "Dr Lee (Society A)"


@dataclass
class Hub:
    url: str
    db_url: str
    log: Path
    pid: int  # the hub's own process: every process it starts (proxy, culler, users' servers) is below it

    def processes(self) -> list[psutil.Process]:
        """Every process the hub started, and theirs: found through the hub's own process tree, so that
        another hub running beside this one on the machine is never mistaken for it."""
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def api(self, method: str, path: str, body: object | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {API_TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None

    def server(self, user: str) -> dict[str, Any] | None:
        servers: dict[str, dict[str, Any]] = self.api("GET", f"/users/{user}")["servers"]
        return servers.get("")

    def stop(self, user: str) -> None:
        """Stop the user's server through the hub's API, and wait until the hub says it is stopped."""
        try:
            self.api("DELETE", f"/users/{user}/server")
        except urllib.error.HTTPError as error:
            if error.code != 400:  # 400: not running
                raise
        deadline = time.monotonic() + 60
        while self.server(user) is not None and time.monotonic() < deadline:
            time.sleep(0.25)
        assert self.server(user) is None, f"the hub still lists a server for {user}"


def _wait_for_hub(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub stopped (exit code {process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/hub/api", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise RuntimeError(f"the hub did not answer within 90 s:\n{log.read_text()[-3000:]}")


# The identity key of the test hub's store (a school makes its own: docs/hosting.md).
TEST_IDENTITY_KEY = "test-hub-identity-key-of-at-least-32-characters"


@contextmanager
def running_hub(
    home: Path, db_url: str, deploy: Path = DEPLOY_CONFIG, layout: str = "per-student", pool: int = 2
) -> Iterator[Hub]:
    """Start the hub in `home` over the store at `db_url`, and stop it (and every user's server) at the end.
    `deploy` is the school's config it runs: the one-machine config, or Z2JH_CONFIG for the Kubernetes
    values; `layout` the one-machine config's layout (SELFEXPLORE_HUB_LAYOUT: shared or per-student);
    `pool` the kernels the shared workbook keeps ready (SELFEXPLORE_HUB_WORKBOOK_POOL)."""
    log = home / "hub.log"
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SELFEXPLORE_DEPLOY_CONFIG": str(deploy),
        "SELFEXPLORE_Z2JH_VALUES": str(Z2JH_VALUES),
        "SELFEXPLORE_DB_URL": db_url,
        "SELFEXPLORE_IDENTITY_KEY": TEST_IDENTITY_KEY,
        "SELFEXPLORE_FACILITATORS": FACILITATOR,
        "SELFEXPLORE_ADVISER_USERS": ADVISER,
        "SELFEXPLORE_ADVISER_NAMES": json.dumps({ADVISER: ADVISER_DISPLAY}),
        "SELFEXPLORE_HUB_URL": url,
        "SELFEXPLORE_HUB_LAYOUT": layout,
        "SELFEXPLORE_HUB_WORKBOOK_PORT": str(free_port()),
        # Two kernels ready in the shared workbook by default: the tests' students take the pool's kernels and
        # its refills.
        "SELFEXPLORE_HUB_WORKBOOK_POOL": str(pool),
        "SELFEXPLORE_HUB_HOME": str(home / "users"),
        "SELFEXPLORE_HUB_DB_URL": f"sqlite:///{home / 'jupyterhub.sqlite'}",
        "SELFEXPLORE_TEST_HUB_PASSWORD": PASSWORD,
        "SELFEXPLORE_TEST_HUB_TOKEN": API_TOKEN,
        "SELFEXPLORE_TEST_HUB_API": f"http://127.0.0.1:{free_port()}",
        "SELFEXPLORE_TEST_PROXY_API": f"http://127.0.0.1:{free_port()}",
        "SELFEXPLORE_TEST_CHP": str(CHP),
    }
    # The schema, as a host's upgrade step creates it, keyed with the key the hub hands its servers.
    Store.open(load_content(), db_url, identity_key=TEST_IDENTITY_KEY.encode()).close()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(TEST_CONFIG)],
            cwd=home,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_hub(url, process, log)
        yield Hub(url, db_url, log, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


SHARED_WORKBOOK = "/services/workbook/"  # where the shared layout's students land


def sign_in_page(context: BrowserContext, hub: Hub, user: str, lands: str | None = None) -> Page:
    """Sign in at the hub's login page, as a student does, and wait to land where the hub sends the user:
    `lands` (a path), or the user's own server."""
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{hub.url}{lands or f'/user/{user}/'}")
    return page


def wait_for_pool(hub: Hub, size: int, timeout: float = 600.0) -> float:
    """Wait until the shared workbook's pool holds `size` kernels (Voila says so in the hub's log); the
    seconds it took."""
    started = time.monotonic()
    wanted = f"is filled with {size} kernel(s)"
    while wanted not in hub.log.read_text(errors="replace"):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"the workbook's pool did not reach {size} kernels in {timeout:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


def processes_of(hub: Hub, user: str) -> list[psutil.Process]:
    """Every process of this hub running for this user's server: the hub sets JUPYTERHUB_USER in its
    environment, and Voila and the kernels inherit it."""
    found = []
    for process in hub.processes():
        try:
            if process.environ().get("JUPYTERHUB_USER") == user:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found
