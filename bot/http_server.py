"""HTTP endpoints: /healthz (200 only while syncing) and /metrics (Prometheus) for operators,
/events.ics (the calendar feed) and /events/<nr>.ics (one event) for calendar apps, and
/downloads/<signed link> for the exports and minutes organisers were handed links to."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.download_links import DownloadLinks
from bot.metrics import Metrics
from commands.downloads import download as download_file
from commands.events import calendar as event_calendar
from storage import events
from storage.database import Database
from storage.models import utc_now

METRICS_KEY = web.AppKey("metrics", Metrics)
USER_KEY = web.AppKey("user_id", str)
DB_KEY = web.AppKey("db", Database)
LINKS_KEY = web.AppKey("links", DownloadLinks)
TIMEZONE_KEY = web.AppKey("timezone", str)
CALENDAR_TYPE = f"{event_calendar.MIMETYPE}; charset=utf-8"
# A healthy loop completes a sync at least every long-poll timeout (30 s); allow one slow round.
HEALTHY_SYNC_AGE_SECONDS = 75.0


async def healthz(request: web.Request) -> web.Response:
    age = request.app[METRICS_KEY].last_sync_age_seconds()
    syncing = age is not None and age <= HEALTHY_SYNC_AGE_SECONDS
    body = {
        "status": "ok" if syncing else "not syncing",
        "syncing": syncing,
        "last_sync_age_seconds": None if age is None else round(age, 3),
        "user_id": request.app[USER_KEY],
    }
    return web.json_response(body, status=200 if syncing else 503)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[METRICS_KEY].render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


async def calendar_feed(request: web.Request) -> web.Response:
    now = utc_now()
    rows = await events.for_calendar(request.app[DB_KEY], now)
    return _calendar(event_calendar.feed(rows, now), event_calendar.FEED_FILENAME)


async def calendar_event(request: web.Request) -> web.Response:
    row = await events.get(request.app[DB_KEY], int(request.match_info["number"]))
    if row is None:
        raise web.HTTPNotFound(text="no such event")
    return _calendar(event_calendar.single(row, utc_now()), f"termin-{row.id}.ics")


async def download(request: web.Request) -> web.Response:
    """A file made from the data as it is now, for whoever holds a genuine, unexpired link."""
    now = utc_now()
    path = request.app[LINKS_KEY].path_of(request.match_info["token"], now)
    if path is None:
        raise web.HTTPForbidden(text="this link is not valid (any more); ask the bot for a new one")
    made = await download_file(request.app[DB_KEY], path, now, request.app[TIMEZONE_KEY])
    if made is None:
        raise web.HTTPNotFound(text="no such file")
    return web.Response(
        body=made.data,
        headers={
            "Content-Type": f"{made.mimetype}; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _calendar(data: bytes, filename: str) -> web.Response:
    return web.Response(
        body=data,
        headers={
            "Content-Type": CALENDAR_TYPE,
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-cache",
        },
    )


def make_app(
    metrics_: Metrics, user_id: str, db: Database, links: DownloadLinks, timezone: str
) -> web.Application:
    app = web.Application()
    app[METRICS_KEY] = metrics_
    app[USER_KEY] = user_id
    app[DB_KEY] = db
    app[LINKS_KEY] = links
    app[TIMEZONE_KEY] = timezone
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/events.ics", calendar_feed)
    # At most 9 ASCII digits: every such number fits the id column on every backend.
    app.router.add_get("/events/{number:[0-9]{1,9}}.ics", calendar_event)
    app.router.add_get("/downloads/{token}", download)
    return app


async def start_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
