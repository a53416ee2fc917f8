"""Announcements and their deliveries.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("command_room_id", sa.String(255), nullable=False),
        sa.Column("room_ids", sa.JSON, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("once_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cron", sa.String(255), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_announcement_status", "announcement", ["status"])
    op.create_table(
        "announcement_delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "announcement_id",
            sa.Integer,
            sa.ForeignKey("announcement.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("announcement_id", "due", "room_id", "kind"),
    )
    op.create_index(
        "ix_announcement_delivery_announcement_id", "announcement_delivery", ["announcement_id"]
    )


def downgrade() -> None:
    op.drop_table("announcement_delivery")
    op.drop_table("announcement")
