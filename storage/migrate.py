"""Applies every pending Alembic migration; `python -m storage.migrate` reads the URL from stdin."""

from __future__ import annotations

import asyncio
import sys

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection

from storage.database import MIGRATIONS, make_engine


def upgrade_to_head(connection: Connection) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade_to_head)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(migrate(sys.stdin.read().strip()))
