"""Events: the room of the reaction that gave an answer, so that a later answer can redact it
there (Element then shows the person's current answer only).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rsvp", sa.Column("reaction_room_id", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rsvp") as batch:
        batch.drop_column("reaction_room_id")
