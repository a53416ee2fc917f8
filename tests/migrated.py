"""Databases migrated once per session and copied for each test or bot.

A migration runs in a Python process of its own (storage.database): about a second of CPU on
each fresh database, which hundreds of tests and bots each want. The template is migrated by
that same path (`open_database`), once; a test's database is a copy of it (an SQLite file
copied, a PostgreSQL database made with the template as its TEMPLATE), and the bot or test that
opens it finds it at head and migrates nothing. Tests of the migration itself use a database
nothing has touched (the storage tests' `db_url`, the demo).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.database import Database, open_database
from tests.postgres import PostgresServer

TEMPLATE_PREFIX = "alumni_bot_template_"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class SqliteTemplate:
    """A migrated SQLite file, made at the first copy."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "migrated.db"
        self._made = asyncio.Lock()
        self._ready = False

    async def copy_to(self, path: Path) -> None:
        """Writes a migrated database to `path` (its folder is made), unless one is there: a
        bot started again keeps its own."""
        async with self._made:
            if not self._ready:
                database = await open_database(sqlite_url(self.path))
                await database.close()
                self._ready = True
        await asyncio.to_thread(self._copy, path)

    def _copy(self, path: Path) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite's own copy: consistent whatever its write-ahead log still holds.
        with (
            contextlib.closing(sqlite3.connect(self.path)) as source,
            contextlib.closing(sqlite3.connect(path)) as target,
        ):
            source.backup(target)

    async def open(self, path: Path) -> Database:
        """A migrated database at `path`, opened as the bot opens its own."""
        await self.copy_to(path)
        return await open_database(sqlite_url(path))


class PostgresTemplate:
    """A migrated PostgreSQL database, made at the first copy and kept until `drop`: it is not
    among the server's `created`, which a test may drop when it ends (the e2e conftest)."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.name: str | None = None
        self._made = asyncio.Lock()

    async def _template(self) -> str:
        async with self._made:
            if self.name is None:
                url = await self.server.create_database(TEMPLATE_PREFIX)
                database = await open_database(url)
                await database.close()
                self.name = make_url(url).database
                assert self.name is not None
                self.server.created.discard(self.name)
            return self.name

    async def drop(self) -> None:
        if self.name is not None:
            await self.server.drop_database(self.name)
            self.name = None

    async def create(self, url: str) -> None:
        """Makes the database of `url` as a copy of the template, unless the server made it."""
        template = await self._template()
        await self.server.ensure_database(url, template=template)

    async def new_url(self, prefix: str) -> str:
        """The URL of a fresh migrated database named `prefix` + random hex."""
        url = self.server.new_url(prefix)
        await self.create(url)
        return url
