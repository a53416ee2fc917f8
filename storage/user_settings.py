"""Per-user settings: the language the bot answers in."""

from __future__ import annotations

from storage.database import Database
from storage.models import UserSetting


async def get_language(db: Database, user_id: str) -> str | None:
    async with db.session() as session:
        row = await session.get(UserSetting, user_id)
        return row.language if row else None


async def set_language(db: Database, user_id: str, language: str) -> None:
    async with db.session() as session:
        await session.merge(UserSetting(user_id=user_id, language=language))
