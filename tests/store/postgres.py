"""A throwaway PostgreSQL server for the store tests, started from the machine's PostgreSQL binaries.

SELFEXPLORE_TEST_POSTGRES_URL names an existing server instead. Without either, the PostgreSQL tests skip
on a laptop with a message, and fail under CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

URL_ENV = "SELFEXPLORE_TEST_POSTGRES_URL"


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise PostgresUnavailable("no PostgreSQL server binaries (initdb) found; install Debian's postgresql")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def postgres_server(max_connections: int = 200, *, own: bool = False) -> Iterator[str]:
    """Yield the URL of a PostgreSQL database that exists for the duration of the block. `own`: always a
    throwaway server of this block's own (for a test that needs its settings), never the one named."""
    named = None if own else os.environ.get(URL_ENV)
    if named:
        yield named
        return
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="selfexplore-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    as_root = os.geteuid() == 0
    # PostgreSQL refuses to run as root: under root the server runs as the postgres system user.
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "selfexplore", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections={max_connections}"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(root / "log"), "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://selfexplore@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_for_tests(max_connections: int = 200, *, own: bool = False) -> Iterator[str]:
    """`postgres_server` for a test fixture: without PostgreSQL, a failure under CI, a skip elsewhere."""
    import pytest

    try:
        with postgres_server(max_connections, own=own) as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}")
