"""The store's queries for a group session's figures: what its dashboard reads, and what a member who deletes
their data leaves behind (when, never what: selfexplore.records.Departure). Only the facade
(selfexplore.store.facade) uses these.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from selfexplore.records import Departure, GroupRows
from selfexplore.store.rows import aware
from selfexplore.store.schema import answer_history, attempts, departures, memberships, reflections


def read_group_rows(connection: Connection, session_id: int, now: datetime) -> GroupRows:
    """Its members and when they joined, the kept changes of their answers in every attempt (the figures
    take each student as they stood when counted: selfexplore.aggregate), the reflections of their latest
    attempt they shared with this session, and the members who left. Four queries, whatever its size."""
    members = select(memberships.c.student_id).where(memberships.c.session_id == session_id)
    latest = (
        select(attempts.c.student_id, func.max(attempts.c.number).label("number"))
        .where(attempts.c.student_id.in_(members))
        .group_by(attempts.c.student_id)
        .subquery()
    )
    current = (
        select(attempts.c.id, attempts.c.student_id)
        .join(latest, (latest.c.student_id == attempts.c.student_id) & (latest.c.number == attempts.c.number))
        .subquery()
    )
    joined = connection.execute(
        select(memberships.c.student_id, memberships.c.joined_at).where(memberships.c.session_id == session_id)
    ).all()
    change_rows = connection.execute(
        select(
            attempts.c.student_id,
            attempts.c.number,
            answer_history.c.item_id,
            answer_history.c.value,
            answer_history.c.saved_at,
        )
        .join(attempts, attempts.c.id == answer_history.c.attempt_id)
        .where(attempts.c.student_id.in_(members))
        .order_by(answer_history.c.id)
    ).all()
    shared_rows = connection.execute(
        select(current.c.student_id, reflections.c.prompt_id, reflections.c.text)
        .join(current, current.c.id == reflections.c.attempt_id)
        .where(reflections.c.share_group.is_(True) & (reflections.c.group_session_id == session_id))
    ).all()
    departed = connection.execute(
        select(departures.c.joined_at, departures.c.departed_at, departures.c.first_given)
        .where(departures.c.session_id == session_id)
        .order_by(departures.c.id)
    ).all()
    return GroupRows(
        {int(r[0]): aware(r[1]) for r in joined},
        change_rows,  # as read: converting 700,000 rows one by one would double the time it takes
        [(int(r[0]), str(r[1]), str(r[2])) for r in shared_rows],
        now,
        [
            Departure(
                aware(r.joined_at),
                aware(r.departed_at),
                [(int(n), str(item), datetime.fromisoformat(at)) for n, item, at in json.loads(r.first_given)],
            )
            for r in departed
        ],
    )


def record_departures(connection: Connection, student_id: int, now: datetime) -> None:
    """Before a student's data is deleted: for each session they are a member of, when they joined and
    when they first gave each answer (the first change of each is always kept), without the values."""
    joined = connection.execute(
        select(memberships.c.session_id, memberships.c.joined_at).where(memberships.c.student_id == student_id)
    ).all()
    if not joined:
        return
    first = connection.execute(
        select(attempts.c.number, answer_history.c.item_id, func.min(answer_history.c.saved_at))
        .join(attempts, attempts.c.id == answer_history.c.attempt_id)
        .where(attempts.c.student_id == student_id)
        .group_by(attempts.c.number, answer_history.c.item_id)
    ).all()
    given = json.dumps(sorted([int(n), str(item), aware(at).isoformat()] for n, item, at in first))
    connection.execute(
        insert(departures),
        [
            {"session_id": session_id, "joined_at": joined_at, "departed_at": now, "first_given": given}
            for session_id, joined_at in joined
        ],
    )
