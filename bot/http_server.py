"""HTTP endpoints: /healthz (200 only while syncing, or while waiting as a standby) and /metrics
(Prometheus) for operators, /downloads/<signed link> for the files features handed out links to,
and the routes features declare."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.download_links import DownloadLinks
from bot.metrics import Metrics
from commands.core.feature import DownloadMaker, Feature
from commands.core.ports import Ports
from storage.database import Database
from storage.models import utc_now

METRICS_KEY = web.AppKey("metrics", Metrics)
USER_KEY = web.AppKey("user_id", str)
DB_KEY = web.AppKey("db", Database)
LINKS_KEY = web.AppKey("links", DownloadLinks)
TIMEZONE_KEY = web.AppKey("timezone", str)
DOWNLOADS_KEY = web.AppKey("downloads", dict[str, DownloadMaker])
UNHEALTHY_AFTER_KEY = web.AppKey("unhealthy_after", float)


async def healthz(request: web.Request) -> web.Response:
    age = request.app[METRICS_KEY].last_sync_age_seconds()
    # A batch of replies that waits out rate limits keeps the loop from the next sync, but
    # the loop is not stuck: only no progress at all is unhealthy.
    syncing = request.app[METRICS_KEY].loop_alive(request.app[UNHEALTHY_AFTER_KEY])
    body = {
        "status": "ok" if syncing else "not syncing",
        "syncing": syncing,
        "last_sync_age_seconds": None if age is None else round(age, 3),
        "user_id": request.app[USER_KEY],
        "standby": False,
    }
    return web.json_response(body, status=200 if syncing else 503)


async def standby_healthz(request: web.Request) -> web.Response:
    body = {
        "status": "standby",
        "syncing": False,
        "last_sync_age_seconds": None,
        "user_id": request.app[USER_KEY],
        "standby": True,
    }
    return web.json_response(body, status=200)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[METRICS_KEY].render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


async def download(request: web.Request) -> web.Response:
    """A file made from the data as it is now, for whoever holds a genuine, unexpired link."""
    now = utc_now()
    path = request.app[LINKS_KEY].path_of(request.match_info["token"], now)
    if path is None:
        raise web.HTTPForbidden(text="this link is not valid (any more); ask the bot for a new one")
    maker = next(
        (maker for prefix, maker in request.app[DOWNLOADS_KEY].items() if path.startswith(prefix)),
        None,
    )
    made = None
    if maker is not None:
        made = await maker(request.app[DB_KEY], path, now, request.app[TIMEZONE_KEY])
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


def make_app(
    metrics_: Metrics,
    user_id: str,
    ports: Ports,
    links: DownloadLinks,
    features: tuple[Feature, ...],
    unhealthy_after: float,
) -> web.Application:
    """`unhealthy_after`: seconds without progress of the sync loop before /healthz says 503
    (a healthy loop completes a long poll well within them, or handles an event, or gets a
    send answered)."""
    app = web.Application()
    app[METRICS_KEY] = metrics_
    app[UNHEALTHY_AFTER_KEY] = unhealthy_after
    app[USER_KEY] = user_id
    app[DB_KEY] = ports.db
    app[LINKS_KEY] = links
    app[TIMEZONE_KEY] = ports.settings.timezone
    app[DOWNLOADS_KEY] = {
        prefix: maker for feature in features for prefix, maker in feature.downloads.items()
    }
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/downloads/{token}", download)
    for feature in features:
        if feature.routes is not None:
            app.router.add_routes(feature.routes(ports))
    return app


def make_standby_app(user_id: str) -> web.Application:
    """While another instance is active: healthy, and saying that it waits."""
    app = web.Application()
    app[USER_KEY] = user_id
    app.router.add_get("/healthz", standby_healthz)
    return app


async def start_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
