"""A student's export: everything the store holds about them, as plain JSON data (what "Download everything"
on the start page gives them). Made from the store's records alone (selfexplore.store.Store.export_student
reads them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from selfexplore.records import AdviserShare, Attempt, GroupSession, PlanStep, Reflection, Student
from selfexplore.scoring import Answer


@dataclass(frozen=True)
class AttemptRecords:
    """One attempt and all it holds: its answers, each with the changes kept (records.HISTORY_LIMIT), its
    reflections and its plan."""

    attempt: Attempt
    answers: Mapping[str, Answer]
    history: Mapping[str, Sequence[tuple[Answer, datetime]]]
    reflections: Sequence[Reflection]
    plan: Sequence[PlanStep]


def json_value(value: Answer) -> int | list[str]:
    return list(value) if isinstance(value, tuple) else value


def _attempt(records: AttemptRecords) -> dict[str, Any]:
    return {
        "number": records.attempt.number,
        "started_at": records.attempt.started_at.isoformat(),
        "answers": {key: json_value(value) for key, value in sorted(records.answers.items())},
        "answer_history": {
            item_id: [{"value": json_value(value), "saved_at": at.isoformat()} for value, at in changes]
            for item_id, changes in sorted(records.history.items())
        },
        "reflections": [
            {
                "prompt_id": r.prompt_id,
                "text": r.text,
                "share_adviser": r.share_adviser,
                "share_group": r.share_group,
                "shared_with": r.shared_with,
                "in_report": r.in_report,
                "saved_at": r.saved_at.isoformat(),
            }
            for r in records.reflections
        ],
        "plan": [
            {
                "step_id": s.step_id,
                "status": s.status,
                "note": s.note,
                "target_month": s.target_month,
                "saved_at": s.saved_at.isoformat(),
            }
            for s in records.plan
        ],
    }


def export_document(
    student: Student,
    attempts: Sequence[AttemptRecords],
    sessions: Sequence[GroupSession],
    shares: Sequence[AdviserShare],
) -> dict[str, Any]:
    """The export: the student (how they sign in, never who they are), their attempts, the group sessions
    they joined and what they share with advisers."""
    return {
        "format": "selfexplore-export",
        "version": 1,
        "student": {"identity": student.identity_kind, "created_at": student.created_at.isoformat()},
        "attempts": [_attempt(records) for records in attempts],
        "group_sessions": [{"name": s.name, "code": s.code} for s in sessions],
        "adviser_shares": [
            {
                "adviser": share.adviser_display or share.adviser_name,
                "by_code": share.by_code,
                "items": list(share.items),
                "shown_as": share.student_label,
                "shared_at": share.updated_at.isoformat(),
                "expires_at": share.expires_at.isoformat(),
            }
            for share in shares
        ],
    }
