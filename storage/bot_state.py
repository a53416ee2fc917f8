"""The bot's own bookkeeping: sync position, device login, handled events, joined rooms, events
parked until they can be read."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from storage.database import Database
from storage.models import DeviceLogin, DirectRoom, HandledEvent, JoinedRoom, KeyValue, utc_now

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
        await session.merge(KeyValue(key=key, value=value))


async def delete_value(db: Database, key: str) -> None:
    async with db.session() as session:
        await session.execute(delete(KeyValue).where(KeyValue.key == key))


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
        await session.merge(
            DeviceLogin(
                user_id=user_id,
                homeserver=login.homeserver,
                device_id=login.device_id,
                access_token=login.access_token,
            )
        )


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


async def joined_rooms(db: Database) -> dict[str, int]:
    async with db.session() as session:
        rows = await session.execute(select(JoinedRoom.room_id, JoinedRoom.joined_at_ms))
        return {room_id: joined_at for room_id, joined_at in rows}


async def set_joined(db: Database, room_id: str, joined_at_ms: int) -> None:
    async with db.session() as session:
        await session.merge(JoinedRoom(room_id=room_id, joined_at_ms=joined_at_ms))


async def forget_joined(db: Database, room_id: str) -> None:
    async with db.session() as session:
        await session.execute(delete(JoinedRoom).where(JoinedRoom.room_id == room_id))


async def direct_room(db: Database, user_id: str) -> str | None:
    async with db.session() as session:
        row = await session.get(DirectRoom, user_id)
        return row.room_id if row else None


async def set_direct_room(db: Database, user_id: str, room_id: str) -> None:
    async with db.session() as session:
        await session.merge(DirectRoom(user_id=user_id, room_id=room_id))


PARKED_PREFIX = "parked:"


@dataclass(frozen=True)
class ParkedEvent:
    """An event the bot could not read yet, kept until its key arrives (no content: the event
    is fetched again then)."""

    event_id: str
    room_id: str
    sender: str
    session_id: str
    sender_key: str
    parked_at: float
    notified: bool = False


async def park_event(db: Database, parked: ParkedEvent) -> bool:
    """Keep `parked` unless it is kept already; True if it is new."""
    key = PARKED_PREFIX + parked.event_id
    async with db.session() as session:
        if await session.get(KeyValue, key) is not None:
            return False
        session.add(KeyValue(key=key, value=json.dumps(asdict(parked))))
        return True


async def parked_events(db: Database) -> list[ParkedEvent]:
    async with db.session() as session:
        rows = await session.scalars(
            select(KeyValue.value).where(KeyValue.key.startswith(PARKED_PREFIX))
        )
        return [ParkedEvent(**json.loads(value)) for value in rows]


async def set_parked_notified(db: Database, event_id: str) -> None:
    async with db.session() as session:
        row = await session.get(KeyValue, PARKED_PREFIX + event_id)
        if row is not None:
            row.value = json.dumps({**json.loads(row.value), "notified": True})


async def unpark_event(db: Database, event_id: str) -> None:
    async with db.session() as session:
        await session.execute(delete(KeyValue).where(KeyValue.key == PARKED_PREFIX + event_id))
