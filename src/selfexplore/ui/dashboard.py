"""The facilitator's dashboard of a group session: live anonymous figures beside the session plan and
prompts, a projector mode, and exports. Served only by `selfexplore facilitate`.

This module loads pandas (through selfexplore.aggregate); no student page imports it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from html import escape

import ipywidgets as widgets
from IPython.display import display

from selfexplore.aggregate import aggregate, export_html, render_dashboard, to_frame
from selfexplore.content import Content, load_content
from selfexplore.identity import FACILITATOR_ROLE, ROLE_ENV, may_facilitate
from selfexplore.markup import download_link
from selfexplore.store import STORE_PREPARED_ENV, GroupSession, Store

REFRESH_SECONDS = 10.0
NONE = "none"


class DashboardView:
    def __init__(self, content: Content, store: Store, environ: Mapping[str, str]) -> None:
        self.content = content
        self.store = store
        self.allowed = environ.get(ROLE_ENV) == FACILITATOR_ROLE and may_facilitate(environ)
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
        if not self.allowed:
            # Nothing from the store is read: a page without the facilitator role shows only this.
            self.widget = widgets.VBox([heading, widgets.HTML("<p role='alert'>This page is for facilitators.</p>")])
            self.widget.add_class("se-page-frame")
            return
        self.session = widgets.Dropdown(description="Session", options=self._sessions())
        self.format = widgets.Dropdown(
            description="Format",
            options=[(f.name, f.id) for f in content.facilitation],
            value=content.facilitation[0].id,
        )
        self.projector = widgets.Checkbox(value=False, description="Projector mode (large type)", indent=False)
        self.refresh_button = widgets.Button(description="Refresh now")
        self.export_button = widgets.Button(description="Prepare exports (CSV and HTML)")
        self.session.observe(lambda _c: self.refresh(), names="value")
        self.format.observe(lambda _c: self.show_guide(), names="value")
        self.projector.observe(lambda _c: self._project(), names="value")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.export_button.on_click(lambda _b: self.prepare_exports())
        columns = widgets.HBox([self.figures, self.guide], layout=widgets.Layout(width="100%"))
        columns.add_class("se-dashboard-columns")
        self.widget = widgets.VBox(
            [
                heading,
                widgets.HBox([self.session, self.format]),
                widgets.HBox([self.projector, self.refresh_button, self.export_button]),
                self.status,
                self.exports,
                columns,
            ]
        )
        self.widget.add_class("se-page-frame")
        self.widget.add_class("se-dashboard")
        self.show_guide()
        self.refresh()

    def _sessions(self) -> list[tuple[str, str]]:
        found = sorted(self.store.sessions(), key=lambda s: (s.closed, -s.id))
        options = [(f"{s.name} ({s.code}{', closed' if s.closed else ''})", s.code) for s in found]
        return options or [("No session yet: create one with `selfexplore session create`", NONE)]

    def _chosen(self) -> GroupSession | None:
        code = self.session.value
        if not isinstance(code, str) or code == NONE:
            return None
        try:
            return self.store.session(code)
        except Exception:
            return None

    def refresh(self) -> None:
        """Recompute the figures from the store (called by the button and every REFRESH_SECONDS)."""
        if not self.allowed:
            return
        with self._lock:
            chosen = self._chosen()
            if chosen is None:
                self.figures.value = "<p>Choose a session.</p>"
                return
            dashboard = aggregate(self.content, self.store.session_rows(chosen))
            self.figures.value = render_dashboard(self.content, dashboard)
            self.status.value = (
                f"<p role='status'>Join code <strong>{escape(chosen.code)}</strong>. {dashboard.members} joined. "
                "Updated.</p>"
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
        chosen = self._chosen()
        if chosen is None:
            return
        dashboard = aggregate(self.content, self.store.session_rows(chosen))
        csv = to_frame(dashboard).to_csv(index=False)
        html = export_html(self.content, chosen.name, dashboard)
        name = f"selfexplore-session-{chosen.code}"
        self.exports.value = (
            f"<ul><li>{download_link(f'{name}.csv', 'text/csv', csv, 'Download the figures (CSV)')}</li>"
            f"<li>{download_link(f'{name}.html', 'text/html', html, 'Download the summary (HTML)')}</li></ul>"
        )

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
    view = DashboardView(content, Store.open(content, create=not os.environ.get(STORE_PREPARED_ENV)), os.environ)
    if view.allowed:
        view.start_live()
    display(view.widget)
    return view
