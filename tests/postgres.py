"""The PostgreSQL server the tests use: fresh databases made and dropped over an admin connection.

ALUMNI_BOT_TEST_PG_URL names the server and a database to connect to for administration.
ALUMNI_BOT_REQUIRE_PG=1 (CI) turns a test that would be skipped for want of it into a failure.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

PG_URL_ENV = "ALUMNI_BOT_TEST_PG_URL"
REQUIRE_PG_ENV = "ALUMNI_BOT_REQUIRE_PG"
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@dataclass
class PostgresServer:
    """An AUTOCOMMIT connection pool to the admin database, for CREATE and DROP DATABASE."""

    admin: AsyncEngine
    url: URL
    created: set[str] = field(default_factory=set)

    def new_url(self, prefix: str) -> str:
        """The URL of a database named `prefix` + random hex, not made yet."""
        name = prefix + secrets.token_hex(6)
        return self.url.set(database=name).render_as_string(hide_password=False)

    async def ensure_database(self, url: str, template: str | None = None) -> None:
        """Makes the database of `url` unless this server made it already: empty, or a copy of
        the database `template`."""
        name = make_url(url).database or ""
        if name in self.created:
            return
        copy = f' TEMPLATE "{template}"' if template else ""
        async with self.admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        self.created.add(name)

    async def create_database(self, prefix: str) -> str:
        """A fresh, empty database named `prefix` + random hex; its URL."""
        url = self.new_url(prefix)
        await self.ensure_database(url)
        return url

    async def drop_database(self, name: str) -> None:
        """Drops the database `name`, ending the connections still open to it."""
        async with self.admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.discard(name)

    async def drop_all(self) -> None:
        """Drops every database this server made."""
        for name in list(self.created):
            await self.drop_database(name)

    async def close(self) -> None:
        """Drops what a test that failed mid-teardown left behind, and disconnects."""
        await self.drop_all()
        await self.admin.dispose()


@dataclass(frozen=True)
class Unreachable:
    reason: str

    def skip_or_fail(self) -> None:
        """Skips the test with the reason, or fails it when CI requires PostgreSQL."""
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{self.reason} and {REQUIRE_PG_ENV}=1", pytrace=False)
        pytest.skip(self.reason)


async def connect_postgres() -> PostgresServer | Unreachable:
    """Connects to the server of ALUMNI_BOT_TEST_PG_URL, or says why it cannot."""
    url = make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    shown = url.render_as_string(hide_password=True)
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5})
    try:
        async with admin.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        await admin.dispose()
        return Unreachable(f"PostgreSQL at {shown} is unreachable ({type(exc).__name__}: {exc})")
    return PostgresServer(admin, url)
