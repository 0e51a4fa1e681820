"""The facilitator's service: group sessions (create, list, close), their anonymous figures read once per
refresh, the exports made from the same figures, and the questionnaire's evidence over the whole store.
The dashboard's page and the `session` and `instrument` commands all use it; none of them reads the store
or works out a figure of its own.

The figures are selfexplore.aggregate's: nothing about fewer than five students, counted in fives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from selfexplore.aggregate import Dashboard, aggregate, export_html, to_frame
from selfexplore.content import Content
from selfexplore.instrument import Evidence, evidence
from selfexplore.records import GroupSession
from selfexplore.store import Store


@dataclass(frozen=True)
class Listed:
    """A session as the list of sessions shows it: with how many students joined."""

    session: GroupSession
    joined: int


@dataclass(frozen=True)
class Figures:
    """A session's figures as they stood when the store was read."""

    session: GroupSession
    dashboard: Dashboard


@dataclass(frozen=True)
class Export:
    """A session's figures as files to download or write: the figures in CSV, and a summary in HTML."""

    name: str  # the files' name, without the extension
    csv: str
    html: str


class FacilitatorService:
    """What a facilitator does with group sessions, in one place for the dashboard and the command line."""

    def __init__(self, content: Content, store: Store) -> None:
        self.content = content
        self.store = store

    @classmethod
    def for_kernel(cls, content: Content) -> FacilitatorService:
        """The service a dashboard's kernel uses, over the server's store (Store.for_kernel)."""
        return cls(content, Store.for_kernel(content))

    def create(self, name: str, held_on: date | None = None) -> GroupSession:
        return self.store.create_session(name, held_on)

    def sessions(self) -> list[Listed]:
        """Every session, open ones first, the newest first within each, with how many joined."""
        sizes = self.store.session_sizes()
        found = sorted(self.store.sessions(), key=lambda s: (s.closed, -s.id))
        return [Listed(session, sizes.get(session.id, 0)) for session in found]

    def close(self, code: str) -> GroupSession:
        return self.store.close_session(code)

    def figures(self, code: str) -> Figures:
        """The session's figures, read from the store once (a StoreError when there is no such session)."""
        session = self.store.session(code)
        return Figures(session, aggregate(self.content, self.store.session_rows(session)))

    def instrument(self) -> Evidence:
        """The questionnaire's evidence over every student in the store (selfexplore.instrument)."""
        return evidence(self.content, self.store.instrument_rows())

    def export(self, figures: Figures) -> Export:
        """The exports of figures already read: the CSV and the HTML describe the same moment."""
        return Export(
            f"selfexplore-session-{figures.session.code}",
            to_frame(figures.dashboard).to_csv(index=False),
            export_html(self.content, figures.session.name, figures.dashboard),
        )


def listing_lines(listed: Sequence[Listed]) -> list[str]:
    """The sessions as `selfexplore session list` prints them, one line each."""
    lines = []
    for entry in listed:
        session = entry.session
        held = session.held_on.isoformat() if session.held_on else "-"
        state = "closed" if session.closed else "open"
        lines.append(f"{session.code}  {held:<10}  {state:<6}  {entry.joined:>4} joined  {session.name}")
    return lines
