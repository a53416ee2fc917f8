"""Creating and changing an event: store it with its announcement (or change notice) and
reminders, and hand it to the event duty, which posts or edits the card. The one path for
`!termin neu`, `!termin ändern` and the web page's forms."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

from commands.core.ports import Ports
from commands.events.plan import (
    EVENT_DUTY,
    EventDetails,
    plan_notices,
    plan_reminders,
    what_changed,
)
from storage import events
from storage.events import NewEvent
from storage.models import Event
from storage.outbox import ANNOUNCE, UPDATE


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


async def change_announced(
    ports: Ports,
    row: Event,
    details: EventDetails,
    room_ids: list[str],
    change_id: str,
    now: dt.datetime,
    description_html: str | None = None,
) -> Event | None:
    """Apply the changes `details` holds (rooms already resolved); rooms that had the card get
    a change notice, rooms new to it the card itself, and the reminders are planned anew when
    the time, rooms or reminders changed. `change_id` names the change (kept, so a repeat is
    seen). None if the event changed or went meanwhile."""
    zone = ZoneInfo(row.timezone)
    values = changed_values(details, room_ids)
    if "description" in values:
        values["description_html"] = description_html
    starts_at = details.span.starts_at if details.span else row.starts_at
    offsets = details.offsets if details.offsets is not None else row.reminder_offsets
    replan = bool(details.rooms or details.span or details.offsets is not None)
    changes = what_changed(row, values)
    new_rooms = [room_id for room_id in room_ids if room_id not in row.room_ids]
    kept_rooms = [room_id for room_id in room_ids if room_id in row.room_ids]
    notices = (
        [replace(plan, changes=changes) for plan in plan_notices(UPDATE, 0, kept_rooms, now)]
        if changes
        else []
    )
    changed = await events.change(
        ports.db,
        row.id,
        values | {"last_change_event_id": change_id},
        plan_reminders(starts_at, offsets, room_ids, now, zone) if replan else None,
        notices + plan_notices(ANNOUNCE, 0, new_rooms, now),
        expected_sequence=row.sequence,
    )
    if changed is not None:
        await ports.schedules.changed(EVENT_DUTY, row.id)
    return changed


def changed_values(details: EventDetails, room_ids: list[str]) -> dict[str, object]:
    """The columns a change sets."""
    values: dict[str, object] = {
        name: getattr(details, name)
        for name in ("title", "place", "online_link", "agenda_link", "description", "closed")
        if getattr(details, name) is not None
    }
    values.update(dict.fromkeys(details.cleared))
    if details.span is not None:
        values["starts_at"] = details.span.starts_at
        values["ends_at"] = details.span.ends_at
    if details.rooms:
        values["room_ids"] = room_ids
    if details.offsets is not None:
        values["reminder_offsets"] = details.offsets
    return values
