"""The browsable directory of specialty and career-path pages."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

import ipywidgets as widgets
from IPython.display import display

from selfexplore.codes import looks_like_pass
from selfexplore.content import Content, load_content
from selfexplore.pages import Section, directory, render_page
from selfexplore.ui.request import query_parameter, request_environ
from selfexplore.ui.session import PASS_PARAMETER

_SECTIONS: tuple[tuple[str, Section], ...] = (("Specialties", "specialties"), ("Career paths", "paths"))


class DirectoryView:
    """A section switch, a search box, a list of pages and the chosen page."""

    def __init__(self, content: Content) -> None:
        self.content = content
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
        self.page.value = render_page(self.content, page) if page is not None else ""

    def select(self, page_id: str) -> None:
        """Open a page by id, switching section and clearing the search if needed."""
        page = self.content.page(page_id)
        self.search.value = ""
        self.section.value = "specialties" if page.kind == "specialty" else "paths"
        self.listing.value = page_id


def directory_page(content: Content | None = None) -> DirectoryView:
    """Build the directory over the content pack in use and display it, opened at the page named in the
    query string (`?page=<id>`, as linked from the matches page) when there is one."""
    view = DirectoryView(content if content is not None else load_content())
    environ = request_environ()
    page_id = query_parameter(environ, "page")
    if page_id is not None and page_id in view.content.pages_by_id:
        view.select(page_id)
    token = query_parameter(environ, PASS_PARAMETER)
    if token is not None and looks_like_pass(token):
        href = escape(f"matches.ipynb?{urlencode({PASS_PARAMETER: token})}", quote=True)
        view.widget.children = (widgets.HTML(f'<p><a href="{href}">Back to my matches</a></p>'), *view.widget.children)
    display(view.widget)
    return view
