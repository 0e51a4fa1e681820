"""The one place that knows how Voila is run for selfexplore.

`selfexplore serve` checks the content pack first (the app refuses to start on an invalid pack, with the
same messages as `selfexplore validate`), then runs Voila in folder mode over the shipped notebooks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

from selfexplore.content import CONTENT_ENV, default_content_dir, load_content
from selfexplore.store import DB_URL_ENV, Store, default_url

DEFAULT_PORT = 8866
HOST = "127.0.0.1"
FIRST_PAGE = "specialties.ipynb"


def notebooks_dir() -> Path:
    """The folder of workbook notebooks shipped with the package."""
    return Path(str(resources.files("selfexplore.notebooks")))


def voila_arguments(port: int) -> list[str]:
    """Command-line settings for Voila: production defaults, kept together so they are easy to review."""
    return [
        str(notebooks_dir()),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        # A busy port must be an error, not a silent move to another port the student does not know.
        "--Voila.port_retries=0",
        # Students see the workbook, never its code or a Python traceback.
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        # Voila does not shut down the kernels of closed tabs; cull the idle ones (every answer is already
        # saved the moment it is given, so a culled kernel loses nothing).
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_connected=False",
    ]


def page_url(port: int, notebook: str = FIRST_PAGE) -> str:
    return f"http://{HOST}:{port}/voila/render/{notebook}"


def serve(port: int = DEFAULT_PORT, content_dir: str | None = None, db_url: str | None = None) -> int:
    """Validate the content pack, create or upgrade the store, then run Voila until it is stopped."""
    pack = Path(content_dir).resolve() if content_dir else default_content_dir()
    content = load_content(pack)  # raises ContentError with every problem: the app does not start on a bad pack
    url = db_url or default_url()
    Store.open(content, url).close()  # creates the database and applies migrations once, before any kernel
    env = dict(os.environ)
    env[CONTENT_ENV] = str(pack)
    env[DB_URL_ENV] = url
    print(f"selfexplore: serving the workbook at {page_url(port)}", flush=True)
    completed = subprocess.run([sys.executable, "-m", "voila", *voila_arguments(port)], env=env, check=False)
    return completed.returncode
