"""Discussion topics, their support, their notes, decisions and action items, and edits.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _topic_fk(primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "topic_id",
        sa.Integer,
        sa.ForeignKey("topic.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "topic",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("message_event_id", sa.String(255), nullable=True, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column(
            "event_id", sa.Integer, sa.ForeignKey("event.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("agenda_position", sa.Integer, nullable=True),
        sa.Column("merged_into", sa.Integer, nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_topic_status", "topic", ["status"])
    op.create_table(
        "topic_vote",
        _topic_fk(primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("reaction_event_id", sa.String(255), nullable=True),
    )
    op.create_index("ix_topic_vote_reaction_event_id", "topic_vote", ["reaction_event_id"])
    op.create_table(
        "topic_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        _topic_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("matrix_event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("from_command", sa.Boolean, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("reminded", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_topic_entry_topic_id", "topic_entry", ["topic_id"])
    op.create_table(
        "topic_entry_edit",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey("topic_entry.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_topic_entry_edit_entry_id", "topic_entry_edit", ["entry_id"])


def downgrade() -> None:
    for table in ("topic_entry_edit", "topic_entry", "topic_vote", "topic"):
        op.drop_table(table)
