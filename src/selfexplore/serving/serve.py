"""The one place that knows how Voila is run for selfexplore.

`selfexplore serve` checks the content pack first (the app refuses to start on an invalid pack, with the
same messages as `selfexplore validate`), creates or upgrades the store, then runs Voila over the app's one
notebook (selfexplore.workbook.APP_NOTEBOOK): the app is at the server's root, and every page of the
workbook is inside it. `selfexplore facilitate` runs the facilitator's dashboard on a server of its own.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from selfexplore import settings
from selfexplore.content import default_content_dir, load_content
from selfexplore.errors import SelfexploreError
from selfexplore.serving.identity import ADVISER_NAME_LIMIT, ADVISER_ROLE, FACILITATOR_ROLE, HUB_ENV
from selfexplore.serving.request import VISITOR_HEADER
from selfexplore.store import Store
from selfexplore.store.files import data_folder, default_url, load_identity_key, write_private
from selfexplore.workbook import APP_NOTEBOOK

DEFAULT_PORT = 8866
FACILITATOR_PORT = 8867
ADVISER_PORT = 8868
HOST = "127.0.0.1"
DASHBOARD = "dashboard.ipynb"
ADVISEES = "advisees.ipynb"
# The file, in the user's own data folder, that holds the dashboard's address with its token.
FACILITATOR_ADDRESS_FILE = "facilitator-dashboard.url"
ADVISER_ADDRESS_FILE = "adviser-page.url"
TEMPLATE = "selfexplore"
# The sign-in of the facilitator's and an adviser's server: its token, with wrong ones slowed per visitor.
TOKEN_SIGN_IN = "selfexplore.serving.server.TokenIdentityProvider"  # noqa: S105 - a class name
# Kernels kept ready, each having run the app ahead of time (about 60 MiB each while it waits): enough for
# a small group to open the app at once with no wait. For a room, set it to the room's size
# (`serve --pool N` or SELFEXPLORE_POOL). 0 turns preheating off: every visit starts its own kernel.
DEFAULT_POOL = settings.POOL.default
# How long Voila waits for a kernel's output before giving up on a cell. Its default (4 s) is shorter than
# a kernel takes to start under a burst on two cores, and a cell given up on leaves the page blank.
IOPUB_TIMEOUT = 60
# The request headers a kernel is given: the cookie that keeps a student signed in between reloads (see
# selfexplore.serving.request.PASS_COOKIE), and the trusted proxy's user header when one is configured.
COOKIE_HEADER = "Cookie"
# The caps on kernels (selfexplore.serving.guard): in all (SELFEXPLORE_MAX_KERNELS), and for one visitor
# (SELFEXPLORE_KERNELS_PER_CLIENT). Unset: sized from the memory the server may use
# (guard.default_max_kernels), and 10; 0: no cap of that kind, which a server listening beyond this machine
# refuses. The proxies whose user header is believed (SELFEXPLORE_TRUSTED_PROXIES): from anyone else the
# header is removed before a kernel sees it. Seconds a kernel handed to a visitor may wait for its page to
# connect before it is shut down (SELFEXPLORE_UNCONNECTED_GRACE).
DEFAULT_GRACE = settings.UNCONNECTED_GRACE.default
# The JupyterLab extensions a page loads: Voila's own widget manager and the widgets it manages, and
# anywidget for the app's shell.
PAGE_EXTENSIONS = ("@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager", "anywidget")
# A path of unreserved characters, "@" and percent-escapes: JupyterHub escapes a user name such as
# ann@school.org into /user/ann@school.org/ (and anything else as %XX).
_PLAIN_PATH = re.compile(r"/(?:[A-Za-z0-9._~/@-]|%[0-9A-Fa-f]{2})*")


class HostingError(SelfexploreError):
    """A server that must not start as asked (its message says why, in one sentence)."""


def notebooks_dir(role: str = "student") -> Path:
    """The folder of one role's notebook (student, facilitator, adviser), shipped with the package: each in
    a folder of its own, so that the student server cannot render the others."""
    return Path(str(resources.files("selfexplore.notebooks") / role))


def app_notebook() -> Path:
    return notebooks_dir() / APP_NOTEBOOK


def share_dir() -> Path:
    """The package's Jupyter data folder: it holds the Voila template `selfexplore` (theme, page script)."""
    return Path(str(resources.files("selfexplore") / "share"))


def facilitator_dir() -> Path:
    """The facilitator's notebook: a folder of its own, so that the student server cannot render it."""
    return notebooks_dir("facilitator")


def adviser_dir() -> Path:
    """The adviser's notebook: a folder of its own, which the student server does not serve."""
    return notebooks_dir("adviser")


def pool_size(environ: Mapping[str, str] | None = None) -> int:
    """The pool size named in SELFEXPLORE_POOL, or the default; a value that is not a number is a
    SettingError."""
    return settings.POOL.read(environ)


@dataclass(frozen=True)
class Guards:
    """What the workbook's server guards (selfexplore.serving.server): the caps on kernels, and the trusted proxy."""

    max_kernels: int
    per_client: int
    trusted_header: str = ""
    trusted_proxies: tuple[str, ...] = ()
    grace: int = DEFAULT_GRACE
    request_timeout: int = settings.REQUEST_TIMEOUT.default
    left_grace: int = settings.LEFT_GRACE.default

    @property
    def capped(self) -> bool:
        return self.max_kernels > 0 and self.per_client > 0

    def config(self) -> dict[str, Any]:
        return {
            "max_kernels": self.max_kernels,
            "kernels_per_client": self.per_client,
            "trusted_header": self.trusted_header,
            "trusted_proxies": list(self.trusted_proxies),
            "unconnected_grace": float(self.grace),
            "request_timeout": float(self.request_timeout),
            "left_grace": float(self.left_grace),
        }


def guards(environ: Mapping[str, str]) -> Guards:
    """The guards named in the environment, or the defaults; a value that cannot be used is one line."""
    from selfexplore.serving.guard import default_max_kernels, memory_mib, parse_networks

    header = settings.TRUSTED_HEADER.read(environ)
    proxies = settings.TRUSTED_PROXIES.read(environ)
    if header and not proxies:
        raise HostingError(
            f"{settings.TRUSTED_HEADER.name} is set but {settings.TRUSTED_PROXIES.name} is not: name the proxy's "
            "addresses, or anyone who reaches the server could send the header and sign in as anyone"
        )
    try:
        networks = parse_networks(proxies)
    except ValueError as error:
        raise HostingError(f"{settings.TRUSTED_PROXIES.name}: {error}") from None
    most = settings.MAX_KERNELS.read(environ)
    return Guards(
        default_max_kernels(memory_mib()) if most is None else most,
        settings.KERNELS_PER_CLIENT.read(environ),
        header,
        tuple(str(network) for network in networks) if header else (),
        settings.UNCONNECTED_GRACE.read(environ),
        settings.REQUEST_TIMEOUT.read(environ),
        settings.LEFT_GRACE.read(environ),
    )


def is_loopback_host(host: str) -> bool:
    """True for an address only this machine reaches (127.0.0.1, ::1, localhost)."""
    from selfexplore.serving.guard import is_loopback

    return host.strip().lower() == "localhost" or is_loopback(host.strip("[]"))


def normalise_base_url(text: str) -> str:
    """A path prefix as Voila wants it: one leading and one trailing slash ("/", "/workbook/"); an address
    with a scheme, a host, a query or a character outside a plain path is an error."""
    path = text.strip()
    if not path.startswith("/") or not _PLAIN_PATH.fullmatch(path):
        raise ValueError(f"a base URL is a path such as /workbook/, got {text!r}")
    parts = [part for part in path.split("/") if part]
    if any(part in {".", ".."} for part in parts):
        raise ValueError(f"a base URL is a path such as /workbook/, got {text!r}")
    return "/" + "".join(f"{part}/" for part in parts)


def _common(port: int | str, *, ip: str = HOST, base_url: str = "/", server_url: str | None = None) -> list[str]:
    """Settings every selfexplore Voila shares. `base_url` is the path prefix the browser sees; `server_url`
    the one Voila answers on, when a proxy in front removes the prefix, else the same. `ip` is where it
    listens: loopback, but for a hub's server, which listens where the hub says."""
    return [
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        f"--Voila.base_url={base_url}",
        f"--Voila.server_url={server_url or base_url}",
        # A busy port must be an error, not a silent move to another port the student does not know.
        "--Voila.port_retries=0",
        # The project's own template: its theme, a <main> landmark, no request to any other host; the
        # address cannot ask for another template or theme.
        f"--template={TEMPLATE}",
        "--theme=light",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        # Students see the workbook, never its code or a Python traceback.
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
        # Voila does not shut down the kernels of closed tabs; cull the idle ones (every answer is already
        # saved the moment it is given, so a culled kernel loses nothing). A kernel with a page connected
        # is never culled: a student reading for a long time keeps their app.
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_connected=False",
    ]


def voila_arguments(
    port: int | str,
    *,
    pool: int = DEFAULT_POOL,
    ip: str = HOST,
    base_url: str = "/",
    server_url: str | None = None,
) -> list[str]:
    """Command-line settings for the students' Voila: production defaults, kept together for review. The
    settings that are lists or mappings are in `voila_config` (Voila reads them from a config file)."""
    arguments = [str(app_notebook()), *_common(port, ip=ip, base_url=base_url, server_url=server_url)]
    if pool > 0:
        arguments += [
            "--VoilaConfiguration.preheat_kernel=True",
            # Refills are paced by the kernel manager below (after the burst, one at a time), not delayed.
            "--VoilaKernelManager.fill_delay=0",
            "--VoilaConfiguration.multi_kernel_manager_class=selfexplore.serving.kernels.PacedKernelManager",
        ]
    return arguments


LOG_FORMAT = "%(asctime)s [%(name)s]%(highlevel)s %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S%z"


def voila_config(*, pool: int = DEFAULT_POOL, guarded: Guards | None = None, cookies: bool = True) -> dict[str, Any]:
    """The students' Voila settings that are lists or mappings, as the contents of its config file.
    `cookies=False` where the hosting signs students in (a hub): kernels then need no cookie at all."""
    # Voila hands these request headers to the kernel as HTTP_<NAME>; selfexplore.serving.identity trusts the
    # proxy's header only because the same name is set in SELFEXPLORE_TRUSTED_HEADER, and the server
    # removes it from requests that did not come from the proxy.
    # The server sets VISITOR_HEADER itself (selfexplore.serving.server), for the kernel's count of wrong codes.
    header = guarded.trusted_header if guarded else ""
    headers = [
        *([COOKIE_HEADER] if cookies else []),
        *([header] if header else []),
        *([VISITOR_HEADER] if guarded else []),
    ]
    config = page_config(guarded)
    config["VoilaConfiguration"]["http_header_envs"] = headers
    if pool > 0:
        config["VoilaKernelManager"] = {"kernel_pools_config": {APP_NOTEBOOK: {"pool_size": pool}}}
    return config


def page_config(guarded: Guards | None = None) -> dict[str, Any]:
    """Settings of every selfexplore Voila's pages: only the JupyterLab extensions the widgets need are
    loaded (others installed beside it, in a shared environment or a hosting image, are not the page's to
    load, and would only add scripts and errors), and the server's guards."""
    config: dict[str, Any] = {
        "VoilaConfiguration": {"extension_allowlist": list(PAGE_EXTENSIONS)},
        # Every line of the server's log says when (security review of 5 December 2026, finding 13).
        "Application": {"log_format": LOG_FORMAT, "log_datefmt": LOG_DATE_FORMAT},
        # The server reaches its kernels through Unix sockets beside their connection files (in a folder only
        # the server's user may enter), not TCP ports on 127.0.0.1: no other local user can connect, no
        # "running over TCP without encryption" warning per kernel (walk review 9), and no two servers of a
        # hub starting kernels at once can choose the same free port (a kernel lost in hub_burst_bench).
        "KernelManager": {"transport": "ipc"},
    }
    if guarded is not None:
        config["GuardedVoila"] = guarded.config()
    return config


def facilitator_arguments(
    port: int | str,
    *,
    ip: str = HOST,
    base_url: str = "/",
    server_url: str | None = None,
    dashboard_only: bool = False,
) -> list[str]:
    """Settings for the facilitator's Voila: its own folder, no pool (its token is in its config file).
    `dashboard_only` serves the dashboard itself at the server's root (a facilitator's hub server)."""
    served = facilitator_dir() / DASHBOARD if dashboard_only else facilitator_dir()
    return [str(served), *_common(port, ip=ip, base_url=base_url, server_url=server_url)]


def adviser_arguments(
    port: int | str, *, ip: str = HOST, base_url: str = "/", server_url: str | None = None, page_only: bool = False
) -> list[str]:
    """Settings for the adviser's Voila, as the facilitator's: its own folder, no pool. `page_only` serves
    the adviser's page at the server's root (an adviser's hub server)."""
    served = adviser_dir() / ADVISEES if page_only else adviser_dir()
    return [str(served), *_common(port, ip=ip, base_url=base_url, server_url=server_url)]


def voila_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Voila runs in: the package's template folder first on the Jupyter path."""
    env = dict(os.environ if base is None else base)
    paths = [str(share_dir()), *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep))]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def check_port_free(port: int, ip: str = HOST) -> None:
    """A HostingError in one line when the port is taken (another server, or the workbook already running),
    before anything is printed or started: Voila would say "serving at", then that it tries another port
    (it does not), then a CRITICAL error (walk review of 5 December 2026)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Tornado's own listening socket
        try:
            probe.bind((ip.strip("[]"), port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise HostingError(
                    f"port {port} on {ip} is in use already (is the workbook running?): stop that server, or "
                    "choose another port with --port N (make run PORT=N)"
                ) from None
            raise HostingError(f"cannot listen on {ip} port {port}: {error.strerror}") from None


def app_url(port: int, base_url: str = "/", ip: str = HOST) -> str:
    """The address a student opens: the server's root (under its base URL) is the app."""
    host = f"[{ip}]" if ":" in ip else ip
    return f"http://{host}:{port}{base_url}"


def page_url(port: int, notebook: str) -> str:
    """The address of a page served by the facilitator's or an adviser's own server (without its token)."""
    return f"http://{HOST}:{port}/voila/render/{notebook}"


def page_token(setting: settings.Setting[str | None], environ: Mapping[str, str]) -> str:
    """The token of a page behind a token (SELFEXPLORE_FACILITATOR_TOKEN or SELFEXPLORE_ADVISER_TOKEN), at
    least 128 bits' worth (a SettingError otherwise), or a new random token."""
    return setting.read(environ) or secrets.token_urlsafe(32)


def prepare(content_dir: str | None, db_url: str | None) -> dict[str, str]:
    """Check the settings, the content pack and the store before any kernel starts; the environment the
    kernels inherit. A setting that cannot be used is refused here, in one line (selfexplore.settings)."""
    settings.check(os.environ)
    pack = Path(content_dir).resolve() if content_dir else default_content_dir()
    content = load_content(pack)  # raises ContentError with every problem: the app does not start on a bad pack
    url = db_url or default_url()
    # The identity key, created once if there is none; the kernels are given it, and never create one.
    key = load_identity_key(url, os.environ, create=True)
    Store.open(content, url, identity_key=key).close()  # creates or upgrades the store once, before any kernel
    env = voila_environment()
    env[settings.CONTENT.name] = str(pack)
    env[settings.DB_URL.name] = url
    if key is not None:
        env[settings.IDENTITY_KEY.name] = key.decode()
    env[settings.STORE_PREPARED.name] = "1"  # the kernels' stores must exist: they never create one
    env.pop(settings.ROLE.name, None)  # only `facilitate` sets the facilitator role, and `advise` the adviser's
    env.pop(settings.ADVISER.name, None)
    return env


def serve(
    port: int = DEFAULT_PORT,
    content_dir: str | None = None,
    db_url: str | None = None,
    pool: int | None = None,
    base_url: str = "/",
    ip: str = HOST,
) -> int:
    """Validate the content pack, create or upgrade the store, then run Voila until it is stopped.

    `base_url` puts the app under a path prefix, for a web server in front that passes the prefix on. `ip`
    is where it listens: beyond this machine only with both caps on kernels."""
    if os.environ.get(HUB_ENV, "").strip():
        # Every student of this one server would be that hub user: the same person, with the same answers.
        raise HostingError(
            f"{HUB_ENV} is set, so every student of this server would be the same person; "
            "under JupyterHub run `selfexplore hub-server` as each student's server"
        )
    size = pool_size() if pool is None else pool
    guarded = guards(os.environ)
    if not is_loopback_host(ip) and not guarded.capped:
        raise HostingError(
            f"a server listening on {ip} must cap its kernels: unset {settings.MAX_KERNELS.name} and "
            f"{settings.KERNELS_PER_CLIENT.name} or set them above 0"
        )
    check_port_free(port, ip)
    env = prepare(content_dir, db_url)
    print(f"selfexplore: serving the workbook at {app_url(port, base_url, ip)}", flush=True)
    arguments = voila_arguments(port, pool=size, ip=ip, base_url=base_url)
    return _run_voila(arguments, voila_config(pool=size, guarded=guarded), env)


def facilitate(port: int = FACILITATOR_PORT, content_dir: str | None = None, db_url: str | None = None) -> int:
    """The facilitator dashboard on a server of its own, behind a token (and a hub group under JupyterHub).

    The token comes from SELFEXPLORE_FACILITATOR_TOKEN (at least 128 bits) or is made afresh; it is handed to
    Voila in its config file, readable only by this user, not on the command line, where other users of the
    machine could see it, and the address with it is written to a file only this user can read.
    """
    check_port_free(port)
    return _signed_in_server(
        facilitator_arguments(port),
        content_dir,
        db_url,
        FACILITATOR_ROLE,
        settings.FACILITATOR_TOKEN,
        FACILITATOR_ADDRESS_FILE,
        page_url(port, DASHBOARD),
        "facilitator dashboard",
    )


def advise(adviser: str, port: int = ADVISER_PORT, content_dir: str | None = None, db_url: str | None = None) -> int:
    """One adviser's page on a server of its own, behind a token, as the facilitator's dashboard is: the
    students who shared with `adviser` (by adviser code, or by picking them where the hosting names advisers).
    The token comes from SELFEXPLORE_ADVISER_TOKEN or is made afresh, and the address with it is written to a
    file only this user can read."""
    name = adviser.strip()
    if not name or len(name) > ADVISER_NAME_LIMIT:
        raise HostingError(f"an adviser's name has 1 to {ADVISER_NAME_LIMIT} characters")
    if os.environ.get(HUB_ENV, "").strip():
        raise HostingError(
            f"{HUB_ENV} is set: under JupyterHub an adviser's server is `selfexplore hub-server --adviser`"
        )
    check_port_free(port)
    return _signed_in_server(
        adviser_arguments(port),
        content_dir,
        db_url,
        ADVISER_ROLE,
        settings.ADVISER_TOKEN,
        ADVISER_ADDRESS_FILE,
        page_url(port, ADVISEES),
        "adviser page",
        {settings.ADVISER.name: name},
    )


def _signed_in_server(
    arguments: list[str],
    content_dir: str | None,
    db_url: str | None,
    role: str,
    token_setting: settings.Setting[str | None],
    address_file: str,
    address: str,
    what: str,
    extra_env: Mapping[str, str] | None = None,
) -> int:
    """A page of `role` (`arguments`: Voila's settings for it) on a server of its own behind a token; its
    `address`, with the token, goes to `address_file` in this user's data folder, never to the terminal."""
    token = page_token(token_setting, os.environ)
    env = prepare(content_dir, db_url)
    env[settings.ROLE.name] = role
    env.update(extra_env or {})
    folder = data_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    where = folder / address_file
    write_private(where, f"{address}?token={token}\n")
    # The token is not printed: a terminal's scrollback, a log or a shared screen would show it.
    print(f"selfexplore: the {what}'s address, with its token, is in {where}", flush=True)
    guarded = guards({key: value for key, value in os.environ.items() if key != settings.TRUSTED_HEADER.name})
    signed_in = {"token": token, "identity_provider_class": TOKEN_SIGN_IN}
    return _run_voila(arguments, {**page_config(guarded), "Voila": signed_in}, env)


def write_voila_config(config: dict[str, Any], folder: Path) -> None:
    """`config` as the voila.json Voila reads from `folder`, readable only by this user (it may hold a
    token, which must not be on a command line that other users of the machine can see)."""
    path = folder / "voila.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(config), encoding="utf-8")


@contextmanager
def voila_command(arguments: list[str], config: dict[str, Any]) -> Iterator[list[str]]:
    """The command that runs Voila with these settings, its config file in a folder removed when the
    block ends."""
    with tempfile.TemporaryDirectory(prefix="selfexplore-voila-") as config_dir:
        write_voila_config(config, Path(config_dir))
        yield [sys.executable, "-m", "selfexplore.serving.server", *arguments, "--Voila.config_file_paths", config_dir]


def _run_voila(arguments: list[str], config: dict[str, Any], env: dict[str, str]) -> int:
    """Run Voila with these settings until it stops.

    `config` is written as `voila_command` writes it. A stop signal sent to this process (SIGTERM from a
    service manager, SIGHUP from a closed terminal) is passed on to Voila, so that no server or kernel is
    left running behind it; Ctrl-C reaches both already, as they share the terminal's process group."""
    with voila_command(arguments, config) as command:
        process = subprocess.Popen(command, env=env)

        def forward(signum: int, _frame: object) -> None:
            process.send_signal(signum)

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
        try:
            while True:
                try:
                    return process.wait()
                except KeyboardInterrupt:
                    continue  # Voila got the same Ctrl-C and is shutting down its kernels: wait for it
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
