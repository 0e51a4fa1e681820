"""What the workbook's server guards, as plain functions and one ledger (selfexplore.serving.server uses them).

Kept apart from Voila so that it can be tested without a server, and small, so that the server's process
loads nothing else of the package.

- `KernelLedger`: which visitor each kernel was handed to, under a cap on kernels in all and per visitor;
  which browser may use it; which kernels no page ever connected to; how many websockets each kernel has
  open, under a cap, and the pace its pages' messages are let through at (`Pace`).
- `zmq_sockets_needed`, `descriptors_needed`: what the caps cost the server's process, for its limits.
- `client_key`: who a visitor is for the per-visitor cap: the user a trusted proxy signed in, else the
  address the proxy forwarded for, else the address the request came from.
- `scrub`: a log line without kernel ids or pass, code and token values.
- `default_max_kernels`: a cap sized from the memory the server may use and a kernel's measured memory.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

# The cookie that binds a browser to the kernels of the pages it was given (HttpOnly: no script reads it).
BROWSER_COOKIE = "selfexplore_browser"
# A kernel of the app, measured after a full pass (docs/benchmarks.md): about 64 MiB unshared, 100 MiB
# resident with what it shares with other processes. The cap counts the resident size.
KERNEL_MIB = 100
# What the server's own process and the rest of the machine keep, before any kernel.
SERVER_MIB = 256
# Of the memory left, the share kernels may take: the rest is for the database, the pages' files and the
# system's own caches.
KERNEL_SHARE = 0.75
# One visitor's kernels: a student with the workbook open in a few tabs, and reloads whose kernels are
# still shutting down.
DEFAULT_PER_CLIENT = 10

# A page holds one websocket to its kernel; a reconnect may open the next before the last has closed. One page
# holding hundreds filled the server's ZeroMQ sockets and stopped every other student (security review of
# 5 December 2026, finding 1).
WEBSOCKETS_PER_KERNEL = 3
# What one kernel's pages may send it: a burst at once (the widgets of a page asking for their state), then
# a sustained pace that a reflection typed without a pause (a message a keystroke) stays within. A page
# sending faster is slowed, not cut off: its next message is read only when its turn comes, so a flood
# waits in its own connection (finding 10).
MESSAGE_BURST = 100
MESSAGES_PER_SECOND = 10.0
# What the server's process opens, measured (docs/hosting.md): each kernel websocket connects four ZeroMQ
# sockets (shell, control, stdin, iopub); the server keeps a few more per kernel (its own client while a page
# is rendered, the heartbeat); each ZeroMQ socket holds up to three file descriptors (the socket, its
# mailbox, a connection), and each kernel process a few pipes.
ZMQ_PER_WEBSOCKET = 4
ZMQ_PER_KERNEL = 6
FILES_PER_ZMQ_SOCKET = 3
FILES_PER_KERNEL = 8
FILES_FOR_THE_SERVER = 512  # listening sockets, the browsers' connections, logs, the template's files
ZMQ_DEFAULT_MAX_SOCKETS = 1023

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Refusal:
    """A page not served: too many kernels in all (503) or for this visitor (429)."""

    status: int
    reason: str
    title: str
    message: str
    retry_after: int


@dataclass(frozen=True)
class Reservation:
    """A place under the caps, held for a page while its kernel starts."""

    number: int
    client: str


class Pace:
    """A kernel's incoming messages let through at `rate` a second after a burst of `burst` (the generic cell
    rate algorithm, a token bucket kept as one time): `delay` says how long the next message must wait."""

    def __init__(self, rate: float = MESSAGES_PER_SECOND, burst: int = MESSAGE_BURST) -> None:
        self.interval = 1.0 / rate
        self.tolerance = burst * self.interval
        self._due = 0.0  # when the next message would be on time, were none let through early

    def delay(self, now: float) -> float:
        """Seconds the message arriving `now` waits before it passes (0: at once); its place is taken."""
        due = max(self._due, now)
        wait = max(0.0, due - self.tolerance - now)
        self._due = due + self.interval
        return wait


@dataclass
class _Held:
    client: str
    browser: str  # a digest of the browser's cookie, never the cookie itself
    handed_at: float
    connected: bool = False
    websockets: int = 0
    left_at: float | None = None  # when its page's last websocket closed (None: open, or never connected)
    pace: Pace = field(default_factory=Pace)

    def in_use(self, now: float, grace: float) -> bool:
        """Whether a page holds it: connected now, or handed out within `grace` and not connected yet."""
        return self.websockets > 0 or (not self.connected and now - self.handed_at < grace)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class KernelLedger:
    """The kernels handed to visitors. `max_kernels` or `per_client` of 0 means no cap of that kind.

    Places are reserved before a kernel starts and settled (`hand_out`) when its id is known, so that pages
    asked for at the same moment cannot all pass the cap together. Kernels that are no longer live are
    forgotten whenever the ledger is asked about live ones."""

    def __init__(self, max_kernels: int, per_client: int, grace: float, left_grace: float = 600.0) -> None:
        self.max_kernels = max_kernels
        self.per_client = per_client
        self.grace = grace
        self.left_grace = left_grace
        self._held: dict[str, _Held] = {}
        self._pending: dict[int, Reservation] = {}
        self._next = 0

    def _prune(self, live: set[str]) -> None:
        for kernel_id in [k for k in self._held if k not in live]:
            del self._held[kernel_id]

    def held(self, client: str | None = None, now: float | None = None) -> int:
        """Kernels held or being started, in all or for one visitor. For one visitor, only the kernels a page
        of theirs holds: a browser that crashed with ten tabs leaves ten kernels no page will come back to, and
        they must not lock the student out (hosting review of 5 December 2026, F4; they are shut down after
        `left_grace`, and count towards the server's total until then)."""
        if client is None:
            return len(self._held) + len(self._pending)
        moment = time.monotonic() if now is None else now
        holding = [h for h in self._held.values() if h.client == client and h.in_use(moment, self.grace)]
        return len(holding) + sum(1 for r in self._pending.values() if r.client == client)

    def reserve(self, client: str, live: set[str], now: float | None = None) -> Reservation | Refusal:
        self._prune(live)
        if self.max_kernels and self.held() >= self.max_kernels:
            return Refusal(
                503,
                f"{self.max_kernels} kernels in use, the most this server starts",
                "The workbook is full just now",
                "Every place on this server is taken at the moment. Nothing you have saved is lost. "
                "Wait a minute or two, then reload this page.",
                60,
            )
        if self.per_client and self.held(client, now) >= self.per_client:
            return Refusal(
                429,
                f"one visitor holds {self.per_client} kernels, the most one visitor may",
                "Too many workbook pages are open",
                f"This browser, or this network, has {self.per_client} workbook pages open: the most one "
                "visitor may have at once. Close the workbook tabs you are not using, wait a minute, then "
                "reload this page. Nothing you have saved is lost.",
                30,
            )
        self._next += 1
        reservation = Reservation(self._next, client)
        self._pending[reservation.number] = reservation
        return reservation

    def hand_out(self, reservation: Reservation, kernel_id: str, browser_token: str, now: float) -> None:
        self._pending.pop(reservation.number, None)
        self._held[kernel_id] = _Held(reservation.client, _digest(browser_token), now)

    def release(self, reservation: Reservation) -> None:
        """The page ended without a kernel being handed out: its place is free again."""
        self._pending.pop(reservation.number, None)

    def may_use(self, kernel_id: str, browser_token: str | None) -> bool:
        """True only for the browser the kernel's page was rendered for."""
        held = self._held.get(kernel_id)
        if held is None or not browser_token:
            return False
        return hmac.compare_digest(_digest(browser_token), held.browser)

    def connected(self, kernel_id: str) -> None:
        held = self._held.get(kernel_id)
        if held is not None:
            held.connected = True

    def open_websocket(self, kernel_id: str) -> bool:
        """A place for one more websocket to this kernel: False when it has WEBSOCKETS_PER_KERNEL open (or is
        nobody's). Every place taken is given back with `close_websocket`."""
        held = self._held.get(kernel_id)
        if held is None or held.websockets >= WEBSOCKETS_PER_KERNEL:
            return False
        held.websockets += 1
        held.left_at = None
        return True

    def close_websocket(self, kernel_id: str, now: float | None = None) -> None:
        held = self._held.get(kernel_id)
        if held is not None and held.websockets > 0:
            held.websockets -= 1
            if held.websockets == 0:
                held.left_at = time.monotonic() if now is None else now

    def websockets(self, kernel_id: str) -> int:
        held = self._held.get(kernel_id)
        return 0 if held is None else held.websockets

    def message_delay(self, kernel_id: str, now: float) -> float:
        """Seconds a message to this kernel waits before it is passed on, at its pages' shared pace."""
        held = self._held.get(kernel_id)
        return 0.0 if held is None else held.pace.delay(now)

    def unconnected(self, live: set[str], now: float) -> list[str]:
        """Kernels handed out at least `grace` seconds ago that no page has connected to, and kernels whose
        page went away (its last websocket closed) at least `left_grace` seconds ago and has not come back."""
        self._prune(live)
        return [
            k
            for k, h in self._held.items()
            if (not h.connected and now - h.handed_at >= self.grace)
            or (h.left_at is not None and now - h.left_at >= self.left_grace)
        ]

    def forget(self, kernel_id: str) -> None:
        self._held.pop(kernel_id, None)


_CURRENT: ContextVar[Claim | None] = ContextVar("selfexplore_claim", default=None)


class Claim:
    """A page request's place under the caps, and the kernel it is given once that is known.

    Active for the whole of the request's own task; the server calls `Claim.record` where Voila hands a
    kernel to a request. The first kernel recorded is the page's; later ones (none are expected) are not."""

    def __init__(self, ledger: KernelLedger, reservation: Reservation, browser_token: str) -> None:
        self.ledger = ledger
        self.reservation = reservation
        self.browser_token = browser_token
        self.kernel_id: str | None = None

    @contextmanager
    def active(self) -> Iterator[Claim]:
        token = _CURRENT.set(self)
        try:
            yield self
        finally:
            _CURRENT.reset(token)
            if self.kernel_id is None:
                self.ledger.release(self.reservation)

    @staticmethod
    def record(kernel_id: str, now: float | None = None) -> None:
        claim = _CURRENT.get()
        if claim is None or claim.kernel_id is not None:
            return
        claim.kernel_id = kernel_id
        claim.ledger.hand_out(
            claim.reservation, kernel_id, claim.browser_token, time.monotonic() if now is None else now
        )


def new_browser_token() -> str:
    return secrets.token_urlsafe(32)


class Backoff:
    """Wrong sign-in attempts of each visitor: after `free` within `window` seconds, the visitor is refused
    outright (right or wrong) for 2, 4, 8... seconds after each further failure, up to `longest`. Refusing
    rather than waiting means parallel guesses are refused too, and nobody else waits."""

    def __init__(self, free: int = 5, window: float = 600.0, longest: float = 60.0) -> None:
        self.free = free
        self.window = window
        self.longest = longest
        self._failures: dict[str, list[float]] = {}

    def _recent(self, client: str, now: float) -> list[float]:
        recent = [at for at in self._failures.get(client, []) if now - at < self.window]
        if recent:
            self._failures[client] = recent
        else:
            self._failures.pop(client, None)
        return recent

    def wait(self, client: str, now: float) -> float:
        """Seconds before this visitor may try again (0: now)."""
        recent = self._recent(client, now)
        if len(recent) <= self.free:
            return 0.0
        return max(0.0, recent[-1] + min(self.longest, 2.0 ** (len(recent) - self.free)) - now)

    def failed(self, client: str, now: float) -> None:
        self._failures[client] = [*self._recent(client, now), now]

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


# --- addresses --------------------------------------------------------------------------------------------


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or networks (127.0.0.1, 10.0.0.0/8, ::1); an item that is neither is an error."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an address or a network such as 10.0.0.0/8") from None
    return tuple(networks)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((text or "").split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def within(address: str | None, networks: tuple[Network, ...]) -> bool:
    found = _address(address)
    return found is not None and any(found in network for network in networks)


def is_loopback(address: str | None) -> bool:
    found = _address(address)
    return found is not None and found.is_loopback


def client_key(
    remote: str | None, headers: Mapping[str, str], proxies: tuple[Network, ...], trusted_header: str = ""
) -> str:
    """Who a visitor is, for the cap on one visitor's kernels and the count of their wrong codes. Behind a
    trusted proxy: the user it signed in, else the address it forwarded for (the last in X-Forwarded-For,
    the one the proxy itself added). From anyone else, the address the request came from: a header a visitor
    sends is not believed. An IPv6 visitor is their /64, the block one home or one machine is given: one
    visitor holds 2^64 addresses in it (security review of 5 December 2026, finding 8)."""
    if within(remote, proxies):
        user = headers.get(trusted_header, "").strip() if trusted_header else ""
        if user:
            return f"user:{user}"
        forwarded = [part.strip() for part in headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if forwarded and _address(forwarded[-1]) is not None:
            return f"address:{_visitor_block(forwarded[-1])}"
    found = _visitor_block(remote)
    return f"address:{found if found is not None else remote or 'unknown'}"


def _visitor_block(text: str | None) -> str | None:
    found = _address(text)
    if isinstance(found, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((found, 64), strict=False))
    return None if found is None else str(found)


def visitor_tag(client: str, secret: bytes) -> str:
    """The visitor as the kernel is told (request.VISITOR_HEADER): a hash of `client_key` keyed with the
    server's own secret, so that no address or user name reaches the kernel or the store this way."""
    return hmac.new(secret, client.encode(), hashlib.sha256).hexdigest()[:32]


def over_https(protocol: str, remote: str | None, headers: Mapping[str, str], proxies: tuple[Network, ...]) -> bool:
    """Whether the browser's request came over HTTPS: to this server itself, or to a trusted proxy that says
    so in X-Forwarded-Proto (the last value, the one the proxy itself added). From anyone else the header is
    not believed, so a cookie is never marked Secure on a visitor's word, nor left plain behind the proxy."""
    if protocol == "https":
        return True
    if not within(remote, proxies):
        return False
    forwarded = [part.strip().lower() for part in headers.get("X-Forwarded-Proto", "").split(",") if part.strip()]
    return bool(forwarded) and forwarded[-1] == "https"


# --- the sign-in cookie ------------------------------------------------------------------------------------

# Where the server is a whole HTTPS origin, the sign-in cookie carries the __Host- prefix: the browser takes
# it only from this host, Secure, for Path=/ and without a Domain, so a page on a sibling subdomain of the
# school's cannot plant one (cookie tossing: security review of 5 December 2026, finding 2).
HOST_ONLY_PREFIX = "__Host-"


def cookie_values(header: str, name: str) -> list[str]:
    """Every value the Cookie header gives `name`, in order: a browser sends one per cookie it holds of that
    name (this host's, and any a sibling domain set), where a parser keeps only the last."""
    values = []
    for pair in header.split(";"):
        key, equals, value = pair.strip().partition("=")
        if equals and key.strip() == name:
            values.append(value.strip().strip('"'))
    return values


def chosen_pass(header: str, name: str, host_only: bool) -> str | None:
    """The page pass a request signs in with. With `host_only` (this server is a whole HTTPS origin), only
    the __Host- cookie counts: a plain one could have been set by a sibling domain. Otherwise the plain
    cookie, if the browser holds exactly one: two mean that another site set one beside this server's, and
    neither is believed (the student is signed out and signs in again)."""
    values = cookie_values(header, HOST_ONLY_PREFIX + name if host_only else name)
    return values[0] if len(values) == 1 and values[0] else None


def without_cookies(header: str, names: set[str]) -> str:
    """The Cookie header without any cookie of these names."""
    kept = [pair.strip() for pair in header.split(";") if pair.strip().partition("=")[0].strip() not in names]
    return "; ".join(pair for pair in kept if pair)


# --- logs ---------------------------------------------------------------------------------------------------

_KERNEL_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SECRET_VALUE = re.compile(r"\b(pass|code|token|_xsrf|selfexplore_pass|selfexplore_browser)=[^&\s;'\"]+", re.I)


def scrub(text: str) -> str:
    """A log line with every kernel id and every pass, code, token or cookie value replaced."""
    return _SECRET_VALUE.sub(r"\1=[hidden]", _KERNEL_ID.sub("[kernel]", text))


def said_on_purpose(record: logging.LogRecord) -> bool:
    """False for a warning about what the server does on purpose, once per page: the app's notebook "is not
    trusted" (it has no output to trust, and Voila runs it by design). Used as a logging filter, so that the
    log holds what a host needs to read (walk review of 5 December 2026)."""
    try:
        message = record.getMessage()
    except Exception:  # a record that cannot be formatted is left for logging to report
        return True
    return not (message.startswith("Notebook ") and message.endswith(" is not trusted"))


def scrub_every_log_record() -> None:
    """Make every log record of this process scrubbed (see `scrub`), whichever logger or handler writes it:
    Tornado logs a failed request with its whole address, Voila and Jupyter Server kernel ids."""
    make = logging.getLogRecordFactory()
    if getattr(make, "scrubs", False):
        return

    def scrubbed(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is left for logging to report
            return record
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return record

    scrubbed.scrubs = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(scrubbed)


# --- caps ---------------------------------------------------------------------------------------------------


def memory_mib(cgroup: Path = Path("/sys/fs/cgroup/memory.max")) -> int:
    """The memory this server may use: a container's limit (cgroup v2) when it has one, else the machine's."""
    try:
        limit = cgroup.read_text(encoding="ascii").strip()
    except OSError:
        limit = "max"
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return min(machine, int(limit) // 2**20) if limit.isdigit() else machine


def default_max_kernels(memory: int) -> int:
    """Kernels a server with `memory` MiB may start: KERNEL_SHARE of what is left after SERVER_MIB, at
    KERNEL_MIB each, and never fewer than two (a student's page and its reload)."""
    return max(2, int((memory - SERVER_MIB) * KERNEL_SHARE // KERNEL_MIB))


# What one kernel handed out costs the server's process, with its websockets at the cap.
_ZMQ_PER_HANDED_KERNEL = WEBSOCKETS_PER_KERNEL * ZMQ_PER_WEBSOCKET + ZMQ_PER_KERNEL
_FILES_PER_HANDED_KERNEL = _ZMQ_PER_HANDED_KERNEL * FILES_PER_ZMQ_SOCKET + FILES_PER_KERNEL


def zmq_sockets_needed(max_kernels: int, pool: int) -> int:
    """ZeroMQ sockets the server may open with `max_kernels` handed out (each with its websockets at the cap)
    and `pool` more waiting: at least ZeroMQ's own default."""
    return max(ZMQ_DEFAULT_MAX_SOCKETS, (max_kernels + pool) * _ZMQ_PER_HANDED_KERNEL)


def descriptors_needed(max_kernels: int, pool: int) -> int:
    """File descriptors the server's process may hold at its caps (see `zmq_sockets_needed`)."""
    return FILES_FOR_THE_SERVER + (max_kernels + pool) * _FILES_PER_HANDED_KERNEL


def kernels_within(descriptors: int, pool: int) -> int:
    """The most kernels handed out that `descriptors` open files cover, with `pool` waiting."""
    return max(0, (descriptors - FILES_FOR_THE_SERVER) // _FILES_PER_HANDED_KERNEL - pool)


def refusal_page(refusal: Refusal, base_url: str) -> str:
    """The page a refused visitor sees: what happened and what to do, in the workbook's own style."""
    style = escape(f"{base_url}voila/templates/selfexplore/static/selfexplore.css")
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(refusal.title)}: selfexplore</title><link rel='stylesheet' href='{style}'></head>"
        f"<body><main class='se-main se-refused'><h1>{escape(refusal.title)}</h1><p>{escape(refusal.message)}</p>"
        f"<p><a href='{escape(base_url)}'>Open the workbook again</a></p></main></body></html>\n"
    )
