"""What many unit tests share: the real storage on a temp SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from storage.database import Database, open_database


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database("sqlite+aiosqlite:///" + str(tmp_path / "t.db"))
    yield database
    await database.close()
