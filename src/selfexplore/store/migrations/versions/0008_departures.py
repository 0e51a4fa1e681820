"""Schema version 8: the members of a group session who deleted their data, as the session keeps them (when
they joined, left and first gave each answer; never what they answered).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_given", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_departures"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["group_sessions.id"], ondelete="CASCADE", name="fk_departures_session_id_group_sessions"
        ),
    )
    op.create_index("ix_departures_session_id", "departures", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_departures_session_id", table_name="departures")
    op.drop_table("departures")
