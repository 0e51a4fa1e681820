"""ipywidgets views over the domain: thin, every event calls one domain function and shows its result.

`workbook_app` is the students' app (one notebook, every page inside one kernel); `dashboard_page` is the
facilitator's dashboard, served by a server of its own. Each is imported only when it is asked for, so a
kernel loads the views it serves and nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selfexplore.ui.app import WorkbookApp, workbook_app
    from selfexplore.ui.dashboard import dashboard_page

__all__ = ["WorkbookApp", "dashboard_page", "workbook_app"]

_HOMES = {"WorkbookApp": "app", "workbook_app": "app", "dashboard_page": "dashboard"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'selfexplore.ui' has no attribute {name!r}")
    return getattr(importlib.import_module(f"selfexplore.ui.{home}"), name)
