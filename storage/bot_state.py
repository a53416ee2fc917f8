"""The bot's own bookkeeping: sync position, device login, handled events, sends, joined rooms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select

from storage.database import Database
from storage.models import DeviceLogin, HandledEvent, JoinedRoom, KeyValue, SentMessage, utc_now

SYNC_TOKEN = "sync_token"


@dataclass(frozen=True)
class StoredLogin:
    homeserver: str
    device_id: str
    access_token: str


async def get_value(db: Database, key: str) -> str | None:
    async with db.session() as session:
        row = await session.get(KeyValue, key)
        return row.value if row else None


async def set_value(db: Database, key: str, value: str) -> None:
    async with db.session() as session:
        row = await session.get(KeyValue, key)
        if row is None:
            session.add(KeyValue(key=key, value=value))
        else:
            row.value = value


async def get_sync_token(db: Database) -> str | None:
    return await get_value(db, SYNC_TOKEN)


async def set_sync_token(db: Database, token: str) -> None:
    await set_value(db, SYNC_TOKEN, token)


async def load_login(db: Database, user_id: str) -> StoredLogin | None:
    async with db.session() as session:
        row = await session.get(DeviceLogin, user_id)
        return StoredLogin(row.homeserver, row.device_id, row.access_token) if row else None


async def save_login(db: Database, user_id: str, login: StoredLogin) -> None:
    async with db.session() as session:
        row = await session.get(DeviceLogin, user_id)
        if row is None:
            session.add(
                DeviceLogin(
                    user_id=user_id,
                    homeserver=login.homeserver,
                    device_id=login.device_id,
                    access_token=login.access_token,
                )
            )
        else:
            row.homeserver = login.homeserver
            row.device_id = login.device_id
            row.access_token = login.access_token


async def forget_login(db: Database, user_id: str) -> None:
    async with db.session() as session:
        await session.execute(delete(DeviceLogin).where(DeviceLogin.user_id == user_id))


async def handled_among(db: Database, event_ids: list[str]) -> set[str]:
    """Which of these events were handled already (one query for a whole sync batch)."""
    if not event_ids:
        return set()
    async with db.session() as session:
        result = await session.scalars(
            select(HandledEvent.event_id).where(HandledEvent.event_id.in_(event_ids))
        )
        return set(result)


async def mark_handled(db: Database, event_id: str, room_id: str) -> None:
    async with db.session() as session:
        if await session.get(HandledEvent, event_id) is None:
            session.add(HandledEvent(event_id=event_id, room_id=room_id, handled_at=utc_now()))


async def prune_handled(db: Database, older_than: dt.datetime) -> int:
    """Forget handled events older than the sync position can ever replay."""
    async with db.session() as session:
        result = await session.execute(
            delete(HandledEvent).where(HandledEvent.handled_at < older_than)
        )
        return result.rowcount or 0


async def record_sent(db: Database, txn_id: str, room_id: str, event_id: str) -> None:
    async with db.session() as session:
        if await session.get(SentMessage, txn_id) is None:
            session.add(
                SentMessage(txn_id=txn_id, room_id=room_id, event_id=event_id, sent_at=utc_now())
            )


async def joined_rooms(db: Database) -> dict[str, int]:
    async with db.session() as session:
        rows = await session.execute(select(JoinedRoom.room_id, JoinedRoom.joined_at_ms))
        return {room_id: joined_at for room_id, joined_at in rows}


async def set_joined(db: Database, room_id: str, joined_at_ms: int) -> None:
    async with db.session() as session:
        row = await session.get(JoinedRoom, room_id)
        if row is None:
            session.add(JoinedRoom(room_id=room_id, joined_at_ms=joined_at_ms))
        else:
            row.joined_at_ms = joined_at_ms
