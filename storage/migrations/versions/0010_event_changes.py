"""Events: the organiser's formatted description, what a change changed (for its before → after
notice), and the bot's other messages about an event that answer it by reaction.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("event", sa.Column("description_html", sa.Text, nullable=True))
    op.add_column("event_post", sa.Column("changes", sa.JSON, nullable=True))
    op.create_table(
        "event_message",
        sa.Column("matrix_event_id", sa.String(255), primary_key=True),
        sa.Column(
            "event_id", sa.Integer, sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False
        ),
    )
    op.create_index("ix_event_message_event_id", "event_message", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_event_message_event_id", table_name="event_message")
    op.drop_table("event_message")
    op.drop_column("event_post", "changes")
    op.drop_column("event", "description_html")
