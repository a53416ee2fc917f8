"""The one path every message takes: idempotent transaction ids, pacing that follows the
homeserver's rate limit, retries, and encryption in encrypted rooms (room keys shared with the
members' devices first)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError
from nio import Api, AsyncClient, MatrixRoom, RoomGetStateEventResponse, RoomSendResponse

from bot.metrics import Metrics
from commands.core.pacing import checked_at
from commands.core.ports import Pacer, RetryLater, SendRefused

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
REACTION = "m.reaction"


class Sender:
    def __init__(
        self,
        client: AsyncClient,
        metrics: Metrics,
        bucket: Pacer,
        before_encrypted_send: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.metrics = metrics
        self.bucket = bucket
        # Decides which devices get the room key (e.g. only cross-signed ones).
        self.before_encrypted_send = before_encrypted_send

    async def send(
        self,
        room_id: str,
        content: dict[str, Any],
        *,
        txn_id: str,
        event_type: str = "m.room.message",
    ) -> str:
        """Send once (the homeserver dedupes by txn id per device) and return the event id.

        Rate limits are waited out; connection faults and server errors are retried a few times,
        then RetryLater is raised; any other refusal raises SendRefused.
        """
        self.metrics.sends_waiting += 1
        try:
            return await self._send(room_id, content, txn_id, event_type)
        finally:
            self.metrics.sends_waiting -= 1

    async def _send(
        self, room_id: str, content: dict[str, Any], txn_id: str, event_type: str
    ) -> str:
        started = time.monotonic()
        failures = 0
        while True:
            await self.bucket.acquire()
            try:
                await self._prepare_room(room_id)
                asked_at = time.monotonic()
                response = await self._room_send(room_id, event_type, content, txn_id)
            except (ClientError, TimeoutError) as exc:
                failures = await self._after_failure(failures, txn_id, repr(exc))
                continue
            self.metrics.progressed()
            if isinstance(response, RoomSendResponse):
                self.metrics.send_latency.observe(time.monotonic() - started)
                return response.event_id
            status = getattr(response.transport_response, "status", None)
            errcode = getattr(response, "status_code", None)
            if errcode == "M_LIMIT_EXCEEDED" or status == 429:
                wait = (getattr(response, "retry_after_ms", None) or 1000) / 1000
                log.info("rate limited in %s, waiting %.2fs", room_id, wait)
                self.bucket.pause(wait, checked_at(asked_at, time.monotonic()))
                continue
            if errcode is None or (status is not None and status >= 500):
                failures = await self._after_failure(failures, txn_id, str(response))
                continue
            self.metrics.errors.labels("send").inc()
            raise SendRefused(f"{room_id} refused {txn_id}: {errcode} {response}")

    async def _room_send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> Any:
        room = self.client.rooms.get(room_id)
        if event_type != REACTION or room is None or not room.encrypted:
            # As Element's default (AllDevicesIsolationMode): unverified devices get keys too.
            return await self.client.room_send(
                room_id, event_type, content, tx_id=txn_id, ignore_unverified_devices=True
            )
        # nio sends reactions in the clear (written before MSC1849 settled); Element encrypts
        # them like messages, with only the relation left in the clear.
        client = self.client
        if not room.members_synced:
            await client.joined_members(room_id)
        if client.should_query_keys:
            await client.keys_query()
        if client.olm is not None and client.olm.should_share_group_session(room_id):
            # As nio's room_send: another send may be sharing the key already.
            sharing = client.sharing_session.get(room_id)
            if sharing is not None:
                await sharing.wait()
            else:
                await client.share_group_session(room_id, ignore_unverified_devices=True)
        encrypted_type, encrypted = client.encrypt(room_id, event_type, content)
        method, path, data = Api.room_send(
            client.access_token, room_id, encrypted_type, encrypted, txn_id
        )
        return await client._send(RoomSendResponse, method, path, data, (room_id,))

    async def _prepare_room(self, room_id: str) -> None:
        """nio encrypts only for rooms it synced, and refuses unknown ones; a room opened
        moments ago (a new direct chat) is made known with its encryption state."""
        if self.client.olm is None:
            return
        room = self.client.rooms.get(room_id)
        if room is None:
            state = await self.client.room_get_state_event(room_id, "m.room.encryption")
            encrypted = isinstance(state, RoomGetStateEventResponse) and bool(state.content)
            room = MatrixRoom(room_id, self.client.user_id, encrypted)
            self.client.rooms[room_id] = room
        if room.encrypted and self.before_encrypted_send is not None:
            await self.before_encrypted_send(room_id)

    async def _after_failure(self, failures: int, txn_id: str, reason: str) -> int:
        self.metrics.errors.labels("send").inc()
        failures += 1
        if failures >= MAX_ATTEMPTS:
            raise RetryLater(f"{txn_id}: {reason}")
        delay = min(30.0, 0.25 * 2**failures)
        log.warning("send %s failed (%s), retry %d in %.1fs", txn_id, reason, failures, delay)
        await asyncio.sleep(delay)
        return failures
