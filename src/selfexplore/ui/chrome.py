"""The frame around every workbook page: steps, progress, the saved status, and the links on."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from html import escape

import ipywidgets as widgets

from selfexplore.scoring import Answer
from selfexplore.ui.session import Session, failure_message
from selfexplore.workbook import EXTRAS, STEPS, neighbours, progress


class Chrome:
    """Header (steps and progress), a live status line for saving, and previous/next links."""

    def __init__(self, session: Session, step_id: str | None) -> None:
        """`step_id` None: a page off the main path (no step number, no previous/next links)."""
        self.session = session
        self.step_id = step_id
        self.header = widgets.HTML()
        self.status = widgets.HTML(_status("", "idle"))
        self.status.add_class("se-status-line")
        self.footer = widgets.HTML()
        self.refresh()

    def refresh(self, answers: Mapping[str, Answer] | None = None) -> None:
        """Redraw steps, progress and links from what the store holds now (or from `answers`, when the
        caller has just read them)."""
        session = self.session
        current = ' aria-current="page"'
        steps = "".join(
            f'<li><a href="{escape(session.link(step.notebook), quote=True)}"'
            f"{current if step.id == self.step_id else ''}>{number}. {escape(step.title)}</a></li>"
            for number, step in enumerate(STEPS, start=1)
        )
        extras = "".join(
            f'<li><a href="{escape(session.link(notebook), quote=True)}">{escape(title)}</a></li>'
            for notebook, title in EXTRAS
        )
        header = (
            f'<nav class="se-steps" aria-label="Workbook steps"><ol>{steps}</ol></nav>'
            f'<nav class="se-extras" aria-label="More to explore"><ul>{extras}</ul></nav>'
        )
        if self.step_id is not None:
            shown = progress(session.content, session.answers() if answers is None else answers, self.step_id)
            header += (
                f'<p class="se-progress"><span id="se-progress-label">{escape(shown.label())}</span>'
                f'<progress aria-labelledby="se-progress-label" max="{shown.total}" value="{shown.answered}">'
                f"{shown.percent}%</progress></p>"
            )
        self.header.value = header
        links = []
        if self.step_id is not None:
            before, after = neighbours(self.step_id)
            if before is not None:
                href = escape(session.link(before.notebook), quote=True)
                links.append(f'<a class="se-button se-prev" href="{href}">Back: {escape(before.title)}</a>')
            if after is not None and session.known:
                href = escape(session.link(after.notebook), quote=True)
                links.append(f'<a class="se-button se-next" href="{href}">Next: {escape(after.title)}</a>')
        self.footer.value = f'<nav class="se-pager" aria-label="Previous and next step">{"".join(links)}</nav>'

    # `key` names the answer a status line is about (the se-item-<key> class of its widgets): the page
    # script clears its "Saving..." for that answer only, and for text only when `length` matches.

    def saved(
        self,
        what: str,
        key: str | None = None,
        length: int | None = None,
        answers: Mapping[str, Answer] | None = None,
    ) -> None:
        self.status.value = _status(f"Saved {what} at {time.strftime('%H:%M:%S')}.", "saved", key, length)
        self.refresh(answers)

    def failed(self, error: Exception, key: str | None = None) -> None:
        self.status.value = _status(failure_message(error), "failed", key)

    def say(self, text: str, key: str | None = None) -> None:
        self.status.value = _status(text, "idle", key)


def mark(widget: widgets.DOMWidget, key: str) -> None:
    """Mark a widget as an answer saved on change, under the key its status lines will name."""
    widget.add_class("se-answer")
    widget.add_class(f"se-item-{key}")


_updates = itertools.count(1)


def _status(text: str, state: str, key: str | None = None, length: int | None = None) -> str:
    # role="status" makes a screen reader announce each save without moving the focus. Every update is a
    # new value (data-update), so the page always hears back, even when the same words are repeated: the
    # page script shows "Saving..." on every change and relies on this reply to clear it.
    item = f' data-item="{escape(key, quote=True)}"' if key else ""
    size = f' data-length="{length}"' if length is not None else ""
    return (
        f'<p class="se-status se-status-{state}" role="status" aria-live="polite" data-update="{next(_updates)}"'
        f"{item}{size}>{escape(text)}</p>"
    )


def page_heading(title: str, intro: str) -> widgets.HTML:
    return widgets.HTML(f"<h1>{escape(title)}</h1><p class='se-intro'>{escape(intro)}</p>")


def frame(chrome: Chrome, *body: widgets.Widget) -> widgets.VBox:
    box = widgets.VBox([chrome.header, *body, chrome.status, chrome.footer])
    box.add_class("se-page-frame")
    return box


def not_signed_in(session: Session) -> widgets.HTML:
    """Shown instead of a page's questions when nobody is signed in."""
    reason = f"<p>{escape(session.problem)}</p>" if session.problem else ""
    href = escape(session.link("start.ipynb"), quote=True)
    return widgets.HTML(
        f'<div class="se-notice" role="note">{reason}<p>Your answers are kept under a resume code. '
        f'<a href="{href}">Open the start page</a> to start a new workbook or to resume with your code.</p></div>'
    )
