"""Schema version 4: a reflection can be ticked for inclusion in the student's report.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing reflections stay out of any report until the student ticks them.
    with op.batch_alter_table("reflections") as batch:
        batch.add_column(sa.Column("in_report", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.drop_column("in_report")
