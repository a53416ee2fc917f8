"""Polls: whether the live result shows the counts, and the command that ended a poll.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Polls started before keep what Element shows: no counts to whoever has not voted.
    op.add_column(
        "poll",
        sa.Column("live_counts", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("poll", sa.Column("end_command_event_id", sa.String(255), nullable=True))
    op.add_column("poll", sa.Column("ended_by", sa.String(255), nullable=True))
    op.create_index("ix_poll_end_command_event_id", "poll", ["end_command_event_id"])


def downgrade() -> None:
    op.drop_index("ix_poll_end_command_event_id", "poll")
    op.drop_column("poll", "ended_by")
    op.drop_column("poll", "end_command_event_id")
    op.drop_column("poll", "live_counts")
