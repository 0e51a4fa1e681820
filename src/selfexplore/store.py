"""The student data store: the one facade over the database, for SQLite (default) and PostgreSQL.

Every answer is saved the moment it is given, in its own short transaction, and the call returns only
after the commit: what the workbook shows as saved is on disk. Every operation checks its input against
the content pack first and raises a domain error that the UI can show; a refused call changes nothing.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and write transactions start with
BEGIN IMMEDIATE, so that many kernel processes writing at once queue for the lock instead of failing.
PostgreSQL is used through psycopg 3. The schema is created and upgraded by Alembic when the store opens.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    false,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import Executable

from selfexplore import codes
from selfexplore.content import Content
from selfexplore.errors import InputError, SelfexploreError
from selfexplore.plan import PLAN_STATUSES, PlanStatus
from selfexplore.schema import (
    HEAD_REVISION,
    adviser_notes,
    adviser_shares,
    answer_history,
    answers,
    attempts,
    group_sessions,
    memberships,
    passes,
    plan_steps,
    reflections,
    store_facts,
    students,
)
from selfexplore.scoring import Answer, check_answer
from selfexplore.sharing import (
    LABEL_LIMIT,
    Material,
    ShareItem,
    check_note,
    decode_items,
    encode_items,
    kept_reflection,
    needs_answers,
    needs_plan,
    parse_days,
)

if TYPE_CHECKING:
    from alembic.config import Config

DB_URL_ENV = "SELFEXPLORE_DB_URL"
# Set by `serve` and `hub-server` for their kernels once the store exists: a kernel then never creates one
# (a missing file means it was moved or deleted, and a fresh empty store would take the answers).
STORE_PREPARED_ENV = "SELFEXPLORE_STORE_PREPARED"
# The server's identity key: hub and proxy user names are stored as an HMAC with it (selfexplore.codes).
# From this variable (every server of a school shares one store, so they share this key: under Kubernetes,
# from a secret), else from a file created once, readable only by this user: beside an SQLite database, in
# the user's data folder for PostgreSQL.
IDENTITY_KEY_ENV = "SELFEXPLORE_IDENTITY_KEY"
IDENTITY_KEY_FILE = "selfexplore-identity.key"
MIN_IDENTITY_KEY = 32  # characters: 32 URL-safe characters carry 192 bits
IDENTITY_KEY_FACT = "identity_key_check"
NOT_JOINABLE = "That session code is not open for joining. Check it with your facilitator."
NO_IDENTITY_KEY = (
    "This server has no identity key, so nobody can be signed in by name; the server's administrator can "
    f"set {IDENTITY_KEY_ENV}."
)
STORE_GONE = (
    "The workbook's store is not where it was (it was moved, deleted or replaced), so nothing more can be "
    "saved. Tell the person who runs the workbook; what you saw as saved before is kept."
)
# A database that fails while serving: what a student is told, in place of the database's own words.
DISK_FULL = (
    "The server has run out of disk space, so this could not be saved. It is still on this page. Tell the "
    "person who runs the workbook; what you saw as saved before is kept."
)
STORE_READ_ONLY = (
    "The workbook's store cannot be written to just now, so this could not be saved. It is still on this "
    "page. Tell the person who runs the workbook; what you saw as saved before is kept."
)
STORE_UNAVAILABLE = (
    "The workbook's store could not be reached just now, so nothing could be saved or read. What is on "
    "this page is still there: try again in a minute."
)
REFLECTION_LIMIT = 5000
NOTE_LIMIT = 1000
BUSY_TIMEOUT_MS = 30_000
# The changes kept per answer: the first (when the answer was first given, which the group figures count
# from: see selfexplore.aggregate) and the newest. The export shows how an answer moved, and forged changes
# from a page cannot grow the database without limit.
HISTORY_LIMIT = 20
# PostgreSQL connections a process keeps open between uses. A kernel serves one student, who saves an
# answer every few seconds at most; a class of idle kernels each holding connections would exhaust the
# server's max_connections (100 by default) long before memory runs out. So by default a connection is
# opened for each save or read and closed after it (about 14 ms on loopback, measured in
# docs/benchmarks.md), and a server at its limit is waited for, up to CONNECT_PATIENCE seconds. A host
# with connections to spare, or a pooler in front (PgBouncer), may keep some open with SELFEXPLORE_DB_POOL.
DB_POOL_ENV = "SELFEXPLORE_DB_POOL"
CONNECT_PATIENCE = 10.0
# What libpq says when the server has no connection slot left (it sets no SQLSTATE on a failed connect).
_SERVER_FULL = ("too many clients", "remaining connection slots are reserved")
# Wrong resume codes and join codes: after FREE_FAILURES in FAILURE_WINDOW, each further failure waits
# twice as long as the one before, up to MAX_DELAY seconds. Counted per store, that is per kernel: the one
# guessing waits, and nobody else (the server caps how many kernels one visitor holds). With 80 random
# bits a resume code cannot be guessed; a join code has 30, so guessing one is slowed to a few a minute.
FREE_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
MAX_DELAY = 8.0
# A page pass lasts a working day; after that the student resumes with their code.
PASS_LIFETIME = codes.PASS_LIFETIME
EXPIRED_PASS = "This workbook link has expired or was signed out. Open the start page and resume with your code."  # noqa: S105 - a message, not a password
WRONG_CODE = "That resume code was not recognised. Check it and try again."

IdentityKind = Literal["code", "hub", "proxy"]
_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class StoreError(SelfexploreError):
    """A store operation was refused; the message says why in words a student can act on."""


class IdentityError(StoreError):
    """A resume code or identity was not accepted. The message never says whether a code exists."""


@dataclass(frozen=True)
class Attempt:
    id: int
    student_id: int
    number: int
    started_at: datetime


@dataclass(frozen=True)
class Student:
    id: int
    identity_kind: str
    created_at: datetime


@dataclass(frozen=True)
class NewStudent:
    """A student just created with a resume code: the code is shown once and never stored."""

    student: Student
    code: str


@dataclass(frozen=True)
class SavedAnswer:
    item_id: str
    value: Answer
    saved_at: datetime
    changed: bool


@dataclass(frozen=True)
class Reflection:
    prompt_id: str
    text: str
    share_adviser: bool
    share_group: bool
    saved_at: datetime
    in_report: bool = False
    # The session it is shared with; None when not shared, or shared while in no open session (it then
    # goes to the next session the student joins).
    shared_with: str | None = None


@dataclass(frozen=True)
class PlanStep:
    step_id: str
    status: str
    note: str
    target_month: str | None
    saved_at: datetime


@dataclass(frozen=True)
class GroupSession:
    id: int
    code: str
    name: str
    held_on: date | None
    closed: bool


@dataclass(frozen=True)
class GroupRows:
    """What the store holds for a group session's dashboard: its members with when they joined, every kept
    change of their answers in every attempt (as stored: JSON text; oldest first), and the reflections of
    their latest attempt they shared with the group."""

    members: Mapping[int, datetime]  # student: when they joined
    changes: Sequence[tuple[int, int, str, str, datetime]]  # (student, attempt number, item id, value, saved at)
    shared: Sequence[tuple[int, str, str]]  # (student, prompt id, text)
    read_at: datetime  # when the store was read: the figures are as of then


@dataclass(frozen=True)
class AdviserShare:
    """One share of a student's with an adviser (see selfexplore.sharing)."""

    id: int
    items: tuple[ShareItem, ...]
    adviser_name: str | None  # None: made with an adviser code that no adviser has redeemed yet
    adviser_display: str | None
    by_code: bool
    student_label: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    seen_at: datetime | None

    @property
    def adviser_words(self) -> str:
        """Who sees it, as the student reads it."""
        if self.adviser_name is None:
            return "the adviser who enters your adviser code"
        return self.adviser_display or self.adviser_name

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


# An adviser code that opens nothing: one message, whatever the reason.
WRONG_ADVISER_CODE = "That adviser code opens nothing: it is mistyped, expired, withdrawn or already used."
NOT_SHARED = "This student no longer shares anything with you."


def private_database(path: Path) -> None:
    """An SQLite file only this user can read (its -wal and -shm files take the same mode), in a folder of
    its own made 0700 when this creates it; an existing file of this user's is made 0600."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
    for existing in database_files(path):
        if existing.exists() and existing.stat().st_uid == os.getuid():
            existing.chmod(0o600)
    if not path.exists():
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL; None for PostgreSQL or an in-memory database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def database_files(path: Path) -> list[Path]:
    """An SQLite database's file and the two SQLite keeps beside it in WAL mode."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _file_id(path: Path) -> tuple[int, int] | None:
    """Which file `path` is (device and inode), or None when there is none."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def write_private(path: Path, text: str) -> None:
    """Write a file only this user can read (an export, a report): created 0600, or made 0600 first."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def identity_key_file(url: URL) -> Path:
    """Where the identity key is kept when no variable names it: beside an SQLite database (a copy of the
    database moves with its key), else in the user's data folder."""
    file = sqlite_file(url)
    return (file.parent if file is not None else data_folder()) / IDENTITY_KEY_FILE


def load_identity_key(url: URL, environ: Mapping[str, str], *, create: bool) -> bytes | None:
    """The identity key: SELFEXPLORE_IDENTITY_KEY, else the key file, created once when `create` (None when
    there is none and none is to be made). A key too short to be secret is a StoreError naming it."""
    named = environ.get(IDENTITY_KEY_ENV, "").strip()
    if named:
        if len(named) < MIN_IDENTITY_KEY:
            raise StoreError(
                f"{IDENTITY_KEY_ENV} must be at least {MIN_IDENTITY_KEY} characters; make one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return named.encode()
    path = identity_key_file(url)
    try:
        text_ = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        text_ = _create_identity_key(path)
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"cannot read the identity key in {path}: {error}") from None
    if len(text_) < MIN_IDENTITY_KEY:
        raise StoreError(f"the identity key in {path} is shorter than {MIN_IDENTITY_KEY} characters")
    return text_.encode()


def _create_identity_key(path: Path) -> str:
    """A new key in a new file only this user can read; a key another process wrote a moment ago wins."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    except OSError as error:
        raise StoreError(f"cannot create the identity key in {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def default_url() -> str:
    """SELFEXPLORE_DB_URL, else an SQLite file in the user's data folder (created when needed)."""
    named = os.environ.get(DB_URL_ENV)
    if named:
        return named
    return f"sqlite:///{data_folder() / 'selfexplore.sqlite3'}"


def data_folder() -> Path:
    """The user's own data folder for selfexplore (XDG_DATA_HOME/selfexplore), not created here."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "selfexplore"


def _without_nul(text_: str) -> str:
    """Text as it is stored: without NUL characters, which mean nothing in text (they come from pasting out
    of another program) and which PostgreSQL refuses, so that a retry could never save the text."""
    return text_.replace("\x00", "")


@contextmanager
def _calm() -> Iterator[None]:
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


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _encode(value: Answer) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def _decode(raw: str) -> Answer:
    value = json.loads(raw)
    return tuple(value) if isinstance(value, list) else int(value)


def _check_id(kind: str, value: object) -> str:
    if not isinstance(value, str) or len(value) > 64 or not _ID.match(value):
        raise InputError(f"The {kind} {value!r} is not a valid id.")
    return value


def kept_connections(environ: Mapping[str, str] | None = None) -> int:
    """How many PostgreSQL connections a process keeps open (SELFEXPLORE_DB_POOL), 0 by default."""
    named = (os.environ if environ is None else environ).get(DB_POOL_ENV, "").strip()
    if not named:
        return 0
    if not named.isdigit():
        raise StoreError(f"{DB_POOL_ENV} must be a whole number of connections, got {named!r}")
    return int(named)


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
    config.set_main_option("script_location", str(resources.files("selfexplore.migrations")))
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


class _WriterLock:
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
    def for_engine(cls, engine: Engine) -> _WriterLock:
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


class Store:
    """The one way into the student data. Build it with `Store.open`."""

    def __init__(self, engine: Engine, content: Content, identity_key: bytes | None = None) -> None:
        self.engine = engine
        self.content = content
        self._identity_key = identity_key
        self._failures: list[datetime] = []  # this store's recent wrong codes (see FREE_FAILURES)
        self._writer_lock = _WriterLock.for_engine(engine)
        # An SQLite file, and which file it is: a save checks it is still there, and still the same file.
        self._file = sqlite_file(engine.url)
        self._file_id = _file_id(self._file) if self._file is not None else None

    @classmethod
    def open(
        cls, content: Content, url: str | None = None, *, create: bool = True, identity_key: bytes | None = None
    ) -> Store:
        """The store at `url` (the default one when None), created or upgraded. A store that cannot be
        reached or opened is a StoreError of one sentence, naming it without its password. With
        `create=False` (a served kernel) a missing SQLite file is that error too, not a new empty store,
        and no identity key is created. The identity key is `identity_key`, else `load_identity_key`'s;
        a store keyed with another key is refused (every signed-in student would become someone new)."""
        named = url or default_url()
        parsed = make_url(named)
        shown = parsed.render_as_string(hide_password=True)
        file = sqlite_file(parsed)
        if not create and file is not None and not file.exists():
            raise StoreError(STORE_GONE)
        try:
            engine = make_engine(named)
        except OSError as error:
            raise StoreError(f"cannot open the store at {shown}: {error.strerror}") from None
        try:
            migrate(engine)
        except OperationalError as error:
            engine.dispose()
            reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else "not reachable"
            raise StoreError(f"cannot open the store at {shown}: {reason}") from None
        try:
            key = identity_key or load_identity_key(parsed, os.environ, create=create)
            store = cls(engine, content, key)
            if key is not None:
                store._key_identities(key)
        except BaseException:
            engine.dispose()
            raise
        return store

    def _key_identities(self, key: bytes) -> None:
        """Check that this store's signed-in students are keyed with `key`; the first time, rekey the rows
        stored before the store had a key (an HMAC over their unkeyed hash: no name is needed)."""
        check = codes.identity_key_check(key)
        fact = select(store_facts.c.value).where(store_facts.c.name == IDENTITY_KEY_FACT)
        with self._read() as connection:
            recorded = connection.execute(fact).scalar_one_or_none()
        if recorded is None:
            try:
                with self._write() as connection:
                    recorded = connection.execute(fact).scalar_one_or_none()
                    if recorded is None:
                        unkeyed = connection.execute(
                            select(students.c.id, students.c.identity_hash).where(
                                students.c.identity_kind.in_(("hub", "proxy"))
                            )
                        ).all()
                        for row in unkeyed:
                            connection.execute(
                                update(students)
                                .where(students.c.id == row.id)
                                .values(identity_hash=codes.rekey_identity(row.identity_hash, key))
                            )
                        connection.execute(insert(store_facts).values(name=IDENTITY_KEY_FACT, value=check))
                        recorded = check
            except IntegrityError:  # another process keyed it at the same moment
                with self._read() as connection:
                    recorded = connection.execute(fact).scalar_one_or_none()
        if recorded != check:
            raise StoreError(
                "this store's signed-in students were keyed with another identity key; set "
                f"{IDENTITY_KEY_ENV} to that key, or put back the {IDENTITY_KEY_FILE} that was beside the database"
            )

    def close(self) -> None:
        self._writer_lock.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _calm(), self._writer_lock, self.engine.connect() as connection:
            self._check_file()
            connection.execution_options(selfexplore_write=True)
            with connection.begin():
                yield connection
                # Checked again before the commit: a file replaced while this transaction ran is not
                # written to (the transaction is rolled back), and the student is not told "Saved".
                self._check_file()

    def _check_file(self) -> None:
        """Refuse to write when the SQLite file was deleted, moved or replaced since the store opened:
        an open connection would go on writing to a file nobody will read again."""
        if self._file is not None and _file_id(self._file) != self._file_id:
            raise StoreError(STORE_GONE)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _calm(), self.engine.connect() as connection, connection.begin():
            yield connection

    # --- identity ---------------------------------------------------------------------------------

    def create_student(self) -> NewStudent:
        """A new student known only by a fresh resume code, with a first attempt opened."""
        for _ in range(3):
            code = codes.new_code()
            try:
                student = self._insert_student("code", codes.code_hash(code))
            except IntegrityError:  # a collision of 80 random bits: practically never, but never fatal
                continue
            return NewStudent(student, code)
        raise StoreError("A new resume code could not be made just now; please try again.")

    def _insert_student(self, kind: IdentityKind, identity: str) -> Student:
        now = _now()
        with self._write() as connection:
            student_id = connection.execute(
                insert(students)
                .values(identity_kind=kind, identity_hash=identity, created_at=now)
                .returning(students.c.id)
            ).scalar_one()
            connection.execute(insert(attempts).values(student_id=student_id, number=1, started_at=now))
        return Student(int(student_id), kind, now)

    def resume(self, code: str) -> Student:
        """The student with this resume code. A wrong code gets one generic message, and repeated
        failures are slowed down; a code with a typing mistake says so and does not count as a failure."""
        try:
            hashed = codes.code_hash(code)
        except codes.MalformedCode as error:
            raise IdentityError(f"{error}.") from None
        with self._read() as connection:
            row = connection.execute(select(students).where(students.c.identity_hash == hashed)).first()
        if row is None:
            self._fail_slowly()
            raise IdentityError(WRONG_CODE)
        return Student(row.id, row.identity_kind, _aware(row.created_at))

    def _fail_slowly(self) -> None:
        """Count a wrong code of this store's (this kernel's), and wait if it has had too many lately."""
        now = _now()
        self._failures = [*(at for at in self._failures if at >= now - FAILURE_WINDOW), now]
        recent = len(self._failures)
        if recent > FREE_FAILURES:
            time.sleep(min(MAX_DELAY, 0.25 * 2 ** (recent - FREE_FAILURES - 1)))

    def student_for(self, kind: Literal["hub", "proxy"], name: str) -> Student:
        """The student signed in as `name` by JupyterHub or a trusted proxy, created on first visit."""
        if not name or len(name) > 256:
            raise IdentityError("The sign-in did not give a usable user name.")
        if self._identity_key is None:
            raise StoreError(NO_IDENTITY_KEY)
        hashed = codes.identity_hash(kind, name, self._identity_key)
        with self._read() as connection:
            row = connection.execute(select(students).where(students.c.identity_hash == hashed)).first()
        if row is not None:
            return Student(row.id, row.identity_kind, _aware(row.created_at))
        try:
            return self._insert_student(kind, hashed)
        except IntegrityError:  # created by another tab of the same student a moment ago
            return self.student_for(kind, name)

    # --- page passes ------------------------------------------------------------------------------

    def issue_pass(self, student: Student) -> str:
        """A fresh random token for this student's workbook links; only its hash is stored."""
        token = codes.new_pass()
        now = _now()
        with self._write() as connection:
            connection.execute(delete(passes).where(passes.c.expires_at < now))
            connection.execute(
                insert(passes).values(
                    token_hash=codes.pass_hash(token), student_id=student.id, expires_at=now + PASS_LIFETIME
                )
            )
        return token

    def student_for_pass(self, token: str) -> Student:
        """The student a pass was issued to; an unknown, malformed or expired pass gets one message."""
        if not isinstance(token, str) or not codes.looks_like_pass(token):
            raise IdentityError(EXPIRED_PASS)
        hashed = codes.pass_hash(token)
        now = _now()
        with self._read() as connection:
            row = connection.execute(
                select(students, passes.c.expires_at)
                .join(passes, passes.c.student_id == students.c.id)
                .where(passes.c.token_hash == hashed, passes.c.expires_at > now)
            ).first()
        if row is None:
            raise IdentityError(EXPIRED_PASS)
        if _aware(row.expires_at) < now + PASS_LIFETIME - codes.PASS_RENEWAL:
            # Used, so renewed: a pass lapses PASS_LIFETIME after its last use, not after it was issued.
            with self._write() as connection:
                connection.execute(
                    update(passes)
                    .where(passes.c.token_hash == hashed, passes.c.expires_at > now)
                    .values(expires_at=now + PASS_LIFETIME)
                )
        return Student(row.id, row.identity_kind, _aware(row.created_at))

    def revoke_pass(self, token: str) -> None:
        """Sign out: no pass of the student who holds this one opens any page any more, on any device (a
        pass left in another browser, or in a link, would otherwise stay good for hours)."""
        if isinstance(token, str) and codes.looks_like_pass(token):
            holder = select(passes.c.student_id).where(passes.c.token_hash == codes.pass_hash(token))
            with self._write() as connection:
                connection.execute(delete(passes).where(passes.c.student_id.in_(holder.scalar_subquery())))

    # --- attempts ---------------------------------------------------------------------------------

    def attempts(self, student: Student) -> list[Attempt]:
        with self._read() as connection:
            rows = connection.execute(
                select(attempts).where(attempts.c.student_id == student.id).order_by(attempts.c.number)
            ).all()
        return [Attempt(r.id, r.student_id, r.number, _aware(r.started_at)) for r in rows]

    def latest_attempt(self, student: Student) -> Attempt:
        found = self.attempts(student)
        if not found:
            raise StoreError("This student has no workbook yet.")
        return found[-1]

    def start_attempt(self, student: Student) -> Attempt:
        """Open a new attempt (a retake); the earlier ones are kept unchanged."""
        now = _now()
        with self._write() as connection:
            number = connection.execute(
                select(func.coalesce(func.max(attempts.c.number), 0)).where(attempts.c.student_id == student.id)
            ).scalar_one()
            attempt_id = connection.execute(
                insert(attempts)
                .values(student_id=student.id, number=number + 1, started_at=now)
                .returning(attempts.c.id)
            ).scalar_one()
        return Attempt(int(attempt_id), student.id, number + 1, now)

    # --- answers ----------------------------------------------------------------------------------

    def save_answer(self, attempt: Attempt, item_id: str, value: object) -> SavedAnswer:
        """Save one answer; returns after the commit. Saving the same value again changes nothing."""
        checked = check_answer(self.content, item_id, value)
        encoded = _encode(checked)
        now = _now()
        key = (answers.c.attempt_id == attempt.id) & (answers.c.item_id == item_id)
        with self._write() as connection:
            current = connection.execute(select(answers.c.value).where(key)).scalar_one_or_none()
            if current == encoded:
                return SavedAnswer(item_id, checked, now, changed=False)
            _put(
                connection, answers, {"attempt_id": attempt.id, "item_id": item_id}, {"value": encoded, "saved_at": now}
            )
            connection.execute(
                insert(answer_history).values(attempt_id=attempt.id, item_id=item_id, value=encoded, saved_at=now)
            )
            this_answer = (answer_history.c.attempt_id == attempt.id) & (answer_history.c.item_id == item_id)
            first = select(func.min(answer_history.c.id)).where(this_answer).scalar_subquery()
            newest = (
                select(answer_history.c.id)
                .where(this_answer)
                .order_by(answer_history.c.id.desc())
                .limit(HISTORY_LIMIT - 1)
                .scalar_subquery()
            )
            connection.execute(
                delete(answer_history).where(
                    this_answer & (answer_history.c.id != first) & answer_history.c.id.not_in(newest)
                )
            )
        return SavedAnswer(item_id, checked, now, changed=True)

    def answers(self, attempt: Attempt) -> dict[str, Answer]:
        with self._read() as connection:
            rows = connection.execute(
                select(answers.c.item_id, answers.c.value).where(answers.c.attempt_id == attempt.id)
            ).all()
        return {row.item_id: _decode(row.value) for row in rows}

    def answer_history(self, attempt: Attempt, item_id: str) -> list[tuple[Answer, datetime]]:
        with self._read() as connection:
            rows = connection.execute(
                select(answer_history.c.value, answer_history.c.saved_at)
                .where((answer_history.c.attempt_id == attempt.id) & (answer_history.c.item_id == item_id))
                .order_by(answer_history.c.id)
            ).all()
        return [(_decode(row.value), _aware(row.saved_at)) for row in rows]

    # --- reflections ------------------------------------------------------------------------------

    def save_reflection(
        self,
        attempt: Attempt,
        prompt_id: str,
        text_: str,
        *,
        share_adviser: bool = False,
        share_group: bool = False,
        in_report: bool = False,
    ) -> Reflection:
        """Save a private reflection; sharing with an adviser or the group is a separate, explicit choice.

        Shared with the group, it goes to one session: the open session the student joined last, when they
        share it or change its text (a save that changes neither, such as ticking it for the report, leaves
        it where it is). Shared while in no open session, it goes to the next session they join."""
        if prompt_id not in self.content.reflection_prompts_by_id:
            raise InputError(f"There is no reflection prompt {prompt_id!r}.")
        if not isinstance(text_, str):
            raise InputError("A reflection must be text.")
        text_ = _without_nul(text_)
        if len(text_) > REFLECTION_LIMIT:
            raise InputError(
                f"A reflection can hold at most {REFLECTION_LIMIT} characters; this one has {len(text_)}. "
                "Shorten it to save it: your last saved version is kept."
            )
        if not all(isinstance(choice, bool) for choice in (share_adviser, share_group, in_report)):
            raise InputError("Sharing choices must be yes or no.")
        now = _now()
        key = (reflections.c.attempt_id == attempt.id) & (reflections.c.prompt_id == prompt_id)
        with self._write() as connection:
            before = connection.execute(
                select(reflections.c.text, reflections.c.share_group, reflections.c.group_session_id).where(key)
            ).first()
            session_id: int | None = None
            if share_group and before is not None and before.share_group and before.text == text_:
                session_id = before.group_session_id
            elif share_group:
                session_id = connection.execute(
                    select(memberships.c.session_id)
                    .join(group_sessions, group_sessions.c.id == memberships.c.session_id)
                    .where((memberships.c.student_id == attempt.student_id) & group_sessions.c.closed_at.is_(None))
                    .order_by(memberships.c.joined_at.desc(), memberships.c.session_id.desc())
                    .limit(1)
                ).scalar_one_or_none()
            values = {
                "text": text_,
                "share_adviser": share_adviser,
                "share_group": share_group,
                "in_report": in_report,
                "saved_at": now,
                "group_session_id": session_id,
            }
            _put(connection, reflections, {"attempt_id": attempt.id, "prompt_id": prompt_id}, values)
            shared_with = (
                None
                if session_id is None
                else connection.execute(
                    select(group_sessions.c.name).where(group_sessions.c.id == session_id)
                ).scalar_one_or_none()
            )
        return Reflection(prompt_id, text_, share_adviser, share_group, now, in_report, shared_with)

    def reflections(self, attempt: Attempt) -> list[Reflection]:
        with self._read() as connection:
            rows = connection.execute(
                select(reflections, group_sessions.c.name.label("shared_with"))
                .outerjoin(group_sessions, group_sessions.c.id == reflections.c.group_session_id)
                .where(reflections.c.attempt_id == attempt.id)
                .order_by(reflections.c.prompt_id)
            ).all()
        return [
            Reflection(
                r.prompt_id,
                r.text,
                r.share_adviser,
                r.share_group,
                _aware(r.saved_at),
                r.in_report,
                r.shared_with if r.share_group else None,
            )
            for r in rows
        ]

    # --- plans ------------------------------------------------------------------------------------

    def save_plan_step(
        self, attempt: Attempt, step_id: str, status: PlanStatus, note: str = "", target_month: str | None = None
    ) -> PlanStep:
        _check_id("plan step", step_id)
        if status not in PLAN_STATUSES:
            raise InputError(f"There is no plan status {status!r}.")
        if not isinstance(note, str) or len(note) > NOTE_LIMIT:
            raise InputError(
                f"A note can hold at most {NOTE_LIMIT} characters; shorten it to save it: your last saved note is kept."
            )
        if target_month is not None and (not isinstance(target_month, str) or not _MONTH.match(target_month)):
            raise InputError(f"A target month is written YYYY-MM, not {target_month!r}.")
        note = _without_nul(note)
        now = _now()
        values = {"status": status, "note": note, "target_month": target_month, "saved_at": now}
        with self._write() as connection:
            _put(connection, plan_steps, {"attempt_id": attempt.id, "step_id": step_id}, values)
        return PlanStep(step_id, status, note, target_month, now)

    def plan(self, attempt: Attempt) -> list[PlanStep]:
        with self._read() as connection:
            rows = connection.execute(
                select(plan_steps).where(plan_steps.c.attempt_id == attempt.id).order_by(plan_steps.c.step_id)
            ).all()
        return [PlanStep(r.step_id, r.status, r.note, r.target_month, _aware(r.saved_at)) for r in rows]

    # --- group sessions ---------------------------------------------------------------------------

    def create_session(self, name: str, held_on: date | None = None) -> GroupSession:
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > 200:
            raise InputError("A session needs a name of at most 200 characters.")
        for _ in range(5):
            code = codes.new_join_code()
            try:
                with self._write() as connection:
                    session_id = connection.execute(
                        insert(group_sessions)
                        .values(code=code, name=name, held_on=held_on, created_at=_now())
                        .returning(group_sessions.c.id)
                    ).scalar_one()
            except IntegrityError:
                continue
            return GroupSession(int(session_id), code, name, held_on, closed=False)
        raise StoreError("A join code could not be made just now; please try again.")

    def sessions(self) -> list[GroupSession]:
        with self._read() as connection:
            rows = connection.execute(select(group_sessions).order_by(group_sessions.c.id)).all()
        return [GroupSession(r.id, r.code, r.name, r.held_on, r.closed_at is not None) for r in rows]

    def _session(self, connection: Connection, code: str) -> Any:
        canonical = codes.normalise_join_code(code)
        row = connection.execute(select(group_sessions).where(group_sessions.c.code == canonical)).first()
        if row is None:
            raise StoreError("There is no group session with that code. Check it with your facilitator.")
        return row

    def join_session(self, student: Student, code: str) -> GroupSession:
        """Join the open session with this code. A code that opens none (unknown, or of a closed session:
        one message for both, so a guess learns nothing) counts as a wrong code (see FREE_FAILURES)."""
        with self._write() as connection:
            canonical = codes.normalise_join_code(code)
            row = connection.execute(select(group_sessions).where(group_sessions.c.code == canonical)).first()
            if row is None or row.closed_at is not None:
                row = None
            else:
                known = connection.execute(
                    select(memberships.c.session_id).where(
                        (memberships.c.session_id == row.id) & (memberships.c.student_id == student.id)
                    )
                ).first()
                if known is None:
                    connection.execute(
                        insert(memberships).values(session_id=row.id, student_id=student.id, joined_at=_now())
                    )
                # Reflections the student shared while in no open session were waiting for this one.
                connection.execute(
                    update(reflections)
                    .where(
                        reflections.c.share_group.is_(True)
                        & reflections.c.group_session_id.is_(None)
                        & reflections.c.attempt_id.in_(select(attempts.c.id).where(attempts.c.student_id == student.id))
                    )
                    .values(group_session_id=row.id)
                )
        if row is None:
            self._fail_slowly()
            raise StoreError(NOT_JOINABLE)
        return GroupSession(row.id, row.code, row.name, row.held_on, closed=False)

    def close_session(self, code: str) -> GroupSession:
        with self._write() as connection:
            row = self._session(connection, code)
            connection.execute(update(group_sessions).where(group_sessions.c.id == row.id).values(closed_at=_now()))
        return GroupSession(row.id, row.code, row.name, row.held_on, closed=True)

    def session(self, code: str) -> GroupSession:
        with self._read() as connection:
            row = self._session(connection, code)
        return GroupSession(row.id, row.code, row.name, row.held_on, row.closed_at is not None)

    def session_rows(self, session: GroupSession) -> GroupRows:
        """For a session's dashboard: its members and when they joined, the kept changes of their answers in
        every attempt (the figures take each student as they stood when counted: selfexplore.aggregate), and
        the reflections of their latest attempt they shared with this session. Three queries, whatever the
        group's size."""
        members = select(memberships.c.student_id).where(memberships.c.session_id == session.id)
        latest = (
            select(attempts.c.student_id, func.max(attempts.c.number).label("number"))
            .where(attempts.c.student_id.in_(members))
            .group_by(attempts.c.student_id)
            .subquery()
        )
        current = (
            select(attempts.c.id, attempts.c.student_id)
            .join(latest, (latest.c.student_id == attempts.c.student_id) & (latest.c.number == attempts.c.number))
            .subquery()
        )
        with self._read() as connection:
            joined = connection.execute(
                select(memberships.c.student_id, memberships.c.joined_at).where(memberships.c.session_id == session.id)
            ).all()
            change_rows = connection.execute(
                select(
                    attempts.c.student_id,
                    attempts.c.number,
                    answer_history.c.item_id,
                    answer_history.c.value,
                    answer_history.c.saved_at,
                )
                .join(attempts, attempts.c.id == answer_history.c.attempt_id)
                .where(attempts.c.student_id.in_(members))
                .order_by(answer_history.c.id)
            ).all()
            shared_rows = connection.execute(
                select(current.c.student_id, reflections.c.prompt_id, reflections.c.text)
                .join(current, current.c.id == reflections.c.attempt_id)
                .where(reflections.c.share_group.is_(True) & (reflections.c.group_session_id == session.id))
            ).all()
        return GroupRows(
            {int(r[0]): _aware(r[1]) for r in joined},
            change_rows,  # as read: converting 700,000 rows one by one would double the time it takes
            [(int(r[0]), str(r[1]), str(r[2])) for r in shared_rows],
            _now(),
        )

    def sessions_of(self, student: Student) -> list[GroupSession]:
        with self._read() as connection:
            rows = connection.execute(
                select(group_sessions)
                .join(memberships, memberships.c.session_id == group_sessions.c.id)
                .where(memberships.c.student_id == student.id)
                .order_by(group_sessions.c.id)
            ).all()
        return [GroupSession(r.id, r.code, r.name, r.held_on, r.closed_at is not None) for r in rows]

    # --- sharing with an adviser --------------------------------------------------------------------

    def share_with_adviser(
        self,
        student: Student,
        items: Sequence[ShareItem],
        days: int,
        *,
        adviser: tuple[str, str] | None = None,
        label: str | None = None,
    ) -> tuple[AdviserShare, str | None]:
        """Share `items` for `days` with `adviser` (name, display name), or, without one, under a new adviser
        code, returned once and stored only as a hash. Sharing again with the same adviser replaces what is
        shared and for how long. `label` is how the adviser will know the student (their sign-in name)."""
        encoded = encode_items(items)
        days = parse_days(days)
        if adviser is not None and (not adviser[0] or len(adviser[0]) > LABEL_LIMIT):
            raise InputError("There is no such adviser.")
        if label is not None and len(label) > LABEL_LIMIT:
            raise InputError("The sign-in name is too long to show.")
        now = _now()
        values = {"items": encoded, "student_label": label, "updated_at": now, "expires_at": now + timedelta(days=days)}
        code: str | None = None
        with self._write() as connection:
            connection.execute(delete(adviser_shares).where(adviser_shares.c.expires_at <= now))
            existing = None
            if adviser is not None:
                existing = connection.execute(
                    select(adviser_shares.c.id).where(
                        (adviser_shares.c.student_id == student.id) & (adviser_shares.c.adviser_name == adviser[0])
                    )
                ).scalar_one_or_none()
            if existing is not None:
                connection.execute(
                    update(adviser_shares)
                    .where(adviser_shares.c.id == existing)
                    .values(adviser_display=adviser[1] if adviser else None, **values)
                )
                share_id = existing
            else:
                if adviser is None:
                    code = codes.new_adviser_code()
                share_id = connection.execute(
                    insert(adviser_shares)
                    .values(
                        student_id=student.id,
                        adviser_name=adviser[0] if adviser else None,
                        adviser_display=adviser[1] if adviser else None,
                        code_hash=codes.adviser_code_hash(code) if code else None,
                        created_at=now,
                        **values,
                    )
                    .returning(adviser_shares.c.id)
                ).scalar_one()
            row = connection.execute(select(adviser_shares).where(adviser_shares.c.id == share_id)).one()
        return _share(row), code

    def adviser_shares_of(self, student: Student) -> list[AdviserShare]:
        """The student's shares with advisers, newest first (expired ones too, until replaced or withdrawn)."""
        with self._read() as connection:
            rows = connection.execute(
                select(adviser_shares)
                .where(adviser_shares.c.student_id == student.id)
                .order_by(adviser_shares.c.created_at.desc(), adviser_shares.c.id.desc())
            ).all()
        return [_share(row) for row in rows]

    def withdraw_share(self, student: Student, share_id: int) -> bool:
        """Withdraw one of the student's shares: from this moment no adviser reads anything of it. False
        when there was no such share of theirs (already withdrawn in another tab)."""
        if not isinstance(share_id, int) or isinstance(share_id, bool):
            raise InputError("There is no such share.")
        with self._write() as connection:
            gone = connection.execute(
                delete(adviser_shares).where(
                    (adviser_shares.c.id == share_id) & (adviser_shares.c.student_id == student.id)
                )
            ).rowcount
        return bool(gone)

    def student_material(self, student: Student, items: Sequence[ShareItem]) -> Material:
        """What an adviser would be shown of `items` now: the student's preview reads it the same way."""
        with self._read() as connection:
            return _material(connection, student.id, tuple(items))

    def redeem_adviser_code(self, adviser: str, display: str, code: str) -> AdviserShare:
        """Make the share behind an adviser code this adviser's. A code already redeemed by another adviser,
        expired, withdrawn or unknown opens nothing (one message; repeated failures are slowed)."""
        try:
            hashed = codes.adviser_code_hash(code)
        except codes.MalformedCode as error:
            raise IdentityError(f"{error}.") from None
        now = _now()
        with self._write() as connection:
            row = connection.execute(
                select(adviser_shares).where(
                    (adviser_shares.c.code_hash == hashed) & (adviser_shares.c.expires_at > now)
                )
            ).first()
            if row is not None and row.adviser_name is None:
                connection.execute(
                    update(adviser_shares)
                    .where(adviser_shares.c.id == row.id)
                    .values(adviser_name=adviser, adviser_display=display)
                )
                row = connection.execute(select(adviser_shares).where(adviser_shares.c.id == row.id)).one()
        if row is None or row.adviser_name != adviser:
            self._fail_slowly()
            raise IdentityError(WRONG_ADVISER_CODE)
        return _share(row)

    def advisees(self, adviser: str) -> list[tuple[AdviserShare, Mapping[str, datetime | None]]]:
        """The live shares with this adviser, oldest first, each with when its shared parts last changed."""
        now = _now()
        with self._read() as connection:
            rows = connection.execute(
                select(adviser_shares)
                .where((adviser_shares.c.adviser_name == adviser) & (adviser_shares.c.expires_at > now))
                .order_by(adviser_shares.c.created_at, adviser_shares.c.id)
            ).all()
            return [
                (_share(row), _material(connection, row.student_id, decode_items(row.items)).changed) for row in rows
            ]

    def _live_share(self, connection: Connection, adviser: str, share_id: int) -> Any:
        if not isinstance(share_id, int) or isinstance(share_id, bool):
            raise IdentityError(NOT_SHARED)
        row = connection.execute(
            select(adviser_shares).where(
                (adviser_shares.c.id == share_id)
                & (adviser_shares.c.adviser_name == adviser)
                & (adviser_shares.c.expires_at > _now())
            )
        ).first()
        if row is None:
            raise IdentityError(NOT_SHARED)
        return row

    def shared_material(self, adviser: str, share_id: int) -> tuple[AdviserShare, Material]:
        """What one share shows this adviser, now; the adviser has looked (`seen_at`). Another adviser's
        share, an expired or a withdrawn one is an IdentityError."""
        with self._write() as connection:
            row = self._live_share(connection, adviser, share_id)
            material = _material(connection, row.student_id, decode_items(row.items))
            connection.execute(update(adviser_shares).where(adviser_shares.c.id == row.id).values(seen_at=_now()))
        return _share(row), material

    def adviser_note(self, adviser: str, share_id: int) -> str:
        """This adviser's notes on the student of a live share of theirs."""
        with self._read() as connection:
            row = self._live_share(connection, adviser, share_id)
            note = connection.execute(
                select(adviser_notes.c.text).where(
                    (adviser_notes.c.adviser_name == adviser) & (adviser_notes.c.student_id == row.student_id)
                )
            ).scalar_one_or_none()
        return note or ""

    def save_adviser_note(self, adviser: str, share_id: int, text_: object) -> datetime:
        note = check_note(text_)
        now = _now()
        with self._write() as connection:
            row = self._live_share(connection, adviser, share_id)
            _put(
                connection,
                adviser_notes,
                {"adviser_name": adviser, "student_id": row.student_id},
                {"text": note, "saved_at": now},
            )
        return now

    def adviser_summary(self) -> list[tuple[str, str | None, int, datetime]]:
        """For the hosting side: each adviser with live shares, their display name, how many students share
        with them, and the newest share."""
        now = _now()
        with self._read() as connection:
            rows = connection.execute(
                select(
                    adviser_shares.c.adviser_name,
                    func.max(adviser_shares.c.adviser_display).label("display"),
                    func.count(func.distinct(adviser_shares.c.student_id)).label("students"),
                    func.max(adviser_shares.c.updated_at).label("newest"),
                )
                .where(adviser_shares.c.adviser_name.is_not(None) & (adviser_shares.c.expires_at > now))
                .group_by(adviser_shares.c.adviser_name)
                .order_by(adviser_shares.c.adviser_name)
            ).all()
        return [(r.adviser_name, r.display, int(r.students), _aware(r.newest)) for r in rows]

    def revoke_adviser(self, adviser: str, share_id: int | None = None) -> int:
        """For the hosting side: end every share with this adviser (or one of them); their notes go too.
        Returns how many shares ended."""
        where = adviser_shares.c.adviser_name == adviser
        if share_id is not None:
            where = where & (adviser_shares.c.id == share_id)
        with self._write() as connection:
            ended = connection.execute(delete(adviser_shares).where(where)).rowcount
            if share_id is None:
                connection.execute(delete(adviser_notes).where(adviser_notes.c.adviser_name == adviser))
        return int(ended)

    # --- student rights ---------------------------------------------------------------------------

    def export_student(self, student: Student) -> dict[str, Any]:
        """Everything the store holds about a student, as plain JSON data."""
        exported_attempts = []
        for attempt in self.attempts(student):
            saved = self.answers(attempt)
            history = {
                item_id: [
                    {"value": _json_value(value), "saved_at": at.isoformat()}
                    for value, at in self.answer_history(attempt, item_id)
                ]
                for item_id in sorted(saved)
            }
            exported_attempts.append(
                {
                    "number": attempt.number,
                    "started_at": attempt.started_at.isoformat(),
                    "answers": {key: _json_value(value) for key, value in sorted(saved.items())},
                    "answer_history": history,
                    "reflections": [
                        {
                            "prompt_id": r.prompt_id,
                            "text": r.text,
                            "share_adviser": r.share_adviser,
                            "share_group": r.share_group,
                            "shared_with": r.shared_with,
                            "in_report": r.in_report,
                            "saved_at": r.saved_at.isoformat(),
                        }
                        for r in self.reflections(attempt)
                    ],
                    "plan": [
                        {
                            "step_id": s.step_id,
                            "status": s.status,
                            "note": s.note,
                            "target_month": s.target_month,
                            "saved_at": s.saved_at.isoformat(),
                        }
                        for s in self.plan(attempt)
                    ],
                }
            )
        return {
            "format": "selfexplore-export",
            "version": 1,
            "student": {"identity": student.identity_kind, "created_at": student.created_at.isoformat()},
            "attempts": exported_attempts,
            "group_sessions": [{"name": s.name, "code": s.code} for s in self.sessions_of(student)],
            "adviser_shares": [
                {
                    "adviser": share.adviser_display or share.adviser_name,
                    "by_code": share.by_code,
                    "items": list(share.items),
                    "shown_as": share.student_label,
                    "shared_at": share.updated_at.isoformat(),
                    "expires_at": share.expires_at.isoformat(),
                }
                for share in self.adviser_shares_of(student)
            ],
        }

    def delete_student(self, student: Student) -> None:
        """Remove the student and everything of theirs (attempts, answers, history, reflections, plans,
        memberships)."""
        with self._write() as connection:
            connection.execute(delete(students).where(students.c.id == student.id))
        if self.engine.dialect.name == "sqlite":
            # The deleted rows were zeroed in the file (secure_delete); the write-ahead log still holds the
            # pages as they were written: copy it back into the file and empty it.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def counts(self) -> Mapping[str, int]:
        """Row counts per table (for checks and benchmarks)."""
        tables = (students, attempts, answers, answer_history, reflections, plan_steps, memberships)
        with self._read() as connection:
            return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}


def _put(connection: Connection, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Insert the row with this key, or update it, in one statement (INSERT ... ON CONFLICT DO UPDATE), so
    that two tabs of the same student saving at once cannot collide."""
    # Each dialect's INSERT is imported only when used: a student kernel on SQLite never loads PostgreSQL's.
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        upsert: Executable = (
            postgresql.insert(table)
            .values(**key, **values)
            .on_conflict_do_update(index_elements=list(key), set_=dict(values))
        )
    else:
        from sqlalchemy.dialects import sqlite

        upsert = (
            sqlite.insert(table)
            .values(**key, **values)
            .on_conflict_do_update(index_elements=list(key), set_=dict(values))
        )
    connection.execute(upsert)


def _share(row: Any) -> AdviserShare:
    return AdviserShare(
        row.id,
        decode_items(row.items),
        row.adviser_name,
        row.adviser_display,
        row.code_hash is not None,
        row.student_label,
        _aware(row.created_at),
        _aware(row.updated_at),
        _aware(row.expires_at),
        _aware(row.seen_at) if row.seen_at is not None else None,
    )


def _material(connection: Connection, student_id: int, items: tuple[ShareItem, ...]) -> Material:
    """What a share of `items` shows, from the student's latest attempt; nothing the items do not cover is
    read (selfexplore.sharing)."""
    latest = connection.execute(
        select(attempts.c.id, attempts.c.number)
        .where(attempts.c.student_id == student_id)
        .order_by(attempts.c.number.desc())
        .limit(1)
    ).first()
    if latest is None:
        return Material(0, {}, {}, (), {})
    changed: dict[str, datetime | None] = {}
    shown_answers: dict[str, Answer] = {}
    if needs_answers(items):
        rows = connection.execute(
            select(answers.c.item_id, answers.c.value, answers.c.saved_at).where(answers.c.attempt_id == latest.id)
        ).all()
        shown_answers = {row.item_id: _decode(row.value) for row in rows}
        changed["matches"] = max((_aware(row.saved_at) for row in rows), default=None)
    plan: dict[str, tuple[str, str, str | None]] = {}
    if needs_plan(items):
        rows = connection.execute(select(plan_steps).where(plan_steps.c.attempt_id == latest.id)).all()
        plan = {row.step_id: (row.status, row.note, row.target_month) for row in rows}
        changed["plan"] = max((_aware(row.saved_at) for row in rows), default=None)
    marked = kept_reflection(items, share_adviser=True, in_report=False)
    ticked = kept_reflection(items, share_adviser=False, in_report=True)
    shown: list[tuple[str, str]] = []
    if marked or ticked:
        which = (reflections.c.share_adviser.is_(True) if marked else false()) | (
            reflections.c.in_report.is_(True) if ticked else false()
        )
        rows = connection.execute(
            select(reflections.c.prompt_id, reflections.c.text, reflections.c.saved_at)
            .where((reflections.c.attempt_id == latest.id) & which)
            .order_by(reflections.c.prompt_id)
        ).all()
        shown = [(row.prompt_id, row.text) for row in rows if row.text.strip()]
        changed["reflections"] = max((_aware(row.saved_at) for row in rows), default=None)
    return Material(latest.number, shown_answers, plan, tuple(shown), changed)


def _json_value(value: Answer) -> int | list[str]:
    return list(value) if isinstance(value, tuple) else value
