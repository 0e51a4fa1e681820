"""Schema version 7: what a student shares with an adviser, and the notes an adviser keeps.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adviser_shares",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("student_id", sa.Integer, nullable=False),
        sa.Column("adviser_name", sa.String(256), nullable=True),
        sa.Column("adviser_display", sa.String(200), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("items", sa.String(200), nullable=False),
        sa.Column("student_label", sa.String(256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_adviser_shares"),
        sa.UniqueConstraint("code_hash", name="uq_adviser_shares_code_hash"),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], ondelete="CASCADE", name="fk_adviser_shares_student_id_students"
        ),
    )
    op.create_index("ix_adviser_shares_adviser_name", "adviser_shares", ["adviser_name"])
    op.create_index("ix_adviser_shares_expires_at", "adviser_shares", ["expires_at"])
    op.create_table(
        "adviser_notes",
        sa.Column("adviser_name", sa.String(256), nullable=False),
        sa.Column("student_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("adviser_name", "student_id", name="pk_adviser_notes"),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], ondelete="CASCADE", name="fk_adviser_notes_student_id_students"
        ),
    )


def downgrade() -> None:
    op.drop_table("adviser_notes")
    op.drop_index("ix_adviser_shares_expires_at", table_name="adviser_shares")
    op.drop_index("ix_adviser_shares_adviser_name", table_name="adviser_shares")
    op.drop_table("adviser_shares")
