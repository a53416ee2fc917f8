"""Per-user settings: the language the bot answers in, and whether it may send event DMs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from storage.database import Database
from storage.models import UserSetting


async def get_language(db: Database, user_id: str) -> str | None:
    async with db.session() as session:
        row = await session.get(UserSetting, user_id)
        return row.language if row else None


async def set_language(db: Database, user_id: str, language: str) -> None:
    async with db.session() as session:
        row = await session.get(UserSetting, user_id)
        if row is None:
            session.add(UserSetting(user_id=user_id, language=language))
        else:
            row.language = language


async def event_dms_allowed(db: Database, user_ids: Iterable[str]) -> set[str]:
    """Those among `user_ids` who did not turn off direct messages about events."""
    wanted = set(user_ids)
    async with db.session() as session:
        off = await session.scalars(
            select(UserSetting.user_id).where(
                UserSetting.user_id.in_(wanted), UserSetting.event_dms.is_(False)
            )
        )
        return wanted - set(off)


async def set_event_dms(db: Database, user_id: str, allowed: bool) -> None:
    async with db.session() as session:
        row = await session.get(UserSetting, user_id)
        if row is None:
            session.add(UserSetting(user_id=user_id, event_dms=allowed))
        else:
            row.event_dms = allowed
