"""Runs the features' queued slow work beside the sync loop: oldest first, each job deleted
once it ran; one that fails for good is logged and dropped, one that asks to wait is retried."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from bot.metrics import Metrics
from commands.core.feature import Feature, JobHandler
from commands.core.ports import Ports, RetryLater
from storage import jobs
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 20
IDLE_CHECK_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 60.0


class JobWorker:
    def __init__(self, db: Database, features: tuple[Feature, ...], metrics: Metrics) -> None:
        self.db = db
        self.metrics = metrics
        self.handlers: Mapping[str, JobHandler] = {
            kind: handler for feature in features for kind, handler in feature.jobs.items()
        }
        self._wake = asyncio.Event()

    async def enqueue(self, kind: str, key: str, payload: dict[str, Any]) -> None:
        if kind not in self.handlers:
            raise ValueError(f"no feature runs jobs of kind {kind!r}")
        await jobs.add(self.db, kind, key, payload)
        self._wake.set()

    async def run(self, ports: Ports) -> None:
        """Until cancelled; what was queued before a crash runs first."""
        backoff = 1.0
        while True:
            self._wake.clear()
            queued = await jobs.oldest(self.db, BATCH)
            if not queued:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_CHECK_SECONDS)
                continue
            for job in queued:
                handler = self.handlers.get(job.kind)
                try:
                    if handler is None:
                        log.warning("dropping job %s of unknown kind %s", job.key, job.kind)
                    else:
                        await handler(ports, job.payload)
                except RetryLater as exc:
                    log.warning("job %s waits %.0fs: %s", job.key, backoff, exc)
                    await asyncio.sleep(backoff)
                    backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
                    break
                except Exception:
                    log.exception("job %s (%s) failed; dropped", job.key, job.kind)
                    self.metrics.errors.labels("job").inc()
                backoff = 1.0
                await jobs.finish(self.db, job.id)
