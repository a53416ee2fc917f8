"""Announcements and their deliveries: create, read, change, and record what was sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select

from storage.database import Database
from storage.models import Announcement, AnnouncementDelivery

ACTIVE = "active"
PAUSED = "paused"
DONE = "done"
CANCELLED = "cancelled"
DELIVERED = "delivered"
MISSED = "missed"
REFUSED = "refused"


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
    # The text as sanitised HTML, when the organiser formatted it.
    html: str | None = None
    room_mention: bool = False


async def create(db: Database, new: NewAnnouncement) -> Announcement:
    """Store it, or return the one this command already created (a replay after a crash)."""
    async with db.session() as session:
        existing = await session.scalar(_by_source(new.source_event_id))
        if existing is not None:
            return existing
        row = Announcement(
            source_event_id=new.source_event_id,
            created_by=new.created_by,
            command_room_id=new.command_room_id,
            room_ids=new.room_ids,
            text=new.text,
            html=new.html,
            room_mention=new.room_mention,
            once_at=new.once_at,
            cron=new.cron,
            timezone=new.timezone,
            status=ACTIVE,
            next_due=new.next_due,
        )
        session.add(row)
        await session.flush()
        return row


async def by_source(db: Database, source_event_id: str) -> Announcement | None:
    """The announcement a command created, if that command already ran."""
    async with db.session() as session:
        return await session.scalar(_by_source(source_event_id))


def _by_source(source_event_id: str) -> Select[tuple[Announcement]]:
    return select(Announcement).where(Announcement.source_event_id == source_event_id)


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
    """Change columns of one announcement (text and its HTML, schedule, status, next_due)."""
    async with db.session() as session:
        row = await session.get(Announcement, announcement_id)
        if row is None:
            return None
        for name, value in values.items():
            setattr(row, name, value)
        return row


@dataclass(frozen=True)
class Delivery:
    due: dt.datetime
    room_id: str
    kind: str
    event_id: str


async def load_due(
    db: Database, announcement_id: int
) -> tuple[Announcement, set[tuple[dt.datetime, str, str]]] | None:
    """An active announcement with a due time, and the (due, room, kind) already delivered from
    that due time on: one read for everything a delivery needs."""
    async with db.session() as session:
        row = await session.get(Announcement, announcement_id)
        if row is None or row.status != ACTIVE or row.next_due is None:
            return None
        done = await session.execute(
            select(
                AnnouncementDelivery.due, AnnouncementDelivery.room_id, AnnouncementDelivery.kind
            ).where(
                AnnouncementDelivery.announcement_id == announcement_id,
                AnnouncementDelivery.due >= row.next_due,
            )
        )
        return row, {(due, room_id, kind) for due, room_id, kind in done}


async def finish_occurrence(
    db: Database,
    announcement_id: int,
    deliveries: list[Delivery],
    was_due: dt.datetime,
    next_due: dt.datetime | None,
) -> bool:
    """Record what was sent and move on to the next due time (or mark the announcement done),
    unless it was paused, cancelled or rescheduled meanwhile; says whether it moved on."""
    async with db.session() as session:
        session.add_all(
            AnnouncementDelivery(
                announcement_id=announcement_id,
                due=delivery.due,
                room_id=delivery.room_id,
                kind=delivery.kind,
                event_id=delivery.event_id,
            )
            for delivery in deliveries
        )
        row = await session.get(Announcement, announcement_id)
        if row is None or row.status != ACTIVE or row.next_due != was_due:
            return False
        row.next_due = next_due
        row.status = ACTIVE if next_due is not None else DONE
        return True
