"""My matches: ranked specialties and career paths with the reasons, tensions, suggestions and charts.

The view only shows what the visit and selfexplore.results compute; it computes nothing itself.
"""

from __future__ import annotations

import ipywidgets as widgets

from selfexplore.matching import FieldList
from selfexplore.results import profile_glance, render_matches, render_movement, render_profile
from selfexplore.ui.chrome import not_signed_in, page_heading
from selfexplore.ui.page import PageContext, PageView
from selfexplore.workbook import PageSpec, field_route

_KINDS: tuple[tuple[str, FieldList], ...] = (("Specialties", "specialties"), ("Career paths", "paths"))


def _page_href(page_id: str) -> str:
    return field_route(page_id).href()


class MatchesView(PageView):
    def __init__(self, context: PageContext, spec: PageSpec) -> None:
        super().__init__(context, spec)
        heading = page_heading(
            "My matches",
            "The specialties and career paths that fit your answers best, with what fits and what does not. "
            "A match is a place to start asking questions, not an answer.",
        )
        self.kind = widgets.ToggleButtons(options=list(_KINDS), value="specialties", description="Show")
        self.glance_html = widgets.HTML()
        self.results_html = widgets.HTML()
        self.profile_html = widgets.HTML()
        self.movement_html = widgets.HTML()
        if not self.visit.known:
            self.show(heading, not_signed_in(self.visit))
            return
        self.kind.observe(lambda _c: self.draw(), names="value")
        self.show(
            heading,
            self.glance_html,
            self.kind,
            self.results_html,
            self.movement_html,
            widgets.HTML("<h2>Your profile</h2>"),
            self.profile_html,
        )

    def refresh(self) -> None:
        if self.visit.known:
            results = self.visit.results()
            self.glance_html.value = profile_glance(self.content, results)
            self.profile_html.value = render_profile(self.content, results)
            self.draw()

    def draw(self) -> None:
        kind: FieldList = "paths" if self.kind.value == "paths" else "specialties"  # anything forged shows specialties
        movement = self.visit.movement(kind)
        self.movement_html.value = render_movement(self.content, movement) if movement is not None else ""
        self.results_html.value = render_matches(self.content, self.visit.results(), kind, _page_href)
