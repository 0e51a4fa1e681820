"""The facilitator's dashboard of a group session: live anonymous figures beside the session plan and
prompts, a projector mode, and exports. Served only by `selfexplore facilitate` (and a facilitator's hub
server). Every read goes through the facilitator's service (selfexplore.services.facilitator).

This module loads pandas (through selfexplore.aggregate); no student page imports it.
"""

from __future__ import annotations

import os
import threading
from html import escape

import ipywidgets as widgets
from IPython.display import display

from selfexplore.aggregate import render_dashboard
from selfexplore.content import Content, load_content
from selfexplore.instrument import render_evidence
from selfexplore.markup import download_link
from selfexplore.services.facilitator import FacilitatorService, Figures
from selfexplore.serving.identity import may_facilitate_here
from selfexplore.ui.chrome import failure_message

REFRESH_SECONDS = 10.0
NONE = "none"


class DashboardView:
    """The dashboard over a facilitator's service; `service` None (the page is not a facilitator's) shows
    only a line saying so, and reads nothing."""

    def __init__(self, content: Content, service: FacilitatorService | None) -> None:
        self.content = content
        self.service = service
        self.allowed = service is not None
        self.shown: Figures | None = None  # the figures on screen: the exports are made from them
        self.figures = widgets.HTML()
        self.guide = widgets.HTML()
        self.exports = widgets.HTML()
        self.status = widgets.HTML()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        heading = widgets.HTML(
            "<h1>Group session</h1><p>Anonymous figures for the students who joined with the session's code. "
            "A figure is withheld when it would describe fewer than five students, or leave out fewer than five "
            "of those counted.</p>"
        )
        if service is None:
            # Nothing from the store is read: a page without the facilitator role shows only this.
            self.widget = widgets.VBox([heading, widgets.HTML("<p role='alert'>This page is for facilitators.</p>")])
            self.widget.add_class("se-page-frame")
            return
        self.session_choice = widgets.Dropdown(description="Session", options=self._sessions(service))
        self.format = widgets.Dropdown(
            description="Format",
            options=[(f.name, f.id) for f in content.facilitation],
            value=content.facilitation[0].id,
        )
        self.projector = widgets.Checkbox(value=False, description="Projector mode (large type)", indent=False)
        self.refresh_button = widgets.Button(description="Refresh now")
        self.export_button = widgets.Button(description="Prepare exports (CSV and HTML)")
        self.evidence_button = widgets.Button(description="Show the questionnaire's evidence")
        self.evidence = widgets.HTML()
        self.session_choice.observe(lambda _c: self.refresh(), names="value")
        self.format.observe(lambda _c: self.show_guide(), names="value")
        self.projector.observe(lambda _c: self._project(), names="value")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.export_button.on_click(lambda _b: self.prepare_exports())
        self.evidence_button.on_click(lambda _b: self.show_evidence())
        columns = widgets.HBox([self.figures, self.guide], layout=widgets.Layout(width="100%"))
        columns.add_class("se-dashboard-columns")
        self.widget = widgets.VBox(
            [
                heading,
                widgets.HBox([self.session_choice, self.format]),
                widgets.HBox([self.projector, self.refresh_button, self.export_button]),
                self.status,
                self.exports,
                columns,
                widgets.HTML(
                    "<h2>The questionnaire</h2><p>How consistently the statements measure each dimension, and how "
                    "stable the answers are when students take the workbook again: figures over every student in "
                    "this store, not only this session, and none about fewer than twenty.</p>"
                ),
                self.evidence_button,
                self.evidence,
            ]
        )
        self.widget.add_class("se-page-frame")
        self.widget.add_class("se-dashboard")
        self.show_guide()
        self.refresh()

    @staticmethod
    def _sessions(service: FacilitatorService) -> list[tuple[str, str]]:
        options = [
            (f"{s.name} ({s.code}{', closed' if s.closed else ''})", s.code)
            for s in (listed.session for listed in service.sessions())
        ]
        return options or [("No session yet: create one with `selfexplore session create`", NONE)]

    def _figures(self) -> Figures | None:
        """The chosen session's figures, read once; None when no session is chosen or it is gone."""
        code = self.session_choice.value
        if self.service is None or not isinstance(code, str) or code == NONE:
            return None
        try:
            return self.service.figures(code)
        except Exception:
            return None

    def refresh(self) -> None:
        """Read the figures again (called by the button and every REFRESH_SECONDS)."""
        if self.service is None:
            return
        with self._lock:
            figures = self._figures()
            self.shown = figures
            if figures is None:
                self.figures.value = "<p>Choose a session.</p>"
                return
            self.figures.value = render_dashboard(self.content, figures.dashboard)
            self.status.value = (
                f"<p role='status'>Join code <strong>{escape(figures.session.code)}</strong>. "
                f"{figures.dashboard.members} joined. Updated.</p>"
            )

    def show_guide(self) -> None:
        chosen = next((f for f in self.content.facilitation if f.id == self.format.value), None)
        if chosen is None:
            return
        steps = "".join(f"<li>{escape(step)}</li>" for step in chosen.plan)
        prompts = "".join(f"<li>{escape(p)}</li>" for p in self.content.format_prompts(chosen))
        self.guide.value = (
            f"<aside aria-labelledby='se-guide'><h2 id='se-guide'>{escape(chosen.name)}</h2>"
            f"<p>{escape(chosen.length)}. {escape(chosen.goal)}</p><h3>Plan</h3><ol>{steps}</ol>"
            f"<h3>Prompts for discussion</h3><ul>{prompts}</ul></aside>"
        )

    def _project(self) -> None:
        if self.projector.value:
            self.widget.add_class("se-projector")
        else:
            self.widget.remove_class("se-projector")

    def prepare_exports(self) -> None:
        """The exports of the figures on screen (read when they were last refreshed): what the facilitator
        downloads is what they see."""
        if self.service is None or self.shown is None:
            return
        made = self.service.export(self.shown)
        self.exports.value = (
            f"<ul><li>{download_link(f'{made.name}.csv', 'text/csv', made.csv, 'Download the figures (CSV)')}</li>"
            f"<li>{download_link(f'{made.name}.html', 'text/html', made.html, 'Download the summary (HTML)')}</li></ul>"
        )

    def show_evidence(self) -> None:
        """The questionnaire's evidence, worked out when asked for (it reads every student's answers)."""
        if self.service is None:
            return
        try:
            found = self.service.instrument()
        except Exception as error:
            self.evidence.value = f"<p role='alert'>{escape(failure_message(error))}</p>"
            return
        self.evidence.value = render_evidence(self.content, found)

    def start_live(self, interval: float = REFRESH_SECONDS) -> None:
        """Refresh in the background until the kernel ends (figures change as students answer)."""

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except Exception:  # noqa: S112 - a failed refresh is retried at the next tick
                    continue

        threading.Thread(target=loop, name="selfexplore-dashboard", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()


def dashboard_page() -> DashboardView:
    content = load_content()
    service = FacilitatorService.for_kernel(content) if may_facilitate_here(os.environ) else None
    view = DashboardView(content, service)
    if view.allowed:
        view.start_live()
    display(view.widget)
    return view
