"""Schema version 5: facts about the store itself, such as which key its signed-in students are keyed with.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Hub and proxy user names were stored as an unkeyed hash until now; the store rekeys them (an HMAC
    # over that hash, with the server's identity key) the first time it is opened with a key, and records
    # here which key that was.
    op.create_table(
        "store_facts",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("store_facts")
