"""The sync loop: the position is saved only after a batch's handlers ran (at-least-once), with
back-off on errors; the first start skips history."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time

from nio import AsyncClient, SyncResponse

from bot.metrics import Metrics
from bot.router import EventRouter
from storage import bot_state
from storage.database import Database

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 30.0
# nio sets no client timeout on a full-state sync; a homeserver that hangs must not stall us.
REQUEST_GRACE_SECONDS = 30.0
# Short: after an outage the homeserver is asked again within seconds of being back.
MAX_BACKOFF_SECONDS = 5.0
# Handled-event ids only guard against replays from the last saved position, which is never
# more than a few minutes old; two days leaves room for a long outage.
KEEP_HANDLED = dt.timedelta(days=2)
PRUNE_EVERY_SECONDS = 3600.0
# The first sync ever only learns the rooms and the position: no history is run as commands.
FIRST_SYNC_FILTER = {"room": {"timeline": {"limit": 0}}, "presence": {"types": []}}
SYNC_FILTER = {
    "room": {"timeline": {"limit": 50}, "ephemeral": {"types": []}},
    "presence": {"types": []},
    "account_data": {"types": []},
}


class SyncFailed(RuntimeError):
    pass


def long_poll_seconds(unhealthy_after: float) -> float:
    """How long one sync may wait for news: well within the time after which /healthz calls
    a loop without progress stuck, so that an idle bot stays healthy."""
    return min(LONG_POLL_SECONDS, 0.4 * unhealthy_after)


class SyncLoop:
    def __init__(
        self,
        client: AsyncClient,
        db: Database,
        router: EventRouter,
        metrics: Metrics,
        long_poll: float = LONG_POLL_SECONDS,
    ) -> None:
        self.client = client
        self.long_poll = long_poll
        self.db = db
        self.router = router
        self.metrics = metrics
        self.stopping = asyncio.Event()
        # Set once the first sync of this start arrived: the client knows the rooms.
        self.synced = asyncio.Event()
        # Set once that first batch is handled too: invitations in it are answered.
        self.caught_up = asyncio.Event()

    async def run(self) -> None:
        token = await bot_state.get_sync_token(self.db)
        first_round = True
        # Until a round completes, the batch may repeat commands handled before the restart
        # or the failure; after that, the saved position is past everything handled.
        replay = True
        backoff = 1.0
        next_prune = 0.0
        while not self.stopping.is_set():
            try:
                token = await self._once(token, first_round, replay)
                first_round = replay = False
                backoff = 1.0
                if time.monotonic() >= next_prune:
                    await bot_state.prune_handled(self.db, dt.datetime.now(dt.UTC) - KEEP_HANDLED)
                    next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            except Exception:
                # Whatever failed, the position was not saved: the batch is retried, and the
                # handled-event ids keep commands that already ran from running again.
                replay = True
                self.metrics.errors.labels("sync").inc()
                log.exception("sync round failed; retrying in %.0fs", backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)

    async def _once(self, token: str | None, first_round: bool, replay: bool) -> str:
        # The first round of every start asks for the full room state (nio keeps none across
        # restarts, and roles need power levels) and does not long-poll, so /healthz turns
        # healthy at once.
        response = await asyncio.wait_for(
            self.client.sync(
                timeout=0 if first_round else int(self.long_poll * 1000),
                sync_filter=FIRST_SYNC_FILTER if token is None else SYNC_FILTER,
                since=token,
                full_state=first_round,
            ),
            self.long_poll + REQUEST_GRACE_SECONDS,
        )
        if not isinstance(response, SyncResponse):
            raise SyncFailed(str(response))
        self.metrics.sync_succeeded()
        # Before the batch is handled: replies into encrypted rooms need the members' devices.
        await crypto_upkeep(self.client)
        self.synced.set()
        if token is None:
            await self.router.note_rooms(response)
        else:
            await self.router.handle_sync(response, token, replay)
        await bot_state.set_sync_token(self.db, response.next_batch)
        self.caught_up.set()
        return response.next_batch

    def stop(self) -> None:
        self.stopping.set()


async def crypto_upkeep(client: AsyncClient) -> None:
    """What nio's own sync_forever does after each sync: top up one-time keys, learn the
    devices of changed users, open olm sessions, and send queued to-device messages (key
    requests and their answers)."""
    if client.olm is None:
        return
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    await client.send_to_device_messages()
