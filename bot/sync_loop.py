"""The sync loop: the position is saved only after a batch's handlers ran (at-least-once), with
back-off on errors; the first start skips history."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import ClientError
from nio import AsyncClient, SyncError, SyncResponse

from bot.metrics import Metrics
from bot.router import EventRouter
from storage import bot_state
from storage.database import Database

log = logging.getLogger(__name__)

SYNC_TIMEOUT_MS = 30_000
MAX_BACKOFF_SECONDS = 60.0
# The first sync only learns the rooms and the position: no history is ever replayed as commands.
FIRST_SYNC_FILTER = {"room": {"timeline": {"limit": 0}}, "presence": {"types": []}}
SYNC_FILTER = {
    "room": {"timeline": {"limit": 50}, "ephemeral": {"types": []}},
    "presence": {"types": []},
    "account_data": {"types": []},
}


class SyncLoop:
    def __init__(
        self, client: AsyncClient, db: Database, router: EventRouter, metrics: Metrics
    ) -> None:
        self.client = client
        self.db = db
        self.router = router
        self.metrics = metrics
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        token = await bot_state.get_sync_token(self.db)
        # The first round after a start must not long-poll: it catches up at once, and only
        # then does /healthz report the bot as syncing.
        timeout_ms = 0
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                token = await self._once(token, timeout_ms)
                timeout_ms = SYNC_TIMEOUT_MS
                backoff = 1.0
            except (ClientError, TimeoutError, SyncFailed) as exc:
                self.metrics.errors.labels("sync").inc()
                log.warning("sync failed (%s); retrying in %.0fs", exc, backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)

    async def _once(self, token: str | None, timeout_ms: int) -> str:
        first = token is None
        response = await self.client.sync(
            timeout=timeout_ms,
            sync_filter=FIRST_SYNC_FILTER if first else SYNC_FILTER,
            since=token,
            full_state=first,
        )
        if isinstance(response, SyncError) or not isinstance(response, SyncResponse):
            raise SyncFailed(str(response))
        if first:
            await self.router.note_rooms(response)
        else:
            await self.router.handle_sync(response, token)
        await bot_state.set_sync_token(self.db, response.next_batch)
        self.metrics.sync_succeeded()
        return response.next_batch

    def stop(self) -> None:
        self.stopping.set()


class SyncFailed(RuntimeError):
    pass
