"""Schema version 2: the student's plan steps, and failed resume-code attempts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plan_steps",
        sa.Column("attempt_id", sa.Integer, nullable=False),
        sa.Column("step_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("target_month", sa.String(7), nullable=True),
        sa.Column("saved_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", "step_id", name="pk_plan_steps"),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], ondelete="CASCADE", name="fk_plan_steps_attempt_id_attempts"
        ),
    )
    op.create_table(
        "failed_logins",
        sa.Column("id", sa.Integer),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_failed_logins"),
    )
    op.create_index("ix_failed_logins_at", "failed_logins", ["at"])
