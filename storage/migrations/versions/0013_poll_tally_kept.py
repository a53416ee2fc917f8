"""Polls: a counter of every write to a poll's responses and end events, kept by the database's
own triggers (the bot's mirror, the privacy erasure, the retention and a cascade all write
them), and the tally as last counted with the counter it was counted at.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("poll_response", "poll_end")

# PostgreSQL: once per statement with the rows it wrote (a DELETE of a poll's 10,000 votes
# moves the counter once; an executemany through asyncpg is still one statement per row).
# SQLite: once per row. A later batch_alter_table of these tables on SQLite copies the table
# and loses its triggers: such a migration must create them again.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION poll_relations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE poll SET changes = changes + 1 WHERE id IN (SELECT poll_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE poll SET changes = changes + 1 WHERE id IN (SELECT poll_id FROM old_rows);
    ELSE
        UPDATE poll SET changes = changes + 1
        WHERE id IN (SELECT poll_id FROM old_rows UNION SELECT poll_id FROM new_rows);
    END IF;
    RETURN NULL;
END
$$
"""
POSTGRESQL_REFERENCING = {
    "INSERT": "NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
# SQLite has row triggers only.
SQLITE_ROWS = {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}


def upgrade() -> None:
    op.add_column("poll", sa.Column("changes", sa.Integer, nullable=False, server_default="0"))
    op.add_column("poll", sa.Column("tally", sa.JSON, nullable=True))
    op.add_column("poll", sa.Column("tally_changes", sa.Integer, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for table in TABLES:
            for action, referencing in POSTGRESQL_REFERENCING.items():
                op.execute(
                    f"CREATE TRIGGER {table}_{action.lower()}_counted AFTER {action} ON {table} "
                    f"REFERENCING {referencing} FOR EACH STATEMENT "
                    "EXECUTE FUNCTION poll_relations_changed()"
                )
        return
    for table in TABLES:
        for action, rows in SQLITE_ROWS.items():
            ids = " OR ".join(f"id = {row}.poll_id" for row in rows)
            op.execute(
                f"CREATE TRIGGER {table}_{action.lower()}_counted AFTER {action} ON {table} "
                f"BEGIN UPDATE poll SET changes = changes + 1 WHERE {ids}; END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for action in SQLITE_ROWS:
            name = f"{table}_{action.lower()}_counted"
            op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION poll_relations_changed()")
    op.drop_column("poll", "tally_changes")
    op.drop_column("poll", "tally")
    op.drop_column("poll", "changes")
