"""HTTP endpoints for operators: /healthz (200 only while syncing) and /metrics (Prometheus)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics

METRICS_KEY = web.AppKey("metrics", Metrics)
USER_KEY = web.AppKey("user_id", str)
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


def make_app(metrics_: Metrics, user_id: str) -> web.Application:
    app = web.Application()
    app[METRICS_KEY] = metrics_
    app[USER_KEY] = user_id
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def start_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
