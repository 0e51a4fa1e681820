"""The browsable directory of specialty and career-path pages."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from selfexplore.content import Content
from selfexplore.pages import Section, directory, render_page
from selfexplore.scoring import ScoredProfile
from selfexplore.ui.chrome import Chrome
from selfexplore.ui.session import Session

_SECTIONS: tuple[tuple[str, Section], ...] = (("Specialties", "specialties"), ("Career paths", "paths"))


class DirectoryView:
    """A section switch, a search box, a list of pages and the chosen page."""

    def __init__(
        self, content: Content, scored: ScoredProfile | None = None, link: Callable[..., str] | None = None
    ) -> None:
        self.content = content
        self.scored = scored
        self.link = link
        self.compare = widgets.HTML()
        self.section = widgets.ToggleButtons(
            options=[(f"{label} ({self._count(key)})", key) for label, key in _SECTIONS],
            value="specialties",
            description="Show",
            tooltips=["Clinical specialties", "Non-clinical and additional career paths"],
        )
        self.search = widgets.Text(description="Search", placeholder="a word from the name or summary")
        self.listing = widgets.Select(description="Pages", rows=12, layout=widgets.Layout(width="100%"))
        self.page = widgets.HTML()
        self.status = widgets.HTML()
        self.section.observe(self._refresh, names="value")
        self.search.observe(self._refresh, names="value")
        self.listing.observe(self._show, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HTML(
                    "<h1>Specialties and career paths</h1>"
                    "<p>Browse every page of the workbook. Each fact carries its source.</p>"
                ),
                self.section,
                self.search,
                self.status,
                self.listing,
                self.page,
            ],
            layout=widgets.Layout(max_width="60rem"),
        )
        self.widget.add_class("se-page-frame")
        self._refresh()

    def _count(self, section: Section) -> int:
        return len(self.content.specialties if section == "specialties" else self.content.paths)

    def _refresh(self, _change: Any = None) -> None:
        entries = directory(self.content, self.section.value, self.search.value)
        self.listing.options = [(entry.name, entry.id) for entry in entries]
        self.status.value = f'<p role="status">{len(entries)} page(s)</p>'
        if entries:
            self.listing.value = entries[0].id
        else:
            self.page.value = "<p>No page matches that search.</p>"

    def _show(self, change: Any = None) -> None:
        page_id = self.listing.value
        page = self.content.pages_by_id.get(page_id) if isinstance(page_id, str) else None
        # A value that is not a known page id (for example one forged from the page) shows nothing.
        self.page.value = render_page(self.content, page, self.scored) if page is not None else ""
        if self.link is not None and page is not None:
            href = escape(self.link("compare.ipynb", ids=page.id), quote=True)
            self.compare.value = f'<p><a href="{href}">Compare {escape(page.name)} with other pages</a></p>'
        else:
            self.compare.value = ""

    def select(self, page_id: str) -> None:
        """Open a page by id, switching section and clearing the search if needed."""
        page = self.content.page(page_id)
        self.search.value = ""
        self.section.value = "specialties" if page.kind == "specialty" else "paths"
        self.listing.value = page_id


def directory_page(content: Content | None = None) -> DirectoryView:
    """Build the directory and display it, opened at the page named in the query string (`?page=<id>`, as
    linked from the matches page) when there is one; a signed-in student sees their profile beside it."""
    session = Session.from_request(content)
    view = DirectoryView(session.content, session.scored(), session.link)
    page_id = session.query.get("page")
    if page_id is not None and page_id in view.content.pages_by_id:
        view.select(page_id)
    chrome = Chrome(session, None)
    view.widget.children = (chrome.header, *view.widget.children, view.compare)
    display(view.widget)
    return view
