"""Schema version 9: wrong codes counted per visitor, across every kernel the visitor holds (a keyed hash of
who the server took them to be, never an address or a name).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("failed_logins") as batch:
        batch.add_column(sa.Column("visitor", sa.String(64), nullable=True))
    op.create_index("ix_failed_logins_visitor_at", "failed_logins", ["visitor", "at"])


def downgrade() -> None:
    op.drop_index("ix_failed_logins_visitor_at", table_name="failed_logins")
    with op.batch_alter_table("failed_logins") as batch:
        batch.drop_column("visitor")
