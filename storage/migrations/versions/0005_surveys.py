"""Needs surveys, their conversations, participants, responses and invitations; noted needs.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _survey_fk(primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "survey_id",
        sa.Integer,
        sa.ForeignKey("survey.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(1024), nullable=False, unique=True),
        sa.Column("definition_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("invite_rooms", sa.JSON, nullable=False),
        sa.Column("invited", sa.Boolean, nullable=False),
        sa.Column("closed_handled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_survey_closes_at", "survey", ["closes_at"])
    op.create_table(
        "survey_session",
        sa.Column("user_id", sa.String(255), primary_key=True),
        _survey_fk(),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("reviewing", sa.Boolean, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("cancelling", sa.Boolean, nullable=False),
        sa.Column("changing", sa.Boolean, nullable=False),
        sa.Column("last_event_id", sa.String(255), nullable=True),
        sa.Column("message_ids", sa.JSON, nullable=False),
    )
    op.create_index("ix_survey_session_survey_id", "survey_session", ["survey_id"])
    op.create_table(
        "survey_participant",
        _survey_fk(primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("submit_event_id", sa.String(255), nullable=False),
    )
    op.create_table(
        "survey_response",
        sa.Column("id", sa.String(32), primary_key=True),
        _survey_fk(),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("respondent", sa.String(255), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("survey_id", "respondent"),
    )
    op.create_index("ix_survey_response_survey_id", "survey_response", ["survey_id"])
    op.create_table(
        "survey_invite",
        _survey_fk(primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
    )
    op.create_table(
        "need",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("room_label", sa.String(255), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_need_created_at", "need", ["created_at"])


def downgrade() -> None:
    for table in (
        "need",
        "survey_invite",
        "survey_response",
        "survey_participant",
        "survey_session",
        "survey",
    ):
        op.drop_table(table)
