"""What many unit tests share: the real storage on a temp SQLite file, migrated by a copy of a
database migrated once per session (tests/migrated.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from storage.database import Database
from tests.migrated import SqliteTemplate


@pytest_asyncio.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest_asyncio.fixture
async def db(sqlite_template: SqliteTemplate, tmp_path: Path) -> AsyncIterator[Database]:
    database = await sqlite_template.open(tmp_path / "t.db")
    yield database
    await database.close()
