"""A room opening the app at once: N students arrive at the same moment; how long each waits for usable
widgets, and whether anyone is left with a blank or failed page.

    .venv/bin/python -m benchmarks.burst_bench [--students 8 30] [--browsers 3] [--single 3]

For each N a server is started as `selfexplore serve --pool N` starts it (a pool sized for the room) and
left to fill its pool and go idle. Then:

1. One student alone, --single times (the pool refilled and the server idle before each): a real browser
   in a fresh context opens the app; the time runs from the start of the navigation until the start page's
   first control is usable (checked inside the page at each animation frame).
2. The burst: N students at the same moment. A few (--browsers) are real Chromium pages, measured as
   above; the rest are clients that do what a browser does, over the wire: fetch the page, fetch the same
   static files a browser fetched in step 1 (six at a time, as a browser does), open the kernel's websocket
   and speak the widget protocol (ask for the widgets' state, wait for the start page's "Start a new
   workbook" button to exist), then click it and wait for the resume code. Two cores cannot drive thirty
   browsers; these clients let the server meet thirty students' worth of requests and kernels. Their time
   runs from the burst's start until the button exists; then until the resume code is shown.
3. Blank or failed: a page whose HTML holds no widget output (the blank page of Voila's IOPub timeout), a
   client whose widgets never arrive, or a browser page whose app is not usable within the timeout. A
   browser page that said "taking longer than usual" and reloaded itself is reported as retried.

The target (issue 10): no blank or failed page, and p95 time to usable widgets at most 3× a single
student's, for N = 8 and N = 30. A benchmark, not a test: it reports and never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
from playwright.async_api import Browser, async_playwright

from benchmarks.servers import (
    POOL_FILLED,
    Server,
    chromium,
    fresh_store,
    machine,
    own_cpu,
    percentile,
    settle,
    steal_since,
    workbook_server,
)
from selfexplore.workbook import APP_NOTEBOOK
from tests.browser.chromium import CHROMIUM_FLAGS, is_local

TIMEOUT = 180.0
P95_VS_SINGLE = 3.0
START_CONTROL = ".se-body .se-view-start :is(input:not([type=hidden]), button, select, textarea, a[href])"
WATCH = """
window.__seReady = null;
(function tick() {
  if (window.__seReady === null) {
    const el = document.querySelector(SELECTOR);
    if (el && !el.disabled) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) { window.__seReady = performance.now(); }
    }
  }
  requestAnimationFrame(tick);
})();
""".replace("SELECTOR", json.dumps(START_CONTROL))
WIDGET_OUTPUT = "application/vnd.jupyter.widget-view+json"
CONTROL_PROTOCOL = "1.0.0"


@dataclass
class Arrival:
    who: str  # "browser" or "client"
    usable: float | None = None  # seconds from the burst's start until usable widgets
    started: float | None = None  # until the resume code (clients)
    failure: str | None = None
    retried: bool = False


# --- a browser ---------------------------------------------------------------------------------------------


async def browser_visit(browser: Browser, url: str, t0: float, record: list[str] | None = None) -> Arrival:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    arrival = Arrival("browser")
    try:
        await context.route(lambda target: not is_local(target), lambda route: route.abort("blockedbyclient"))
        await context.add_init_script(WATCH)
        page = await context.new_page()
        loads = 0

        def loaded(_page: object) -> None:
            nonlocal loads
            loads += 1

        page.on("load", loaded)
        if record is not None:
            page.on("request", lambda request: record.append(request.url) if request.method == "GET" else None)
        await page.goto(url, wait_until="commit", timeout=TIMEOUT * 1000)
        try:
            await page.wait_for_function("() => window.__seReady !== null", timeout=TIMEOUT * 1000)
        except Exception:
            notice = await page.locator("#se-opening").inner_text() if await page.locator("#se-opening").count() else ""
            arrival.failure = f"not usable within {TIMEOUT:.0f} s ({notice[:80]})"
            return arrival
        origin, ready = await page.evaluate("[performance.timeOrigin, window.__seReady]")
        arrival.usable = (origin + ready) / 1000 - t0
        arrival.retried = loads > 1
        return arrival
    finally:
        await context.close()


# --- a client that speaks the widget protocol ---------------------------------------------------------------


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readline()).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                return body
            body += await reader.readexactly(size)
            await reader.readline()
    return await reader.readexactly(int(headers.get("content-length", "0")))


async def fetch_all(
    host: str, port: int, paths: list[str], connections: int = 6, headers: dict[str, str] | None = None
) -> int:
    """GET every path over `connections` kept-alive connections, as a browser fetches a page's scripts and
    styles; returns the bytes received."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    received = 0

    async def connection() -> None:
        nonlocal received
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                path = queue.get_nowait()
                request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n{extra}\r\n"
                writer.write(request.encode())
                await writer.drain()
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
                received += len(await _read_body(reader, headers))
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(min(connections, len(paths)))))
    return received


def _message(
    session: str, channel: str, msg_type: str, content: dict[str, Any], metadata: dict[str, Any] | None = None
) -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "username": "burst",
        "session": session,
        "msg_type": msg_type,
        "version": "5.3",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
    )


@dataclass
class OpenedPage:
    """A page opened over the wire: its kernel's websocket (with the page's cookies) and its session id."""

    socket: Any
    session: str
    headers: dict[str, str]
    channels: str  # the kernel's websocket address, without a session


async def open_page(
    base: str,
    statics: list[str],
    *,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    path: str = "/",
) -> OpenedPage | str:
    """Fetch the page as a browser does (then its `statics`), keep its cookies and open its kernel's
    websocket with them; a string says why it could not."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    http = AsyncHTTPClient(force_instance=True, max_clients=6)
    try:
        page = await http.fetch(
            HTTPRequest(f"{base}{path}", headers=headers, request_timeout=timeout), raise_error=False
        )
    finally:
        http.close()
    html = page.body.decode(errors="replace")
    if page.code != 200:
        return f"the page answered {page.code}"
    if WIDGET_OUTPUT not in html:
        return "blank page: no widget output in the HTML"
    config = re.search(r'<script id="jupyter-config-data" type="application/json">\s*(\{.*?\})\s*</script>', html, re.S)
    if config is None:
        return "no kernel in the page"
    kernel = json.loads(config.group(1))["kernelId"]
    # The page's cookies, as a browser keeps them: the workbook's server answers a kernel's websocket
    # only with the cookie it set on the kernel's page (selfexplore.serving.server).
    jar = SimpleCookie()
    for line in page.headers.get_list("Set-Cookie"):
        jar.load(line)
    given = dict(headers or {})
    if jar:
        kept = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
        given["Cookie"] = "; ".join(filter(None, [given.get("Cookie", ""), kept]))
    # What a browser fetches next, over six kept-alive connections.
    if statics:
        where = urlsplit(base)
        paths = [urlsplit(url)._replace(scheme="", netloc="").geturl() for url in statics]
        await fetch_all(where.hostname or "127.0.0.1", where.port or 80, paths, headers=given)
    session = uuid.uuid4().hex
    channels = f"{base.replace('http://', 'ws://')}/api/kernels/{kernel}/channels"
    socket = await websocket_connect(
        HTTPRequest(f"{channels}?session_id={session}", headers=given, request_timeout=timeout)
    )
    return OpenedPage(socket, session, given, channels)


async def ask_for_states(socket: Any, session: str) -> None:
    """Ask the kernel for every widget's state, as the browser's widget manager does when a page opens."""
    control = uuid.uuid4().hex
    await socket.write_message(
        _message(
            session,
            "shell",
            "comm_open",
            {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
            # The widget control protocol's version, as the browser's widget manager sends it.
            {"version": CONTROL_PROTOCOL},
        )
    )
    await socket.write_message(
        _message(session, "shell", "comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
    )


def absorb(models: dict[str, dict[str, Any]], raw: str | bytes) -> None:
    """Keep what one message from the kernel says of the widgets' states (a binary message, with buffers,
    holds no widget of the workbook's)."""
    if not isinstance(raw, str):
        return
    message = json.loads(raw)
    kind = message["header"]["msg_type"]
    content = message.get("content", {})
    if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
        models[content["comm_id"]] = dict(content.get("data", {}).get("state", {}))
    elif kind == "comm_msg":
        data = content.get("data", {})
        if data.get("method") == "update_states":
            for model_id, model in data.get("states", {}).items():
                models[model_id] = dict(model.get("state", {}))
        elif data.get("method") == "update":
            models.setdefault(content["comm_id"], {}).update(data.get("state", {}))


async def client_visit(
    base: str,
    statics: list[str],
    t0: float,
    *,
    headers: dict[str, str] | None = None,
    ready: str = "Start a new workbook",
    click: bool = True,
    timeout: float = TIMEOUT,
    path: str = "/",
) -> Arrival:
    """Open the app as a browser would, over the wire: usable once a button described `ready` exists in the
    widgets' state; with `click`, press it and wait for the resume code. `headers` go with every request
    (a hub's token). `timeout`: seconds from `t0` before the client gives up. `path`: the page's, under
    `base` (the app is at its root)."""
    arrival = Arrival("client")
    try:
        opened = await open_page(base, statics, headers=headers, timeout=timeout, path=path)
        if isinstance(opened, str):
            arrival.failure = opened
            return arrival
        socket, session = opened.socket, opened.session
        try:
            await ask_for_states(socket, session)
            models: dict[str, dict[str, Any]] = {}
            button: str | None = None
            deadline = t0 + timeout
            while time.time() < deadline:
                raw = await asyncio.wait_for(socket.read_message(), deadline - time.time())
                if raw is None:
                    arrival.failure = "the kernel's websocket closed"
                    return arrival
                absorb(models, raw)
                if button is None:
                    button = next((m for m, s in models.items() if s.get("description") == ready), None)
                    if button is not None:
                        arrival.usable = time.time() - t0
                        if not click:
                            return arrival
                        click = {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}}
                        await socket.write_message(_message(session, "shell", "comm_msg", click))
                elif any("se-code" in str(s.get("value", "")) for s in models.values()):
                    arrival.started = time.time() - t0
                    return arrival
            arrival.failure = f"no widgets within {timeout:.0f} s" if button is None else "no resume code"
            return arrival
        finally:
            socket.close()
    except Exception as error:
        arrival.failure = f"{type(error).__name__}: {error}"[:200]
        return arrival


# --- a room ------------------------------------------------------------------------------------------------


@dataclass
class Room:
    students: int
    browsers: int
    statics: bool  # the clients fetched the page's scripts and styles, as a browser does
    single: list[float] = field(default_factory=list)
    arrivals: list[Arrival] = field(default_factory=list)
    server_cpu: float = 0.0
    harness_cpu: float = 0.0
    steal: float = 0.0  # share of the CPU the hypervisor took during the burst
    first_refill: float | None = None  # seconds from the burst's start until the pool's first replacement started
    refilled_after: float | None = None  # seconds from the last arrival until the pool was full again


def _cpu(server: Server) -> float:
    total = 0.0
    for process in server.tree():
        with contextlib.suppress(Exception):
            times = process.cpu_times()
            total += times.user + times.system
    return total


async def run_room(browser: Browser, folder: Path, students: int, browsers: int, singles: int, statics: bool) -> Room:
    room = Room(students, browsers, statics)
    database, store = fresh_store(folder / f"room-{students}")
    store.close()
    with workbook_server(f"room of {students}", folder / f"room-{students}", database, pool=students) as server:
        filled = POOL_FILLED.format(APP_NOTEBOOK)
        server.wait_for_log(filled, 1, timeout=900)
        fetched: list[str] = []
        for number in range(singles):
            await asyncio.to_thread(settle, [server])
            alone = await browser_visit(browser, f"{server.base}/", time.time(), fetched if number == 0 else None)
            if alone.usable is not None:
                room.single.append(alone.usable)
            server.wait_for_log(filled, 2 + number, timeout=900)
        own = [u for u in dict.fromkeys(fetched) if u.startswith(server.base) and "/voila/" in u] if statics else []
        await asyncio.to_thread(settle, [server])
        fills = server.log_count(filled)
        kernels = len(server.kernels())
        cpu_before, harness_before, machine_before = _cpu(server), own_cpu(), psutil.cpu_times()
        t0 = time.time()

        async def watch_refills() -> None:
            # The pool's replacements are new kernel processes: note when the first appears.
            while room.first_refill is None:
                if len(await asyncio.to_thread(server.kernels)) > kernels:
                    room.first_refill = time.time() - t0
                await asyncio.sleep(0.25)

        watching = asyncio.ensure_future(watch_refills())
        tasks = [browser_visit(browser, f"{server.base}/", t0) for _ in range(browsers)]
        tasks += [client_visit(server.base, own, t0) for _ in range(students - browsers)]
        room.arrivals = list(await asyncio.gather(*tasks))
        done = time.time()
        room.server_cpu = _cpu(server) - cpu_before
        room.harness_cpu = own_cpu() - harness_before - room.server_cpu
        room.steal = steal_since(machine_before)
        with contextlib.suppress(RuntimeError):
            # Each replacement logs "filled" once it has started (see voila_kernel_manager.fill_if_needed).
            await asyncio.to_thread(server.wait_for_log, filled, fills + students, 1800)
            room.refilled_after = time.time() - done
        watching.cancel()
    return room


def report(rooms: list[Room]) -> None:
    print(
        "| students at once | browsers + clients | clients fetch scripts | one student alone, median s | p95 s "
        "| p95 vs alone | median s | max s | blank or failed | retried | server CPU-s | first replacement at s "
        "| pool full again after s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for room in rooms:
        usable = [a.usable for a in room.arrivals if a.usable is not None]
        single = statistics.median(room.single)
        failed = [a for a in room.arrivals if a.failure]
        p95 = percentile(usable, 0.95) if usable else float("nan")
        refilled = f"{room.refilled_after:.0f}" if room.refilled_after is not None else "–"
        first = f"{room.first_refill:.1f}" if room.first_refill is not None else "–"
        median = statistics.median(usable) if usable else float("nan")
        print(
            f"| {room.students} | {room.browsers} + {room.students - room.browsers} | "
            f"{'yes' if room.statics else 'no'} | {single:.2f} | {p95:.2f} | "
            f"{p95 / single:.2f}× | {median:.2f} | {max(usable, default=float('nan')):.2f} | {len(failed)} | "
            f"{sum(a.retried for a in room.arrivals)} | {room.server_cpu:.0f} | {first} | {refilled} |"
        )
    print()
    for room in rooms:
        usable = [a.usable for a in room.arrivals if a.usable is not None]
        single = statistics.median(room.single)
        p95 = percentile(usable, 0.95) if usable else float("nan")
        failed = [a for a in room.arrivals if a.failure]
        verdict = "met" if not failed and p95 <= P95_VS_SINGLE * single else "**missed**"
        print(
            f"- N = {room.students}: {len(failed)} blank or failed, p95 {p95:.2f} s against {single:.2f} s alone "
            f"({p95 / single:.2f}×; target ≤ {P95_VS_SINGLE}× with none failed) — {verdict}"
        )
        browsers = sorted(a.usable for a in room.arrivals if a.who == "browser" and a.usable is not None)
        clients = sorted(a.usable for a in room.arrivals if a.who == "client" and a.usable is not None)
        started = [a.started for a in room.arrivals if a.started is not None]
        print(f"  browsers: {', '.join(f'{t:.2f}' for t in browsers) or 'none usable'} s")
        if clients:
            print(
                f"  clients: median {statistics.median(clients):.2f} s, max {max(clients):.2f} s; the resume code "
                f"reached the last of them at {max(started, default=float('nan')):.2f} s"
            )
        print(
            f"  the load harness itself (browsers and clients on the same cores) used {room.harness_cpu:.0f} CPU-s; "
            f"the hypervisor took {room.steal:.0%} of the CPU during the burst"
        )
        for arrival in failed:
            print(f"  failed ({arrival.who}): {arrival.failure}")


async def amain(args: argparse.Namespace) -> int:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            print(machine(browser.version))
            with tempfile.TemporaryDirectory(prefix="burst-bench-") as work:
                rooms = []
                for students in args.students:
                    folder = Path(work)
                    (folder / f"room-{students}").mkdir()
                    room = await run_room(
                        browser, folder, students, min(args.browsers, students), args.single, not args.no_statics
                    )
                    print(f"  room of {students}: {room}", file=sys.stderr, flush=True)
                    rooms.append(room)
            print()
            report(rooms)
        finally:
            await browser.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[8, 30], help="students arriving at once")
    parser.add_argument("--browsers", type=int, default=3, help="of them, real browsers (the rest are clients)")
    parser.add_argument("--single", type=int, default=3, help="visits of one student alone, for the baseline")
    parser.add_argument(
        "--no-statics",
        action="store_true",
        help="clients skip the page's scripts and styles (measure the kernels and websockets alone)",
    )
    return asyncio.run(amain(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
