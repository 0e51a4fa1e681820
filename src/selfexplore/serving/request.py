"""The page request as a kernel sees it: its query string, the headers Voila passes on, and the cookies.

Voila hands a kernel the request that opened its page as CGI-style variables (QUERY_STRING, HTTP_<NAME>
for the headers named in its `http_header_envs` setting). A kernel started for the request has them in its
environment. A preheated kernel is started and runs the app before anyone asks for the page, so the
request reaches it later, over a websocket at /voila/query/<kernel id>. Voila's own helper for this,
`voila.utils.wait_for_request`, blocks the cell and imports the whole Voila server (about a thousand
modules) into the kernel; `wait_for_request` below speaks the same small protocol with Tornado, which the
kernel has loaded already, and does not block: the app is on screen while it waits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

# The cookie that keeps a student signed in between reloads of the app in the same browser. It holds a
# page pass (see Store.issue_pass), never the resume code, and it is never part of an address: a link a
# student forwards signs nobody in.
PASS_COOKIE = "selfexplore_pass"  # noqa: S105 - the name of a cookie, not a secret
# Who the server took the visitor to be (selfexplore.serving.guard.visitor_tag: a keyed hash, never an
# address), handed to the kernel with the request: wrong codes are counted per visitor, across all the kernels
# one visitor holds. The server removes the header from every request before setting it.
VISITOR_HEADER = "X-Selfexplore-Visitor"
# The hub user a page request was signed in as, on the one workbook server the hub's users share (a hub
# service: selfexplore.serving.hubvoila). That server removes the header from every request and sets it from
# the hub's OAuth sign-in; a kernel of a hub service believes it, and no other kernel does.
HUB_USER_HEADER = "X-Selfexplore-Hub-User"
# A preheated kernel's proof, on the websocket where it hears its page's request (selfexplore.codes.query_proof).
QUERY_PROOF_HEADER = "X-Selfexplore-Kernel-Proof"
CONNECT_TIMEOUT = 10.0
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageRequest:
    """What the browser asked for: the query string's parameters, the forwarded headers, the cookies."""

    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> PageRequest:
        headers = forwarded_headers(environ)
        return cls(environ.get("QUERY_STRING", ""), headers, parse_cookies(headers.get("cookie", "")))

    def parameter(self, name: str) -> str | None:
        """The first value of one query-string parameter, or None."""
        values = parse_qs(self.query).get(name)
        return values[0] if values else None


def forwarded_headers(environ: Mapping[str, str]) -> dict[str, str]:
    """Headers Voila passed on as HTTP_* variables (only those named in its http_header_envs setting)."""
    return {
        key.removeprefix("HTTP_").replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }


def parse_cookies(header: str) -> dict[str, str]:
    """A Cookie header as a mapping; a malformed header gives no cookies rather than an error."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def is_preheated(environ: Mapping[str, str]) -> bool:
    """True in a kernel Voila started ahead of any request (its request arrives later)."""
    return environ.get("VOILA_PREHEAT") == "True"


def query_url(environ: Mapping[str, str]) -> str:
    """Where a preheated kernel hears its page request from Voila."""
    protocol = environ.get("VOILA_WS_PROTOCOL", "ws")
    host = environ.get("VOILA_APP_IP", "127.0.0.1")
    port = environ.get("VOILA_APP_PORT", "")
    base = environ.get("VOILA_WS_BASE_URL", environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base}voila/query/{environ.get('VOILA_KERNEL_ID', '')}"


async def wait_for_request(environ: Mapping[str, str], kernel_key: bytes = b"") -> dict[str, str]:
    """The request of a preheated kernel's page, as environment variables; empty when it cannot come (the
    connection to Voila failed or closed: the app then opens as for a request with nothing in it). The
    kernel proves itself with `kernel_key`, its connection key (selfexplore.codes.query_proof).

    Runs on the kernel's own event loop, so the cell that started the app has already returned. There is no
    time limit: a kernel may wait in the pool for hours before a student arrives."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    from selfexplore.codes import query_proof

    url = query_url(environ)
    headers = {QUERY_PROOF_HEADER: query_proof(kernel_key, environ.get("VOILA_KERNEL_ID", ""))} if kernel_key else {}
    try:
        connection = await websocket_connect(HTTPRequest(url, headers=headers, connect_timeout=CONNECT_TIMEOUT))
    except Exception as error:
        _log.warning("no page request from Voila: %s", type(error).__name__)
        return {}
    try:
        message = await connection.read_message()
    finally:
        connection.close()
    if not isinstance(message, str):
        return {}
    try:
        payload = json.loads(message)
    except ValueError:
        return {}
    return {str(key): str(value) for key, value in payload.items()} if isinstance(payload, dict) else {}
