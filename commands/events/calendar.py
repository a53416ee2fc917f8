"""Events as iCalendar data: the feed of upcoming events and one event's own file."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from storage.events import CANCELLED
from storage.models import Event

if TYPE_CHECKING:
    from commands.events.calendar_ics import CalendarEvent

MIMETYPE = "text/calendar"
FEED_FILENAME = "alumni-termine.ics"
CALENDAR_NAME = "Alumni-Netzwerk Smart City Manager:innen – Termine"
ORGANISER = "Alumni-Netzwerk Smart City Manager:innen Brandenburg"


def calendar_event(row: Event) -> CalendarEvent:
    # Imported on use, like the chart: icalendar would keep ~3 MB resident in the bot for a
    # file asked for now and then.
    from commands.events.calendar_ics import CalendarEvent

    # The UID must never change for an event and never collide across installations: it is
    # derived from the command that created the event, which is unique on the homeserver.
    digest = hashlib.sha256(row.source_event_id.encode()).hexdigest()[:16]
    server = row.created_by.split(":", 1)[-1]
    return CalendarEvent(
        uid=f"event-{row.id}-{digest}@{server}",
        sequence=row.sequence,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        place=row.place,
        online_link=row.online_link,
        description=row.description,
        agenda_link=row.agenda_link,
        cancelled=row.status == CANCELLED,
        created_at=row.created_at,
        updated_at=row.updated_at,
        organiser=ORGANISER,
        organiser_uri=f"https://matrix.to/#/{row.created_by}",
    )


def feed(rows: Sequence[Event], stamp: dt.datetime) -> bytes:
    from commands.events.calendar_ics import calendar_feed

    return calendar_feed([calendar_event(row) for row in rows], CALENDAR_NAME, stamp)


def single(row: Event, stamp: dt.datetime) -> bytes:
    from commands.events.calendar_ics import event_file

    return event_file(calendar_event(row), stamp)
