"""The specialty and career-path pages: a section switch, a search box, a list of pages and the page chosen.

A signed-in student sees the page beside their own profile. The address names the page open
(`?page=specialties&id=<page id>`), so a match links straight to its page.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as widgets

from selfexplore.fields import DirectoryEntry, directory, render_field
from selfexplore.matching import FieldList
from selfexplore.ui.chrome import link
from selfexplore.ui.page import PageContext, PageView
from selfexplore.workbook import PageSpec, Route, field_route

_SECTIONS: tuple[tuple[str, FieldList], ...] = (("Specialties", "specialties"), ("Career paths", "paths"))


class DirectoryView(PageView):
    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        self.current: str | None = None
        self.compare = widgets.HTML()
        self.section = widgets.ToggleButtons(
            options=[(f"{label} ({self._count(key)})", key) for label, key in _SECTIONS],
            value="specialties",
            description="Show",
            tooltips=["Clinical specialties", "Non-clinical and additional career paths"],
        )
        self.search = widgets.Text(description="Search", placeholder="a word from the name or summary")
        # A list of links, not a list box (walk review: on a phone the list box's "Family › Field" lines ran
        # past its edge, and it held 12 of 52 lines in a box of its own): each opens its page and its address.
        self.listing = widgets.HTML()
        self.page = widgets.HTML()
        self.status = widgets.HTML()
        self.section.observe(self._changed, names="value")
        self.search.observe(self._changed, names="value")
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

    def _section(self) -> FieldList:
        return "paths" if self.section.value == "paths" else "specialties"

    def shown(self, route: Route) -> None:
        if route.target != self.current:
            if route.target is not None and route.target in self.content.fields_by_id:
                self.select(route.target)
            else:
                self.current = None
                self._refill()
        elif self._drawn_at != self.visit.version:
            self._draw_page()
        self._drawn_at = self.visit.version

    def _changed(self, _change: Any = None) -> None:
        """The student switched section or searched (not the view itself, opening a page: see `select`)."""
        if not self.quiet:
            self._refill()

    def _refill(self, _change: Any = None) -> None:
        section = self._section()
        query = self.search.value if isinstance(self.search.value, str) else ""
        entries = directory(self.content, section, query)
        # Said to screen readers as a search narrows the list; the list's own summary says it on screen.
        count = len(entries)
        matched = f"{count} page matches" if count == 1 else f"{count} pages match"
        self.status.value = f'<p role="status" class="se-sr-only">{matched if query.strip() else ""}</p>'
        self.listing.value = self._links(entries, section, bool(query.strip()))
        self._draw_page()

    def _links(self, entries: list[DirectoryEntry], section: FieldList, searching: bool) -> str:
        """The pages as links, a subspecialty named with its family; folded away under its summary once a
        page is open (the page is what the student came for), open while nothing is chosen or a search runs."""
        if not entries:
            return '<p class="se-directory-empty">No page matches that search.</p>'
        items = self._items(entries)
        kind = "specialties" if section == "specialties" else "career paths"
        whole = self._count(section)
        summary = f"All {whole} {kind}" if len(entries) == whole else f"{len(entries)} of {whole} {kind}"
        opened = " open" if self.current is None or searching else ""
        return (
            f'<nav aria-label="Pages"><details class="se-directory"{opened}><summary>{summary}</summary>'
            f'<ul class="se-directory-list">{items}</ul></details></nav>'
        )

    def _items(self, entries: list[DirectoryEntry]) -> str:
        """The list's items: a family's fields nested under its core specialty, or, when a search leaves the
        core out, named with it ("within Internal Medicine")."""

        def item(entry: DirectoryEntry, named_with_family: bool) -> str:
            shown = link(field_route(entry.id), entry.name, current=entry.id == self.current)
            if named_with_family and entry.core is not None:
                shown += f'<span class="se-muted"> (within {escape(entry.core)})</span>'
            return shown

        groups: list[tuple[DirectoryEntry, list[DirectoryEntry]]] = []
        for entry in entries:
            if entry.core is not None and groups and groups[-1][0].core is None and groups[-1][0].name == entry.core:
                groups[-1][1].append(entry)
            else:
                groups.append((entry, []))
        return "".join(
            f"<li>{item(head, True)}"
            + (f"<ul>{''.join(f'<li>{item(m, False)}</li>' for m in members)}</ul>" if members else "")
            + "</li>"
            for head, members in groups
        )

    def _draw_page(self, _change: Any = None) -> None:
        page = self.content.fields_by_id.get(self.current) if self.current is not None else None
        if page is None:
            self.page.value = '<p class="se-muted">Choose a page from the list to read it here.</p>'
            self.compare.value = ""
            return
        self.page.value = render_field(self.content, page, self.visit.scored())
        target = Route("compare", targets=(page.id,))
        self.compare.value = f"<p>{link(target, f'Compare {page.name} with other pages')}</p>"

    def select(self, page_id: str) -> None:
        """Open a page by id, switching section and clearing the search if needed."""
        page = self.content.field(page_id)
        self.current = page.id
        with self.quiet():
            self.search.value = ""
            self.section.value = "specialties" if page.kind == "specialty" else "paths"
        self._refill()
