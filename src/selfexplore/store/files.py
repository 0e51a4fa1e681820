"""The store's files on this machine, and the other private files of the package: an SQLite database
and the files SQLite keeps beside it, the identity key, the user's data folder, and files only this user
can read (exports, reports, the address of a page with its token).

The server's identity key: hub and proxy user names are stored as an HMAC with it (selfexplore.codes).
It comes from SELFEXPLORE_IDENTITY_KEY (every server of a school shares one store, so they share this key:
under Kubernetes, from a secret), else from a file created once, readable only by this user: beside an
SQLite database, in the user's data folder for PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from selfexplore import settings
from selfexplore.records import StoreError

IDENTITY_KEY_FILE = "selfexplore-identity.key"


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


def file_id(path: Path) -> tuple[int, int] | None:
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


def load_identity_key(url: URL | str, environ: Mapping[str, str], *, create: bool) -> bytes | None:
    """The identity key of the store at `url`: SELFEXPLORE_IDENTITY_KEY, else the key file, created once when
    `create` (None when there is none and none is to be made). A key too short to be secret is a StoreError
    naming it."""
    try:
        named = settings.IDENTITY_KEY.read(environ)
    except settings.SettingError as error:
        raise StoreError(str(error)) from None
    if named:
        return named.encode()
    path = identity_key_file(make_url(url) if isinstance(url, str) else url)
    try:
        text_ = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        text_ = _create_identity_key(path)
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"cannot read the identity key in {path}: {error}") from None
    if len(text_) < settings.MIN_IDENTITY_KEY:
        raise StoreError(f"the identity key in {path} is shorter than {settings.MIN_IDENTITY_KEY} characters")
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
    return settings.DB_URL.read() or f"sqlite:///{data_folder() / 'selfexplore.sqlite3'}"


def data_folder() -> Path:
    """The user's own data folder for selfexplore (XDG_DATA_HOME/selfexplore), not created here."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "selfexplore"
