"""ipywidgets views over the domain: thin, every event calls one domain function and shows its result."""

from __future__ import annotations

from selfexplore.ui.balance import BalanceView
from selfexplore.ui.directory import DirectoryView, directory_page
from selfexplore.ui.explore import AdvisingView, CompareView, PathsView
from selfexplore.ui.matches import MatchesView
from selfexplore.ui.plan import PlanView
from selfexplore.ui.questions import QuestionsView
from selfexplore.ui.session import Session
from selfexplore.ui.start import StartView

__all__ = [
    "AdvisingView",
    "BalanceView",
    "CompareView",
    "DirectoryView",
    "MatchesView",
    "PathsView",
    "PlanView",
    "QuestionsView",
    "Session",
    "StartView",
    "build_page",
    "directory_page",
    "workbook_page",
]

View = StartView | QuestionsView | BalanceView | MatchesView | PlanView | PathsView | CompareView | AdvisingView


def build_page(step_id: str, session: Session) -> View:
    """The view of one workbook page (a step, or one of the pages off the main path) over a session."""
    if step_id == "start":
        return StartView(session)
    if step_id in ("interests", "values"):
        return QuestionsView(session, step_id)
    if step_id == "balance":
        return BalanceView(session)
    if step_id == "matches":
        return MatchesView(session)
    if step_id == "plan":
        return PlanView(session)
    if step_id == "paths":
        return PathsView(session)
    if step_id == "compare":
        ids = session.query.get("ids", "")
        return CompareView(session, [part for part in ids.split(",") if part])
    if step_id == "advising":
        return AdvisingView(session)
    raise KeyError(f"no workbook step {step_id!r}")


def workbook_page(step_id: str) -> View:
    """Build one workbook step for the student who asked for the page, and display it."""
    from IPython.display import display

    view = build_page(step_id, Session.from_request())
    display(view.widget)
    return view
