"""The adviser's page: the students who shared with this adviser, what each shared, since when and until
when, and what changed since the adviser last looked; a student's shared material as HTML (to read, print
or keep), and the adviser's own meeting notes. Served only where the adviser role is set (`selfexplore
advise`, an adviser's hub server); the student server never serves it.

Which adviser the page is for comes from the server's environment (selfexplore.serving.identity.signed_in_adviser),
never from the page; every read goes through the store, which shows an adviser only the live shares made
with them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import date
from html import escape
from time import strftime

import ipywidgets as widgets
from IPython.display import display

from selfexplore.content import Content, load_content
from selfexplore.markup import download_link
from selfexplore.records import NOT_SHARED, IdentityError
from selfexplore.report import made_on_words
from selfexplore.services.adviser import AdviserService
from selfexplore.serving.identity import known_advisers, signed_in_adviser
from selfexplore.sharing import changes, items_words, label_html
from selfexplore.ui.chrome import Quiet, failure_message

# How often an open page reads the shares again: a student who withdraws is gone from it within this.
REFRESH_SECONDS = 10.0
INTRO = (
    "<h1>Students who shared with you</h1><p>Each student below chose what to share with you, and for how long. "
    "What you see follows their answers as they change them, and a student can withdraw at any time: within "
    "seconds they are gone from this page, with what it showed of them. Your notes are yours alone: no other "
    "advisor, and not the student, reads them.</p>"
)


class AdviseesView:
    """The adviser's page over their service; `service` None (the page is not an adviser's) shows only a
    line saying so, and reads nothing."""

    def __init__(self, content: Content, service: AdviserService | None, today: date | None = None) -> None:
        self.content = content
        self.service = service
        self.today = today or date.today()
        heading = widgets.HTML(INTRO)
        if service is None:
            # Nothing from the store is read: a page without the adviser role shows only this.
            self.widget = widgets.VBox([heading, widgets.HTML("<p role='alert'>This page is for advisors.</p>")])
            self.widget.add_class("se-page-frame")
            return
        self.code = widgets.Text(description="Advisor code", placeholder="the code a student gave you")
        self.redeem_button = widgets.Button(description="Add the student")
        self.redeem_button.on_click(lambda _b: self.redeem())
        self.refresh_button = widgets.Button(description="Check for changes")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.status = widgets.HTML()
        self.listing = widgets.VBox()
        self.detail = widgets.VBox()
        self.note = widgets.Textarea(
            description="My notes (only I see them)",
            rows=5,
            continuous_update=False,
            layout=widgets.Layout(width="100%"),
        )
        self.note.observe(self._save_note, names="value")
        self.note_status = widgets.HTML()
        self.prepare = widgets.Button(description="Prepare a download (HTML, to print or keep)")
        self.prepare.on_click(lambda _b: self.prepare_download())
        self.download = widgets.HTML()
        self._open: int | None = None  # the share open below the list
        self.quiet = Quiet()
        # The page is read again in the background (start_live) as well as by the adviser's buttons.
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self.widget = widgets.VBox(
            [
                heading,
                widgets.HTML(
                    "<h2>A student gave you an advisor code?</h2><p>Type it here. The first advisor to enter a code "
                    "is the only one who sees what it shares.</p>"
                ),
                self.code,
                self.redeem_button,
                self.status,
                widgets.HTML("<h2>Who shares with you</h2>"),
                self.refresh_button,
                self.listing,
                self.detail,
            ]
        )
        self.widget.add_class("se-page-frame")
        self.widget.add_class("se-advisees")
        self.refresh()

    def _say(self, text: str, alert: bool = False) -> None:
        role = "alert" if alert else "status"
        self.status.value = f"<p role='{role}'>{escape(text)}</p>"

    def refresh(self) -> None:
        """Read the live shares with this adviser again; a withdrawn or expired one is gone, with what the
        page showed of it (called by the button and every REFRESH_SECONDS: hosting review of 5 December
        2026, F1)."""
        if self.service is None:
            return
        with self._lock:
            self._refresh(self.service)

    def _refresh(self, service: AdviserService) -> None:
        try:
            found = service.advisees()
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        rows: list[widgets.Widget] = []
        for advisee in found:
            share, changed = advisee.share, advisee.changed
            who = label_html(share.student_label, share.id)
            what = escape(items_words(share.items, for_adviser=True))
            rows.append(
                widgets.HTML(
                    f"<p class='se-advisee'><strong>{who}</strong> shares {what} "
                    f"(since {made_on_words(share.updated_at.date())}, until {made_on_words(share.expires_at.date())})."
                    f" {escape(changes(share.seen_at, share.updated_at, changed))}.</p>"
                )
            )
            button = widgets.Button(description=f"Open: {share.student_label or f'Student {share.id}'}")
            button.on_click(lambda _b, share_id=share.id: self.open(share_id))
            rows.append(button)
        self.listing.children = tuple(rows) or (widgets.HTML("<p>No student shares anything with you now.</p>"),)
        if self._open is not None and all(advisee.share.id != self._open for advisee in found):
            self._close(NOT_SHARED)

    def _close(self, message: str) -> None:
        self._open = None
        self.detail.children = (widgets.HTML(f"<p role='status'>{escape(message)}</p>"),)

    def open(self, share_id: int) -> None:
        """Show one student's shared material, read now; the adviser has looked at it."""
        if self.service is None:
            return
        with self._lock:
            self._show(self.service, share_id)

    def _show(self, service: AdviserService, share_id: int) -> None:
        try:
            opened = service.open(share_id, self.today)
        except IdentityError:
            self._close(NOT_SHARED)
            self._refresh(service)
            return
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        share = opened.share
        self._open = share.id
        who = label_html(share.student_label, share.id)
        until = made_on_words(share.expires_at.date())
        what = escape(items_words(share.items, for_adviser=True))
        heading = f"<h3>{who}</h3><p>Shared with you until {until}: {what}.</p>"
        with self.quiet():
            self.note.value = opened.note
        self.note_status.value = ""
        # The download is made only when asked for, from the share read again then: a page left open after
        # the student withdrew holds no copy of what they shared.
        self.download.value = ""
        self.detail.children = (
            widgets.HTML(
                f"<section class='se-shared-with-me' aria-label='What this student shares'>{heading}"
                f"<div class='se-shared'>{opened.body}</div></section>"
            ),
            self.prepare,
            self.download,
            widgets.HTML("<h4>My notes of our meetings</h4>"),
            self.note,
            self.note_status,
        )
        self._refresh(service)

    def prepare_download(self) -> None:
        """The open student's material as a file to print or keep, read again now."""
        if self.service is None or self._open is None:
            return
        with self._lock:
            share_id = self._open
            try:
                document = self.service.document(share_id, self.today)
            except IdentityError:
                self._close(NOT_SHARED)
                self._refresh(self.service)
                return
            except Exception as error:
                self.download.value = f"<p role='alert'>{escape(failure_message(error))}</p>"
                return
            self.download.value = (
                f"<p role='status'>{download_link(document.name, 'text/html', document.html, 'Download it (HTML)')} "
                f"(made at {strftime('%H:%M')}, from what the student shares now)</p>"
            )

    def start_live(self, interval: float = REFRESH_SECONDS) -> None:
        """Read the shares again in the background until the kernel ends or `stop`."""

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except Exception:  # noqa: S112 - a failed read is tried again at the next tick
                    continue

        threading.Thread(target=loop, name="selfexplore-advisees", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def redeem(self) -> None:
        if self.service is None:
            return
        try:
            share = self.service.redeem(str(self.code.value))
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        self.code.value = ""
        self._say(f"Added: this student shares {items_words(share.items, for_adviser=True)} with you.")
        self.open(share.id)

    def _save_note(self, _change: object = None) -> None:
        if self.quiet or self.service is None:
            return
        with self._lock:
            self._keep_note(self.service)

    def _keep_note(self, service: AdviserService) -> None:
        if self._open is None:
            return
        try:
            service.save_note(self._open, self.note.value)
        except IdentityError:
            self._close(NOT_SHARED + " Your note was not saved.")
            return
        except Exception as error:
            self.note_status.value = f"<p role='alert'>Not saved. {escape(failure_message(error))}</p>"
            return
        self.note_status.value = f"<p role='status'>Note saved at {strftime('%H:%M:%S')}.</p>"


def service_for(
    content: Content,
    environ: Mapping[str, str],
    make: Callable[[Content, str, str], AdviserService] = AdviserService.for_kernel,
) -> AdviserService | None:
    """The adviser's service (made by `make`: over the server's store) for the adviser this page's server is
    for (selfexplore.serving.identity), or None where the page must show nothing (and nothing is read)."""
    adviser = signed_in_adviser(environ)
    if adviser is None:
        return None
    return make(content, adviser, dict(known_advisers(environ)).get(adviser, adviser))


def advisees_page() -> AdviseesView:
    content = load_content()
    view = AdviseesView(content, service_for(content, os.environ))
    display(view.widget)
    view.start_live()
    return view
