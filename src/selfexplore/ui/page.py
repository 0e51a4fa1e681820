"""What a page of the app is given, and what it gives back.

A page is built once per visit (and again when the student or the attempt changes), the first time it is
shown; every later visit to it calls `shown`, which redraws only what depends on answers saved since.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets

from selfexplore.services.visit import Visit
from selfexplore.ui.chrome import Chrome, Quiet
from selfexplore.workbook import PageSpec, Route


@dataclass(frozen=True)
class PageContext:
    """What every page may use: the visit (all it reads and writes), the frame, and calls back into the app:
    the student signed in or out (so the frame and the cookie follow); go to another page; and `follow`,
    for a page whose own controls moved it (another specialty picked from the list): the address follows
    without a new entry in the browser's history."""

    visit: Visit
    chrome: Chrome
    identity_changed: Callable[[], None]
    go: Callable[[Route], None]
    follow: Callable[[Route], None]


class PageView:
    """Base of the pages: `widget` is what the app shows for this page."""

    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        self.context = context
        self.visit = context.visit
        self.chrome = context.chrome
        self.content = context.visit.content
        self.spec = spec
        self.quiet = Quiet()
        self.widget = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.widget.add_class("se-view")
        self.widget.add_class(f"se-view-{spec.id}")
        self._drawn_at: int | None = None

    def show(self, *children: widgets.Widget) -> None:
        self.widget.children = children

    def shown(self, route: Route) -> None:
        """The page is about to be shown (again) for `route`: redraw it if answers changed since."""
        if self._drawn_at != self.visit.version:
            self._drawn_at = self.visit.version
            self.refresh()

    def refresh(self) -> None:
        """Redraw what depends on the student's answers (nothing, unless a page says otherwise)."""
