"""The adviser's service: the students who share with one adviser, one student's shared material (the same
drawing the student previewed: selfexplore.sharing.shared_html), an adviser code redeemed, the adviser's
own notes; and, for the hosting side, every adviser with what is shared with them (`AdviserRoster`).

The adviser's page and the `adviser` commands use these; the store shows an adviser only the live shares
made with them, so a withdrawn or expired share is gone from every read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from selfexplore.content import Content
from selfexplore.records import AdviserShare
from selfexplore.report import html_document, made_on_words
from selfexplore.sharing import items_words, label_html, shared_html
from selfexplore.store import Store


@dataclass(frozen=True)
class Advisee:
    """A student who shares with the adviser now, and when each shared part last changed."""

    share: AdviserShare
    changed: Mapping[str, datetime | None]


@dataclass(frozen=True)
class Opened:
    """One student's shared material as the adviser reads it now, and the adviser's notes on them."""

    share: AdviserShare
    body: str  # the shared material's HTML (escaped)
    note: str


@dataclass(frozen=True)
class Document:
    """The shared material as a file to download: a self-contained HTML page."""

    name: str
    html: str


class AdviserService:
    """What one adviser does with what students share with them. `adviser` is their user name (from the
    hub, or `selfexplore advise --adviser`); `display` the name students know them by."""

    def __init__(self, content: Content, store: Store, adviser: str, display: str = "") -> None:
        self.content = content
        self.store = store
        self.adviser = adviser
        self.display = display or adviser

    @classmethod
    def for_kernel(cls, content: Content, adviser: str, display: str = "") -> AdviserService:
        """The service an adviser page's kernel uses, over the server's store (Store.for_kernel)."""
        return cls(content, Store.for_kernel(content), adviser, display)

    def advisees(self) -> list[Advisee]:
        """The live shares with this adviser, oldest first."""
        return [Advisee(share, changed) for share, changed in self.store.advisees(self.adviser)]

    def open(self, share_id: int, today: date) -> Opened:
        """One student's shared material, read now (the adviser has looked at it), with the adviser's notes.
        A share that is withdrawn, expired or another adviser's is an IdentityError (NOT_SHARED)."""
        share, material = self.store.shared_material(self.adviser, share_id)
        note = self.store.adviser_note(self.adviser, share_id)
        return Opened(share, shared_html(self.content, share.items, material, today), note)

    def document(self, share_id: int, today: date) -> Document:
        """The shared material as a page to download, read again now: a share withdrawn since the adviser
        opened it gives no document (IdentityError), so withdrawn text is never saved afterwards."""
        share, material = self.store.shared_material(self.adviser, share_id)
        who = label_html(share.student_label, share.id)
        until = made_on_words(share.expires_at.date())
        body = shared_html(self.content, share.items, material, today, level=2)
        html = html_document(
            f"Shared with {self.display} by {share.student_label or f'student {share.id}'}",
            f"<h1>{who}</h1><p class='muted'>Shared with {escape(self.display)}, as of {made_on_words(today)}, "
            f"until {until}.</p>{body}",
        )
        return Document(f"selfexplore-shared-{share.id}.html", html)

    def redeem(self, code: str) -> AdviserShare:
        """Make the share behind an adviser code this adviser's (the first adviser to enter it)."""
        return self.store.redeem_adviser_code(self.adviser, self.display, code)

    def save_note(self, share_id: int, text: object) -> datetime:
        """Save the adviser's notes on the student of a live share of theirs; returns when."""
        return self.store.save_adviser_note(self.adviser, share_id, text)


@dataclass(frozen=True)
class AdviserSummary:
    name: str
    display: str | None
    students: int
    newest: datetime


class AdviserRoster:
    """The hosting side: every adviser students share with, what one adviser is shown, and ending shares."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def summary(self) -> list[AdviserSummary]:
        return [AdviserSummary(*row) for row in self.store.adviser_summary()]

    def shares(self, adviser: str) -> list[AdviserShare]:
        return [share for share, _changed in self.store.advisees(adviser)]

    def revoke(self, adviser: str, share_id: int | None = None) -> int:
        """End every share with `adviser` (and delete their notes), or one share; how many ended."""
        return self.store.revoke_adviser(adviser, share_id)

    @staticmethod
    def share_line(share: AdviserShare) -> str:
        """One share as `selfexplore adviser shares` prints it."""
        who = share.student_label or "(shared with an adviser code)"
        what = items_words(share.items, for_adviser=True)
        since, until = share.updated_at.date().isoformat(), share.expires_at.date().isoformat()
        return f"{share.id:>6}  {who}: {what}, since {since}, until {until}"
