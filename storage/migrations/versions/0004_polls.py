"""Polls, their responses and end events.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("max_selections", sa.Integer, nullable=False),
        sa.Column("disclosed", sa.Boolean, nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_event_id", sa.String(255), nullable=True, unique=True),
        sa.Column("end_event_id", sa.String(255), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remind_event_id", sa.String(255), nullable=True),
        sa.Column("reminded_event_id", sa.String(255), nullable=True),
        sa.Column("live_event_id", sa.String(255), nullable=True),
        sa.Column("final_event_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_poll_status", "poll", ["status"])
    op.create_table(
        "poll_response",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(255), nullable=False, unique=True),
        sa.Column(
            "poll_id", sa.Integer, sa.ForeignKey("poll.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("sender", sa.String(255), nullable=False),
        sa.Column("origin_server_ts", sa.BigInteger, nullable=False),
        sa.Column("raw", sa.JSON, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_poll_response_poll_id", "poll_response", ["poll_id"])
    op.create_table(
        "poll_end",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column(
            "poll_id", sa.Integer, sa.ForeignKey("poll.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("sender", sa.String(255), nullable=False),
        sa.Column("origin_server_ts", sa.BigInteger, nullable=False),
        sa.Column("valid", sa.Boolean, nullable=False),
    )
    op.create_index("ix_poll_end_poll_id", "poll_end", ["poll_id"])


def downgrade() -> None:
    op.drop_table("poll_end")
    op.drop_table("poll_response")
    op.drop_table("poll")
