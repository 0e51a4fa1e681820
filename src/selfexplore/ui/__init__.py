"""ipywidgets views over the domain: thin, every event calls one domain function and shows its result."""

from __future__ import annotations

from selfexplore.ui.balance import BalanceView
from selfexplore.ui.directory import DirectoryView, directory_page
from selfexplore.ui.matches import MatchesView
from selfexplore.ui.questions import QuestionsView
from selfexplore.ui.session import Session
from selfexplore.ui.start import StartView

__all__ = [
    "BalanceView",
    "DirectoryView",
    "MatchesView",
    "QuestionsView",
    "Session",
    "StartView",
    "build_page",
    "directory_page",
    "workbook_page",
]

View = StartView | QuestionsView | BalanceView | MatchesView


def build_page(step_id: str, session: Session) -> View:
    """The view of one workbook step over a session."""
    if step_id == "start":
        return StartView(session)
    if step_id in ("interests", "values"):
        return QuestionsView(session, step_id)
    if step_id == "balance":
        return BalanceView(session)
    if step_id == "matches":
        return MatchesView(session)
    raise KeyError(f"no workbook step {step_id!r}")


def workbook_page(step_id: str) -> View:
    """Build one workbook step for the student who asked for the page, and display it."""
    from IPython.display import display

    view = build_page(step_id, Session.from_request())
    display(view.widget)
    return view
