"""Formatting kept as sanitised HTML: of announcements (with the wish to notify the whole room,
@room), of topic titles and of topic entries (notes, decisions, action items).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(sa.Column("html", sa.Text, nullable=True))
        batch.add_column(
            sa.Column("room_mention", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("topic") as batch:
        batch.add_column(sa.Column("title_html", sa.Text, nullable=True))
    with op.batch_alter_table("topic_entry") as batch:
        batch.add_column(sa.Column("html", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("topic_entry") as batch:
        batch.drop_column("html")
    with op.batch_alter_table("topic") as batch:
        batch.drop_column("title_html")
    with op.batch_alter_table("announcement") as batch:
        batch.drop_column("room_mention")
        batch.drop_column("html")
