"""The app's own widget: the status line, and the page script that runs wherever the app runs.

The Shell is an anywidget: its front end is `static/workbook.js` (beside the Voila template, read from the
package), which gives the app its behaviour in the browser (moving between pages inside the kernel, the
sign-in cookie, the saving status, accessibility for stock widgets). The contract between the two is this
class's synced traits and two messages:

- `place` (kernel -> page): {"page", "query", "title", "replace"} of the page shown; under Voila
  (`addressed`) the page script keeps the browser's address and title in step with it, replacing the
  current history entry when `replace` is set (the page moved by its own controls).
- `status` (kernel -> page): the status line ({"text", "state", "key", "length", "update"}): `key` names
  the answer it is about, so the page script clears its "Saving..." for that answer only.
- `cookie` (kernel -> page, only under Voila): {"sealed", "path"}: keep the sign-in in the browser (the
  page pass sealed for the server, which the page cannot open: selfexplore.codes.seal_pass), or with an
  empty seal forget it. State rather than a message, so that it reaches the page even when it is set before
  the page has connected (a stale cookie found when the request arrives).
- {"go": "<query string>"} (page -> kernel): the student followed an in-app link, or went Back or Forward.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from importlib import resources
from typing import Any

import anywidget
import traitlets

_STATIC = resources.files("selfexplore") / "share" / "voila" / "templates" / "selfexplore" / "static"
_updates = itertools.count(1)


def static_text(name: str) -> str:
    """One of the app's front-end files, as shipped with the package."""
    return (_STATIC / name).read_text(encoding="utf-8")


class Shell(anywidget.AnyWidget):
    _esm = static_text("workbook.js")
    # The app's styles travel with the widget only where no page template brings them (JupyterLab).
    _css = traitlets.Unicode("").tag(sync=True)
    place = traitlets.Dict().tag(sync=True)
    addressed = traitlets.Bool(False).tag(sync=True)
    status = traitlets.Dict().tag(sync=True)
    cookie = traitlets.Dict().tag(sync=True)

    def __init__(self, *, addressed: bool, **kwargs: Any) -> None:
        css = "" if addressed else static_text("workbook.css")
        super().__init__(addressed=addressed, _css=css, **kwargs)
        self.add_class("se-shell")

    def show_status(self, text: str, state: str, key: str | None = None, length: int | None = None) -> None:
        # Every update is a new value (`update`), so the page always hears back, even when the same words
        # are repeated: the page script shows "Saving..." on every change and relies on this to clear it.
        self.status = {"text": text, "state": state, "key": key, "length": length, "update": next(_updates)}

    def show_place(self, page: str, query: str, title: str, *, replace: bool = False) -> None:
        self.place = {"page": page, "query": query, "title": title, "replace": replace}

    def keep_cookie(self, sealed: str, path: str) -> None:
        """Ask the page to keep the sign-in in its cookie (a sealed pass), or to forget it (""). Only a
        served app has an address to keep a student signed in across reloads; in JupyterLab the kernel
        itself stays."""
        if self.addressed:
            self.cookie = {"sealed": sealed, "path": path, "update": next(_updates)}

    def on_go(self, callback: Callable[[str], None]) -> None:
        """Call `callback` with the query string of every page the student asks for from the page."""

        def receive(_widget: object, content: object, _buffers: object) -> None:
            # Anything else a forged message might carry is ignored; the query is checked by the app.
            if isinstance(content, dict) and isinstance(content.get("go"), str):
                callback(content["go"][:2000])

        self.on_msg(receive)
