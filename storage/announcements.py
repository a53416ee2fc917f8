"""Announcements and their deliveries: create, read, change, and record what was sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from storage.database import Database
from storage.models import Announcement, AnnouncementDelivery

ACTIVE = "active"
PAUSED = "paused"
DONE = "done"
CANCELLED = "cancelled"
DELIVERED = "delivered"
MISSED = "missed"


@dataclass(frozen=True)
class NewAnnouncement:
    source_event_id: str
    created_by: str
    command_room_id: str
    room_ids: list[str]
    text: str
    once_at: dt.datetime | None
    cron: str | None
    timezone: str
    next_due: dt.datetime


async def create(db: Database, new: NewAnnouncement) -> Announcement:
    """Store it, or return the one this command already created (a replay after a crash)."""
    async with db.session() as session:
        existing = await session.scalar(
            select(Announcement).where(Announcement.source_event_id == new.source_event_id)
        )
        if existing is not None:
            return existing
        row = Announcement(
            source_event_id=new.source_event_id,
            created_by=new.created_by,
            command_room_id=new.command_room_id,
            room_ids=new.room_ids,
            text=new.text,
            once_at=new.once_at,
            cron=new.cron,
            timezone=new.timezone,
            status=ACTIVE,
            next_due=new.next_due,
        )
        session.add(row)
        await session.flush()
        return row


async def get(db: Database, announcement_id: int) -> Announcement | None:
    async with db.session() as session:
        return await session.get(Announcement, announcement_id)


async def listed(db: Database) -> list[Announcement]:
    """Active and paused announcements, soonest first."""
    async with db.session() as session:
        rows = await session.scalars(
            select(Announcement)
            .where(Announcement.status.in_((ACTIVE, PAUSED)))
            .order_by(Announcement.next_due, Announcement.id)
        )
        return list(rows)


async def due_schedule(db: Database) -> list[tuple[int, dt.datetime]]:
    """(id, next due) of every active announcement: what the scheduler is rebuilt from."""
    async with db.session() as session:
        rows = await session.execute(
            select(Announcement.id, Announcement.next_due).where(
                Announcement.status == ACTIVE, Announcement.next_due.is_not(None)
            )
        )
        return [(announcement_id, due) for announcement_id, due in rows]


async def update(db: Database, announcement_id: int, **values: object) -> Announcement | None:
    """Change columns of one announcement (text, schedule, status, next_due)."""
    async with db.session() as session:
        row = await session.get(Announcement, announcement_id)
        if row is None:
            return None
        for name, value in values.items():
            setattr(row, name, value)
        return row


async def delivered_rooms(
    db: Database, announcement_id: int, due: dt.datetime, kind: str
) -> set[str]:
    async with db.session() as session:
        rows = await session.scalars(
            select(AnnouncementDelivery.room_id).where(
                AnnouncementDelivery.announcement_id == announcement_id,
                AnnouncementDelivery.due == due,
                AnnouncementDelivery.kind == kind,
            )
        )
        return set(rows)


async def record_delivery(
    db: Database, announcement_id: int, due: dt.datetime, room_id: str, kind: str, event_id: str
) -> None:
    async with db.session() as session:
        session.add(
            AnnouncementDelivery(
                announcement_id=announcement_id,
                due=due,
                room_id=room_id,
                kind=kind,
                event_id=event_id,
            )
        )
