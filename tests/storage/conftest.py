"""Every storage test runs on SQLite and on PostgreSQL, each time on a fresh database: at head
(`db`, a copy of one migrated once), or empty (`db_url`, for the tests of migrating).

PostgreSQL comes from ALUMNI_BOT_TEST_PG_URL (a server and a database to connect to for
administration). If it cannot be reached the PostgreSQL runs are skipped with the reason, unless
ALUMNI_BOT_REQUIRE_PG=1 asks for them to fail instead (CI).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from storage.database import Database, open_database
from tests.migrated import PostgresTemplate, SqliteTemplate
from tests.postgres import PostgresServer, Unreachable, connect_postgres

DATABASE_PREFIX = "alumni_bot_test_"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres() -> AsyncIterator[PostgresServer | Unreachable]:
    """Connects once per session; the outcome is shared by every PostgreSQL test."""
    server = await connect_postgres()
    yield server
    if isinstance(server, PostgresServer):
        await server.close()


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
        postgres.skip_or_fail()
        return
    url = await postgres.create_database(DATABASE_PREFIX)
    yield url
    await postgres.drop_database(make_url(url).database or "")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_template(
    postgres: PostgresServer | Unreachable,
) -> AsyncIterator[PostgresTemplate | None]:
    if isinstance(postgres, Unreachable):
        yield None
        return
    template = PostgresTemplate(postgres)
    yield template
    await template.drop()


@pytest_asyncio.fixture
async def db(
    backend: str,
    postgres: PostgresServer | Unreachable,
    sqlite_template: SqliteTemplate,
    postgres_template: PostgresTemplate | None,
    tmp_path: Path,
) -> AsyncIterator[Database]:
    """A fresh database at head: a copy of one migrated once per session (tests/migrated.py)."""
    if backend == "sqlite":
        database = await sqlite_template.open(tmp_path / "alumni-bot.db")
        yield database
        await database.close()
        return
    if isinstance(postgres, Unreachable):
        postgres.skip_or_fail()
        return
    assert postgres_template is not None
    url = await postgres_template.new_url(DATABASE_PREFIX)
    database = await open_database(url)
    yield database
    await database.close()
    await postgres.drop_database(make_url(url).database or "")
