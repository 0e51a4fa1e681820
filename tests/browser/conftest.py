"""A real `selfexplore serve` on a free port, and headless Chromium driven by Playwright.

Chromium comes from the system (Debian's package); Playwright cannot download browsers on these machines.
Set SELFEXPLORE_CHROMIUM to use another binary. Under CI (CI=true) a missing browser fails the run.

Every page a test opens gets the checks any page of the app needs:

- `page` is guarded (see `PageGuard`): a console error, an uncaught exception or a request to any host but
  this machine fails the test. Requests off the machine are also blocked, so a test never leaks traffic.
- `assert_no_serious_axe_violations(page)` runs axe-core (from `npm ci`, see package.json) on the page.
- `screenshots(page, name)` keeps full-page PNGs at desktop and phone widths in test-artifacts/, and checks
  at each width that no visible text is clipped and no two controls or labels overlap (`layout_problems`).

Every wait is for something a person waits for (a control appearing, a status line changing), with one
generous timeout, WAIT_MS, set once here for every page and every `expect`: a loaded two-core machine can
be slow, and a slow page is not a broken one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    WebError,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from tests.browser.chromium import CHROMIUM_FLAGS, find_chromium, is_local
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Desktop and the narrowest common phone: the two layouts a student is likely to see.
SCREENSHOT_WIDTHS = (1280, 375)
# The one timeout for every wait of the browser tests (milliseconds).
WAIT_MS = int(os.environ.get("SELFEXPLORE_BROWSER_WAIT_MS", "90000"))
expect.set_options(timeout=WAIT_MS)
# Kernels kept ready by the test server: enough for the tests that open several browsers at once.
TEST_POOL = 3
# Every test's browser comes from this machine's one address, so to the server they are all one visitor:
# its cap on one visitor's kernels is raised for them (tests/browser/test_guard.py tests the cap itself).
TEST_SERVER_ENV = {**os.environ, "SELFEXPLORE_KERNELS_PER_CLIENT": "200"}


def _missing(message: str) -> NoReturn:
    """A tool the browser tests need is absent: fatal under CI, where .ci/run must provide it; a skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _chromium() -> str:
    found = find_chromium()
    if found is None:
        _missing("no Chromium found (install Debian's chromium package or set SELFEXPLORE_CHROMIUM)")
    return found


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped with exit code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise RuntimeError(f"the server did not answer at {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite store shared by the student server and the facilitator server, as on a real machine."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'browser.sqlite3'}"


@contextmanager
def running(
    command: list[str], base: str, log: Path, env: dict[str, str] | None = None, ready: str = "/"
) -> Iterator[str]:
    """Run a server until the block ends; `ready` is a path that answers once it is up."""
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        try:
            _wait_until_up(f"{base}{ready}", process)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[str]:
    """Base URL of a running `selfexplore serve`, started the way `make run` starts it."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "serve.log"
    command = [
        *[sys.executable, "-m", "selfexplore", "--db", database_url],
        *["serve", "--port", str(port), "--pool", str(TEST_POOL)],
    ]
    # Asking for the app itself would take a kernel from the pool: one of the template's files says it is up.
    ready = "/voila/templates/selfexplore/static/selfexplore.css"
    with running(command, f"http://127.0.0.1:{port}", log, TEST_SERVER_ENV, ready=ready) as base:
        yield base


FACILITATOR_TOKEN = "browser-test-facilitator-token"  # noqa: S105 - a throwaway test server's token


@pytest.fixture(scope="session")
def facilitator_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The facilitator's own data folder (XDG_DATA_HOME), where `facilitate` writes its address."""
    return tmp_path_factory.mktemp("facilitator-home")


@pytest.fixture(scope="session")
def facilitator(tmp_path_factory: pytest.TempPathFactory, database_url: str, facilitator_home: Path) -> Iterator[str]:
    """Base URL of a running `selfexplore facilitate` over the same store, with a known token."""
    port = free_port()
    log = facilitator_home / "facilitate.log"
    command = [sys.executable, "-m", "selfexplore", "--db", database_url, "facilitate", "--port", str(port)]
    env = {
        **TEST_SERVER_ENV,
        "SELFEXPLORE_FACILITATOR_TOKEN": FACILITATOR_TOKEN,
        "XDG_DATA_HOME": str(facilitator_home),
    }
    with running(command, f"http://127.0.0.1:{port}", log, env) as base:
        yield base


ADVISER_TOKEN = "browser-test-adviser-token-0123"  # noqa: S105 - a throwaway test server's token


@pytest.fixture(scope="session")
def adviser_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("adviser-home")


@pytest.fixture(scope="session")
def adviser(database_url: str, adviser_home: Path) -> Iterator[str]:
    """Base URL of a running `selfexplore advise --adviser lee` over the same store, with a known token."""
    port = free_port()
    log = adviser_home / "advise.log"
    command = [
        *[sys.executable, "-m", "selfexplore", "--db", database_url],
        *["advise", "--adviser", "lee", "--port", str(port)],
    ]
    env = {**TEST_SERVER_ENV, "SELFEXPLORE_ADVISER_TOKEN": ADVISER_TOKEN, "XDG_DATA_HOME": str(adviser_home)}
    with running(command, f"http://127.0.0.1:{port}", log, env) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class PageGuard:
    """What went wrong on the pages of one browser context, collected while a test runs.

    A console error or an uncaught exception is a bug a student would meet even when the test's own
    assertions pass; a request off the machine leaks a student's visit to a third party (and fails offline),
    so it is blocked and recorded as a failure too. There is deliberately no allowlist.
    """

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    checked: bool = False

    @classmethod
    def install(cls, context: BrowserContext) -> PageGuard:
        """Listen on the context (so popups are covered too) and abort every request that would leave."""
        guard = cls()
        context.on("console", guard._on_console)
        context.on("weberror", guard._on_page_error)
        context.on("request", guard._on_request)
        context.route(lambda url: not is_local(url), guard._block)
        context.route_web_socket(lambda url: not is_local(url), guard._block_socket)
        return guard

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            self.console_errors.append(f"{message.text} (at {where['url']}:{where['lineNumber']})")

    def _on_page_error(self, error: WebError) -> None:
        # The exception and the frame it came from: enough to find it, short enough to read in a failure.
        stack = (error.error.stack or "").strip().splitlines()
        where = f" {stack[1].strip()}" if len(stack) > 1 else ""
        self.page_errors.append(f"{error.error.name}: {error.error.message}{where}")

    def _on_request(self, request: Request) -> None:
        if not is_local(request.url):
            self.external_requests.append(f"{request.method} {request.url} ({request.resource_type})")

    def _block(self, route: Route) -> None:
        route.abort("blockedbyclient")

    def _block_socket(self, socket: WebSocketRoute) -> None:
        # A WebSocket never raises a "request" event: record it here, then refuse it.
        self.external_requests.append(f"WebSocket {socket.url}")
        socket.close(code=1008, reason="blocked by the browser tests: off this machine")

    def problems(self) -> str:
        """Everything recorded, one item a line under a heading per kind; empty when the page was clean."""
        sections = [
            ("console errors", self.console_errors),
            ("uncaught page errors", self.page_errors),
            ("requests off this machine (blocked)", self.external_requests),
        ]
        return "\n".join(
            f"{title}:\n" + "\n".join(f"  - {item}" for item in items) for title, items in sections if items
        )

    def check(self) -> None:
        """Fail with the list of problems, if any; called once the test body has run (see below)."""
        self.checked = True
        problems = self.problems()
        if problems:
            pytest.fail(f"the page was not clean:\n{problems}", pytrace=False)


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A fresh browser (no cookies, storage or cache), with the one timeout for every wait; `options` as
    Playwright's new_context takes them (extra_http_headers, for example)."""
    context = browser.new_context(viewport={"width": SCREENSHOT_WIDTHS[0], "height": 900}, **options)
    context.set_default_timeout(WAIT_MS)
    return context


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh context per test: no cookies, storage or cache carried from one test to the next."""
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def guard(browser_context: BrowserContext) -> Iterator[PageGuard]:
    """The context's `PageGuard`, checked when the test ends.

    After a passing test body the hook below checks it, so a dirty page counts as a failed test. After a
    failing one it is checked at teardown instead, so its findings (often the cause) show as well.
    """
    installed = PageGuard.install(browser_context)
    yield installed
    if not installed.checked:
        installed.check()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Run the `guard` check as the last step of the test itself rather than as a teardown error."""
    result = yield
    guard = getattr(item, "funcargs", {}).get("guard")
    if isinstance(guard, PageGuard):
        guard.check()
    return result


@pytest.fixture
def page(browser_context: BrowserContext, guard: PageGuard) -> Page:
    """A guarded page: every test that opens the app gets the console and network checks for free."""
    return browser_context.new_page()


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG at the current viewport, test-artifacts/<name>.png, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# How much taller than the viewport the tallest inner scroller's content is. Voila's lab template scrolls
# #rendered_cells, not the document, so Playwright's full_page alone would stop at the first screen.
# Form controls (a listbox, a textarea) scroll by design and are left out.
_HIDDEN_HEIGHT = """() => Math.max(0, ...Array.from(document.querySelectorAll('*'), element => {
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(element).overflowY);
    const control = ['SELECT', 'TEXTAREA'].includes(element.tagName);
    return scrolls && !control ? element.scrollHeight - element.clientHeight : 0;
}))"""
# After a resize, wait until the layout has settled: the page's size unchanged over three animation frames
# (resize observers and reflow have run), at most a second.
_SETTLE = """() => new Promise((done) => {
  const size = () => { const r = document.getElementById('rendered_cells') || document.body;
    return `${r.scrollWidth}x${r.scrollHeight}`; };
  let last = size(), same = 0, frames = 0;
  const tick = () => {
    const now = size();
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 3 || ++frames > 60) done(); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""
# Chromium cannot capture more than 16384 px in one go.
_MAX_HEIGHT = 16_000


def _settle(page: Page) -> None:
    """Let resize observers and CSS reflow run until the layout stops changing."""
    page.evaluate(_SETTLE)


# The height a page's content takes for each line of text it shows, at 375 px: blank space under every
# statement (85 px each on the interests page, walk review 4: 59 px a line) raises it, a long paragraph does
# not. Pages of text and tables take 30 to 45 px a line, and the question pages, whose answers are targets
# sized for a finger, about 50.
HEIGHT_PER_LINE = 56
_HEIGHT_AND_LINES = """() => {
  let scopes = Array.from(document.querySelectorAll('.se-app'));
  if (!scopes.length) scopes = Array.from(document.querySelectorAll('.se-page-frame'));
  if (!scopes.length) scopes = [document.body];
  // A line is a height at which some text is shown: text side by side (a table's row, a bar's label and
  // figure) is one line. Text folded away in a closed disclosure, or kept for screen readers, is not shown.
  const tops = new Set();
  const range = document.createRange();
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) return false;
    const folded = el.closest('details:not([open])');
    return !folded || el.closest('summary') !== null;
  };
  const scroller = document.getElementById('rendered_cells') || document.scrollingElement;
  const offset = scroller === document.scrollingElement ? window.scrollY : scroller.scrollTop;
  scopes.forEach((scope) => {
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || !shown(node.parentElement)) continue;
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) {
        if (rect.width > 1 && rect.height > 1) tops.add(Math.round((rect.top + offset) / 4));
      }
    }
    scope.querySelectorAll('input:not([type=hidden]):not([type=radio]):not([type=checkbox]), textarea, select')
      .forEach((el) => { if (shown(el)) tops.add(Math.round((el.getBoundingClientRect().top + offset) / 4)); });
  });
  // The height of what is shown (the app, not the window around a short page).
  const height = scopes.reduce((sum, scope) => sum + scope.getBoundingClientRect().height, 0);
  return [Math.round(height), tops.size];
}"""


def height_per_line(page: Page) -> tuple[int, int]:
    """The page's whole height in px and the lines of text it shows (see HEIGHT_PER_LINE)."""
    height, lines = page.evaluate(_HEIGHT_AND_LINES)
    return int(height), int(lines)


def screenshots(page: Page, name: str) -> list[Path]:
    """Full-page PNGs at 1280 px and 375 px wide (<name>-1280.png, <name>-375.png); restores the viewport.

    Layouts break at phone width without any test failing, so a person should be able to look at both, and
    at each width the layout is checked (`layout_problems`): clipped text or overlapping controls fail.
    The viewport is stretched to the content's height so that pages that scroll an inner element are
    captured whole too.
    """
    before = page.viewport_size or {"width": SCREENSHOT_WIDTHS[0], "height": 900}
    paths = []
    problems = []
    for width in SCREENSHOT_WIDTHS:
        page.set_viewport_size({"width": width, "height": before["height"]})
        _settle(page)
        problems += [f"at {width} px: {problem}" for problem in layout_problems(page)]
        if width == SCREENSHOT_WIDTHS[-1]:
            height, lines = height_per_line(page)
            with (ARTIFACTS / "heights.txt").open("a", encoding="utf-8") as record:
                record.write(f"{name}\t{height}\t{lines}\t{height / max(lines, 1):.0f}\n")
            if height > HEIGHT_PER_LINE * max(lines, 1):
                problems.append(
                    f"at {width} px: {height} px tall for {lines} lines of text, over {HEIGHT_PER_LINE} px a line"
                )
        hidden: int = page.evaluate(_HIDDEN_HEIGHT)
        if hidden > 0:
            page.set_viewport_size({"width": width, "height": min(before["height"] + hidden, _MAX_HEIGHT)})
            _settle(page)
        paths.append(screenshot(page, f"{name}-{width}"))
    page.set_viewport_size(before)
    _settle(page)
    if problems:
        pytest.fail(f"the layout of {name} does not hold:\n" + "\n".join(f"  - {p}" for p in problems), pytrace=False)
    return paths


# Clipped text: a visible element that cuts off its own content (overflow hidden or clip, or an ellipsis)
# while that content is larger than its box and holds text; and a page wider than the screen. Overlap: two
# visible controls or labels whose boxes cross, neither inside the other. Controls that scroll by design
# (a listbox, a text area, a box marked to scroll sideways) are not clipping.
_LAYOUT = """() => {
  const problems = [];
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    const cls = typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '';
    return `<${el.tagName.toLowerCase()}${cls}> "${text.slice(0, 60)}"`;
  };
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const scopes = document.querySelectorAll('.se-app, .se-status-bar, .se-opening');
  const all = [];
  scopes.forEach((scope) => { all.push(scope, ...scope.querySelectorAll('*')); });
  // A label for screen readers only (1 px, clipped on purpose) is not shown text.
  const screenReaderOnly = (el) => el.getBoundingClientRect().width <= 1 && el.getBoundingClientRect().height <= 1;
  for (const el of all) {
    if (!visible(el) || ['SELECT', 'TEXTAREA', 'svg'].includes(el.tagName) || el.closest('svg')) continue;
    if (screenReaderOnly(el)) continue;
    const style = getComputedStyle(el);
    const cuts = (v) => v === 'hidden' || v === 'clip';
    const text = (el.innerText || '').trim();
    if (!text) continue;
    const wide = el.scrollWidth > el.clientWidth + 1;
    const tall = el.scrollHeight > el.clientHeight + 1;
    if ((cuts(style.overflowX) && wide) || (cuts(style.overflowY) && tall)) {
      const box = `${el.clientWidth}x${el.clientHeight}`;
      problems.push(`clipped text: ${name(el)} shows ${box} of ${el.scrollWidth}x${el.scrollHeight} px`);
    } else if (style.textOverflow === 'ellipsis' && wide) {
      problems.push(`text cut with an ellipsis: ${name(el)}`);
    }
  }
  // No shown text under 12 px, SVG text at the size it is drawn (walk review 7: chart text scaled to a phone's
  // column came out at about 10 px).
  for (const el of all) {
    if (!visible(el) || screenReaderOnly(el)) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGGraphicsElement && el.getScreenCTM()) size *= el.getScreenCTM().a;
    if (size < 11.5) problems.push(`text under 12 px (${size.toFixed(1)} px): ${name(el)}`);
  }
  // Text typed in a field at least 16 px (under that a phone zooms the page in on focus, and typed text
  // reads smaller than the question above it).
  scopes.forEach((scope) => scope.querySelectorAll(
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=range]), textarea, select'
  ).forEach((el) => {
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (visible(el) && size < 15.5) problems.push(`text in a field under 16 px (${size} px): ${name(el)}`);
  }));
  // No box wider than its column: one that scrolls sideways without saying so pans the whole column under
  // a swipe and cuts the first letters of every line. A table that scrolls on purpose says so (.se-scroll).
  // List boxes count too: the directory's was one, and its "Family › Field" lines ran past its edge at 375 px.
  for (const el of all) {
    if (!visible(el) || el.closest('.se-scroll') || el.closest('svg')) continue;
    const style = getComputedStyle(el);
    const pans = ['auto', 'scroll'].includes(style.overflowX);
    if (pans && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`a box wider than its column: ${name(el)} holds ${el.scrollWidth} px in ${el.clientWidth} px`);
    }
  }
  const scroller = document.getElementById('rendered_cells') || document.scrollingElement;
  if (scroller && scroller.scrollWidth > scroller.clientWidth + 1) {
    problems.push(`the page is wider than the screen: ${scroller.scrollWidth} px in ${scroller.clientWidth} px`);
  }
  const controls = [];
  scopes.forEach((scope) => scope.querySelectorAll(
    'input:not([type=hidden]), button, select, textarea, label, .widget-label, a.se-button, summary'
  ).forEach((el) => { if (visible(el) && !screenReaderOnly(el)) controls.push([el, el.getBoundingClientRect()]); }));
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      const [a, ra] = controls[i];
      const [b, rb] = controls[j];
      if (a.contains(b) || b.contains(a)) continue;
      const across = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const down = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (across > 1 && down > 1) problems.push(`overlap: ${name(a)} and ${name(b)}`);
    }
  }
  return problems;
}"""


def layout_problems(page: Page) -> list[str]:
    """What a person would see as broken on the page as it is now: clipped text, overlapping controls, a box
    wider than its column, typed text under 16 px."""
    problems: list[str] = page.evaluate(_LAYOUT)
    return problems


def _axe_script() -> Path:
    script = Path(os.environ.get("SELFEXPLORE_AXE", AXE_SCRIPT))
    if not script.is_file():
        _missing(f"axe-core not found at {script}: run `npm ci` at the repository root (or set SELFEXPLORE_AXE)")
    return script


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations for the whole document as it is now (axe's own dicts: id, impact, help, nodes)."""
    page.add_script_tag(path=_axe_script())
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return violations


def describe_violations(violations: list[dict[str, Any]], targets: int = 3) -> str:
    """One readable line per rule, then the first few offending elements' selectors and HTML."""
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(f"{violation['id']} [{violation['impact']}]: {violation['help']} ({len(nodes)} element(s))")
        for node in nodes[:targets]:
            lines.append(f"    {' '.join(map(str, node['target']))}  {node['html'][:160]}")
        if len(nodes) > targets:
            lines.append(f"    ... and {len(nodes) - targets} more")
    return "\n".join(lines)


def assert_no_serious_axe_violations(page: Page) -> list[dict[str, Any]]:
    """Fail on any axe violation of impact serious or critical; return all violations (minor ones included).

    Serious and critical are the ones that block a keyboard or screen-reader user; moderate and minor
    findings are returned so a test can report or tighten them later.
    """
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in {"serious", "critical"}]
    if blocking:
        pytest.fail(
            f"axe-core found {len(blocking)} serious or critical violation(s) on {page.url}:\n"
            + describe_violations(blocking),
            pytrace=False,
        )
    return violations
