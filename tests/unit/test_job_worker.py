"""The job worker runs queued work oldest first, drops what fails for good, keeps what must wait,
and picks up what was queued before a restart."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from bot import job_worker
from bot.job_worker import JobWorker
from bot.metrics import Metrics
from commands.core.feature import Feature
from commands.core.ports import Ports, RetryLater
from storage import jobs
from storage.database import Database


class Recorder:
    def __init__(self) -> None:
        self.ran: list[Any] = []
        self.waits = 0
        self.done = asyncio.Event()

    async def work(self, ports: Ports, payload: dict[str, Any]) -> None:
        if payload.get("fail"):
            raise ValueError("broken for good")
        if payload.get("wait") and self.waits < 2:
            self.waits += 1
            raise RetryLater("rate limited")
        self.ran.append(payload["n"])
        if payload.get("last"):
            self.done.set()


async def run_until_done(worker: JobWorker, recorder: Recorder) -> None:
    """Until the last job ran and the queue is empty."""
    task = asyncio.create_task(worker.run(cast(Ports, None)))
    try:
        await asyncio.wait_for(recorder.done.wait(), 10)
        for _ in range(100):
            if await jobs.count(worker.db) == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()


async def test_jobs_run_in_order_failures_are_dropped_waits_retried(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_worker, "MAX_BACKOFF_SECONDS", 0.01)
    recorder = Recorder()
    metrics = Metrics()
    worker = JobWorker(db, (Feature("test", jobs={"test.work": recorder.work}),), metrics)
    await worker.enqueue("test.work", "$1", {"n": 1})
    await worker.enqueue("test.work", "$2", {"n": 2, "fail": True})
    await worker.enqueue("test.work", "$3", {"n": 3, "wait": True})
    await worker.enqueue("test.work", "$1", {"n": 99})  # a replayed batch queues nothing new
    await worker.enqueue("test.work", "$4", {"n": 4, "last": True})

    await run_until_done(worker, recorder)

    assert recorder.ran == [1, 3, 4]
    assert recorder.waits == 2
    assert metrics.errors.labels("job")._value.get() == 1
    assert await jobs.count(db) == 0


async def test_work_queued_before_a_restart_runs_after_it(db: Database) -> None:
    await jobs.add(db, "test.work", "$1", {"n": 1, "last": True})
    recorder = Recorder()
    worker = JobWorker(db, (Feature("test", jobs={"test.work": recorder.work}),), Metrics())

    await run_until_done(worker, recorder)

    assert recorder.ran == [1]


async def test_a_kind_no_feature_runs_is_refused_when_queued(db: Database) -> None:
    worker = JobWorker(db, (), Metrics())
    with pytest.raises(ValueError, match="no feature"):
        await worker.enqueue("nobody.runs.this", "$1", {})
