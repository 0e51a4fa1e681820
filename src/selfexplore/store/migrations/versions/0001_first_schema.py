"""The first schema: students, attempts, answers with history, reflections, group sessions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "students",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("identity_kind", sa.String(16), nullable=False),
        sa.Column("identity_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_students"),
        sa.UniqueConstraint("identity_hash", name="uq_students_identity_hash"),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer),
        sa.Column("student_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], ondelete="CASCADE", name="fk_attempts_student_id_students"
        ),
        sa.UniqueConstraint("student_id", "number", name="uq_attempts_student_id_number"),
    )
    op.create_table(
        "answers",
        sa.Column("attempt_id", sa.Integer, nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("saved_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", "item_id", name="pk_answers"),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], ondelete="CASCADE", name="fk_answers_attempt_id_attempts"
        ),
    )
    op.create_table(
        "answer_history",
        sa.Column("id", sa.Integer),
        sa.Column("attempt_id", sa.Integer, nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("saved_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answer_history"),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], ondelete="CASCADE", name="fk_answer_history_attempt_id_attempts"
        ),
    )
    op.create_index("ix_answer_history_attempt_id_item_id", "answer_history", ["attempt_id", "item_id"])
    op.create_table(
        "reflections",
        sa.Column("attempt_id", sa.Integer, nullable=False),
        sa.Column("prompt_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("share_adviser", sa.Boolean, nullable=False),
        sa.Column("share_group", sa.Boolean, nullable=False),
        sa.Column("saved_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", "prompt_id", name="pk_reflections"),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], ondelete="CASCADE", name="fk_reflections_attempt_id_attempts"
        ),
    )
    op.create_table(
        "group_sessions",
        sa.Column("id", sa.Integer),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_group_sessions"),
        sa.UniqueConstraint("code", name="uq_group_sessions_code"),
    )
    op.create_table(
        "memberships",
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("student_id", sa.Integer, nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("session_id", "student_id", name="pk_memberships"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["group_sessions.id"], ondelete="CASCADE", name="fk_memberships_session_id_group_sessions"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], ondelete="CASCADE", name="fk_memberships_student_id_students"
        ),
    )
