"""The student server holds against an anonymous visitor (security review findings 1, 2, 13 and 14), tried
against a real `selfexplore serve` with small caps, in Chromium and with plain HTTP clients:

- a kernel answers only the browser its page was rendered for: another browser holding its id (from a log,
  a HAR file, a shared screen) can neither open its websocket nor read or shut it down;
- pages over the cap on one visitor's kernels, or on all kernels, get a page that says so, and no kernel;
- a kernel that no page ever connected to is shut down after the grace;
- the trusted proxy's header is believed only from the proxy's address;
- no kernel id, pass or code reaches the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.client
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import create_engine, text
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from selfexplore import codes
from selfexplore.serving.guard import MESSAGE_BURST, MESSAGES_PER_SECOND, WEBSOCKETS_PER_KERNEL
from selfexplore.serving.request import QUERY_PROOF_HEADER
from tests.browser.chromium import CHROMIUM_FLAGS
from tests.browser.conftest import TEST_POOL, assert_no_serious_axe_violations, new_context, running, screenshots
from tests.browser.conftest import _chromium as chromium_path
from tests.browser.workbook import eventually, kernel_id, open_app, start_new_workbook
from tests.helpers import free_port, in_a_thread

pytestmark = pytest.mark.browser

GRACE = 6  # seconds a kernel may wait for its page (90 by default; short here so that the test is quick)
LEFT_GRACE = 10  # seconds a kernel whose page went away is kept (600 by default)
REQUEST_TIMEOUT = 3  # seconds for a request's headers, then its body (30 by default)
KERNEL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _serve(tmp_path: Path, **variables: str) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "serve.log"
    command = [
        *[sys.executable, "-m", "selfexplore", "--db", f"sqlite:///{tmp_path / 'guard.sqlite3'}"],
        *["serve", "--port", str(port), "--pool", str(TEST_POOL)],
    ]
    env = {**os.environ, "SELFEXPLORE_UNCONNECTED_GRACE": str(GRACE), **variables}
    ready = "/voila/templates/selfexplore/static/selfexplore.css"
    with running(command, f"http://127.0.0.1:{port}", log, env, ready=ready) as base:
        yield base, log


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server whose visitors are told apart by a trusted proxy's header (every test client here comes
    from this machine's one address): three kernels in all, two for one visitor."""
    yield from _serve(
        tmp_path_factory.mktemp("capped"),
        SELFEXPLORE_MAX_KERNELS="3",
        SELFEXPLORE_KERNELS_PER_CLIENT="2",
        SELFEXPLORE_TRUSTED_HEADER="X-Remote-User",
        SELFEXPLORE_TRUSTED_PROXIES="127.0.0.1",
        SELFEXPLORE_REQUEST_TIMEOUT=str(REQUEST_TIMEOUT),
        SELFEXPLORE_LEFT_GRACE=str(LEFT_GRACE),
    )


@pytest.fixture(autouse=True)
def _pages_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no kernel handed out on the capped server: the pages of the test before have
    shut theirs down (a page closed in a browser does, through Voila's beacon) or they were culled."""
    yield
    if "capped" in request.fixturenames:
        _base, log = request.getfixturevalue("capped")
        assert eventually(lambda: len(_server_kernels(log)) <= TEST_POOL, timeout=90), (
            f"{len(_server_kernels(log))} kernels left; the server's log ends:\n{log.read_text()[-3000:]}"
        )


def _close(*pages: Page) -> None:
    """Close pages as a student closes a tab: the page's beforeunload tells the server to shut its kernel."""
    for page in pages:
        page.close(run_before_unload=True)


def _server_kernels(log: Path) -> list[psutil.Process]:
    """The live kernel processes of the server that writes `log`, found from its `serve` process (whose
    command line names the server's own database)."""
    database = str(log.parent / "guard.sqlite3")
    for process in psutil.process_iter(["cmdline"]):
        if any(database in part for part in process.info["cmdline"] or []):
            return [child for child in process.children(recursive=True) if _is_kernel(child)]
    raise AssertionError("the server's process was not found")


def _kernel_ids(log: Path) -> set[str]:
    """The ids of the server's live kernels, from their connection files' names."""
    found = set()
    for kernel in _server_kernels(log):
        with contextlib.suppress(psutil.Error):
            found.update(re.findall(r"kernel-([0-9a-f-]+)\.json", " ".join(kernel.cmdline())))
    return found


def _is_kernel(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(process.cmdline())
    except psutil.Error:  # gone meanwhile
        return False


def _get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _socket_status(url: str, headers: dict[str, str]) -> int:
    """101 when a websocket opens at `url` with these headers, else the refusal's status."""

    async def attempt() -> int:
        try:
            connection = await websocket_connect(HTTPRequest(url, headers=headers))
        except HTTPClientError as error:
            return error.code
        connection.close()
        return 101

    return in_a_thread(attempt())


def _websocket_status(base: str, kernel: str, cookie: str | None) -> int:
    """101 when the kernel's websocket opens with this Cookie header, else the refusal's status."""
    url = base.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
    return _socket_status(url, {"Cookie": cookie} if cookie else {})


def _query_status(base: str, kernel: str, proof: str | None) -> int:
    """101 when the websocket where a preheated kernel hears its page's request opens, else the refusal's."""
    url = base.replace("http://", "ws://") + f"/voila/query/{kernel}"
    return _socket_status(url, {QUERY_PROOF_HEADER: proof} if proof is not None else {})


@contextmanager
def _websockets_held(base: str, kernel: str, cookie: str, count: int) -> Iterator[list[int]]:
    """Open `count` websockets to a kernel with this Cookie header, at once, and hold those that open until
    the block ends; yields each one's status (101 when it opened)."""
    statuses: list[int] = []
    opened, release = threading.Event(), threading.Event()

    async def hold() -> None:
        url = base.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"

        async def one() -> WebSocketClientConnection | None:
            try:
                connection = await websocket_connect(
                    HTTPRequest(f"{url}?session_id={uuid.uuid4().hex}", headers={"Cookie": cookie})
                )
            except HTTPClientError as error:
                statuses.append(error.code)
                return None
            statuses.append(101)
            return connection

        connections = await asyncio.gather(*(one() for _ in range(count)))
        opened.set()
        while not release.is_set():
            await asyncio.sleep(0.1)
        for connection in connections:
            if connection is not None:
                connection.close()

    thread = threading.Thread(target=lambda: asyncio.run(hold()))
    thread.start()
    try:
        assert opened.wait(120), "the websockets were neither opened nor refused within 2 minutes"
        yield statuses
    finally:
        release.set()
        thread.join()


def _cookie_header(page: Page) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())


def test_a_kernel_answers_only_the_browser_its_page_was_rendered_for(
    browser: Browser, capped: tuple[str, Path]
) -> None:
    base, _log = capped
    student = new_context(browser, extra_http_headers={"X-Remote-User": "victim"})
    visitor = new_context(browser, extra_http_headers={"X-Remote-User": "visitor"})
    try:
        theirs = student.new_page()
        open_app(theirs, base)
        kernel = kernel_id(theirs)
        assert any(c["name"] == "selfexplore_browser" and c["httpOnly"] for c in student.cookies())
        mine = visitor.new_page()
        open_app(mine, base)
        # The visitor's own page, with the victim's kernel id, tries to open that kernel's websocket.
        opened = mine.evaluate(
            """(kernel) => new Promise((resolve) => {
                const address = location.origin.replace("http", "ws") + "/api/kernels/" + kernel + "/channels";
                const socket = new WebSocket(address);
                socket.onopen = () => { socket.close(); resolve(true); };
                socket.onerror = () => resolve(false);
            })""",
            kernel,
        )
        assert opened is False
        assert _websocket_status(base, kernel, None) == 403
        assert _websocket_status(base, kernel, _cookie_header(mine)) == 403
        assert _get(f"{base}/api/kernels/{kernel}", {"Cookie": _cookie_header(mine)})[0] == 403
        assert _get(f"{base}/voila/api/shutdown/{kernel}", {"Cookie": _cookie_header(mine)}, "POST")[0] == 403
        # Where a preheated kernel hears its page's request: even from this machine (as through a hub's proxy),
        # only the kernel itself, with a proof made from its connection key.
        assert _query_status(base, kernel, None) == 403
        assert _query_status(base, kernel, codes.query_proof(b"not the kernel's key", kernel)) == 403
        # The student's own browser still can, and their page still works.
        assert _websocket_status(base, kernel, _cookie_header(theirs)) == 101
        theirs.get_by_role("link", name="Interests").first.click()
        expect(theirs.locator(".se-view-interests")).to_be_visible()
        _close(theirs, mine)
    finally:
        student.close()
        visitor.close()


def test_one_page_holding_hundreds_of_websockets_stops_nobody_else(browser: Browser, capped: tuple[str, Path]) -> None:
    """Security review of 5 December 2026, finding 1: a page opened 300 websockets to its own kernel, the
    server's ZeroMQ sockets ran out, and every other student's kernel connection failed with a 500."""
    base, _log = capped
    flooder = new_context(browser, extra_http_headers={"X-Remote-User": "flooder"})
    student = new_context(browser, extra_http_headers={"X-Remote-User": "student"})
    try:
        page = flooder.new_page()
        open_app(page, base)
        with _websockets_held(base, kernel_id(page), _cookie_header(page), 300) as statuses:
            # The page holds one already: two more open, the rest are refused in a line.
            assert statuses.count(101) == WEBSOCKETS_PER_KERNEL - 1
            assert statuses.count(429) == 300 - statuses.count(101)
            theirs = student.new_page()
            open_app(theirs, base)
            theirs.get_by_role("link", name="Interests").first.click()
            expect(theirs.locator(".se-view-interests")).to_be_visible()
            # The flooding page itself still works through the websocket it had.
            page.get_by_role("link", name="Values").first.click()
            expect(page.locator(".se-view-values")).to_be_visible()
        # Each place is given back when its websocket closes.
        assert eventually(lambda: _websocket_status(base, kernel_id(page), _cookie_header(page)) == 101)
        _close(page, theirs)
    finally:
        flooder.close()
        student.close()


def _replies_within(base: str, kernel: str, cookie: str, sent: int, seconds: float) -> int:
    """Send `sent` comm_info_requests at once over a new websocket to the kernel; count the replies that
    come back within `seconds`."""

    async def flood() -> int:
        session = uuid.uuid4().hex
        url = base.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels?session_id={session}"
        connection = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie}))
        header = {"username": "flood", "session": session, "msg_type": "comm_info_request", "version": "5.3"}
        for _ in range(sent):
            message = {"header": {**header, "msg_id": uuid.uuid4().hex}, "parent_header": {}, "metadata": {}}
            await connection.write_message(json.dumps({**message, "content": {}, "channel": "shell", "buffers": []}))
        replies, deadline = 0, time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(connection.read_message(), left)
            except TimeoutError:
                break
            if isinstance(raw, str) and json.loads(raw)["header"]["msg_type"] == "comm_info_reply":
                replies += 1
        connection.close()
        return replies

    return in_a_thread(flood())


def test_a_page_flooding_its_kernel_with_messages_is_slowed_to_its_pace(
    browser: Browser, capped: tuple[str, Path]
) -> None:
    """Security review of 5 December 2026, finding 10: 10,000 forged messages from one page in 2.7 s, each one
    passed on at once, slowed another student's saves 51x. They now pass at the kernel's pace."""
    base, _log = capped
    context = new_context(browser, extra_http_headers={"X-Remote-User": "flooder"})
    try:
        page = context.new_page()
        open_app(page, base)
        replies = _replies_within(base, kernel_id(page), _cookie_header(page), 400, seconds=2.0)
        # The burst at once, then MESSAGES_PER_SECOND: never the 400 a kernel answers in well under 2 s.
        assert 0 < replies <= MESSAGE_BURST + 2 * MESSAGES_PER_SECOND + 10
        page.get_by_role("link", name="Values").first.click()
        expect(page.locator(".se-view-values")).to_be_visible()
        _close(page)
    finally:
        context.close()


def test_half_sent_requests_are_closed_after_the_timeout(capped: tuple[str, Path]) -> None:
    """Security review of 5 December 2026, finding 11: 4,000 half-sent requests were all still open 90 s
    later, each holding one of the server's descriptors."""
    base, _log = capped
    host, port = base.removeprefix("http://").split(":")
    halves = [
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        b"POST /selfexplore/sign-in HTTP/1.1\r\nContent-Length: 100\r\n\r\npass=",
    ]
    connections = []
    for half in halves * 10:
        connection = socket.create_connection((host, int(port)))
        connection.sendall(half)
        connections.append(connection)
    try:
        # Meanwhile the server answers everyone else.
        assert _get(f"{base}/voila/templates/selfexplore/static/selfexplore.css")[0] == 200
        time.sleep(REQUEST_TIMEOUT + 2)
        for connection in connections:
            connection.settimeout(10)
            # Closed by the server: the read ends (with an error status line at most), the connection gone.
            received = b""
            while chunk := connection.recv(4096):
                received += chunk
            assert received == b"" or received.startswith(b"HTTP/1.1 4")
    finally:
        for connection in connections:
            connection.close()


def test_a_browser_that_crashed_with_its_pages_open_locks_nobody_out(
    browser: Browser, capped: tuple[str, Path]
) -> None:
    """Hosting review of 5 December 2026, F4: the kernels of a browser that went away without closing its
    pages counted against its student for 30 minutes, and the page said to close tabs that were gone."""
    base, log = capped
    crashed = new_context(browser, extra_http_headers={"X-Remote-User": "nia"})
    pages = [crashed.new_page() for _ in range(2)]  # the most one visitor may hold here
    for page in pages:
        open_app(page, base)
    kernels = {kernel_id(page) for page in pages}
    crashed.close()  # no beforeunload: the pages' kernels are not told
    assert eventually(lambda: len(_server_kernels(log)) >= TEST_POOL + 2, timeout=10)  # still running
    again = new_context(browser, extra_http_headers={"X-Remote-User": "nia"})
    try:
        page = again.new_page()
        open_app(page, base)  # not "Too many workbook pages are open"
        expect(page.get_by_text("Your workbook is open")).to_be_visible()
        # The kernels left behind are shut down once their pages have not come back within the grace.
        assert eventually(lambda: kernels.isdisjoint(_kernel_ids(log)), timeout=LEFT_GRACE + 30)
        _close(page)
    finally:
        again.close()


def test_pages_over_a_cap_get_a_page_that_says_so_and_no_kernel(browser: Browser, capped: tuple[str, Path]) -> None:
    base, log = capped
    context = new_context(browser, extra_http_headers={"X-Remote-User": "many-tabs"})
    other = new_context(browser, extra_http_headers={"X-Remote-User": "neighbour"})
    try:
        tabs = [context.new_page() for _ in range(2)]
        for tab in tabs:
            open_app(tab, base)
        before = len(_server_kernels(log))
        third = context.new_page()
        response = third.goto(f"{base}/")
        assert response is not None and response.status == 429
        expect(third.get_by_role("heading", name="Too many workbook pages are open")).to_be_visible()
        expect(third.get_by_text("Close the workbook tabs you are not using")).to_be_visible()
        assert_no_serious_axe_violations(third)
        screenshots(third, "refused-too-many-pages")  # at desktop and phone widths, checked for clipping
        # Another visitor still gets the last place; the one after them finds the server full.
        neighbour = other.new_page()
        open_app(neighbour, base)
        status, page = _get(f"{base}/", {"X-Remote-User": "latecomer"})
        assert status == 503 and "The workbook is full just now" in page
        # Refused pages started no kernel: only the neighbour's was handed out (and its pool's refill).
        assert len(_server_kernels(log)) <= before + 1 + TEST_POOL
        _close(*tabs)  # each page shuts its kernel down as it closes, and frees its place
        assert eventually(lambda: _get(f"{base}/", {"X-Remote-User": "many-tabs"})[0] == 200, timeout=60)
        _close(neighbour, third)
    finally:
        context.close()
        other.close()


def test_a_kernel_no_page_connects_to_is_shut_down(capped: tuple[str, Path]) -> None:
    base, log = capped
    status, page = _get(f"{base}/", {"X-Remote-User": "script"})  # a page fetched, never run
    assert status == 200
    kernel = re.search(r'"kernelId": "([^"]+)"', page)
    assert kernel is not None
    assert eventually(lambda: any(f"kernel-{kernel[1]}.json" in " ".join(k.cmdline()) for k in _server_kernels(log)))
    started = time.monotonic()
    assert eventually(
        lambda: not any(f"kernel-{kernel[1]}.json" in " ".join(k.cmdline()) for k in _server_kernels(log)), timeout=60
    )
    assert time.monotonic() - started >= GRACE / 2  # not at once: the page had its grace to connect


def test_no_kernel_id_pass_or_code_reaches_the_log(browser: Browser, capped: tuple[str, Path]) -> None:
    base, log = capped
    # A context without the page guard's request routing, under which Chromium drops the beacon that shuts
    # a closed page's kernel down.
    before = len(log.read_text(encoding="utf-8", errors="replace"))  # what the tests before this one logged
    page = new_context(browser, extra_http_headers={"X-Remote-User": "logged"}).new_page()
    open_app(page, base)
    kernel = kernel_id(page)
    try:
        _get(f"{base}/voila/render/nosuch.ipynb?pass=PASSVALUE&code=CODEVALUE", {"X-Remote-User": "prober"})
        # An address that names no template's file: a 404, with no traceback logged (finding 14).
        assert _get(f"{base}/voila/templates/x/y?pass=PASSVALUE", {"X-Remote-User": "prober"})[0] == 404
        assert _get(f"{base}/voila/templates/nosuch/static/a.css", {"X-Remote-User": "prober"})[0] == 404
        assert _get(f"{base}/api/kernels/{kernel}?token=TOKENVALUE")[0] == 403
        time.sleep(1)
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "Kernel started" in text  # the log is the server's, and it says what happened
        assert kernel not in text
        assert not KERNEL_ID.search(text), KERNEL_ID.search(text)
        for secret in ("PASSVALUE", "CODEVALUE", "TOKENVALUE"):
            assert secret not in text
        # This test's refusals (of a kernel's model, a template's file) are a line each, not a traceback. (A
        # kernel shut down by a test before may log one of its own, from ipykernel, as its sockets close.)
        mine = text[before:]
        assert "Traceback" not in mine, mine
        assert "is not trusted" not in mine  # what the server does on purpose is not warned about per page
    finally:
        _close(page)
        page.context.close()


@pytest.mark.parametrize(("proxies", "signed_in"), [("10.9.9.9", False), ("127.0.0.1", True)])
def test_the_proxys_header_is_believed_only_from_the_proxy(
    browser: Browser, tmp_path: Path, proxies: str, signed_in: bool
) -> None:
    for base, _log in _serve(tmp_path, SELFEXPLORE_TRUSTED_HEADER="X-Remote-User", SELFEXPLORE_TRUSTED_PROXIES=proxies):
        context = new_context(browser, extra_http_headers={"X-Remote-User": "alice"})
        try:
            page = context.new_page()
            open_app(page, base)
            entry = page.get_by_role("button", name="Start a new workbook")
            joined = page.get_by_role("button", name="Join the session")
            expect(joined if signed_in else entry).to_be_visible()
            expect(entry if signed_in else joined).to_have_count(0)
        finally:
            context.close()


@pytest.mark.parametrize(("forwarded", "secure"), [({"X-Forwarded-Proto": "https"}, True), ({}, False)])
def test_cookies_are_secure_when_the_trusted_proxy_took_https(
    capped: tuple[str, Path], forwarded: dict[str, str], secure: bool
) -> None:
    """Security review of 5 December 2026, finding 6: behind the TLS proxy the docs require, the server
    hears plain HTTP, and no cookie was ever Secure. The proxy (here this machine, named in
    SELFEXPLORE_TRUSTED_PROXIES) says so in X-Forwarded-Proto; a cookie set in answer is then Secure."""
    base, _log = capped
    request = urllib.request.Request(f"{base}/", headers={"X-Remote-User": "cookie-tester", **forwarded})
    with urllib.request.urlopen(request, timeout=120) as response:
        cookies = [value for name, value in response.headers.items() if name.lower() == "set-cookie"]
    browser_cookie = next(c for c in cookies if c.startswith("selfexplore_browser="))
    assert ("Secure" in browser_cookie.split("; ")) is secure, browser_cookie


def _pass_of(context: BrowserContext, host: str) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "selfexplore_pass" and c["domain"] == host)


def test_a_pass_cookie_planted_beside_the_students_own_signs_nobody_in(browser: Browser, tmp_path: Path) -> None:
    """Security review of 5 December 2026, finding 2 (cookie tossing): a page on a sibling subdomain set the
    attacker's pass for the whole domain; the browser sent it after the student's own, the last one won, and
    the student worked in the attacker's workbook. Here the workbook is workbook.school.test, and the
    attacker's page on evil.school.test sets the cookie for .school.test (a server where students sign in
    with the pass, not through a proxy)."""
    served = _serve(tmp_path)
    base, _log = next(served)
    school = browser.browser_type.launch(
        executable_path=chromium_path(), args=[*CHROMIUM_FLAGS, "--host-resolver-rules=MAP *.school.test 127.0.0.1"]
    )
    workbook = f"http://workbook.school.test:{base.rsplit(':', 1)[1]}"
    try:
        attacker, victim = new_context(school), new_context(school)
        theirs = attacker.new_page()
        start_new_workbook(theirs, workbook)
        assert eventually(lambda: any(c["name"] == "selfexplore_pass" for c in attacker.cookies()))
        planted = _pass_of(attacker, "workbook.school.test")
        mine = victim.new_page()
        start_new_workbook(mine, workbook)
        assert eventually(lambda: any(c["name"] == "selfexplore_pass" for c in victim.cookies()))
        own = _pass_of(victim, "workbook.school.test")
        # What evil.school.test's page does: document.cookie = "selfexplore_pass=...; Domain=school.test; Path=/"
        victim.add_cookies([{"name": "selfexplore_pass", "value": planted, "domain": ".school.test", "path": "/"}])
        open_app(mine, workbook)
        expect(mine.get_by_role("button", name="Start a new workbook")).to_be_visible()
        expect(mine.get_by_text("Your workbook is open")).to_have_count(0)
        # Nor was the planted pass copied into the workbook's own cookie.
        assert _pass_of(victim, "workbook.school.test") == own
        _close(theirs, mine)
    finally:
        school.close()
        served.close()


_POST_SIGN_IN = """([fields]) => {
    const xsrf = /(?:^|;\\s*)_xsrf=([^;]*)/.exec(document.cookie);
    return fetch("/selfexplore/sign-in", {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-XSRFToken": xsrf ? decodeURIComponent(xsrf[1]) : ""},
        body: new URLSearchParams(fields),
    }).then((answer) => answer.status);
}"""


def test_no_script_on_the_page_ever_holds_the_pass(browser: Browser, tmp_path: Path) -> None:
    """Security review of 5 December 2026, finding 13: the page pass reached the page in the app widget's
    state, where HttpOnly does not hide it from a script. It now crosses the page sealed by its kernel, and
    the server opens the seal only for the browser that kernel was handed to."""
    served = _serve(tmp_path)
    base, _log = next(served)
    student, visitor = new_context(browser), new_context(browser)
    try:
        theirs = student.new_page()
        received: list[str] = []
        theirs.on(
            "websocket",
            lambda socket: socket.on(
                "framereceived",
                lambda frame: received.append(frame if isinstance(frame, str) else frame.decode("utf-8", "replace")),
            ),
        )
        posted: list[str] = []
        theirs.on(
            "request",
            lambda request: posted.append(request.post_data or "") if request.url.endswith("/sign-in") else None,
        )
        start_new_workbook(theirs, base)
        assert eventually(lambda: any(c["name"] == "selfexplore_pass" for c in student.cookies()))
        kept = _pass_of(student, "127.0.0.1")
        # Nothing the page received from its kernel, and nothing it sent to the server, holds the pass.
        assert received and not any(kept in frame for frame in received)
        assert posted and not any(kept in body for body in posted)
        (seal,) = [fields for fields in map(urllib.parse.parse_qs, posted) if fields.get("sealed")]
        sealed, kernel = seal["sealed"][0], seal["kernel"][0]

        # The seal, stolen by a script and replayed from another browser, signs nobody in there.
        mine = visitor.new_page()
        open_app(mine, base)
        assert mine.evaluate(_POST_SIGN_IN, [{"sealed": sealed, "kernel": kernel}]) == 403
        # Nor does the pass itself, posted as the page once posted it, nor a seal altered in the student's page.
        assert mine.evaluate(_POST_SIGN_IN, [{"pass": kept}]) == 204
        assert not any(c["name"] == "selfexplore_pass" for c in visitor.cookies())
        altered = sealed[:-8] + ("A" if sealed[-8] != "A" else "B") + sealed[-7:]
        assert theirs.evaluate(_POST_SIGN_IN, [{"sealed": altered, "kernel": kernel}]) == 400
        assert _pass_of(student, "127.0.0.1") == kept
        # The student's own reload is still signed in.
        open_app(theirs, base)
        expect(theirs.get_by_text("Your workbook is open")).to_be_visible()
        _close(theirs, mine)
    finally:
        student.close()
        visitor.close()
        served.close()


def test_wrong_codes_are_counted_for_the_visitor_the_server_names(browser: Browser, tmp_path: Path) -> None:
    """Security review of 5 December 2026, finding 8: wrong codes were counted per kernel, and a visitor
    opening kernel after kernel guessed 127 join codes a minute. The server now tells each kernel who the
    visitor is (a keyed hash), whatever the visitor's own request says, and the store counts per visitor."""
    served = _serve(tmp_path)
    base, _log = next(served)
    honest, forging = new_context(browser), new_context(browser, extra_http_headers={"X-Selfexplore-Visitor": "me"})
    try:
        pages = [honest.new_page(), forging.new_page()]
        for page in pages:
            open_app(page, base)
            page.get_by_label("Resume code").fill(codes.new_code())
            page.get_by_role("button", name="Resume").click()
            expect(page.get_by_text("not recognised")).to_be_visible()
        engine = create_engine(f"sqlite:///{tmp_path / 'guard.sqlite3'}")
        with engine.connect() as connection:
            counted = [row[0] for row in connection.execute(text("SELECT visitor FROM failed_logins"))]
        engine.dispose()
        forged = hashlib.sha256(b"selfexplore-visitor:me").hexdigest()
        assert len(counted) == 2 and counted[0] == counted[1] and counted[0] not in (None, forged)
        _close(*pages)
    finally:
        honest.close()
        forging.close()
        served.close()


def _set_cookies(base: str, headers: dict[str, str]) -> list[str]:
    """The cookies the app's page sets in answer (a page refused over the caps sets them as well)."""
    request = urllib.request.Request(f"{base}/", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            answered = response.headers
    except urllib.error.HTTPError as refused:
        answered = refused.headers
    return [value for name, value in answered.items() if name.lower() == "set-cookie"]


def test_over_https_only_a_host_only_pass_cookie_is_believed(capped: tuple[str, Path]) -> None:
    """Over HTTPS (the trusted proxy says so) the pass is kept in a __Host- cookie, which no other host may
    set: a plain pass cookie, the only kind a sibling subdomain can plant, is neither believed nor renewed."""
    base, _log = capped
    value = "A" * 32  # the shape of a pass: the server renews a cookie it would hand to the kernel
    https = {"X-Remote-User": "https-tester", "X-Forwarded-Proto": "https"}
    tossed = _set_cookies(base, {**https, "Cookie": f"selfexplore_pass={value}"})
    assert not any(value in cookie for cookie in tossed), tossed
    ours = _set_cookies(base, {**https, "Cookie": f"__Host-selfexplore_pass={value}"})
    renewed = next(c for c in ours if c.startswith("__Host-selfexplore_pass="))
    assert {"Secure", "Path=/", "HttpOnly"} <= set(renewed.split("; ")) and "Domain" not in renewed
    plain = {"X-Remote-User": "http-tester"}
    assert any(
        c.startswith("selfexplore_pass=") for c in _set_cookies(base, {**plain, "Cookie": f"selfexplore_pass={value}"})
    )
    two = f"selfexplore_pass={value}; selfexplore_pass={'B' * 43}"
    assert not any("selfexplore_pass=" in c for c in _set_cookies(base, {**plain, "Cookie": two}))


def test_every_line_the_server_logs_says_when(capped: tuple[str, Path]) -> None:
    """Security review of 5 December 2026, finding 13: log lines carried no time."""
    _base, log = capped
    records = [line for line in log.read_text().splitlines() if "[GuardedVoila]" in line]
    assert records, "the server logged nothing of its own"
    stamped = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} \[GuardedVoila\]")
    assert all(stamped.match(line) for line in records), [line for line in records if not stamped.match(line)][:3]


@pytest.mark.parametrize(
    "path",
    [
        "/voila/labextensions/../../x",
        "/voila/labextensions/%2e%2e/%2e%2e/x",
        "/voila/templates/selfexplore/static/..%2f..%2fx",
        "/%0d%0aSet-Cookie:%20a=b",
        "/logout",
    ],
)
def test_a_forged_address_is_a_404_and_one_line_in_the_log(capped: tuple[str, Path], path: str) -> None:
    """Security review of 5 December 2026, finding 9: each of these wrote a traceback to the log (14 to 40
    lines), so a script could fill the disk the store shares. The header injection itself never held."""
    base, log = capped
    before = log.read_text().count("Traceback")
    raw = http.client.HTTPConnection(base.removeprefix("http://"), timeout=60)
    try:
        raw.request("GET", path)  # as sent: urllib would tidy the dots and the escapes away
        response = raw.getresponse()
        assert response.status == 404, (path, response.status)
        assert response.getheader("Set-Cookie", "").find("a=b") < 0
    finally:
        raw.close()
    time.sleep(0.5)
    assert log.read_text().count("Traceback") == before, log.read_text()[-3000:]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def _status_without_redirect(url: str) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=120) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_wrong_facilitator_tokens_hold_the_visitor_back_even_with_the_right_one(tmp_path: Path) -> None:
    """Security review finding 14: 30 wrong tokens took 0.19 s. After five free tries, each wrong one holds
    the visitor back for longer (2, 4, 8... seconds), and while held back even the right token is refused."""
    token = "facilitator-token-for-the-backoff-test"  # noqa: S105 - a throwaway test server's token
    port = free_port()
    command = [
        *[sys.executable, "-m", "selfexplore", "--db", f"sqlite:///{tmp_path / 'facilitate.sqlite3'}"],
        *["facilitate", "--port", str(port)],
    ]
    env = {**os.environ, "SELFEXPLORE_FACILITATOR_TOKEN": token, "XDG_DATA_HOME": str(tmp_path)}
    ready = "/voila/templates/selfexplore/static/selfexplore.css"
    with running(command, f"http://127.0.0.1:{port}", tmp_path / "facilitate.log", env, ready=ready) as base:
        status, login = _get(f"{base}/login")
        assert status == 200 and "password_input" in login
        assert "setup a password" not in login and "new_password" not in login  # a form that did nothing
        tree = f"{base}/voila/tree"
        for attempt in range(6):
            assert _status_without_redirect(f"{tree}?token=wrong-{attempt}") == 302  # sent to sign in
        assert _status_without_redirect(f"{tree}?token={token}") == 302  # held back: refused too
        time.sleep(2.5)
        assert _status_without_redirect(f"{tree}?token={token}") == 200
