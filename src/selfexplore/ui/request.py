"""The page request as a kernel sees it: its query string and the headers Voila passes on.

With preheated kernels Voila runs the notebook before anyone asks for the page, so the request (query
string, forwarded headers) reaches the kernel later, over a websocket at /voila/query/<kernel id>. Voila's
own helper for this, `voila.utils.wait_for_request`, imports the whole Voila server (about a thousand
modules) into the kernel; this module speaks the same small protocol with Tornado, which the kernel has
loaded already, so a student's kernel stays small.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Mapping, MutableMapping
from urllib.parse import parse_qs

CONNECT_TIMEOUT = 10.0
_received = False


def _query_url(environ: Mapping[str, str]) -> str:
    protocol = environ.get("VOILA_WS_PROTOCOL", "ws")
    host = environ.get("VOILA_APP_IP", "127.0.0.1")
    port = environ.get("VOILA_APP_PORT", "8866")
    base = environ.get("VOILA_WS_BASE_URL", environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base}voila/query/{environ.get('VOILA_KERNEL_ID', '')}"


async def _receive(url: str) -> str | None:
    from tornado.websocket import websocket_connect

    connection = await websocket_connect(url, connect_timeout=CONNECT_TIMEOUT)
    try:
        message = await connection.read_message()
    finally:
        connection.close()
    return message if isinstance(message, str) else None


def _wait(environ: MutableMapping[str, str]) -> None:
    result: list[str | None] = []

    def run() -> None:
        # The kernel's own event loop is busy running this cell: talk to Voila from a thread of our own.
        try:
            result.append(asyncio.run(_receive(_query_url(environ))))
        except Exception as error:
            # Like Voila's own helper: warn and go on; the page then opens as if nobody were signed in.
            logging.getLogger(__name__).warning("no page request from Voila: %s", error)

    thread = threading.Thread(target=run, name="selfexplore-request", daemon=True)
    thread.start()
    thread.join()
    if result and result[0]:
        environ.update({str(key): str(value) for key, value in json.loads(result[0]).items()})


def request_environ(environ: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """The kernel's environment once it holds the page request (waits for it in a preheated kernel)."""
    global _received
    target = os.environ if environ is None else environ
    if target.get("VOILA_PREHEAT") == "True" and not _received:
        _wait(target)
        _received = True
    return target


def query_parameter(environ: Mapping[str, str], name: str) -> str | None:
    """The first value of one query-string parameter, or None."""
    values = parse_qs(environ.get("QUERY_STRING", "")).get(name)
    return values[0] if values else None


def forwarded_headers(environ: Mapping[str, str]) -> dict[str, str]:
    """Headers Voila passed on as HTTP_* variables (only those named in its http_header_envs setting)."""
    return {
        key.removeprefix("HTTP_").replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
