"""Helpers for driving the app without a browser: find widgets as a person would (by kind and label), open
the app for a student, and read what a download link holds."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any, TypeVar

import ipywidgets as widgets

from selfexplore.codes import open_seal, seal_pass
from selfexplore.content import Content
from selfexplore.services.visit import Visit
from selfexplore.serving.request import PASS_COOKIE
from selfexplore.store import Store
from selfexplore.ui.app import WorkbookApp
from selfexplore.ui.page import PageView

W = TypeVar("W", bound=widgets.Widget)
KERNEL_KEY = b"the kernel's connection key"


def walk(root: widgets.Widget) -> Iterator[widgets.Widget]:
    yield root
    for child in getattr(root, "children", ()):
        yield from walk(child)


def find_all(root: widgets.Widget, kind: type[W], description: str | None = None) -> list[W]:
    """Every widget of this kind under `root` (as shown now), with this label when one is given."""
    return [
        widget
        for widget in walk(root)
        if isinstance(widget, kind) and (description is None or getattr(widget, "description", None) == description)
    ]


def find(root: widgets.Widget, kind: type[W], description: str | None = None) -> W:
    """The one widget of this kind (and label) under `root`; fails when there is none or more than one."""
    found = find_all(root, kind, description)
    assert len(found) == 1, f"expected one {kind.__name__} {description!r}, found {len(found)}"
    return found[0]


def html_of(root: widgets.Widget) -> str:
    """All the HTML shown under `root`, in order."""
    return "".join(w.value for w in walk(root) if isinstance(w, widgets.HTML))


class Opened:
    """An app opened for one page request, as served (the address and the cookie kept by the page)."""

    def __init__(self, content: Content, store: Store, environ: Mapping[str, str] | None = None) -> None:
        self.app = WorkbookApp(Visit(content, store), addressed=True, seal=partial(seal_pass, KERNEL_KEY))
        self.cookies: list[dict[str, Any]] = []
        self.app.shell.observe(lambda change: self.cookies.append(change["new"]), names="cookie")
        self.app.arrive(dict(environ or {}))

    @property
    def view(self) -> PageView:
        """The page on screen."""
        (shown,) = self.app.body.children
        return next(view for view in self.app.views.values() if view.widget is shown)

    def go(self, query: str) -> PageView:
        """What the page script does when the student follows an in-app link (or goes Back)."""
        self.app.shell._handle_custom_msg({"go": query}, [])
        return self.view

    @property
    def status(self) -> str:
        return self.app.chrome.status_text

    @property
    def cookie(self) -> str | None:
        """The pass the page was last asked to keep in its cookie (None: forget it)."""
        assert self.cookies, "the page was never asked to set or clear the cookie"
        sealed: str = self.cookies[-1]["sealed"]
        if not sealed:
            return None
        # Only the server, which holds the kernel's key, can open the seal (SignInHandler).
        opened = open_seal(KERNEL_KEY, sealed)
        assert opened is not None
        return opened

    def reload(self) -> Opened:
        """The same browser loading the app again: a new visit in a new kernel, with the cookie."""
        environ = {"HTTP_COOKIE": f"{PASS_COOKIE}={self.cookie}"} if self.cookie else {}
        place = self.app.shell.place.get("query", "")
        return Opened(self.app.content, self.app.visit.store, {**environ, "QUERY_STRING": place})


def started(content: Content, store: Store) -> Opened:
    """A new student who has just started a workbook on the start page."""
    opened = Opened(content, store)
    find(opened.view.widget, widgets.Button, "Start a new workbook").click()
    return opened


def downloaded(html: str, filename: str) -> str:
    """The contents of the download link for `filename` in `html` (a data: URL)."""
    match = re.search(rf'download="{re.escape(filename)}" href="data:[^;]+;base64,([^"]+)"', html)
    assert match, f"no download link for {filename}"
    return base64.b64decode(match.group(1)).decode()
