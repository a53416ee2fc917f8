"""Sends announcements when due: APScheduler (in memory) is rebuilt from our tables at start, and
every delivery has a transaction id derived from the announcement, its due time and the room."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot import faults
from bot.metrics import Metrics
from bot.sender import Sender, SendRefused, message_content, txn_id_for
from commands.announcement_plan import (
    plan_firing,
    render_announcement,
    render_missed,
    schedule_from,
)
from commands.i18n import Language
from storage import announcements
from storage.announcements import DELIVERED, MISSED, REFUSED, Delivery
from storage.database import Database
from storage.models import Announcement, utc_now

log = logging.getLogger(__name__)

RETRY_AFTER = dt.timedelta(seconds=30)
WAKE_JOB = "announcements-wake"
# Deliveries due together go out side by side, so the homeserver's round trips overlap.
PARALLEL_DELIVERIES = 100


class AnnouncementScheduler:
    """Keeps every active announcement's next due time in a heap and one APScheduler job armed
    for the earliest: a start plans 10,000 announcements without 10,000 jobs."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        metrics: Metrics,
        language: Language,
        grace: dt.timedelta,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.db = db
        self.sender = sender
        self.metrics = metrics
        self.language = language
        self.grace = grace
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self.due: dict[int, dt.datetime] = {}
        self.heap: list[tuple[dt.datetime, int]] = []
        self.armed_for: dt.datetime | None = None
        self.sending = asyncio.Semaphore(PARALLEL_DELIVERIES)
        self.tasks: set[asyncio.Task[None]] = set()
        self.locks: dict[int, asyncio.Lock] = {}

    async def start(self) -> int:
        """Plan every active announcement from the tables; returns how many."""
        rows = await announcements.due_schedule(self.db)
        self.due = dict(rows)
        self.heap = [(when, announcement_id) for announcement_id, when in rows]
        heapq.heapify(self.heap)
        self.scheduler.start()
        self._arm()
        return len(rows)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in self.tasks:
            task.cancel()

    async def announcement_changed(self, announcement_id: int) -> None:
        row = await announcements.get(self.db, announcement_id)
        self.due.pop(announcement_id, None)
        if row is not None and row.status == announcements.ACTIVE and row.next_due is not None:
            self._plan(announcement_id, row.next_due)
        else:
            self._arm()

    def _plan(self, announcement_id: int, when: dt.datetime) -> None:
        self.due[announcement_id] = when
        heapq.heappush(self.heap, (when, announcement_id))
        self._arm()

    def _arm(self) -> None:
        """Point the one job at the earliest due time (heap entries no longer in `due` are old)."""
        while self.heap and self.due.get(self.heap[0][1]) != self.heap[0][0]:
            heapq.heappop(self.heap)
        earliest = self.heap[0][0] if self.heap else None
        if earliest == self.armed_for or not self.scheduler.running:
            return
        self.armed_for = earliest
        if earliest is None:
            if self.scheduler.get_job(WAKE_JOB) is not None:
                self.scheduler.remove_job(WAKE_JOB)
            return
        # misfire_grace_time=None: a wake-up already past due still runs; lateness is ours.
        self.scheduler.add_job(
            self._wake,
            DateTrigger(run_date=earliest, timezone=dt.UTC),
            id=WAKE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            # The job is re-armed from inside its own run; one instance would drop that re-arm.
            max_instances=1000,
        )

    async def _wake(self) -> None:
        self.armed_for = None
        while self.heap and self.heap[0][0] <= self.clock():
            when, announcement_id = heapq.heappop(self.heap)
            if self.due.get(announcement_id) == when:
                del self.due[announcement_id]
                task = asyncio.create_task(self._fire(announcement_id))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        self._arm()

    async def _fire(self, announcement_id: int) -> None:
        # One delivery at a time per announcement: a change while one is under way waits for it.
        lock = self.locks.setdefault(announcement_id, asyncio.Lock())
        async with lock, self.sending:
            try:
                await self._deliver_due(announcement_id)
            except Exception:
                log.exception("announcement %s failed; retrying", announcement_id)
                self.metrics.errors.labels("announcement").inc()
                self._plan(announcement_id, self.clock() + RETRY_AFTER)

    async def _deliver_due(self, announcement_id: int) -> None:
        loaded = await announcements.load_due(self.db, announcement_id)
        if loaded is None:
            return
        row, done = loaded
        assert row.next_due is not None
        zone = ZoneInfo(row.timezone)
        schedule = schedule_from(row.cron, row.once_at)
        firing = plan_firing(schedule, row.next_due, self.clock(), zone, self.grace)
        sent: list[Delivery] = []
        if firing.missed:
            html = render_missed(row.id, firing, zone, self.language)
            rooms = [row.command_room_id]
            sent += await self._send_once(row, firing.missed[0], rooms, MISSED, html, done)
        if firing.send is not None:
            html = render_announcement(row.text, firing.send, firing.late, zone, self.language)
            sent += await self._send_once(row, firing.send, row.room_ids, DELIVERED, html, done)
        moved_on = await announcements.finish_occurrence(
            self.db, announcement_id, sent, row.next_due, firing.next_due
        )
        # Not moved on: paused, cancelled or rescheduled meanwhile, and planned by that change.
        if moved_on and firing.next_due is not None:
            self._plan(announcement_id, firing.next_due)

    async def _send_once(
        self,
        row: Announcement,
        due: dt.datetime,
        rooms: list[str],
        kind: str,
        html: str,
        done: set[tuple[dt.datetime, str, str]],
    ) -> list[Delivery]:
        """Deliver to each room not yet recorded. The records are written with the next due
        time; a crash before that re-sends with the same txn ids, which the homeserver answers
        with the events it already has."""
        # A missed-report must reach the organiser: m.text with a mention notifies, a notice not.
        content = (
            message_content(html, msgtype="m.text", mentions=[row.created_by])
            if kind == MISSED
            else message_content(html)
        )
        sent = []
        for room_id in rooms:
            if (due, room_id, kind) in done:
                continue
            txn_id = txn_id_for(f"announcement-{kind}", f"{row.id}|{due.isoformat()}|{room_id}")
            try:
                event_id = await self.sender.send(room_id, content, txn_id=txn_id)
            except SendRefused:
                # The room refuses the bot for good (kicked, no right to post): recorded, so one
                # such room neither blocks the others nor is retried for ever.
                log.warning("announcement %s: %s refused the post", row.id, room_id)
                self.metrics.errors.labels("announcement").inc()
                sent.append(Delivery(due, room_id, REFUSED, ""))
                continue
            faults.crash_point(faults.AFTER_ANNOUNCEMENT)
            sent.append(Delivery(due, room_id, kind, event_id))
        return sent
