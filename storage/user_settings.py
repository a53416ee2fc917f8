"""Per-user settings: the language the bot answers in, and whether it may send event DMs.

The language is asked for before every reply, so it is kept in memory per database once read;
`set_language` is the one way it changes, and updates the copy."""

from __future__ import annotations

from collections.abc import Iterable
from weakref import WeakKeyDictionary

from sqlalchemy import select

from storage.database import Database
from storage.models import UserSetting

_languages: WeakKeyDictionary[Database, dict[str, str | None]] = WeakKeyDictionary()


async def get_language(db: Database, user_id: str) -> str | None:
    known = _languages.setdefault(db, {})
    if user_id in known:
        return known[user_id]
    async with db.session() as session:
        row = await session.get(UserSetting, user_id)
        language = row.language if row else None
    # A set_language while this read waited is newer than what was read.
    return known.setdefault(user_id, language)


async def set_language(db: Database, user_id: str, language: str) -> None:
    async with db.session() as session:
        row = await session.get(UserSetting, user_id)
        if row is None:
            session.add(UserSetting(user_id=user_id, language=language))
        else:
            row.language = language
    _languages.setdefault(db, {})[user_id] = language


def forget_languages(db: Database) -> None:
    """Drop the copies (rows changed by other means than set_language, e.g. deleted)."""
    _languages.pop(db, None)


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
