"""Foundation: sync position, device login, handled events, joined rooms, user settings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(4096), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "device_login",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("homeserver", sa.String(255), nullable=False),
        sa.Column("device_id", sa.String(255), nullable=False),
        sa.Column("access_token", sa.String(1024), nullable=False),
    )
    op.create_table(
        "handled_event",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handled_event_handled_at", "handled_event", ["handled_at"])
    op.create_table(
        "joined_room",
        sa.Column("room_id", sa.String(255), primary_key=True),
        sa.Column("joined_at_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "user_setting",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("language", sa.String(8), nullable=True),
    )


def downgrade() -> None:
    for table in (
        "user_setting",
        "joined_room",
        "handled_event",
        "device_login",
        "bot_state",
    ):
        op.drop_table(table)
