"""Runs whatever the features' duties have due: APScheduler (in memory) is rebuilt from our
tables at start, with one job armed for the earliest due time over a heap of everything
planned."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import logging
from collections.abc import Callable, Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.metrics import Metrics
from commands.core.feature import Duty
from storage.models import utc_now

log = logging.getLogger(__name__)

RETRY_AFTER = dt.timedelta(seconds=30)
WAKE_JOB = "wake"
# Deliveries due together go out side by side, so the homeserver's round trips overlap.
PARALLEL_DELIVERIES = 100

Key = tuple[str, int]


class Scheduler:
    """Keeps every item's next due time in a heap and one APScheduler job armed for the
    earliest: a start plans 10,000 items without 10,000 jobs."""

    def __init__(
        self, duties: Sequence[Duty], metrics: Metrics, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self.duties: dict[str, Duty] = {}
        self.add(duties)
        self.metrics = metrics
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self.due: dict[Key, dt.datetime] = {}
        self.heap: list[tuple[dt.datetime, Key]] = []
        self.armed_for: dt.datetime | None = None
        self.sending = asyncio.Semaphore(PARALLEL_DELIVERIES)
        self.tasks: set[asyncio.Task[None]] = set()
        self.locks: dict[Key, asyncio.Lock] = {}

    def add(self, duties: Sequence[Duty]) -> None:
        """Duties to run; all are added before `start`."""
        for duty in duties:
            self.duties[duty.name] = duty

    async def start(self) -> dict[str, int]:
        """Plan every item of every duty from the tables; returns how many per duty."""
        counts = {}
        for name, duty in self.duties.items():
            rows = await duty.schedule()
            counts[name] = len(rows)
            self.due.update(((name, item_id), when) for item_id, when in rows)
        self.heap = [(when, key) for key, when in self.due.items()]
        heapq.heapify(self.heap)
        self.scheduler.start()
        self._arm()
        return counts

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in self.tasks:
            task.cancel()

    async def settled(self, duty: str, ref: int) -> None:
        settle = getattr(self.duties.get(duty), "settle", None)
        if settle is not None:
            # The same lock as the item's delivery: the catch-up runs once, whoever is first.
            async with self.locks.setdefault((duty, ref), asyncio.Lock()):
                await settle(ref)

    async def changed(self, duty: str, ref: int) -> None:
        for item_id, when in await self.duties[duty].replan(ref):
            key = (duty, item_id)
            self.due.pop(key, None)
            if when is not None:
                self._plan(key, when)
        self._arm()

    def _plan(self, key: Key, when: dt.datetime) -> None:
        self.due[key] = when
        heapq.heappush(self.heap, (when, key))
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
            when, key = heapq.heappop(self.heap)
            if self.due.get(key) == when:
                del self.due[key]
                task = asyncio.create_task(self._fire(key))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        self._arm()

    async def _fire(self, key: Key) -> None:
        # One delivery at a time per item: a change while one is under way waits for it.
        lock = self.locks.setdefault(key, asyncio.Lock())
        async with lock, self.sending:
            try:
                next_due = await self.duties[key[0]].deliver(key[1])
            except Exception:
                log.exception("%s %s failed; retrying", *key)
                self.metrics.errors.labels(key[0]).inc()
                self._plan(key, self.clock() + RETRY_AFTER)
                return
        if next_due is not None:
            self._plan(key, next_due)
