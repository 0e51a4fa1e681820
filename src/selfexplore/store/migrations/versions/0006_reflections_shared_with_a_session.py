"""Schema version 6: a reflection shared with a group is shared with one session, the one the student was
in when they shared it.

Reflections shared before this version showed in every session the student had joined. Each is scoped to
the session the student joined last (where it showed already); one of a student who had joined no session
is left unscoped, and goes to the next session they join, as the sharing box promised.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.add_column(sa.Column("group_session_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_reflections_group_session_id_group_sessions",
            "group_sessions",
            ["group_session_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        sa.text(
            "UPDATE reflections SET group_session_id = ("
            " SELECT m.session_id FROM memberships m JOIN attempts a ON a.student_id = m.student_id"
            " WHERE a.id = reflections.attempt_id ORDER BY m.joined_at DESC, m.session_id DESC LIMIT 1"
            ") WHERE share_group"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.drop_constraint("fk_reflections_group_session_id_group_sessions", type_="foreignkey")
        batch.drop_column("group_session_id")
