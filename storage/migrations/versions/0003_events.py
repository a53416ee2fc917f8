"""Events, their posts and reminders, answers, direct-message rooms and the DM opt-out.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_setting", sa.Column("event_dms", sa.Boolean, nullable=True))
    op.create_table(
        "event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("command_room_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("place", sa.String(255), nullable=True),
        sa.Column("online_link", sa.String(1024), nullable=True),
        sa.Column("agenda_link", sa.String(1024), nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("room_ids", sa.JSON, nullable=False),
        sa.Column("reminder_offsets", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.Text, nullable=True),
        sa.Column("last_change_event_id", sa.String(255), nullable=True),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_event_starts_at", "event", ["starts_at"])
    op.create_index("ix_event_status", "event", ["status"])
    op.create_table(
        "event_post",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "event_id", sa.Integer, sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.Integer, nullable=False),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("matrix_event_id", sa.String(255), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "kind", "key", "room_id", "due"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_event_post_event_id", "event_post", ["event_id"])
    op.create_index("ix_event_post_due", "event_post", ["due"])
    op.create_index("ix_event_post_status", "event_post", ["status"])
    op.create_index("ix_event_post_matrix_event_id", "event_post", ["matrix_event_id"])
    op.create_table(
        "event_nudge",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "post_id",
            sa.Integer,
            sa.ForeignKey("event_post.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("matrix_event_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("post_id", "user_id"),
    )
    op.create_table(
        "rsvp",
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("event.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("answer", sa.String(8), nullable=False),
        sa.Column("reaction_event_id", sa.String(255), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rsvp_reaction_event_id", "rsvp", ["reaction_event_id"])
    op.create_table(
        "direct_room",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("room_id", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("direct_room")
    op.drop_table("rsvp")
    op.drop_table("event_nudge")
    op.drop_table("event_post")
    op.drop_table("event")
    op.drop_column("user_setting", "event_dms")
