"""The workbook as one app: one notebook, one kernel per student visit, the pages swapped inside it.

`workbook_app()` is the notebook's one call. It shows the app at once; what it shows depends on the page
request (who the student is, which page the address asks for). A kernel Voila started for the request has
the request already; a preheated kernel (started and run before anyone asked) hears it later over a
websocket, and meanwhile its app says it is opening. In JupyterLab there is no request: the app opens at
the start page, and the student signs in there.

Every page of the app is declared in selfexplore.workbook.PAGES; a page's view is imported and built the
first time it is shown and kept for the visit, so moving between pages is a swap of widgets, not a new
page load. The page script (the Shell's) keeps the browser's address in step, so Back, Forward, a reload
and a bookmark land on the page the student expects.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import os
from collections.abc import Callable, Mapping
from html import escape

import ipywidgets as widgets

from selfexplore.codes import seal_pass
from selfexplore.content import Content, load_content
from selfexplore.records import STORE_UNAVAILABLE, StoreError
from selfexplore.services.visit import Visit
from selfexplore.serving.identity import arrival
from selfexplore.serving.request import PageRequest, is_preheated, wait_for_request
from selfexplore.ui.chrome import Chrome
from selfexplore.ui.page import PageContext, PageView
from selfexplore.ui.shell import Shell
from selfexplore.workbook import APP_TITLE, PAGES, PageSpec, Route, neighbours, parse_route

_log = logging.getLogger(__name__)
# How long after a page is shown the next step's page is built (see WorkbookApp._prepare_next).
PREPARE_DELAY = 0.25
OPENING = '<p class="se-opening-app" role="status">Opening your workbook...</p>'
COULD_NOT_MOVE = "That page could not be opened just now; you are still on this one. Please try again in a moment."
STORE_CLOSED = '<div class="se-warning" role="alert"><h1>The workbook cannot open just now</h1><p>{reason}</p></div>'
COULD_NOT_OPEN = (
    '<div class="se-warning" role="alert"><p>The workbook could not open this page just now. Nothing you saved '
    "is lost: please wait a moment, then reload the page.</p></div>"
)


class WorkbookApp:
    """The app of one visit: the frame, the page shown, and the pages built so far."""

    def __init__(
        self,
        visit: Visit,
        *,
        addressed: bool,
        cookie_path: str = "/",
        ahead: bool = False,
        seal: Callable[[str], str] | None = None,
    ) -> None:
        """`visit`: the student's service, which every page reads and changes through. `addressed`: served
        by Voila, with an address to keep in step. `ahead`: running in a kernel, whose event loop builds the
        next step's page while the student reads. `seal`: seals the page pass for the server, which keeps it
        in the browser's cookie (kernel_seal); without it, a served app keeps nobody signed in across
        reloads."""
        self.content = visit.content
        self.ahead = ahead
        self.visit = visit
        self.shell = Shell(addressed=addressed)
        self.chrome = Chrome(self.visit, self.shell)
        self.cookie_path = cookie_path
        self.seal = seal
        self.body = widgets.Box([widgets.HTML(OPENING)], layout=widgets.Layout(width="100%"))
        self.body.add_class("se-body")
        self.widget = widgets.VBox(
            [self.chrome.header, self.chrome.progress, self.body, self.chrome.footer, self.shell],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("se-page-frame")
        self.widget.add_class("se-app")
        self.views: dict[str, PageView] = {}
        self.route: Route | None = None
        self._generation = self.visit.generation
        self._context = PageContext(self.visit, self.chrome, self.identity_changed, self.go, self.follow)
        self.arrival: asyncio.Task[None] | None = None
        self.shell.on_go(self.go_to_query)

    # --- arriving and moving ------------------------------------------------------------------------

    def arrive(self, environ: Mapping[str, str]) -> None:
        """The page request is known: sign the visit in from it and show the page its address asks for."""
        try:
            self.visit.arrive(arrival(environ))
            if self.visit.problem:
                self.shell.keep_cookie("", self.cookie_path)
            self.go(parse_route(PageRequest.from_environ(environ).query, self.content))
        except Exception:
            _log.exception("the app could not open its first page")
            self.body.children = (widgets.HTML(COULD_NOT_OPEN),)

    def go_to_query(self, query: str) -> None:
        """The page asked for another page (an in-app link, Back or Forward): anything forged in the
        query falls back to a page that exists (workbook.parse_route)."""
        try:
            self.go(parse_route(query, self.content))
        except Exception:
            _log.exception("the app could not open a page")
            self.chrome.say(COULD_NOT_MOVE)

    def follow(self, route: Route) -> None:
        """The page on screen moved by its own controls: keep the address in step, with no history entry."""
        if self.route is not None and route.page == self.route.page and route != self.route:
            self.route = route
            self.shell.show_place(route.page, route.query(), f"{route.spec.title} · {APP_TITLE}", replace=True)

    def go(self, route: Route) -> None:
        spec = route.spec
        if self.visit.generation != self._generation:
            self.views.clear()  # built for another student or attempt
            self._generation = self.visit.generation
        view = self.views.get(spec.id)
        if view is None:
            view = self.views[spec.id] = self._build(spec)
        view.shown(route)
        self.chrome.place(spec)
        self.body.children = (view.widget,)
        self.route = route
        self.shell.show_place(spec.id, route.query(), f"{spec.title} · {APP_TITLE}")
        self._prepare_next(spec)

    def _prepare_next(self, spec: PageSpec) -> None:
        """Build the next step's page a moment after this one is on screen, while the student reads: its
        widgets reach the browser ahead of time, and "Next" only swaps what is shown."""
        _, after = neighbours(spec.id)
        if not self.ahead or after is None or after.id in self.views or not self.visit.known:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not in a kernel's event loop: the page is built when first shown
        generation = self.visit.generation

        def build() -> None:
            if after.id not in self.views and self.visit.generation == generation == self._generation:
                try:
                    self.views[after.id] = self._build(after)
                except Exception:
                    _log.exception("the app could not build a page ahead of time")

        loop.call_later(PREPARE_DELAY, build)

    def _build(self, spec: PageSpec) -> PageView:
        view_class = getattr(importlib.import_module(spec.module), spec.class_name)
        built: PageView = view_class(self._context, spec)
        return built

    def identity_changed(self) -> None:
        """The student signed in, out, deleted their data or began a new attempt: the cookie and the frame
        follow at once, and every page but the one on screen is built afresh when next shown."""
        self.keep_sign_in()
        current = self.views.get(self.route.page) if self.route is not None else None
        self.views = {page: view for page, view in self.views.items() if view is current}
        self._generation = self.visit.generation
        if self.chrome.spec is not None:
            self.chrome.place(self.chrome.spec)
            self._prepare_next(self.chrome.spec)

    def keep_sign_in(self) -> None:
        """Ask the page to keep the visit's pass in the browser's cookie, sealed (or to forget it)."""
        page_pass = self.visit.page_pass
        if not page_pass:
            self.shell.keep_cookie("", self.cookie_path)
        elif self.seal is not None:
            self.shell.keep_cookie(self.seal(page_pass), self.cookie_path)
        elif self.shell.addressed:
            _log.warning("this kernel has no connection key to seal the sign-in with: it is not kept")


def kernel_key() -> bytes:
    """This kernel's connection key, which only it and the server hold; empty outside a kernel."""
    from IPython import get_ipython

    key = getattr(getattr(getattr(get_ipython(), "kernel", None), "session", None), "key", b"")
    return key if isinstance(key, bytes) else b""


def kernel_seal() -> Callable[[str], str] | None:
    """Seals a page pass under this kernel's connection key (selfexplore.codes.seal_pass); None outside a
    kernel, or in a kernel without a key."""
    key = kernel_key()
    return functools.partial(seal_pass, key) if key else None


def in_voila(environ: Mapping[str, str]) -> bool:
    return "VOILA_BASE_URL" in environ or is_preheated(environ)


def preload() -> None:
    """Import the views of the pages marked `preheat`, so that a pooled kernel pays for them before any
    student arrives rather than on the first visit to each page."""
    for spec in PAGES:
        if spec.preheat:
            importlib.import_module(spec.module)


def workbook_app(content: Content | None = None, visit: Visit | None = None) -> WorkbookApp | None:
    """Build the app, show it, and open the page the request asks for (at once, or once it arrives). A
    store that cannot be opened (the database is down, its file gone) is said in a sentence, not a
    traceback, and there is no app (None)."""
    from IPython.display import display

    environ = os.environ
    content = content if content is not None else load_content()
    if visit is None:
        try:
            visit = Visit.for_kernel(content)
        except StoreError as error:
            _log.warning("the store could not be opened: %s", error)
            display(widgets.HTML(STORE_CLOSED.format(reason=escape(STORE_UNAVAILABLE))))
            return None
    app = WorkbookApp(
        visit,
        addressed=in_voila(environ),
        cookie_path=environ.get("VOILA_BASE_URL", "/") or "/",
        ahead=True,
        seal=kernel_seal(),
    )
    display(app.widget)
    if is_preheated(environ):
        preload()

        async def arrive_later() -> None:
            request = await wait_for_request(environ, kernel_key())
            app.arrive({**environ, **request})

        # Kept on the app: the event loop holds only a weak reference to a task.
        app.arrival = asyncio.get_running_loop().create_task(arrive_later())
    else:
        app.arrive(environ)
    return app
