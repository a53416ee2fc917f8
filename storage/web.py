"""The web page's one-time login links: stored by hash, redeemed once before they expire."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from storage.database import Database
from storage.models import WebLogin


async def add_login(db: Database, token_hash: str, user_id: str, expires_at: dt.datetime) -> None:
    async with db.session() as session:
        session.add(WebLogin(token_hash=token_hash, user_id=user_id, expires_at=expires_at))


async def redeem_login(db: Database, token_hash: str, now: dt.datetime) -> str | None:
    """The user a login link is for, marking it used; None if unknown, used or expired.
    One conditional update, so two requests racing with the same link cannot both win."""
    async with db.session() as session:
        claimed = await session.execute(
            update(WebLogin)
            .where(
                WebLogin.token_hash == token_hash,
                WebLogin.used_at.is_(None),
                WebLogin.expires_at > now,
            )
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            return None
        return await session.scalar(
            select(WebLogin.user_id).where(WebLogin.token_hash == token_hash)
        )


async def forget_logins(db: Database, expired_before: dt.datetime) -> int:
    """Drop links that can no longer be used."""
    async with db.session() as session:
        result = await session.execute(delete(WebLogin).where(WebLogin.expires_at < expired_before))
        return result.rowcount or 0
