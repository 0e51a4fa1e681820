"""Every setting selfexplore reads from its environment, declared once.

Each `Setting` has its name, what it holds, its default (and how the default reads), a help line, and the
parser that turns the text into a value or says, in one line, why it cannot: `read` returns the value, and
a value that cannot be used is a `SettingError` naming the variable, what it must be and what it was. The
servers check every setting they were given before they start (`check`), so a bad value is one line at the
start, never a traceback in a kernel. In the pattern of Voila's own configuration object
(voila/configuration.py): one place that says what can be set and how.

docs/settings.md holds the table of these settings; `python -m selfexplore.settings` prints it, and a test
checks that the two agree.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from selfexplore.errors import SelfexploreError

T = TypeVar("T")

# The identity key and the page tokens: the least length that is still a secret.
MIN_IDENTITY_KEY = 32  # characters: 32 URL-safe characters carry 192 bits
MIN_TOKEN_LENGTH = (
    22  # 22 URL-safe characters carry 128 bits, the least a token that guards every student's figures may have
)
ADVISER_NAME_LIMIT = 256
MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105 - a command, not a secret


class SettingError(SelfexploreError):
    """A setting whose value cannot be used; the message names it, says what it must be and what it was."""


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One environment variable: its name, default, help, and how its text becomes a value."""

    name: str
    default: T
    help: str
    parse: Callable[[str], T]
    default_words: str = ""  # the default as the docs say it, where it is not simply the value
    secret: bool = False  # never printed, logged or shown

    def read(self, environ: Mapping[str, str] | None = None) -> T:
        """The value in `environ` (the process's environment when None), or the default when it is unset or
        blank; a value that cannot be used is a SettingError of one line."""
        raw = (os.environ if environ is None else environ).get(self.name, "").strip()
        if not raw:
            return self.default
        try:
            return self.parse(raw)
        except ValueError as error:
            shown = "a value that is not shown" if self.secret else repr(raw)
            raise SettingError(f"{self.name} {error}, got {shown}") from None

    def given(self, environ: Mapping[str, str] | None = None) -> bool:
        """Whether the variable is set to something other than blanks."""
        return bool((os.environ if environ is None else environ).get(self.name, "").strip())

    @property
    def shown_default(self) -> str:
        return self.default_words or ("unset" if self.default in (None, "") else str(self.default))


# --- parsers: each raises ValueError with the words that follow the variable's name ------------------------


def whole(what: str, least: int = 0) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < least:
            raise ValueError(f"must be {what}")
        return int(text)

    return parse


def secret(least: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) < least:
            raise ValueError(f"must be at least {least} characters; make one with {MAKE_A_SECRET}")
        return text

    return parse


def name(text: str) -> str:
    if len(text) > ADVISER_NAME_LIMIT or any(ord(c) < 32 for c in text):
        raise ValueError(f"must be a name of 1 to {ADVISER_NAME_LIMIT} printable characters")
    return text


def plain(text: str) -> str:
    return text


def flag(text: str) -> bool:
    return text not in ("0", "false", "no")


def roster(text: str) -> dict[str, str]:
    """A JSON object of user name: display name (a blank display name is the user name)."""
    try:
        found = json.loads(text)
    except ValueError:
        raise ValueError('must be a JSON object of user name: display name, such as {"lee": "Dr Lee"}') from None
    if not isinstance(found, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in found.items()):
        raise ValueError('must be a JSON object of user name: display name, such as {"lee": "Dr Lee"}')
    return {key.strip(): value.strip() or key.strip() for key, value in found.items() if key.strip()}


def role(text: str) -> str:
    if text not in ("facilitator", "adviser"):
        raise ValueError("must be facilitator or adviser (it is set by the server, never by hand)")
    return text


# --- the settings --------------------------------------------------------------------------------------

CONTENT = Setting[str | None](
    "SELFEXPLORE_CONTENT",
    None,
    "The content pack folder to use instead of the one shipped in the package (`--content DIR`).",
    plain,
    "the shipped pack",
)
DB_URL = Setting[str | None](
    "SELFEXPLORE_DB_URL",
    None,
    "The store: an SQLite file (sqlite:///path) or a PostgreSQL server (postgresql://user:password@host/db).",
    plain,
    "an SQLite file in the user's data folder",
    secret=True,
)
DB_POOL = Setting(
    "SELFEXPLORE_DB_POOL",
    0,
    "PostgreSQL connections each process keeps open between uses (0: one per save or read, closed after it).",
    whole("a whole number of connections"),
)
IDENTITY_KEY = Setting[str | None](
    "SELFEXPLORE_IDENTITY_KEY",
    None,
    "The key hub and proxy user names are kept under (as an HMAC); every server of one store shares it.",
    secret(MIN_IDENTITY_KEY),
    "a key file made once beside an SQLite store, or in the user's data folder",
    secret=True,
)
STORE_PREPARED = Setting(
    "SELFEXPLORE_STORE_PREPARED",
    False,
    "Set by the servers for their kernels once the store exists: a kernel then never creates one.",
    flag,
    "unset (set by the servers)",
)
POOL = Setting(
    "SELFEXPLORE_POOL",
    8,
    "Kernels `serve` keeps ready, each having run the app ahead of time (`--pool N`; 0: none).",
    whole("a whole number of kernels"),
)
MAX_KERNELS = Setting[int | None](
    "SELFEXPLORE_MAX_KERNELS",
    None,
    "The most kernels handed to visitors at once (0: no cap, refused beyond this machine).",
    whole("a whole number of kernels (0: no cap)"),
    "sized from the memory the server may use",
)
KERNELS_PER_CLIENT = Setting(
    "SELFEXPLORE_KERNELS_PER_CLIENT",
    10,
    "The most kernels one visitor (one address) may hold at once (0: no cap, refused beyond this machine).",
    whole("a whole number of kernels (0: no cap)"),
)
UNCONNECTED_GRACE = Setting(
    "SELFEXPLORE_UNCONNECTED_GRACE",
    90,
    "Seconds a kernel handed to a visitor may wait for its page to connect before it is shut down.",
    whole("a whole number of seconds, at least 2", least=2),
)
LEFT_GRACE = Setting(
    "SELFEXPLORE_LEFT_GRACE",
    600,
    "Seconds a kernel whose page went away without closing (a browser that crashed or was killed) is kept "
    "for the page to come back, before it is shut down.",
    whole("a whole number of seconds, at least 2", least=2),
)
REQUEST_TIMEOUT = Setting(
    "SELFEXPLORE_REQUEST_TIMEOUT",
    30,
    "Seconds a visitor has to send a request's headers, then as long for its body, before the connection is closed.",
    whole("a whole number of seconds, at least 1", least=1),
)
TRUSTED_HEADER = Setting(
    "SELFEXPLORE_TRUSTED_HEADER",
    "",
    "The user-name header a trusted proxy sets; believed only from SELFEXPLORE_TRUSTED_PROXIES.",
    plain,
)
TRUSTED_PROXIES = Setting(
    "SELFEXPLORE_TRUSTED_PROXIES",
    "",
    "Addresses or networks of the proxies whose user header is believed, comma-separated.",
    plain,
)
FACILITATOR_TOKEN = Setting[str | None](
    "SELFEXPLORE_FACILITATOR_TOKEN",
    None,
    "The facilitator dashboard's token (`facilitate`), at least 22 characters.",
    secret(MIN_TOKEN_LENGTH),
    "made afresh at each start",
    secret=True,
)
ADVISER_TOKEN = Setting[str | None](
    "SELFEXPLORE_ADVISER_TOKEN",
    None,
    "An adviser page's token (`advise`), at least 22 characters.",
    secret(MIN_TOKEN_LENGTH),
    "made afresh at each start",
    secret=True,
)
ROLE = Setting(
    "SELFEXPLORE_ROLE",
    "",
    "Set by `facilitate`, `advise` and `hub-server` for their kernels: which page the server is for.",
    role,
    "unset (set by the servers)",
)
FACILITATOR_GROUP = Setting(
    "SELFEXPLORE_FACILITATOR_GROUP",
    "",
    "Under JupyterHub: the hub group whose members see a dashboard.",
    plain,
)
ADVISERS = Setting[dict[str, str]](
    "SELFEXPLORE_ADVISERS",
    {},
    "The advisers students may pick, as a JSON object of user name: display name (the hub config fills it).",
    roster,
    "none: students share by adviser code",
)
ADVISER = Setting(
    "SELFEXPLORE_ADVISER",
    "",
    "Set by `advise --adviser NAME` for its kernels: the adviser the page is for.",
    name,
    "unset (set by the server)",
)
ADVISER_GROUP = Setting(
    "SELFEXPLORE_ADVISER_GROUP",
    "",
    "Under JupyterHub: the hub group whose members get an adviser page.",
    plain,
)
ACTIVITY_INTERVAL = Setting(
    "SELFEXPLORE_ACTIVITY_INTERVAL",
    60,
    "Under JupyterHub: seconds between a server's reports of its activity to the hub (idle culling reads them).",
    whole("a whole number of seconds, at least 1", least=1),
)

SETTINGS: tuple[Setting[object], ...] = (
    CONTENT,
    DB_URL,
    DB_POOL,
    IDENTITY_KEY,
    STORE_PREPARED,
    POOL,
    MAX_KERNELS,
    KERNELS_PER_CLIENT,
    UNCONNECTED_GRACE,
    LEFT_GRACE,
    REQUEST_TIMEOUT,
    TRUSTED_HEADER,
    TRUSTED_PROXIES,
    FACILITATOR_TOKEN,
    ADVISER_TOKEN,
    ROLE,
    FACILITATOR_GROUP,
    ADVISERS,
    ADVISER,
    ADVISER_GROUP,
    ACTIVITY_INTERVAL,
)  # type: ignore[assignment]


def check(environ: Mapping[str, str] | None = None) -> None:
    """Read every setting once: the first value that cannot be used is a SettingError (a server checks its
    settings before it starts, so that its kernels never meet a bad one)."""
    for setting in SETTINGS:
        setting.read(environ)


def table() -> str:
    """The settings as the Markdown table of docs/settings.md."""
    rows = ["| Variable | Default | What it sets |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {s.shown_default} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
