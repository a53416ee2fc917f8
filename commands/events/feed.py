"""The calendar over HTTP: `/events.ics` (the feed of upcoming events) and `/events/<nr>.ics`
(one event) for calendar apps. Unauthenticated, so the listener stays internal."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from commands.core.ports import Ports
from commands.events import calendar as event_calendar
from storage import events
from storage.database import Database
from storage.models import utc_now

CALENDAR_TYPE = f"{event_calendar.MIMETYPE}; charset=utf-8"


def routes(ports: Ports) -> Sequence[web.RouteDef]:
    db = ports.db

    async def calendar_feed(request: web.Request) -> web.Response:
        now = utc_now()
        rows = await events.for_calendar(db, now)
        return _calendar(event_calendar.feed(rows, now), event_calendar.FEED_FILENAME)

    async def calendar_event(request: web.Request) -> web.Response:
        return await _one_event(db, int(request.match_info["number"]))

    return (
        web.get("/events.ics", calendar_feed),
        # At most 9 ASCII digits: every such number fits the id column on every backend.
        web.get("/events/{number:[0-9]{1,9}}.ics", calendar_event),
    )


async def _one_event(db: Database, number: int) -> web.Response:
    row = await events.get(db, number)
    if row is None:
        raise web.HTTPNotFound(text="no such event")
    return _calendar(event_calendar.single(row, utc_now()), f"termin-{row.id}.ics")


def _calendar(data: bytes, filename: str) -> web.Response:
    return web.Response(
        body=data,
        headers={
            "Content-Type": CALENDAR_TYPE,
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-cache",
        },
    )
