"""The one place that knows how Voila is run for selfexplore.

`selfexplore serve` checks the content pack first (the app refuses to start on an invalid pack, with the
same messages as `selfexplore validate`), then runs Voila in folder mode over the shipped notebooks.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from selfexplore.content import CONTENT_ENV, default_content_dir, load_content
from selfexplore.identity import TRUSTED_HEADER_ENV
from selfexplore.store import DB_URL_ENV, Store, default_url

DEFAULT_PORT = 8866
FACILITATOR_PORT = 8867
HOST = "127.0.0.1"
DASHBOARD = "dashboard.ipynb"
# Set only in the facilitator server's kernels: the dashboard refuses to show anything without it.
ROLE_ENV = "SELFEXPLORE_ROLE"
FACILITATOR_ROLE = "facilitator"
TOKEN_ENV = "SELFEXPLORE_FACILITATOR_TOKEN"  # noqa: S105 - the name of a variable, not a token
FIRST_PAGE = "start.ipynb"
TEMPLATE = "selfexplore"
# The pages a student opens, in workbook order: each gets one kernel started and run ahead of time, so the
# page shows its questions as soon as it is asked for. The directory of pages is not preheated (it is
# opened from a match, with the page to show in the query string, and a preheated kernel would have to
# wait for that anyway).
PREHEATED = ("start.ipynb", "interests.ipynb", "values.ipynb", "balance.ipynb", "matches.ipynb", "plan.ipynb")
POOL_SIZE = 1


def notebooks_dir() -> Path:
    """The folder of workbook notebooks shipped with the package."""
    return Path(str(resources.files("selfexplore.notebooks")))


def share_dir() -> Path:
    """The package's Jupyter data folder: it holds the Voila template `selfexplore` (theme, page script)."""
    return Path(str(resources.files("selfexplore") / "share"))


def voila_arguments(
    port: int, *, preheat: bool = True, trusted_header: str | None = None, folder: Path | None = None
) -> list[str]:
    """Command-line settings for Voila: production defaults, kept together so they are easy to review.
    `folder` is the notebooks folder served: the students' by default, the facilitator's for `facilitate`."""
    arguments = [
        str(folder or notebooks_dir()),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        # A busy port must be an error, not a silent move to another port the student does not know.
        "--Voila.port_retries=0",
        # The project's own template: its theme, a <main> landmark, no request to any other host.
        f"--template={TEMPLATE}",
        "--theme=light",
        # Students see the workbook, never its code or a Python traceback.
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        # Voila does not shut down the kernels of closed tabs; cull the idle ones (every answer is already
        # saved the moment it is given, so a culled kernel loses nothing).
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_connected=False",
    ]
    if preheat:
        pools = {name: {"pool_size": POOL_SIZE} for name in PREHEATED}
        pools["default"] = {"pool_size": 0}
        arguments += [
            "--VoilaConfiguration.preheat_kernel=True",
            "--VoilaKernelManager.kernel_pools_config=" + json.dumps(pools),
            "--VoilaKernelManager.fill_delay=0",
        ]
    if trusted_header:
        # Voila hands this one header to the kernel as HTTP_<NAME>; selfexplore.identity trusts it only
        # because the same name is set in SELFEXPLORE_TRUSTED_HEADER.
        arguments.append(f"--VoilaConfiguration.http_header_envs={json.dumps([trusted_header])}")
    return arguments


def voila_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Voila runs in: the package's template folder first on the Jupyter path."""
    env = dict(os.environ if base is None else base)
    paths = [str(share_dir()), *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep))]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def facilitator_dir() -> Path:
    """The facilitator's notebooks: a folder of their own, so that the student server cannot render them."""
    return Path(str(resources.files("selfexplore.facilitator")))


def page_url(port: int, notebook: str = FIRST_PAGE) -> str:
    return f"http://{HOST}:{port}/voila/render/{notebook}"


def _prepare(content_dir: str | None, db_url: str | None) -> dict[str, str]:
    """Check the content pack and the store before any kernel starts; the environment kernels inherit."""
    pack = Path(content_dir).resolve() if content_dir else default_content_dir()
    content = load_content(pack)  # raises ContentError with every problem: the app does not start on a bad pack
    url = db_url or default_url()
    Store.open(content, url).close()  # creates the database and applies migrations once, before any kernel
    env = voila_environment()
    env[CONTENT_ENV] = str(pack)
    env[DB_URL_ENV] = url
    env.pop(ROLE_ENV, None)  # only `facilitate` sets the facilitator role
    return env


def serve(port: int = DEFAULT_PORT, content_dir: str | None = None, db_url: str | None = None) -> int:
    """Validate the content pack, create or upgrade the store, then run Voila until it is stopped."""
    env = _prepare(content_dir, db_url)
    header = env.get(TRUSTED_HEADER_ENV, "").strip() or None
    print(f"selfexplore: serving the workbook at {page_url(port)}", flush=True)
    return _run_voila(voila_arguments(port, trusted_header=header), env)


def facilitate(port: int = FACILITATOR_PORT, content_dir: str | None = None, db_url: str | None = None) -> int:
    """The facilitator dashboard on a server of its own, behind a token (and a hub group under JupyterHub).

    The token comes from SELFEXPLORE_FACILITATOR_TOKEN or is made afresh; it is handed to Voila in a config
    file readable only by this user, not on the command line, where other users of the machine could see it.
    """
    env = _prepare(content_dir, db_url)
    env[ROLE_ENV] = FACILITATOR_ROLE
    token = env.get(TOKEN_ENV, "").strip() or secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="selfexplore-facilitate-") as config_dir:
        config = Path(config_dir) / "voila.json"
        config.touch(mode=0o600)
        config.write_text(json.dumps({"Voila": {"token": token}}), encoding="utf-8")
        arguments = voila_arguments(port, preheat=False, folder=facilitator_dir())
        arguments += ["--Voila.config_file_paths", config_dir]
        print(f"selfexplore: the facilitator dashboard is at {page_url(port, DASHBOARD)}?token={token}", flush=True)
        return _run_voila(arguments, env)


def _run_voila(arguments: list[str], env: dict[str, str]) -> int:
    """Run Voila until it stops. A stop signal sent to this process (SIGTERM from a service manager, SIGHUP
    from a closed terminal) is passed on to Voila, so that no server or kernel is left running behind it;
    Ctrl-C reaches both already, as they share the terminal's process group."""
    process = subprocess.Popen([sys.executable, "-m", "voila", *arguments], env=env)

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
