"""Wires config, storage, client, the features, router, scheduler, sync loop and HTTP together;
runs them until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import faulthandler
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from nio import AsyncClient

from bot.config import Config
from bot.cross_signing import KEYS_FILE, ensure_cross_signed
from bot.device_trust import CrossSignedOnly
from bot.direct_messages import DirectMessages
from bot.download_links import load_links
from bot.features import FEATURES, build_registry
from bot.http_server import make_app, make_standby_app, start_http
from bot.job_worker import JobWorker
from bot.key_requests import KeyRequests
from bot.login import log_in, store_dir
from bot.metrics import Metrics
from bot.relations import RoomRelations
from bot.router import EventRouter
from bot.scheduler import Scheduler
from bot.sender import Sender
from bot.sync_loop import SyncLoop, long_poll_seconds
from bot.undecryptable import Undecryptable
from commands.core.pacing import HomeserverPacer
from commands.core.ports import Links, NetworkFilter, Ports, Schedules, Settings
from storage import bot_state
from storage.database import Database, open_database
from storage.instance_lock import InstanceLock, instance_lock_for

log = logging.getLogger(__name__)

# How long a stop may take before the process ends anyway.
SHUTDOWN_SECONDS = 10.0

# How often a standby asks for the lock: a dead active instance is replaced within a few seconds.
STANDBY_RETRY_SECONDS = 2.0


async def run_bot(config: Config, homeserver: str, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set or SIGINT/SIGTERM arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with contextlib.AsyncExitStack() as resources:
        lock = instance_lock_for(config.storage.url)
        resources.push_async_callback(lock.release)
        # Before the database is migrated or the bot logs in: a standby touches nothing.
        if not await _hold_or_wait(lock, config, stop):
            return
        watch = asyncio.create_task(_watch_lock(lock, stop), name="instance-lock")
        resources.push_async_callback(_cancel_and_wait, [watch])
        db = await open_database(config.storage.url)
        resources.push_async_callback(db.close)
        client = await log_in(config.matrix, homeserver, db)
        resources.push_async_callback(client.close)
        await ensure_cross_signed(
            client,
            store_dir(config.matrix) / KEYS_FILE,
            config.matrix.password,
            replace_identity=config.matrix.replace_identity,
            recovery=config.matrix.recovery_key,
        )
        metrics = Metrics()
        pacer = HomeserverPacer(config.matrix.send_rate_per_second, config.matrix.send_burst)
        sender = Sender(
            client,
            metrics,
            pacer,
            CrossSignedOnly(client) if config.matrix.only_cross_signed_devices else None,
        )
        links = await load_links(db, config.http.base_url)
        scheduler = Scheduler([], metrics)
        ports = make_ports(db, client, sender, metrics, config.settings(), links, scheduler)
        worker = JobWorker(db, FEATURES, metrics)
        ports.jobs = worker
        for feature in FEATURES:
            if feature.setup is not None:
                await feature.setup(ports)
            if feature.duties is not None:
                scheduler.add(feature.duties(ports))
        undecryptable = Undecryptable(
            client,
            db,
            metrics,
            ports.direct,
            dt.timedelta(minutes=config.bot.undecryptable_notice_minutes),
            KeyRequests(client),
        )
        router = EventRouter(
            client,
            config,
            ports,
            FEATURES,
            metrics,
            await bot_state.joined_rooms(db),
            undecryptable,
        )
        unhealthy_after = config.http.unhealthy_after_seconds
        app = make_app(metrics, config.matrix.user_id, ports, links, FEATURES, unhealthy_after)
        runner = await start_http(app, config.http.host, config.http.port)
        resources.push_async_callback(runner.cleanup)
        sync = SyncLoop(client, db, router, metrics, long_poll_seconds(unhealthy_after))
        log.info("alumni-bot running as %s on %s", config.matrix.user_id, homeserver)
        sync_task = asyncio.create_task(sync.run(), name="sync")
        # Deliveries need the rooms and their members, which the first sync brings (nio keeps
        # none across restarts): a round of direct messages due at start must see everyone.
        if await _first_of(sync.synced, stop) is sync.synced:
            resources.push_async_callback(_stop_scheduler, scheduler)
            log.info("planned: %s", await scheduler.start())
            # Beside the sync loop: slow work never holds up an answer.
            jobs_task = asyncio.create_task(worker.run(ports), name="jobs")
            resources.push_async_callback(_cancel_and_wait, [jobs_task])
            hooks = [f.after_first_sync for f in FEATURES if f.after_first_sync is not None]
            # In the background: creating rooms waits out rate limits; commands go on.
            hooks_task = asyncio.create_task(_after_first_round(sync, hooks, ports))
            resources.push_async_callback(_cancel_and_wait, [hooks_task])
        # What start-up made (the imported modules above all) lives as long as the process:
        # kept out of the collector's full passes, each of which walked all of it (100-300 ms
        # at a time on 2 busy cores, landing in whichever web page or reply was running).
        gc.collect()
        gc.freeze()
        await stop.wait()
        _exit_if_stuck(SHUTDOWN_SECONDS)
        sync.stop()
        sync_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sync_task


async def _after_first_round(
    sync: SyncLoop, hooks: list[Callable[[Ports], Awaitable[None]]], ports: Ports
) -> None:
    """The features' start work, once the first batch is handled: a room the bot was invited
    to while it was down has been joined by then (the space adopts it, never makes it twice)."""
    await sync.caught_up.wait()
    for hook in hooks:
        try:
            await hook(ports)
        except Exception:
            log.exception("start work of a feature failed")
            ports.errors.count("start")


async def _cancel_and_wait(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel background work and wait until it has let go, before the database is closed: a
    connection still checked out when the engine is disposed is never closed, and aiosqlite's
    thread for it (not a daemon) keeps the process from exiting after the loop has ended."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _stop_scheduler(scheduler: Scheduler) -> None:
    scheduler.shutdown()
    await _cancel_and_wait(list(scheduler.tasks))


def _exit_if_stuck(seconds: float) -> None:
    """A stop that hangs (a request that never returns) ends the process after `seconds`, as
    an orchestrator would: nothing is lost that a kill -9 would lose, and that is nothing."""

    def force() -> None:
        log.error("shutdown took longer than %.0f s; exiting now", seconds)
        # Where it hangs, for the log: every thread's stack (the event loop's among them).
        threads = ", ".join(f"{t.name} (daemon={t.daemon})" for t in threading.enumerate())
        log.error("threads still running: %s", threads)
        logging.shutdown()
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        os._exit(1)

    # A thread, not the event loop: the loop itself may be what hangs.
    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()


async def _hold_or_wait(lock: InstanceLock, config: Config, stop: asyncio.Event) -> bool:
    """True once this instance is the active one; False if stopped while a standby."""
    if await lock.try_acquire():
        log.info("active instance (holding the %s)", lock.where)
        return True
    log.warning(
        "STANDBY: another instance is active on this database (%s is held); not syncing, "
        "scheduling or answering; asking again every %.0f s",
        lock.where,
        STANDBY_RETRY_SECONDS,
    )
    runner = await start_http(
        make_standby_app(config.matrix.user_id), config.http.host, config.http.port
    )
    try:
        while not await lock.try_acquire():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), STANDBY_RETRY_SECONDS)
            if stop.is_set():
                log.info("standby stopped")
                return False
    finally:
        await runner.cleanup()
    log.warning("TAKING OVER: the %s is ours; this instance is now the active one", lock.where)
    return True


async def _watch_lock(lock: InstanceLock, stop: asyncio.Event) -> None:
    """An active instance that lost its lock stops: a standby may already be taking over."""
    while not stop.is_set():
        await asyncio.sleep(STANDBY_RETRY_SECONDS)
        if not await lock.still_held():
            log.critical("lost the %s; stopping so that only one instance runs", lock.where)
            stop.set()


def make_ports(
    db: Database,
    client: AsyncClient,
    sender: Sender,
    metrics: Metrics,
    settings: Settings,
    links: Links,
    schedules: Schedules,
) -> Ports:
    """The ports the features reach the Matrix side through."""
    registry = build_registry()
    network_filters: list[NetworkFilter] = []
    return Ports(
        db=db,
        settings=settings,
        registry=registry,
        schedules=schedules,
        messenger=sender,
        direct=DirectMessages(db, client, sender, metrics, settings, registry, network_filters),
        homeserver=client,
        errors=metrics,
        links=links,
        relations=RoomRelations(client),
        network_filters=network_filters,
    )


async def _first_of(*events: asyncio.Event) -> asyncio.Event:
    waiters = {asyncio.create_task(event.wait()): event for event in events}
    done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return waiters[next(iter(done))]
