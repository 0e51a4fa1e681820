"""How the store's rows become records and records become rows: answers as JSON text, timestamps made
aware, an insert-or-update that two tabs cannot collide on and one that refuses a tab's stale copy, a share
and its material read as an adviser is shown them. Only the facade (selfexplore.store.facade) uses these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, false, select, update
from sqlalchemy.sql.expression import Executable

from selfexplore.content import ID_PATTERN
from selfexplore.errors import InputError
from selfexplore.records import AdviserShare
from selfexplore.scoring import Answer
from selfexplore.sharing import Material, ShareItem, decode_items, kept_reflection, needs_answers, needs_plan
from selfexplore.store.schema import answers, attempts, plan_steps, reflections


def without_nul(text_: str) -> str:
    """Text as it is stored: without NUL characters, which mean nothing in text (they come from pasting out
    of another program) and which PostgreSQL refuses, so that a retry could never save the text."""
    return text_.replace("\x00", "")


def aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def encode_answer(value: Answer) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def decode_answer(raw: str) -> Answer:
    value = json.loads(raw)
    return tuple(value) if isinstance(value, list) else int(value)


def check_id(kind: str, value: object) -> str:
    """An id of the content pack's form (selfexplore.content.ID_PATTERN), or an InputError naming it."""
    if not isinstance(value, str) or len(value) > 64 or not ID_PATTERN.fullmatch(value):
        raise InputError(f"The {kind} {value!r} is not a valid id.")
    return value


def put(connection: Connection, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Insert the row with this key, or update it, in one statement (INSERT ... ON CONFLICT DO UPDATE), so
    that two tabs of the same student saving at once cannot collide."""
    # Each dialect's INSERT is imported only when used: a student kernel on SQLite never loads PostgreSQL's.
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        upsert: Executable = (
            postgresql.insert(table)
            .values(**key, **values)
            .on_conflict_do_update(index_elements=list(key), set_=dict(values))
        )
    else:
        from sqlalchemy.dialects import sqlite

        upsert = (
            sqlite.insert(table)
            .values(**key, **values)
            .on_conflict_do_update(index_elements=list(key), set_=dict(values))
        )
    connection.execute(upsert)


def put_unless_changed(
    connection: Connection, table: Table, key: Mapping[str, Any], values: Mapping[str, Any], based_on: datetime | None
) -> bool:
    """Write the row with this key only if it is as the saving page last read it: saved at `based_on`, or
    absent when `based_on` is None. One conditional statement, so that of two tabs saving from the same copy
    at once, one writes and the other is told (on PostgreSQL the second UPDATE waits for the first's row lock,
    then finds the row changed). Returns whether it wrote."""
    if based_on is None:
        # The row inserted is returned, none when one was there: an INSERT's row count is not reported by
        # every driver (psycopg gives -1 for ON CONFLICT DO NOTHING).
        marker = table.c[next(iter(key))]
        if connection.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            insert_new: Executable = (
                postgresql.insert(table).values(**key, **values).on_conflict_do_nothing().returning(marker)
            )
        else:
            from sqlalchemy.dialects import sqlite

            insert_new = sqlite.insert(table).values(**key, **values).on_conflict_do_nothing().returning(marker)
        return connection.execute(insert_new).first() is not None
    same_row = and_(*(table.c[name] == value for name, value in key.items()), table.c.saved_at == based_on)
    return connection.execute(update(table).where(same_row).values(**values)).rowcount == 1


def share_record(row: Any) -> AdviserShare:
    return AdviserShare(
        row.id,
        decode_items(row.items),
        row.adviser_name,
        row.adviser_display,
        row.code_hash is not None,
        row.student_label,
        aware(row.created_at),
        aware(row.updated_at),
        aware(row.expires_at),
        aware(row.seen_at) if row.seen_at is not None else None,
    )


def read_material(connection: Connection, student_id: int, items: tuple[ShareItem, ...]) -> Material:
    """What a share of `items` shows, from the student's latest attempt; nothing the items do not cover is
    read (selfexplore.sharing)."""
    latest = connection.execute(
        select(attempts.c.id, attempts.c.number)
        .where(attempts.c.student_id == student_id)
        .order_by(attempts.c.number.desc())
        .limit(1)
    ).first()
    if latest is None:
        return Material(0, {}, {}, (), {})
    changed: dict[str, datetime | None] = {}
    shown_answers: dict[str, Answer] = {}
    if needs_answers(items):
        rows = connection.execute(
            select(answers.c.item_id, answers.c.value, answers.c.saved_at).where(answers.c.attempt_id == latest.id)
        ).all()
        shown_answers = {row.item_id: decode_answer(row.value) for row in rows}
        changed["matches"] = max((aware(row.saved_at) for row in rows), default=None)
    plan: dict[str, tuple[str, str, str | None]] = {}
    if needs_plan(items):
        rows = connection.execute(select(plan_steps).where(plan_steps.c.attempt_id == latest.id)).all()
        plan = {row.step_id: (row.status, row.note, row.target_month) for row in rows}
        changed["plan"] = max((aware(row.saved_at) for row in rows), default=None)
    marked = kept_reflection(items, share_adviser=True, in_report=False)
    ticked = kept_reflection(items, share_adviser=False, in_report=True)
    shown: list[tuple[str, str]] = []
    if marked or ticked:
        which = (reflections.c.share_adviser.is_(True) if marked else false()) | (
            reflections.c.in_report.is_(True) if ticked else false()
        )
        rows = connection.execute(
            select(reflections.c.prompt_id, reflections.c.text, reflections.c.saved_at)
            .where((reflections.c.attempt_id == latest.id) & which)
            .order_by(reflections.c.prompt_id)
        ).all()
        shown = [(row.prompt_id, row.text) for row in rows if row.text.strip()]
        changed["reflections"] = max((aware(row.saved_at) for row in rows), default=None)
    return Material(latest.number, shown_answers, plan, tuple(shown), changed)
