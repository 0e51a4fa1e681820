"""What every page of the app shares: the steps and links at the top, the progress, the pager at the
bottom, the status line, and the small helpers the views use to save and to show what they saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from html import escape
from time import strftime
from typing import TypeVar

import ipywidgets as widgets

from selfexplore.errors import SelfexploreError
from selfexplore.records import ChangedElsewhere
from selfexplore.services.visit import Visit
from selfexplore.ui.shell import Shell
from selfexplore.workbook import EXTRAS, STEPS, PageSpec, Route, neighbours, progress

T = TypeVar("T")


class Quiet:
    """Changes a view makes to its own widgets (showing what was saved) are not the student's answers:
    observers return early while `with quiet():` is open, even if setting a value raises."""

    def __init__(self) -> None:
        self._depth = 0

    def __bool__(self) -> bool:
        return self._depth > 0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1


def failure_message(error: Exception) -> str:
    """What a student is told when something fails: the domain's own message, or a calm general one."""
    if isinstance(error, SelfexploreError):
        return str(error)
    return "This could not be saved just now. It is still shown on this page: please try again in a moment."


def mark(widget: widgets.DOMWidget, key: str) -> None:
    """Mark a widget as an answer saved on change, under the key its status lines will name."""
    widget.add_class("se-answer")
    widget.add_class(f"se-item-{key}")


def page_heading(title: str, intro: str) -> widgets.HTML:
    return widgets.HTML(f"<h1>{escape(title)}</h1><p class='se-intro'>{escape(intro)}</p>")


def link(route: Route, text: str, css: str = "", *, current: bool = False) -> str:
    """An in-app link: the page script turns a click on it into a page change inside the kernel. `current`
    marks the link to the page already open (aria-current)."""
    cls = f' class="{escape(css, quote=True)}"' if css else ""
    here = ' aria-current="page"' if current else ""
    return f'<a href="{escape(route.href(), quote=True)}"{cls}{here}>{escape(text)}</a>'


def not_signed_in(visit: Visit) -> widgets.HTML:
    """Shown instead of a page's questions when nobody is signed in."""
    reason = f"<p>{escape(visit.problem)}</p>" if visit.problem else ""
    return widgets.HTML(
        f'<div class="se-notice" role="note">{reason}<p>Your answers are kept under a resume code. '
        f"{link(Route(), 'Open the start page')} to start a new workbook or to resume with your code.</p></div>"
    )


class Chrome:
    """The frame around the page shown: steps and links, progress, pager, and the status line (the
    Shell's). Views report what they saved through it."""

    def __init__(self, visit: Visit, shell: Shell) -> None:
        self.visit = visit
        self.shell = shell
        self.spec: PageSpec | None = None
        self.header = widgets.HTML()
        self.header.add_class("se-header")
        self.progress = widgets.HTML()
        self.footer = widgets.HTML()

    # --- the frame --------------------------------------------------------------------------------------

    def place(self, spec: PageSpec) -> None:
        """Draw the frame for the page about to be shown. The status line starts empty on a page of its own: a
        "Saved ..." from the page before, kept on one that saves nothing, reads as if it had saved something
        (walk review of 5 December 2026)."""
        if self.spec is not None and self.spec.id != spec.id and self.shell.status.get("text"):
            self.shell.show_status("", "idle")
        self.spec = spec
        current = ' aria-current="page"'
        steps = "".join(
            f'<li><a href="{escape(Route(s.id).href(), quote=True)}"{current if s.id == spec.id else ""}>'
            f"{escape(s.title)}</a></li>"
            for s in STEPS
        )
        extras = "".join(
            f'<li><a href="{escape(Route(s.id).href(), quote=True)}"{current if s.id == spec.id else ""}>'
            f"{escape(s.title)}</a></li>"
            for s in EXTRAS
        )
        # The steps are an ordered list: the list itself numbers them, so the titles carry no number.
        self.header.value = (
            f'<nav class="se-steps" aria-label="Workbook steps"><ol>{steps}</ol></nav>'
            f'<nav class="se-extras" aria-label="More to explore"><ul>{extras}</ul></nav>'
        )
        links = []
        before, after = neighbours(spec.id)
        if before is not None:
            links.append(link(Route(before.id), f"Back: {before.title}", "se-button se-prev"))
        if after is not None and self.visit.known:
            links.append(link(Route(after.id), f"Next: {after.title}", "se-button se-next"))
        sign_out = self.visit.sign_out_url if self.visit.known else None
        self.footer.value = f'<nav class="se-pager" aria-label="Previous and next step">{"".join(links)}</nav>' + (
            f'<p class="se-sign-out"><a href="{escape(sign_out, quote=True)}">Sign out</a></p>' if sign_out else ""
        )
        self.refresh_progress()

    def refresh_progress(self) -> None:
        if self.spec is None or not self.spec.step:
            self.progress.value = ""
            return
        shown = progress(self.visit.content, self.visit.answers(), self.spec.id)
        self.progress.value = (
            f'<p class="se-progress"><span id="se-progress-label">{escape(shown.label())}</span>'
            f'<progress aria-labelledby="se-progress-label" max="{shown.total}" value="{shown.answered}">'
            f"{shown.percent}%</progress></p>"
        )

    # --- the status line ---------------------------------------------------------------------------------

    # `key` names the answer a status line is about (the se-item-<key> class of its widgets): the page
    # script clears its "Saving..." for that answer only, and for text only when `length` matches.

    def saved(self, what: str, key: str | None = None, length: int | None = None) -> None:
        self.shell.show_status(f"Saved {what} at {strftime('%H:%M:%S')}.", "saved", key, length)
        self.refresh_progress()

    def failed(self, error: Exception, key: str | None = None, reverted: bool = False) -> None:
        if isinstance(error, ChangedElsewhere) and reverted:  # its message says the answer held is shown
            text = f"Not saved. {error}"
        elif reverted:  # the control shows the saved answer again, so choosing the same answer is a new try
            reason = str(error) if isinstance(error, SelfexploreError) else "This could not be saved just now."
            text = f"Not saved. {reason} The answer saved before is shown again: choose again to save it."
        else:
            text = f"Not saved. {failure_message(error)}"
        self.shell.show_status(text, "failed", key)

    def say(self, text: str, key: str | None = None) -> None:
        self.shell.show_status(text, "idle", key)

    @property
    def status_text(self) -> str:
        return str(self.shell.status.get("text", ""))

    def commit(
        self,
        key: str | None,
        save: Callable[[], T],
        said: Callable[[T], str],
        length: int | None = None,
        revert: Callable[[], None] | None = None,
        reload: Callable[[], None] | None = None,
    ) -> T | None:
        """Run one save; on success say what was saved, on failure say it was not (nothing is raised).

        After a failure, a choice is put back as it was saved with `revert`: a control left showing an answer
        the store does not hold would send nothing when the student chose it again (security review of
        5 December 2026, finding 5). Typed text, or an order being arranged, stays as it is for the student
        to try again, except when the save was refused because another tab changed it: then `reload` (or
        `revert`) shows what the store holds (finding 4), and the status line says so."""
        try:
            result = save()
        except Exception as error:
            put_back = (reload or revert) if isinstance(error, ChangedElsewhere) else revert
            reverted = False
            if put_back is not None:
                with suppress(Exception):  # the saved answer cannot be read either: the status line says so
                    put_back()
                    reverted = True
            self.failed(error, key, reverted)
            return None
        self.saved(said(result), key, length)
        return result
