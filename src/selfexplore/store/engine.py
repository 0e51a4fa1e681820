"""The store's engine: connections with the settings the store relies on (SQLite's WAL mode and write
lock, PostgreSQL's connection patience), the schema's migrations, and the database's failures turned into
sentences. Only selfexplore.store.facade uses it.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and write transactions start with
BEGIN IMMEDIATE, so that many kernel processes writing at once queue for the lock instead of failing.
PostgreSQL is used through psycopg 3. The schema is created and upgraded by Alembic when the store opens.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from selfexplore import settings
from selfexplore.records import DISK_FULL, STORE_READ_ONLY, STORE_UNAVAILABLE, StoreError
from selfexplore.store.files import private_database, sqlite_file
from selfexplore.store.schema import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 30_000
# PostgreSQL connections a process keeps open between uses. A kernel serves one student, who saves an
# answer every few seconds at most; a class of idle kernels each holding connections would exhaust the
# server's max_connections (100 by default) long before memory runs out. So by default a connection is
# opened for each save or read and closed after it (about 14 ms on loopback, measured in
# docs/benchmarks.md), and a server at its limit is waited for, up to CONNECT_PATIENCE seconds. A host
# with connections to spare, or a pooler in front (PgBouncer), may keep some open with SELFEXPLORE_DB_POOL.
CONNECT_PATIENCE = 10.0
# What libpq says when the server has no connection slot left (it sets no SQLSTATE on a failed connect).
_SERVER_FULL = ("too many clients", "remaining connection slots are reserved")


@contextmanager
def calm() -> Iterator[None]:
    """The database's failures as a StoreError a student can read: a full disk, a store that cannot be
    written, one that cannot be reached. Nothing of the database's own message reaches a page (it can hold
    SQL and its parameters). An IntegrityError is the store's own business (a race it resolves)."""
    try:
        yield
    except IntegrityError:
        raise
    except DBAPIError as error:
        said = f"{type(error.orig).__name__} {error.orig}".lower()
        if "disk is full" in said or "no space left" in said or "diskfull" in said:
            raise StoreError(DISK_FULL) from error
        if "readonly" in said or "read-only" in said:
            raise StoreError(STORE_READ_ONLY) from error
        raise StoreError(STORE_UNAVAILABLE) from error


def kept_connections(environ: Mapping[str, str] | None = None) -> int:
    """How many PostgreSQL connections a process keeps open (SELFEXPLORE_DB_POOL), 0 by default."""
    try:
        return settings.DB_POOL.read(environ)
    except settings.SettingError as error:
        raise StoreError(str(error)) from None


def _connect_patiently(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Connect, waiting (up to CONNECT_PATIENCE seconds) while the server has no connection slot free: a
    room saving at once may briefly use every slot, and a save that waits is better than one refused."""
    deadline = time.monotonic() + CONNECT_PATIENCE
    delay = 0.05
    while True:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as error:
            full = any(text in str(error) for text in _SERVER_FULL)
            if not full or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def make_engine(url: str) -> Engine:
    """An engine with the settings this store relies on, for an SQLite file or a PostgreSQL server."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        kept = kept_connections()
        if kept == 0:
            engine = create_engine(parsed, poolclass=NullPool)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=kept, max_overflow=0)
        event.listen(engine, "do_connect", _connect_patiently)
        return engine
    if parsed.get_backend_name() != "sqlite":
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    file = sqlite_file(parsed)
    if file is not None:
        private_database(file)
    engine = create_engine(
        parsed,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        poolclass=NullPool if file is None else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL mode NORMAL keeps every committed transaction across a crash of the process (the kill -9
        # case); only a power loss can cost the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # What a student deletes is overwritten with zeros, not left in free pages of the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # pysqlite's own transaction handling is off (isolation_level=None); a writer takes the write lock
        # at BEGIN so that it waits for it (busy timeout) instead of failing when it upgrades later.
        immediate = connection.get_execution_options().get("selfexplore_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _alembic_config(connection: Connection | None = None) -> Config:
    # Alembic is imported only when a migration runs: a student's kernel opens an up-to-date store and
    # never pays for loading it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("selfexplore.store.migrations")))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise StoreError("the store has no migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, or None for an empty database."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        except (OperationalError, ProgrammingError):  # no alembic_version table yet
            return None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`, holding a lock so that many processes may start at once."""
    if revision in ("head", HEAD_REVISION) and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with engine.connect() as connection:
        connection.execution_options(selfexplore_write=True)
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(727274)"))
            command.upgrade(_alembic_config(connection), revision)


class WriterLock:
    """Queues the writers of one SQLite file on an OS file lock.

    SQLite's own busy handler makes a waiting writer sleep and poll, with sleeps that grow to 100 ms, so
    under many writers a few saves wait far longer than the work takes. A file lock instead wakes the next
    writer as soon as the lock is free. The kernel releases it when a process dies, even by kill -9, so a
    crashed kernel never blocks the others. PostgreSQL needs no such lock (a no-op here).
    """

    def __init__(self, path: Path | None) -> None:
        self._thread_lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path is not None else None

    @classmethod
    def for_engine(cls, engine: Engine) -> WriterLock:
        file = sqlite_file(engine.url)
        return cls(None if file is None else file.with_name(file.name + ".writer-lock"))

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
