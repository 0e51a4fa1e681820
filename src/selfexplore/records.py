"""The records the store returns, its errors and its limits: plain frozen data, with no database behind it.

The rules (scoring, the group figures, sharing), the services and the views name these without importing
the store, so that none of them loads SQLAlchemy (selfexplore.store is the only module that does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Literal

from selfexplore.errors import SelfexploreError
from selfexplore.scoring import Answer
from selfexplore.sharing import ShareItem

IdentityKind = Literal["code", "hub", "proxy"]

# Limits on what a student or an adviser writes; the store refuses anything longer, with a sentence.
REFLECTION_LIMIT = 5000
PLAN_NOTE_LIMIT = 1000
# The changes kept per answer: the first (when the answer was first given, which the group figures count
# from: see selfexplore.aggregate) and the newest. The export shows how an answer moved, and forged changes
# from a page cannot grow the database without limit.
HISTORY_LIMIT = 20

# What a student or an adviser is told when the store cannot do what was asked.
STORE_GONE = (
    "The workbook's store is not where it was (it was moved, deleted or replaced), so nothing more can be "
    "saved. Tell the person who runs the workbook; what you saw as saved before is kept."
)
DISK_FULL = (
    "The server has run out of disk space, so this could not be saved. It is still on this page. Tell the "
    "person who runs the workbook; what you saw as saved before is kept."
)
STORE_READ_ONLY = (
    "The workbook's store cannot be written to just now, so this could not be saved. It is still on this "
    "page. Tell the person who runs the workbook; what you saw as saved before is kept."
)
STORE_UNAVAILABLE = (
    "The workbook's store could not be reached just now, so nothing could be saved or read. What is on "
    "this page is still there: try again in a minute."
)
NOT_JOINABLE = "That session code is not open for joining. Check it with your facilitator."
EXPIRED_PASS = "This workbook link has expired or was signed out. Open the start page and resume with your code."  # noqa: S105 - a message, not a password
WRONG_CODE = "That resume code was not recognised. Check it and try again."
CHANGED_ELSEWHERE = (
    "Another tab or window changed this after this page showed it. Its version is shown now: change it here "
    "to save over it."
)


class StoreError(SelfexploreError):
    """A store operation was refused; the message says why in words a student can act on."""


class IdentityError(StoreError):
    """A resume code or identity was not accepted. The message never says whether a code exists."""


@dataclass(frozen=True)
class Attempt:
    id: int
    student_id: int
    number: int
    started_at: datetime


@dataclass(frozen=True)
class Student:
    id: int
    identity_kind: str
    created_at: datetime


@dataclass(frozen=True)
class NewStudent:
    """A student just created with a resume code: the code is shown once and never stored."""

    student: Student
    code: str


@dataclass(frozen=True)
class SavedAnswer:
    item_id: str
    value: Answer
    saved_at: datetime
    changed: bool


@dataclass(frozen=True)
class Reflection:
    prompt_id: str
    text: str
    share_adviser: bool
    share_group: bool
    saved_at: datetime
    in_report: bool = False
    # The session it is shared with; None when not shared, or shared while in no open session (it then
    # goes to the next session the student joins).
    shared_with: str | None = None


@dataclass(frozen=True)
class PlanStep:
    step_id: str
    status: str
    note: str
    target_month: str | None
    saved_at: datetime


class Unchecked(Enum):
    """A save made from no copy shown to a student (a benchmark, a script over the store): the last one wins."""

    ANY = "any"


# What a save was made from: when the answer, reflection or plan step it changes was saved, as the page that
# makes it last read it (None: the page read none), or Unchecked.ANY.
BasedOn = datetime | None | Literal[Unchecked.ANY]


class ChangedElsewhere(StoreError):
    """A save made from an older copy than the store holds: another tab or window of the student saved since
    this one read it (security review of 5 December 2026, finding 4). Nothing was written; `current` is what
    the store holds now, for the page to show instead."""

    def __init__(self, current: SavedAnswer | Reflection | PlanStep | None) -> None:
        super().__init__(CHANGED_ELSEWHERE)
        self.current = current


@dataclass(frozen=True)
class GroupSession:
    id: int
    code: str
    name: str
    held_on: date | None
    closed: bool


@dataclass(frozen=True)
class Departure:
    """A member of a group session who deleted their data. What the session keeps of them is when: when they
    joined and left, and when they first gave each answer (never what they answered, nor who they were), so
    that their places in the counts stay theirs and leaving moves no later student into figures already
    shown (selfexplore.cohorts)."""

    joined_at: datetime
    departed_at: datetime
    first_given: Sequence[tuple[int, str, datetime]]  # (attempt number, item id, first saved at)


@dataclass(frozen=True)
class GroupRows:
    """What the store holds for a group session's dashboard: its members with when they joined, every kept
    change of their answers in every attempt (as stored: JSON text; oldest first), the reflections of their
    latest attempt they shared with the group, and the members who left by deleting their data."""

    members: Mapping[int, datetime]  # student: when they joined
    changes: Sequence[tuple[int, int, str, str, datetime]]  # (student, attempt number, item id, value, saved at)
    shared: Sequence[tuple[int, str, str]]  # (student, prompt id, text)
    read_at: datetime  # when the store was read: the figures are as of then
    departed: Sequence[Departure] = ()


@dataclass(frozen=True)
class AdviserShare:
    """One share of a student's with an adviser (see selfexplore.sharing)."""

    id: int
    items: tuple[ShareItem, ...]
    adviser_name: str | None  # None: made with an adviser code that no adviser has redeemed yet
    adviser_display: str | None
    by_code: bool
    student_label: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    seen_at: datetime | None

    @property
    def adviser_words(self) -> str:
        """Who sees it, as the student reads it."""
        if self.adviser_name is None:
            return "the advisor who enters your advisor code"
        return self.adviser_display or self.adviser_name

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


# An adviser code that opens nothing: one message, whatever the reason.
WRONG_ADVISER_CODE = "That advisor code opens nothing: it is mistyped, expired, withdrawn or already used."
NOT_SHARED = "This student no longer shares anything with you."
