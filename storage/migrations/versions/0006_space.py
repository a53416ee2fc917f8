"""The roster, the rooms of the space, and knocks from outside.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_member",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("municipality", sa.String(255), nullable=False),
        sa.Column("cohort", sa.Integer, nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("welcomed", sa.Boolean, nullable=False),
    )
    op.create_table(
        "space_room",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("room_id", sa.String(255), nullable=False, unique=True),
        sa.Column("linked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "knock",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("knocked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("knock", "space_room", "roster_member"):
        op.drop_table(table)
