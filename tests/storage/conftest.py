"""Every storage test runs on SQLite and on PostgreSQL, each time on a fresh, empty database.

PostgreSQL comes from ALUMNI_BOT_TEST_PG_URL (a server and a database to connect to for
administration). If it cannot be reached the PostgreSQL runs are skipped with the reason, unless
ALUMNI_BOT_REQUIRE_PG=1 asks for them to fail instead (CI).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.database import Database, open_database

PG_URL_ENV = "ALUMNI_BOT_TEST_PG_URL"
REQUIRE_PG_ENV = "ALUMNI_BOT_REQUIRE_PG"
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "alumni_bot_test_"


@dataclass
class PostgresServer:
    """An AUTOCOMMIT connection pool to the admin database, for CREATE and DROP DATABASE."""

    admin: AsyncEngine
    url: URL
    created: set[str] = field(default_factory=set)

    async def create_database(self) -> str:
        name = DATABASE_PREFIX + secrets.token_hex(6)
        async with self.admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.add(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    async def drop_database(self, name: str) -> None:
        async with self.admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.discard(name)


@dataclass(frozen=True)
class Unreachable:
    reason: str


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres() -> AsyncIterator[PostgresServer | Unreachable]:
    """Connects once per session; the outcome is shared by every PostgreSQL test."""
    url = make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    shown = url.render_as_string(hide_password=True)
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5})
    try:
        async with admin.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        await admin.dispose()
        yield Unreachable(f"PostgreSQL at {shown} is unreachable ({type(exc).__name__}: {exc})")
        return
    server = PostgresServer(admin, url)
    yield server
    for name in list(server.created):  # left behind by a test that failed mid-teardown
        await server.drop_database(name)
    await admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest_asyncio.fixture
async def db_url(
    backend: str, postgres: PostgresServer | Unreachable, tmp_path: Path
) -> AsyncIterator[str]:
    """The URL of a fresh database that nothing has touched yet (not even migrations)."""
    if backend == "sqlite":
        yield "sqlite+aiosqlite:///" + str(tmp_path / "alumni-bot.db")
        return
    if isinstance(postgres, Unreachable):
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{postgres.reason} and {REQUIRE_PG_ENV}=1", pytrace=False)
        pytest.skip(postgres.reason)
    url = await postgres.create_database()
    yield url
    await postgres.drop_database(make_url(url).database or "")


@pytest_asyncio.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = await open_database(db_url)
    yield database
    await database.close()
