"""Opens the database (SQLite by default, PostgreSQL in production) and migrates it to head."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
REVISION_RE = re.compile(r'^revision = "([^"]+)"', re.MULTILINE)
DOWN_REVISION_RE = re.compile(r'^down_revision = "([^"]+)"', re.MULTILINE)


class Database:
    """One engine and its session factory; `session()` is one unit of work, committed at the end."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions.begin() as session:
            yield session

    async def forget_deleted(self) -> None:
        """Deleted rows leave no copy in SQLite's files: the pages were zeroed on delete
        (secure_delete); the write-ahead log that still holds them is emptied. PostgreSQL keeps
        dead rows until VACUUM and in its WAL: its operators handle that (README)."""
        if self.engine.dialect.name != "sqlite":
            return
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self.engine.dispose()


def make_engine(url: str) -> AsyncEngine:
    """An engine for `url`; SQLite gets its folder created and WAL, busy timeout, foreign keys."""
    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("an in-memory SQLite database would lose the bot's state; use a file")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        options["pool_pre_ping"] = True
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


async def open_database(url: str) -> Database:
    """Connect, apply every pending migration, and return the ready database."""
    engine = make_engine(url)
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_revision)
    if current != head_revision():
        await _migrate_in_subprocess(url)
    return Database(engine)


async def _migrate_in_subprocess(url: str) -> None:
    """Alembic runs in a short process of its own: loaded into the bot it would stay resident
    (~10 MB) for a job done once. The URL goes over stdin, so no password shows in `ps`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "storage.migrate"),
        stdin=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate(url.encode())
    if process.returncode != 0:
        raise MigrationFailed(f"migrating the database failed:\n{stderr.decode(errors='replace')}")


class MigrationFailed(RuntimeError):
    pass


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten, not left in free pages (an ended survey conversation).
    cursor.execute("PRAGMA secure_delete=ON")
    # SQLite's own lower() knows only ASCII: "Übergabe" would not match "übergabe".
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    # In WAL mode NORMAL survives process crashes; only a power loss can drop the last commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def head_revision() -> str:
    """The newest revision, read from the migration files without loading Alembic."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = REVISION_RE.search(text)
        down = DOWN_REVISION_RE.search(text)
        if revision:
            revisions[revision[1]] = down[1] if down else None
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


def _current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
