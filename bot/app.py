"""Wires config, storage, client, router, sync loop and HTTP together; runs them until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import signal

from bot.config import Config
from bot.direct_messages import DirectMessages
from bot.download_links import load_links
from bot.http_server import make_app, start_http
from bot.login import log_in
from bot.metrics import Metrics
from bot.pacing import TokenBucket
from bot.router import EventRouter
from bot.scheduler import Scheduler
from bot.sender import Sender
from bot.sync_loop import SyncLoop
from commands import build_registry
from commands.announcements.duty import AnnouncementDuty
from commands.core.converters import ConversionError
from commands.core.i18n import LANGUAGES, Localized
from commands.events.duty import EventDuty
from commands.polls.duty import PollDuty
from commands.space.commands import import_roster
from commands.space.keeper import SpaceKeeper
from commands.space.text import ROSTER_FILE_REJECTED, ROSTER_FILE_UNREADABLE, problem
from commands.surveys.commands import load_file
from commands.surveys.duty import SurveyDuty
from commands.topics.duty import ActionDuty
from storage import bot_state
from storage.database import Database, open_database

log = logging.getLogger(__name__)

ROSTER_FILE_KEY = "roster_file_sha256"


async def run_bot(config: Config, homeserver: str, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set or SIGINT/SIGTERM arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with contextlib.AsyncExitStack() as resources:
        db = await open_database(config.storage.url)
        resources.push_async_callback(db.close)
        client = await log_in(config.matrix, homeserver, db)
        resources.push_async_callback(client.close)
        metrics = Metrics()
        bucket = TokenBucket(config.matrix.send_rate_per_second, config.matrix.send_burst)
        sender = Sender(client, metrics, bucket)
        grace = dt.timedelta(hours=config.bot.missed_grace_hours)
        registry = build_registry()
        direct = DirectMessages(
            db, client, sender, metrics, config.bot.language, config.bot.command_prefix, registry
        )
        links = await load_links(db, config.http.base_url)
        await _load_survey_files(config, db)
        space = await _space_keeper(config, db, direct, metrics)
        scheduler = Scheduler(
            [
                AnnouncementDuty(db, sender, metrics, config.bot.language, grace),
                EventDuty(
                    db,
                    sender,
                    direct,
                    metrics,
                    config.bot.language,
                    config.bot.command_prefix,
                    grace,
                ),
                PollDuty(db, sender, direct, metrics, config.bot.language, config.bot.timezone),
                SurveyDuty(db, direct, metrics),
                ActionDuty(db, direct, config.bot.timezone),
            ],
            metrics,
        )
        router = EventRouter(
            client,
            config,
            db,
            registry,
            sender,
            metrics,
            await bot_state.joined_rooms(db),
            scheduler,
            direct,
            links,
            space,
        )
        app = make_app(metrics, config.matrix.user_id, db, links, config.bot.timezone)
        runner = await start_http(app, config.http.host, config.http.port)
        resources.push_async_callback(runner.cleanup)
        sync = SyncLoop(client, db, router, metrics)
        log.info("alumni-bot running as %s on %s", config.matrix.user_id, homeserver)
        sync_task = asyncio.create_task(sync.run(), name="sync")
        # Deliveries need the rooms and their members, which the first sync brings (nio keeps
        # none across restarts): a round of direct messages due at start must see everyone.
        if await _first_of(sync.synced, stop) is sync.synced:
            resources.callback(scheduler.shutdown)
            log.info("planned: %s", await scheduler.start())
            if space is not None:
                # In the background: creating rooms waits out rate limits; commands go on.
                reconciling = asyncio.create_task(_reconcile_at_start(config, db, space))
                resources.callback(reconciling.cancel)
        await stop.wait()
        sync.stop()
        sync_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sync_task


async def _load_survey_files(config: Config, db: Database) -> None:
    """The surveys the configuration names in TOML files; the first organiser is their owner."""
    owner = config.bot.organisers[0] if config.bot.organisers else config.matrix.user_id
    now = dt.datetime.now(dt.UTC)
    for path in config.bot.surveys:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        log.info(await load_file(db, path, text, owner, now, config.bot.timezone))


async def _space_keeper(
    config: Config, db: Database, direct: DirectMessages, metrics: Metrics
) -> SpaceKeeper | None:
    if config.space is None:
        return None
    keeper = SpaceKeeper(
        config.space.spec,
        config.space.avatar,
        config.bot.organisers,
        db,
        direct,
        metrics,
        config.bot.language,
        config.bot.timezone,
        TokenBucket(config.matrix.send_rate_per_second, config.matrix.send_burst),
        config.bot.allowed_servers,
    )
    await keeper.load()
    return keeper


async def _reconcile_at_start(config: Config, db: Database, space: SpaceKeeper) -> None:
    """The roster file (if any), then the space as configured; the organisers hear of it."""
    try:
        report = await space.reconcile(lambda: _read_roster_file(config, db, space))
        await space.report(report, at_start=True)
    except Exception:
        log.exception("reconciling the space at start failed")
        space.metrics.errors.labels("space").inc()


async def _read_roster_file(config: Config, db: Database, space: SpaceKeeper) -> list[Localized]:
    """Take the roster file over if it changed since it was last taken over (else a start
    would undo `!mitglied entfernen` and roles set by command since); what was wrong with it."""
    roster_file = config.space.roster if config.space is not None else None
    if roster_file is None:
        return []
    text = await asyncio.to_thread(roster_file.read_text, "utf-8-sig")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest == await bot_state.get_value(db, ROSTER_FILE_KEY):
        return []
    cohorts, allowed = space.spec.cohorts, config.bot.allowed_servers
    try:
        plan, applied = await import_roster(db, text, cohorts, allowed, False)
    except ConversionError as exc:
        return [problem(ROSTER_FILE_UNREADABLE, file=roster_file, error=exc.text("en"))]
    log.info(
        "roster file %s: %d new, %d changed, %d unchanged, %d rejected%s",
        roster_file,
        len(plan.added),
        len(plan.changed),
        len(plan.unchanged),
        len(plan.rejected),
        "" if applied else " (nothing taken over)",
    )
    if applied:
        await bot_state.set_value(db, ROSTER_FILE_KEY, digest)
        return []
    lines = Localized(
        *("; ".join(f"{r.line}: {r.text(lang)}" for r in plan.rejected[:10]) for lang in LANGUAGES)
    )
    return [problem(ROSTER_FILE_REJECTED, file=roster_file, lines=lines)]


async def _first_of(*events: asyncio.Event) -> asyncio.Event:
    waiters = {asyncio.create_task(event.wait()): event for event in events}
    done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return waiters[next(iter(done))]
