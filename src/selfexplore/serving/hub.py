"""`selfexplore hub-server`: the workbook as one student's (or one facilitator's) JupyterHub server; and
`selfexplore hub-service`: the one workbook every student of a hub shares, run by the hub as a service.

JupyterHub starts this command for a user who signs in, with the JUPYTERHUB_* variables that say who the
user is and where the server is to answer (`JUPYTERHUB_SERVICE_URL`, under `JUPYTERHUB_SERVICE_PREFIX`,
that is /user/<name>/). It checks the content pack and the store, as `serve` does, then becomes the
workbook's own Voila (selfexplore.serving.hubvoila): the same settings as `serve` (code execution refused, sources
stripped), answering at the hub's address for the server, with the hub's sign-in in front of every page,
request and kernel websocket. One process, so a student's server is Voila and its kernel, and nothing
else: the hub stops it as it stops any server, and Voila shuts its kernels down as it stops.

The user's name reaches the kernels as JUPYTERHUB_USER, so a student is never asked for a resume code. The
hub's token (JUPYTERHUB_API_TOKEN) is kept from a student's kernels, which have no use for it (Voila holds
it, from its private config file, to check sign-ins and report activity); a facilitator's and an adviser's kernels
keep it, to ask the hub whether the user is in the facilitators (or advisers) group.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selfexplore import settings
from selfexplore.serving.identity import ADVISER_ROLE, FACILITATOR_ROLE, HUB_ENV, HUB_SERVICE_ENV
from selfexplore.serving.request import HUB_USER_HEADER
from selfexplore.serving.serve import (
    Guards,
    HostingError,
    adviser_arguments,
    facilitator_arguments,
    guards,
    normalise_base_url,
    page_config,
    prepare,
    voila_arguments,
    voila_config,
    write_voila_config,
)

# What the hub sets for every single-user server; without them this is not a hub's server.
HUB_VARIABLES = (
    HUB_ENV,
    "JUPYTERHUB_API_URL",
    "JUPYTERHUB_API_TOKEN",
    "JUPYTERHUB_SERVICE_PREFIX",
    "JUPYTERHUB_SERVICE_URL",
)
# The hub gives a server its API token under both names (the second for older single-user servers).
HUB_TOKENS = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
# A student's server has one student: no kernels kept waiting (they would be memory no one else can use).
DEFAULT_HUB_POOL = 0
# The hub's sign-in inside Voila: who may open the server, and who may use its kernels.
IDENTITY_PROVIDER = "selfexplore.serving.hubvoila.HubIdentityProvider"
AUTHORIZER = "jupyterhub.singleuser.extension.JupyterHubAuthorizer"


# What the hub sets for a service it runs (`selfexplore hub-service`, the workbook every student shares).
SERVICE_VARIABLES = (
    HUB_SERVICE_ENV,
    "JUPYTERHUB_API_URL",
    "JUPYTERHUB_API_TOKEN",
    "JUPYTERHUB_CLIENT_ID",
    "JUPYTERHUB_SERVICE_PREFIX",
    "JUPYTERHUB_SERVICE_URL",
)


def missing_hub_variables(environ: Mapping[str, str], names: tuple[str, ...] = HUB_VARIABLES) -> list[str]:
    return [name for name in names if not environ.get(name, "").strip()]


def check_home(environ: Mapping[str, str]) -> Path:
    """The server's home folder, which the hub made for this user (in the users' folder of the hub's config),
    or a HostingError in one line: without it the server ran in the hub's own folder and every page was a
    bare 500 (hosting review of 5 December 2026, F3)."""
    home = Path(environ.get("HOME", "").strip() or "/nonexistent")
    if not home.is_dir() or not os.access(home, os.W_OK | os.X_OK):
        raise HostingError(
            f"the server's home folder {home} does not exist or cannot be written: the hub makes it in the users' "
            "folder its config names (docs/hosting.md), which must exist and be writable by the hub's user"
        )
    return home


def hub_pool_size(environ: Mapping[str, str]) -> int:
    """No pool for a hub's server of one user; SELFEXPLORE_POOL other than 0 is refused in one line."""
    if environ.get(settings.POOL.name, "").strip() in ("", "0"):
        return DEFAULT_HUB_POOL
    raise HostingError(
        f"{settings.POOL.name} must be 0 or unset for a hub's server of one user: kernels kept waiting for one "
        "student are memory nobody else can use (the shared workbook, hub-service, keeps a pool for the class)"
    )


Role = str  # "" (a student), FACILITATOR_ROLE or ADVISER_ROLE


def voila_child_environment(env: Mapping[str, str], *, role: Role = "") -> dict[str, str]:
    """The environment of the user's Voila and its kernels: the hub's token only where it is used (to ask
    the hub whether a facilitator or an adviser is in their group)."""
    child = dict(env)
    if role:
        child[settings.ROLE.name] = role
    else:
        for name in HUB_TOKENS:
            child.pop(name, None)
        child.pop(settings.FACILITATOR_GROUP.name, None)
        child.pop(settings.ADVISER_GROUP.name, None)
    if role == FACILITATOR_ROLE:
        child.pop(settings.ADVISERS.name, None)  # for students to pick from, and for an adviser's own display name
    return child


def listen_address(service_url: str) -> tuple[str, int]:
    """Where the hub expects the server (JUPYTERHUB_SERVICE_URL: http://127.0.0.1:PORT/user/<name>/ from a
    local spawner, http://0.0.0.0:8888/... in a Kubernetes pod): its host and port."""
    try:
        parts = urlsplit(service_url.strip())
        port = parts.port
    except ValueError:
        port = None
        parts = urlsplit("")
    if parts.scheme != "http" or not parts.hostname or port is None:
        raise HostingError(f"JUPYTERHUB_SERVICE_URL must be http://host:port/..., got {service_url!r}")
    return parts.hostname, port


def _hub_address(environ: Mapping[str, str]) -> tuple[str, str, int, Guards]:
    """What the hub gives a server it starts: the prefix to answer at, the address to listen on, and the caps
    on kernels as for `serve` (the hub signs users in, so no proxy's header is believed)."""
    try:
        prefix = normalise_base_url(environ["JUPYTERHUB_SERVICE_PREFIX"])
    except ValueError as error:
        raise HostingError(f"JUPYTERHUB_SERVICE_PREFIX: {error}") from None
    ip, port = listen_address(environ["JUPYTERHUB_SERVICE_URL"])
    guarded = guards({key: value for key, value in environ.items() if key != settings.TRUSTED_HEADER.name})
    return prefix, ip, port, guarded


def _behind_the_hubs_sign_in(config: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """The hub's sign-in inside Voila, with the server's hub token in its (private) config file."""
    config["Voila"] = {"identity_provider_class": IDENTITY_PROVIDER, "authorizer_class": AUTHORIZER}
    config["HubOAuth"] = {"api_token": environ["JUPYTERHUB_API_TOKEN"]}
    return config


def hub_service_settings(environ: Mapping[str, str]) -> tuple[list[str], dict[str, Any]]:
    """Voila's settings for the workbook every student shares, run by the hub as a service: the student's
    settings at the service's prefix and address, with the hub's OAuth sign-in, each kernel bound to its hub
    user, and the user handed to the kernel in request.HUB_USER_HEADER (which the server alone sets)."""
    prefix, ip, port, guarded = _hub_address(environ)
    # Kernels that have run the app before the room arrives (SELFEXPLORE_POOL): each hears its student's
    # request from a websocket only that kernel may open (selfexplore.codes.query_proof).
    pool = settings.POOL.read(environ)
    arguments = voila_arguments(port, ip=ip, pool=pool, base_url=prefix)
    config = voila_config(pool=pool, guarded=guarded, cookies=False)
    config["VoilaConfiguration"]["http_header_envs"].append(HUB_USER_HEADER)
    config["HubVoila"] = {"shared": True}
    return arguments, _behind_the_hubs_sign_in(config, environ)


def hub_voila_settings(environ: Mapping[str, str], *, role: Role = "") -> tuple[list[str], dict[str, Any]]:
    """Voila's command-line settings and config file for this hub server: the workbook (or the dashboard)
    at the hub's prefix and address, with the hub's sign-in and the server's hub token in the config."""
    prefix, ip, port, guarded = _hub_address(environ)
    if role == FACILITATOR_ROLE:
        arguments = facilitator_arguments(port, ip=ip, base_url=prefix, dashboard_only=True)
        config = page_config(guarded)
    elif role == ADVISER_ROLE:
        arguments = adviser_arguments(port, ip=ip, base_url=prefix, page_only=True)
        config = page_config(guarded)
    else:
        arguments = voila_arguments(port, ip=ip, pool=DEFAULT_HUB_POOL, base_url=prefix)
        # The hub signs students in: no cookie is needed.
        config = voila_config(pool=DEFAULT_HUB_POOL, guarded=guarded, cookies=False)
    return arguments, _behind_the_hubs_sign_in(config, environ)


def _check_hub(command: str, started_as: str, names: tuple[str, ...]) -> None:
    missing = missing_hub_variables(os.environ, names)
    if missing:
        raise HostingError(f"{command} is started by JupyterHub as {started_as}; not set here: " + ", ".join(missing))
    # Found, not imported: importing it here would cost seconds of CPU at every start, for a process that
    # is about to become Voila and import it again.
    if importlib.util.find_spec("jupyterhub") is None:
        raise HostingError(f"{command} needs the hub extra: pip install 'selfexplore[hub]'")


def hub_server(*, role: Role = "", content_dir: str | None = None, db_url: str | None = None) -> int:
    """Check the pack and the store, then become the user's Voila, until the hub stops the server."""
    _check_hub("hub-server", "a user's server", HUB_VARIABLES)
    hub_pool_size(os.environ)  # a pool asked for is refused here, in one line
    check_home(os.environ)
    arguments, config = hub_voila_settings(os.environ, role=role)
    # Every setting is checked there (a bad activity interval or advisers' list is one line here, not a
    # traceback in Voila's log).
    return _become_voila(arguments, config, voila_child_environment(prepare(content_dir, db_url), role=role))


def hub_service(*, content_dir: str | None = None, db_url: str | None = None) -> int:
    """Check the pack and the store, then become the workbook every student shares, until the hub stops it."""
    _check_hub("hub-service", "a service (deploy/jupyterhub)", SERVICE_VARIABLES)
    settings.POOL.read(os.environ)  # a pool size that is not a number is refused here, in one line
    arguments, config = hub_service_settings(os.environ)
    return _become_voila(arguments, config, service_child_environment(prepare(content_dir, db_url)))


def service_child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The shared service's Voila and kernels' environment: a student's, without the hub's token and without
    JUPYTERHUB_USER, which a hub sets to the service's Unix user when it starts it as one of its own (that
    name is nobody's answers: each kernel's student comes from its page request)."""
    child = voila_child_environment(env)
    child.pop(HUB_ENV, None)
    return child


def _become_voila(arguments: list[str], config: dict[str, Any], env: dict[str, str]) -> int:
    """Replace this process by the workbook's Voila under the hub, its config in a private folder."""
    config_dir = Path(tempfile.mkdtemp(prefix="selfexplore-hub-"))  # 0700; Voila removes it once read
    write_voila_config(config, config_dir)
    command = [
        sys.executable,
        "-m",
        "selfexplore.serving.hubvoila",
        *arguments,
        "--Voila.config_file_paths",
        str(config_dir),
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        # The same process (the hub watches its pid), now Voila alone: nothing of this check stays in memory.
        os.execve(sys.executable, command, env)  # noqa: S606 - our own interpreter, our own arguments
    except OSError as error:
        shutil.rmtree(config_dir, ignore_errors=True)
        raise HostingError(f"could not start the workbook's Voila: {error}") from None
    return 1  # not reached: execve returns only by raising
