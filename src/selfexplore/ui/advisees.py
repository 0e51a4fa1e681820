"""The adviser's page: the students who shared with this adviser, what each shared, since when and until
when, and what changed since the adviser last looked; a student's shared material as HTML (to read, print
or keep), and the adviser's own meeting notes. Served only where the adviser role is set (`selfexplore
advise`, an adviser's hub server); the student server never serves it.

Which adviser the page is for comes from the server's environment (selfexplore.identity.signed_in_adviser),
never from the page; every read goes through the store, which shows an adviser only the live shares made
with them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from html import escape
from time import strftime

import ipywidgets as widgets
from IPython.display import display

from selfexplore.content import Content, load_content
from selfexplore.identity import known_advisers, signed_in_adviser
from selfexplore.markup import download_link
from selfexplore.report import html_document, made_on_words
from selfexplore.sharing import changes, items_words, label_html, shared_html
from selfexplore.store import STORE_PREPARED_ENV, AdviserShare, IdentityError, Store
from selfexplore.ui.chrome import failure_message

INTRO = (
    "<h1>Students who shared with you</h1><p>Each student below chose what to share with you, and for how long. "
    "What you see follows their answers as they change them, and a student can withdraw at any time: from that "
    "moment they are gone from this page. Your notes are yours alone: no other adviser, and not the student, "
    "reads them.</p>"
)


class AdviseesView:
    def __init__(self, content: Content, store: Store, environ: Mapping[str, str], today: date | None = None) -> None:
        self.content = content
        self.store = store
        self.today = today or date.today()
        self.adviser = signed_in_adviser(environ)
        self.display_name = dict(known_advisers(environ)).get(self.adviser or "", self.adviser or "")
        heading = widgets.HTML(INTRO)
        if self.adviser is None:
            # Nothing from the store is read: a page without the adviser role shows only this.
            self.widget = widgets.VBox([heading, widgets.HTML("<p role='alert'>This page is for advisers.</p>")])
            self.widget.add_class("se-page-frame")
            return
        self.code = widgets.Text(description="Adviser code", placeholder="the code a student gave you")
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
        self._open: AdviserShare | None = None
        self._loading_note = False
        self.widget = widgets.VBox(
            [
                heading,
                widgets.HTML(
                    "<h2>A student gave you an adviser code?</h2><p>Type it here. The first adviser to enter a code "
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
        """Read the live shares with this adviser again; a withdrawn or expired one is gone."""
        if self.adviser is None:
            return
        try:
            found = self.store.advisees(self.adviser)
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        rows: list[widgets.Widget] = []
        for share, changed in found:
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
        if self._open is not None and all(share.id != self._open.id for share, _ in found):
            self._close(NO_LONGER)

    def _close(self, message: str) -> None:
        self._open = None
        self.detail.children = (widgets.HTML(f"<p role='status'>{escape(message)}</p>"),)

    def open(self, share_id: int) -> None:
        """Show one student's shared material, read now; the adviser has looked at it."""
        if self.adviser is None:
            return
        try:
            share, material = self.store.shared_material(self.adviser, share_id)
            note = self.store.adviser_note(self.adviser, share_id)
        except IdentityError:
            self._close(NO_LONGER)
            self.refresh()
            return
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        self._open = share
        who = label_html(share.student_label, share.id)
        body = shared_html(self.content, share.items, material, self.today)
        document_body = shared_html(self.content, share.items, material, self.today, level=2)
        until = made_on_words(share.expires_at.date())
        what = escape(items_words(share.items, for_adviser=True))
        heading = f"<h3>{who}</h3><p>Shared with you until {until}: {what}.</p>"
        document = html_document(
            f"Shared with {self.display_name} by {share.student_label or f'student {share.id}'}",
            f"<h1>{who}</h1><p class='muted'>Shared with {escape(self.display_name)}, as of "
            f"{made_on_words(self.today)}, until {until}.</p>{document_body}",
        )
        name = f"selfexplore-shared-{share.id}.html"
        self._loading_note = True
        try:
            self.note.value = note
        finally:
            self._loading_note = False
        self.note_status.value = ""
        self.detail.children = (
            widgets.HTML(
                f"<section class='se-shared-with-me' aria-label='What this student shares'>{heading}"
                f"<p>{download_link(name, 'text/html', document, 'Download it (HTML, to print or keep)')}</p>"
                f"<div class='se-shared'>{body}</div></section>"
            ),
            widgets.HTML("<h4>My notes of our meetings</h4>"),
            self.note,
            self.note_status,
        )
        self.refresh()

    def redeem(self) -> None:
        if self.adviser is None:
            return
        try:
            share = self.store.redeem_adviser_code(self.adviser, self.display_name, str(self.code.value))
        except Exception as error:
            self._say(failure_message(error), alert=True)
            return
        self.code.value = ""
        self._say(f"Added: this student shares {items_words(share.items, for_adviser=True)} with you.")
        self.open(share.id)

    def _save_note(self, _change: object = None) -> None:
        if self._loading_note or self.adviser is None or self._open is None:
            return
        try:
            self.store.save_adviser_note(self.adviser, self._open.id, self.note.value)
        except IdentityError:
            self._close(NO_LONGER + " Your note was not saved.")
            return
        except Exception as error:
            self.note_status.value = f"<p role='alert'>Not saved. {escape(failure_message(error))}</p>"
            return
        self.note_status.value = f"<p role='status'>Note saved at {strftime('%H:%M:%S')}.</p>"


NO_LONGER = "This student no longer shares anything with you."


def advisees_page() -> AdviseesView:
    content = load_content()
    view = AdviseesView(content, Store.open(content, create=not os.environ.get(STORE_PREPARED_ENV)), os.environ)
    display(view.widget)
    return view
