"""`selfexplore hub-server`: the workbook as one student's (or one facilitator's) JupyterHub server.

JupyterHub starts this command for a user who signs in, with the JUPYTERHUB_* variables that say who the
user is and where the server is to answer (`JUPYTERHUB_SERVICE_URL`, under `JUPYTERHUB_SERVICE_PREFIX`,
that is /user/<name>/). It runs two things, and stops both when the hub stops it:

- the workbook's own Voila, exactly as `selfexplore serve` runs it (code execution refused, sources
  stripped), on a loopback port of its own, behind a token that only this process knows;
- in this process, JupyterHub's standalone proxy (jupyter-server-proxy, maintained by the JupyterHub team):
  it lets in only the user the hub signed in, through the hub's OAuth, and passes everything else on to
  Voila with the token added.

The user's name reaches the kernels as JUPYTERHUB_USER, so a student is never asked for a resume code. The
hub's token (JUPYTERHUB_API_TOKEN) is kept from a student's Voila and kernels, which have no use for it;
a facilitator's kernels keep it, to ask the hub whether the user is in the facilitators group. The store's
address is passed to Voila and removed from this process's own environment.

The standalone proxy's own activity report names no server for a user's default server, and so never
reaches the hub; this module reports instead: the time of the last request or websocket message through
the proxy, every SELFEXPLORE_ACTIVITY_INTERVAL seconds (60 by default) when it has changed, which is what
idle culling (jupyterhub-idle-culler) reads.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from selfexplore.identity import FACILITATOR_GROUP_ENV, FACILITATOR_ROLE, HUB_ENV, ROLE_ENV
from selfexplore.serve import (
    HOST,
    POOL_ENV,
    HostingError,
    _prepare,
    facilitator_arguments,
    normalise_base_url,
    page_config,
    pool_size,
    voila_arguments,
    voila_command,
    voila_config,
)
from selfexplore.store import DB_URL_ENV

# What the hub sets for every single-user server; without them this is not a hub's server.
HUB_VARIABLES = (HUB_ENV, "JUPYTERHUB_API_URL", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_PREFIX")
# The hub gives a server its API token under both names (the second for older single-user servers).
HUB_TOKENS = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
ACTIVITY_ENV = "SELFEXPLORE_ACTIVITY_INTERVAL"
DEFAULT_ACTIVITY_INTERVAL = 60
# A student's server has one student: no kernels kept waiting by default (each would hold about 60 MiB for a
# second tab that rarely comes). SELFEXPLORE_POOL sets one anyway.
DEFAULT_HUB_POOL = 0
READY_TIMEOUT = 60.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# How long Voila may take to stop its kernels when the hub stops the server, before it is killed.
STOP_GRACE = 20.0


def missing_hub_variables(environ: Mapping[str, str]) -> list[str]:
    return [name for name in HUB_VARIABLES if not environ.get(name, "").strip()]


def activity_interval(environ: Mapping[str, str]) -> int:
    named = environ.get(ACTIVITY_ENV, "").strip()
    if not named:
        return DEFAULT_ACTIVITY_INTERVAL
    if not named.isdigit() or int(named) < 1:
        raise HostingError(f"{ACTIVITY_ENV} must be a whole number of seconds, got {named!r}")
    return int(named)


def hub_pool_size(environ: Mapping[str, str]) -> int:
    if not environ.get(POOL_ENV, "").strip():
        return DEFAULT_HUB_POOL
    try:
        return pool_size(dict(environ))
    except ValueError as error:
        raise HostingError(str(error)) from None


def activity_body(when: datetime, server_name: str) -> dict[str, Any]:
    """What the hub's activity API takes (POST /users/<name>/activity): the server's last activity."""
    stamp = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"last_activity": stamp, "servers": {server_name: {"last_activity": stamp}}}


def voila_child_environment(env: Mapping[str, str], *, facilitator: bool) -> dict[str, str]:
    """The environment of the user's Voila and its kernels: the hub's token only where it is used."""
    child = dict(env)
    if facilitator:
        child[ROLE_ENV] = FACILITATOR_ROLE
    else:
        for name in HUB_TOKENS:
            child.pop(name, None)
        child.pop(FACILITATOR_GROUP_ENV, None)
    return child


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def hub_server(*, facilitator: bool = False, content_dir: str | None = None, db_url: str | None = None) -> int:
    """Run the user's Voila and the hub's proxy in front of it until the hub stops the server."""
    missing = missing_hub_variables(os.environ)
    if missing:
        raise HostingError(
            "hub-server is started by JupyterHub as a user's server; not set here: " + ", ".join(missing)
        )
    try:
        from jupyter_server_proxy.standalone.app import StandaloneProxyServer  # type: ignore[import-untyped]
    except ImportError:
        raise HostingError("hub-server needs the hub extra: pip install 'selfexplore[hub]'") from None
    interval = activity_interval(os.environ)
    pool = 0 if facilitator else hub_pool_size(os.environ)
    try:
        prefix = normalise_base_url(os.environ["JUPYTERHUB_SERVICE_PREFIX"])
    except ValueError as error:
        raise HostingError(f"JUPYTERHUB_SERVICE_PREFIX: {error}") from None

    env = voila_child_environment(_prepare(content_dir, db_url), facilitator=facilitator)
    os.environ.pop(DB_URL_ENV, None)  # the proxy has no use for the store's address
    token = secrets.token_urlsafe(32)
    port = _free_port()
    # The proxy takes the prefix off each path before passing it on, so Voila answers at "/" and writes
    # the prefix into its pages' addresses.
    if facilitator:
        arguments = facilitator_arguments(port, base_url=prefix, server_url="/", dashboard_only=True)
        config: dict[str, Any] = page_config()
    else:
        arguments = voila_arguments(port, pool=pool, base_url=prefix, server_url="/")
        config = voila_config(pool=pool, cookies=False)  # the hub signs students in: no cookie is needed
    config.setdefault("Voila", {})["token"] = token

    for sig in STOP_SIGNALS:  # a stop while Voila is starting still stops Voila
        signal.signal(sig, _stop_starting)
    with voila_command(arguments, config) as command:
        voila = subprocess.Popen(
            command,
            env=env,
            start_new_session=True,  # its own process group: stopped with whatever it left
            preexec_fn=_stop_with_parent,  # only a prctl call, before exec
        )
        try:
            _wait_until_listening(voila, port)
            return _run_proxy(StandaloneProxyServer, voila, port=port, token=token, interval=interval)
        except _Stopped:
            return 0
        finally:
            _stop(voila)


class _Stopped(Exception):
    """A stop signal arrived while Voila was starting."""


def _stop_starting(_signum: int, _frame: object) -> None:
    raise _Stopped


def _stop_with_parent() -> None:
    """In Voila's process, before it runs: Linux sends it SIGTERM if this process dies, even by SIGKILL
    (the hub's last resort), so that Voila still shuts its kernels down rather than being left running."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_until_listening(voila: subprocess.Popen[bytes], port: int) -> None:
    """Wait until Voila accepts connections: the hub counts the server as started once the proxy answers,
    so the proxy must not answer before the workbook can."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if voila.poll() is not None:
            raise HostingError(f"the workbook's Voila stopped while starting (exit code {voila.returncode})")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    raise HostingError(f"the workbook's Voila did not start within {READY_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Voila (it shuts its kernels down on SIGTERM), then whatever of its process group is left when
    it does not stop within STOP_GRACE. Kernels run in sessions of their own; one whose Voila was killed
    ends by itself, as ipykernel does when its parent is gone."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_GRACE)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _run_proxy(proxy_class: Any, voila: subprocess.Popen[bytes], *, port: int, token: str, interval: int) -> int:
    """The hub's standalone proxy in this process, in front of the Voila already started on `port`."""
    from jupyter_server_proxy.handlers import SuperviseAndProxyHandler  # type: ignore[import-untyped]
    from jupyter_server_proxy.standalone.proxy import make_standalone_proxy  # type: ignore[import-untyped]
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
    from tornado.ioloop import IOLoop, PeriodicCallback
    from tornado.web import HTTPError

    class WorkbookProxy(proxy_class):  # type: ignore[misc]
        """The standalone proxy in front of a Voila this process started itself (the stock one starts its
        command at the first signed-in request: the pool would only begin to fill once the student is
        waiting)."""

        name = "selfexplore-hub-server"

        def get_proxy_base_class(self) -> Any:
            # With no command, the supervising handler proxies to a process it does not manage.
            handler, arguments = make_standalone_proxy(SuperviseAndProxyHandler, {"state": {}})

            class SignedInOnly(handler):  # type: ignore[misc, valid-type]
                """The standalone proxy checks the hub's sign-in only on plain requests: a websocket is
                opened without it. Every request, websockets included, must come from the server's user."""

                def prepare(self) -> None:
                    # A plain request without the sign-in is sent to the hub's login page (by the proxy).
                    upgrade = self.request.headers.get("Upgrade", "").lower() == "websocket"
                    if upgrade and self.current_user is None:
                        raise HTTPError(403, "Only this server's user may open it.")

            return SignedInOnly, arguments

        def get_proxy_attributes(self) -> dict[str, Any]:
            attributes: dict[str, Any] = super().get_proxy_attributes()
            # The supervising handler finds the port as the one requested (server_port), not as given.
            attributes.pop("port", None)
            attributes.pop("unix_socket", None)
            attributes.update(requested_unix_socket=None, environment={}, timeout=60.0)
            return attributes

        def create_app(self) -> Any:
            self.web_app = super().create_app()
            return self.web_app

    proxy = WorkbookProxy()
    proxy.initialize([])
    # Set after initialize: the proxy makes these traits configurable only once it exists.
    proxy.command = []
    proxy.server_port = port
    proxy.activity_interval = 0  # reported below instead
    proxy.request_headers_override = {"Authorization": f"token {token}"}
    loop = IOLoop.current()
    exit_code = 0
    reported: datetime | None = None  # the last activity the hub was told of
    activity_url = os.environ.get("JUPYTERHUB_ACTIVITY_URL", "")
    server_name = os.environ.get("JUPYTERHUB_SERVER_NAME", "")
    api_token = os.environ["JUPYTERHUB_API_TOKEN"]

    async def report_activity() -> None:
        nonlocal reported
        app = getattr(proxy, "web_app", None)
        last = app.settings.get("last_activity_times", {}).get("jupyter-server-proxy") if app else None
        if not activity_url or last is None or (reported is not None and reported >= last):
            return
        request = HTTPRequest(
            activity_url,
            method="POST",
            headers={"Authorization": f"token {api_token}", "Content-Type": "application/json"},
            body=json.dumps(activity_body(last, server_name)),
            request_timeout=20,
        )
        try:
            await AsyncHTTPClient().fetch(request)
        except (HTTPClientError, OSError) as error:
            proxy.log.warning("could not report activity to the hub: %s", error)
            return
        reported = last

    def watch_voila() -> None:
        nonlocal exit_code
        code = voila.poll()
        if code is not None:
            proxy.log.error("the workbook's Voila stopped (exit code %s); stopping the server", code)
            exit_code = code or 1
            loop.stop()

    def stop(_signum: int, _frame: object) -> None:
        loop.asyncio_loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    PeriodicCallback(report_activity, interval * 1000).start()
    PeriodicCallback(watch_voila, 1000).start()
    proxy.start()  # runs the loop until a stop signal or Voila's end
    return exit_code
