"""HTTP endpoints: /healthz (200 only while syncing) and /metrics (Prometheus) for operators,
/events.ics (the calendar feed) and /events/<nr>.ics (one event) for calendar apps."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics
from commands import event_calendar
from storage import events
from storage.database import Database
from storage.models import utc_now

METRICS_KEY = web.AppKey("metrics", Metrics)
USER_KEY = web.AppKey("user_id", str)
DB_KEY = web.AppKey("db", Database)
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


def _calendar(data: bytes, filename: str) -> web.Response:
    return web.Response(
        body=data,
        headers={
            "Content-Type": CALENDAR_TYPE,
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-cache",
        },
    )


def make_app(metrics_: Metrics, user_id: str, db: Database) -> web.Application:
    app = web.Application()
    app[METRICS_KEY] = metrics_
    app[USER_KEY] = user_id
    app[DB_KEY] = db
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/events.ics", calendar_feed)
    # At most 9 ASCII digits: every such number fits the id column on every backend.
    app.router.add_get("/events/{number:[0-9]{1,9}}.ics", calendar_event)
    return app


async def start_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
