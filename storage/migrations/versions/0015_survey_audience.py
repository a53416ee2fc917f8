"""Needs surveys: the roster roles a survey is for (none stored: the municipal roles).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("survey", sa.Column("audience", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("audience")
