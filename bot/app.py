"""Wires config, storage, client, router, sync loop and HTTP together; runs them until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.config import Config
from bot.http_server import make_app, start_http
from bot.login import log_in
from bot.metrics import Metrics
from bot.pacing import TokenBucket
from bot.router import EventRouter
from bot.sender import Sender
from bot.sync_loop import SyncLoop
from commands import build_registry
from storage import bot_state
from storage.database import open_database

log = logging.getLogger(__name__)


async def run_bot(config: Config, homeserver: str, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set or SIGINT/SIGTERM arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    db = await open_database(config.storage.url)
    try:
        client = await log_in(config.matrix, homeserver, db)
        try:
            metrics = Metrics()
            sender = Sender(
                client,
                db,
                metrics,
                TokenBucket(config.matrix.send_rate_per_second, config.matrix.send_burst),
            )
            router = EventRouter(
                client,
                config,
                db,
                build_registry(),
                sender,
                metrics,
                await bot_state.joined_rooms(db),
            )
            sync = SyncLoop(client, db, router, metrics)
            runner = await start_http(
                make_app(metrics, config.matrix.user_id), config.http.host, config.http.port
            )
            log.info("alumni-bot running as %s on %s", config.matrix.user_id, homeserver)
            sync_task = asyncio.create_task(sync.run(), name="sync")
            stop_task = asyncio.create_task(stop.wait(), name="stop")
            try:
                done, _ = await asyncio.wait(
                    {sync_task, stop_task}, return_when=asyncio.FIRST_COMPLETED
                )
                if sync_task in done:
                    sync_task.result()
            finally:
                sync.stop()
                sync_task.cancel()
                stop_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sync_task
                await runner.cleanup()
        finally:
            await client.close()
    finally:
        await db.close()
