"""ipywidgets views over the domain: thin, every event calls one domain function and shows its result.

Each view's module is imported only when it is asked for: a student's kernel serving one page loads that
page's view and nothing else (this keeps each kernel smaller and quicker to start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selfexplore.ui.balance import BalanceView
    from selfexplore.ui.directory import DirectoryView, directory_page
    from selfexplore.ui.explore import AdvisingView, CompareView, PathsView
    from selfexplore.ui.matches import MatchesView
    from selfexplore.ui.plan import PlanView
    from selfexplore.ui.questions import QuestionsView
    from selfexplore.ui.session import Session
    from selfexplore.ui.start import StartView

    View = StartView | QuestionsView | BalanceView | MatchesView | PlanView | PathsView | CompareView | AdvisingView

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

_HOMES = {
    "AdvisingView": "explore",
    "BalanceView": "balance",
    "CompareView": "explore",
    "DirectoryView": "directory",
    "MatchesView": "matches",
    "PathsView": "explore",
    "PlanView": "plan",
    "QuestionsView": "questions",
    "Session": "session",
    "StartView": "start",
    "directory_page": "directory",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'selfexplore.ui' has no attribute {name!r}")
    return getattr(importlib.import_module(f"selfexplore.ui.{home}"), name)


def build_page(step_id: str, session: Session) -> View:
    """The view of one workbook page (a step, or one of the pages off the main path) over a session."""
    if step_id == "start":
        from selfexplore.ui.start import StartView

        return StartView(session)
    if step_id in ("interests", "values"):
        from selfexplore.ui.questions import QuestionsView

        return QuestionsView(session, step_id)
    if step_id == "balance":
        from selfexplore.ui.balance import BalanceView

        return BalanceView(session)
    if step_id == "matches":
        from selfexplore.ui.matches import MatchesView

        return MatchesView(session)
    if step_id == "plan":
        from selfexplore.ui.plan import PlanView

        return PlanView(session)
    if step_id in ("paths", "compare", "advising"):
        from selfexplore.ui.explore import AdvisingView, CompareView, PathsView

        if step_id == "paths":
            return PathsView(session)
        if step_id == "compare":
            ids = session.query.get("ids", "")
            return CompareView(session, [part for part in ids.split(",") if part])
        return AdvisingView(session)
    raise KeyError(f"no workbook step {step_id!r}")


def workbook_page(step_id: str) -> View:
    """Build one workbook page for the student who asked for it, and display it."""
    from IPython.display import display

    from selfexplore.ui.session import Session

    view = build_page(step_id, Session.from_request())
    display(view.widget)
    return view
