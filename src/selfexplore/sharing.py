"""Sharing with an adviser: what a student may share, for how long, and what the adviser is shown. Pure.

A student shares item by item (ITEMS): the reflections they marked for their adviser, their plan, their
matches and profile, or their whole report. A share is for one adviser (picked from the advisers the
hosting names, or whoever redeems the adviser code the student made) and lasts until the day the student
picked, or until they withdraw it. What the adviser sees is read from the student's current attempt each
time they look, and drawn by `shared_html`, the same function that draws the student's preview: the
student sees exactly what the adviser will see.

Nothing else of the student's is read for an adviser: the store reads the answers only when matches, the
plan or the report are shared, the plan only when the plan or the report is, and only the reflections a
shared item covers (`kept_reflection`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING, Literal

from selfexplore.content import Content
from selfexplore.errors import InputError
from selfexplore.report import Report, ReportPart, build_report, made_on_words, report_body
from selfexplore.scoring import Answer

if TYPE_CHECKING:
    from selfexplore.records import AdviserShare

ShareItem = Literal["reflections", "plan", "matches", "report"]
# Each item with the words a student reads beside its box, and the words that name it in a sentence.
ITEMS: tuple[tuple[ShareItem, str, str], ...] = (
    ("reflections", "The reflections I marked for my Society advisor", "the reflections you marked for them"),
    ("plan", "My plan (the steps I kept, with my notes)", "your plan"),
    ("matches", "My matches and profile", "your matches and profile"),
    ("report", "My whole report (as I would download it)", "your whole report"),
)
ITEM_IDS: tuple[ShareItem, ...] = tuple(item for item, _, _ in ITEMS)
# How long a share lasts, as the student picks it (days, words).
DURATIONS: tuple[tuple[int, str], ...] = ((7, "one week"), (30, "30 days"), (120, "four months"))
DEFAULT_DAYS = 30
# The sections of the report each item shows.
_SECTIONS: Mapping[ShareItem, frozenset[ReportPart]] = {
    "reflections": frozenset({"reflections"}),
    "plan": frozenset({"plan"}),
    "matches": frozenset({"matches"}),
    "report": frozenset({"matches", "plan", "reflections"}),
}
ADVISER_NOTE_LIMIT = 10_000
LABEL_LIMIT = 256


def parse_items(values: Iterable[object]) -> tuple[ShareItem, ...]:
    """The items named, in ITEMS order; nothing, or anything not an item, is an InputError."""
    chosen = list(values)
    unknown = [value for value in chosen if value not in ITEM_IDS]
    if unknown:
        raise InputError(f"There is nothing called {unknown[0]!r} to share.")
    items = tuple(item for item in ITEM_IDS if item in chosen)
    if not items:
        raise InputError("Choose at least one thing to share.")
    return items


def encode_items(items: Iterable[ShareItem]) -> str:
    return ",".join(parse_items(items))


def decode_items(text: str) -> tuple[ShareItem, ...]:
    """The items of a stored share; an item this version does not know is left out, never shown."""
    return tuple(item for item in ITEM_IDS if item in text.split(","))


def parse_days(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value not in dict(DURATIONS):
        allowed = ", ".join(str(days) for days, _ in DURATIONS)
        raise InputError(f"A share lasts {allowed} days, not {value!r}.")
    return value


def sections(items: Iterable[ShareItem]) -> frozenset[ReportPart]:
    return frozenset().union(*(_SECTIONS[item] for item in items))


def needs_answers(items: Iterable[ShareItem]) -> bool:
    """Whether the answers are read: the matches and the plan's steps follow from them."""
    return bool(sections(items) & {"matches", "plan"})


def needs_plan(items: Iterable[ShareItem]) -> bool:
    return "plan" in sections(items)


def kept_reflection(items: Iterable[ShareItem], *, share_adviser: bool, in_report: bool) -> bool:
    """Whether a reflection is shown: marked for the adviser with the reflections shared, or ticked for the
    report with the whole report shared. Any other reflection is never read for an adviser."""
    chosen = set(items)
    return ("reflections" in chosen and share_adviser) or ("report" in chosen and in_report)


def reflection_readers(shares: Iterable[AdviserShare], now: datetime) -> tuple[str, ...]:
    """Who reads the reflections a student marked for their adviser: the advisers of the shares in force
    that cover the reflections and that an adviser holds (an adviser code nobody entered yet is read by
    nobody), as the student knows them."""
    return tuple(
        share.adviser_words
        for share in shares
        if "reflections" in share.items and share.adviser_name is not None and not share.expired(now)
    )


PREVIEW_FIRST = "Preview what your advisor will see first; then share it."


@dataclass(frozen=True)
class Preview:
    """Exactly what an adviser would be shown (`html`) of `items`, for `days`, made for one adviser (a user
    name the hosting names, or None: whoever enters the adviser code). A share is made only from the
    preview the student saw last, and only while their answers are as they were then (`version`)."""

    items: tuple[ShareItem, ...]
    adviser: str | None
    days: int
    html: str
    version: int


# The items as an adviser reads them.
_ADVISER_WORDS: Mapping[ShareItem, str] = {
    "reflections": "the reflections marked for you",
    "plan": "their plan",
    "matches": "their matches and profile",
    "report": "their whole report",
}


def items_words(items: Iterable[ShareItem], *, for_adviser: bool = False) -> str:
    """The items in a sentence: "your plan and your matches and profile" (for the adviser, "their plan and
    their matches and profile")."""
    chosen = set(items)
    words = [_ADVISER_WORDS[item] if for_adviser else said for item, _, said in ITEMS if item in chosen]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def duration_words(days: int) -> str:
    return dict(DURATIONS).get(days, f"{days} days")


@dataclass(frozen=True)
class Material:
    """What the store read of a student's current attempt for a share: the answers (empty unless the items
    need them), the plan (step id -> status, note, month), and the reflections shown (prompt id, text)."""

    attempt: int
    answers: Mapping[str, Answer]
    plan: Mapping[str, tuple[str, str, str | None]]
    reflections: tuple[tuple[str, str], ...]
    # When each part last changed (None: nothing saved in it).
    changed: Mapping[ReportPart, datetime | None]


def shared_report(content: Content, items: Iterable[ShareItem], material: Material, made_on: date) -> Report:
    chosen = tuple(items)
    return build_report(
        content,
        material.attempt,
        material.answers if needs_answers(chosen) else {},
        material.plan if needs_plan(chosen) else {},
        [(prompt_id, text, True) for prompt_id, text in material.reflections],
        made_on,
    )


# The level of the first headings of what is shared, under the page's own (h2) and the share's (h3).
SHARED_LEVEL = 4


def shared_html(
    content: Content, items: Iterable[ShareItem], material: Material, made_on: date, level: int = SHARED_LEVEL
) -> str:
    """What the adviser is shown of a share (and the student's preview of it): escaped HTML."""
    chosen = tuple(items)
    report = shared_report(content, chosen, material, made_on)
    body = report_body(content, report, sections(chosen), level)
    if "reflections" in chosen and not material.reflections:
        body = "<p class='muted'>No reflection is marked for the Society advisor yet.</p>" + body
    return body or "<p class='muted'>Nothing to show yet.</p>"


def changes(seen_at: datetime | None, updated_at: datetime, changed: Mapping[ReportPart, datetime | None]) -> str:
    """What changed since the adviser last looked, in words."""
    if seen_at is None:
        return "New: not opened yet"
    parts = [
        words
        for section, words in (("matches", "the matches"), ("plan", "the plan"), ("reflections", "the reflections"))
        if (moment := changed.get(section)) is not None and moment > seen_at
    ]
    if updated_at > seen_at:
        parts.insert(0, "what is shared")
    if not parts:
        return f"No change since you last looked, on {made_on_words(seen_at.date())}"
    return "Changed since you last looked: " + ", ".join(parts)


def label_html(label: str | None, number: int) -> str:
    """How an adviser sees who shared: the school sign-in name the student was told would be shown, or,
    for a share made with an adviser code, a number (the adviser's notes can say who it is)."""
    if label:
        return escape(label)
    return f"Student {number} (shared with an advisor code)"


def check_note(text: object) -> str:
    if not isinstance(text, str):
        raise InputError("A note must be text.")
    if len(text) > ADVISER_NOTE_LIMIT:
        raise InputError(f"A note can hold at most {ADVISER_NOTE_LIMIT} characters; shorten it to save it.")
    return text.replace("\x00", "")
