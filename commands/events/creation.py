"""Creating an event: store it with its announcement and reminders, and hand it to the event
duty, which posts the card. The one path for `!termin neu` and the web page's form."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from commands.core.ports import Ports
from commands.events.plan import EVENT_DUTY, EventDetails, plan_notices, plan_reminders
from storage import events
from storage.events import NewEvent
from storage.models import Event
from storage.outbox import ANNOUNCE


async def create_announced(
    ports: Ports,
    *,
    source: str,
    created_by: str,
    command_room_id: str,
    details: EventDetails,
    room_ids: list[str],
    now: dt.datetime,
    description_html: str | None = None,
) -> Event:
    """`source` names what created it (the command's event id) and must be unique; the
    details are those of a new event (title and time given)."""
    assert details.title is not None and details.span is not None
    timezone = ports.settings.timezone
    offsets = (
        details.offsets if details.offsets is not None else list(ports.settings.reminder_offsets)
    )
    posts = plan_notices(ANNOUNCE, 0, room_ids, now) + plan_reminders(
        details.span.starts_at, offsets, room_ids, now, ZoneInfo(timezone)
    )
    row = await events.create(
        ports.db,
        NewEvent(
            source_event_id=source,
            created_by=created_by,
            command_room_id=command_room_id,
            title=details.title,
            starts_at=details.span.starts_at,
            ends_at=details.span.ends_at,
            timezone=timezone,
            place=details.place,
            online_link=details.online_link,
            agenda_link=details.agenda_link,
            description=details.description,
            closed=details.closed if details.closed is not None else True,
            room_ids=room_ids,
            reminder_offsets=offsets,
            description_html=description_html,
        ),
        posts,
    )
    await ports.schedules.changed(EVENT_DUTY, row.id)
    return row
