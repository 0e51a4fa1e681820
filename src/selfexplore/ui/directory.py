"""The specialty and career-path pages: a section switch, a search box, a list of pages and the page chosen.

A signed-in student sees the page beside their own profile. The address names the page open
(`?page=specialties&id=<page id>`), so a match links straight to its page.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from selfexplore.fields import directory, render_field
from selfexplore.matching import FieldList
from selfexplore.ui.chrome import link
from selfexplore.ui.page import PageContext, PageView
from selfexplore.workbook import PageSpec, Route, field_route

_SECTIONS: tuple[tuple[str, FieldList], ...] = (("Specialties", "specialties"), ("Career paths", "paths"))


class DirectoryView(PageView):
    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
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
        self.section.observe(self._refill, names="value")
        self.search.observe(self._refill, names="value")
        self.listing.observe(self._picked, names="value")
        self.show(
            widgets.HTML(
                "<h1>Specialties and career paths</h1>"
                "<p>Browse every page of the workbook. Each fact carries its source.</p>"
            ),
            self.section,
            self.search,
            self.status,
            self.listing,
            self.page,
            self.compare,
        )
        self._refill()

    def _count(self, section: FieldList) -> int:
        return len(self.content.specialties if section == "specialties" else self.content.paths)

    def shown(self, route: Route) -> None:
        if route.target is not None and route.target != self.listing.value:
            self.select(route.target)
        elif self._drawn_at != self.visit.version:
            self._draw_page()
        self._drawn_at = self.visit.version

    def _picked(self, _change: Any = None) -> None:
        self._draw_page()
        if not self.quiet and isinstance(self.listing.value, str):
            self.context.follow(field_route(self.listing.value))

    def _refill(self, _change: Any = None) -> None:
        section: FieldList = "paths" if self.section.value == "paths" else "specialties"
        entries = directory(self.content, section, self.search.value if isinstance(self.search.value, str) else "")
        self.listing.options = [(entry.label, entry.id) for entry in entries]
        self.status.value = f'<p role="status">{len(entries)} page(s)</p>'
        if entries:
            self.listing.value = entries[0].id
        else:
            self.page.value = "<p>No page matches that search.</p>"
            self.compare.value = ""

    def _draw_page(self, _change: Any = None) -> None:
        page_id = self.listing.value
        page = self.content.fields_by_id.get(page_id) if isinstance(page_id, str) else None
        # A value that is not a known page id (for example one forged from the page) shows nothing.
        self.page.value = render_field(self.content, page, self.visit.scored()) if page is not None else ""
        if page is not None:
            target = Route("compare", targets=(page.id,))
            self.compare.value = f"<p>{link(target, f'Compare {page.name} with other pages')}</p>"
        else:
            self.compare.value = ""

    def select(self, page_id: str) -> None:
        """Open a page by id, switching section and clearing the search if needed."""
        page = self.content.field(page_id)
        with self.quiet():
            self.search.value = ""
            self.section.value = "specialties" if page.kind == "specialty" else "paths"
            self.listing.value = page_id
