"""Schema version 3: page passes that carry a signed-in student from one workbook page to the next.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passes",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("student_id", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_passes"),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], ondelete="CASCADE", name="fk_passes_student_id_students"
        ),
    )
    op.create_index("ix_passes_expires_at", "passes", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_passes_expires_at", table_name="passes")
    op.drop_table("passes")
