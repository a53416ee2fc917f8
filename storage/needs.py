"""Needs noted with `!bedarf <text> #tag`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from storage.database import Database
from storage.models import Need


@dataclass(frozen=True)
class NewNeed:
    source_event_id: str
    author: str
    room_id: str
    room_label: str
    text: str
    tags: list[str]


async def add(db: Database, new: NewNeed) -> Need:
    """Idempotent per command: noting again after a crash returns the need noted before."""
    async with db.session() as session:
        found = await session.scalar(
            select(Need).where(Need.source_event_id == new.source_event_id)
        )
        if found is not None:
            return found
        row = Need(**vars(new))
        session.add(row)
        await session.flush()
        return row


async def get(db: Database, need_id: int) -> Need | None:
    async with db.session() as session:
        return await session.get(Need, need_id)


async def all_needs(db: Database) -> list[Need]:
    async with db.session() as session:
        return list(await session.scalars(select(Need).order_by(Need.id)))


async def remove(db: Database, need_id: int) -> None:
    async with db.session() as session:
        await session.execute(delete(Need).where(Need.id == need_id))
