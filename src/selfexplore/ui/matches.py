"""My matches: ranked specialties and career paths with the reasons, tensions, suggestions and charts.

The view only shows what selfexplore.results computes; it computes nothing itself.
"""

from __future__ import annotations

import ipywidgets as widgets

from selfexplore.matching import Kind
from selfexplore.results import (
    Results,
    build_results,
    compare_attempts,
    render_matches,
    render_movement,
    render_profile,
)
from selfexplore.ui.chrome import Chrome, frame, not_signed_in, page_heading
from selfexplore.ui.session import Session

_KINDS: tuple[tuple[str, Kind], ...] = (("Specialties", "specialties"), ("Career paths", "paths"))


class MatchesView:
    def __init__(self, session: Session, chrome: Chrome | None = None) -> None:
        self.session = session
        self.chrome = chrome if chrome is not None else Chrome(session, "matches")
        heading = page_heading(
            "My matches",
            "The specialties and career paths that fit your answers best, with what fits and what does not. "
            "A match is a place to start asking questions, not an answer.",
        )
        self.kind = widgets.ToggleButtons(options=list(_KINDS), value="specialties", description="Show")
        self.results_html = widgets.HTML()
        self.profile_html = widgets.HTML()
        self.movement_html = widgets.HTML()
        self.results: Results | None = None
        if not session.known:
            self.widget = frame(self.chrome, heading, not_signed_in(session))
            return
        self.kind.observe(lambda _c: self.show(), names="value")
        self.widget = frame(
            self.chrome,
            heading,
            self.kind,
            self.results_html,
            self.movement_html,
            widgets.HTML("<h2>Your profile</h2>"),
            self.profile_html,
        )
        self.refresh()

    def refresh(self) -> None:
        """Recompute from the answers saved now."""
        self.results = build_results(self.session.content, self.session.answers())
        self.profile_html.value = render_profile(self.session.content, self.results)
        self.show()

    def _movement(self, kind: Kind) -> str:
        """When the student has taken the workbook more than once: what moved since the attempt before."""
        attempts = self.session.attempts()
        current = self.session.attempt
        earlier = [a for a in attempts if current is not None and a.number < current.number]
        if not earlier or self.results is None or current is None:
            return ""
        before = build_results(self.session.content, self.session.store.answers(earlier[-1]))
        movement = compare_attempts(
            self.session.content, before, self.results, (earlier[-1].number, current.number), kind
        )
        return render_movement(self.session.content, movement)

    def show(self) -> None:
        if self.results is None:
            return
        kind: Kind = "paths" if self.kind.value == "paths" else "specialties"  # anything forged shows specialties
        self.movement_html.value = self._movement(kind)
        self.results_html.value = render_matches(
            self.session.content,
            self.results,
            kind,
            lambda page_id: self.session.link("specialties.ipynb", page=page_id),
        )
