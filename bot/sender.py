"""The one path every message takes: idempotent transaction ids, pacing, and rate-limit retries."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientError
from nio import AsyncClient, RoomSendError, RoomSendResponse

from bot.metrics import Metrics
from bot.pacing import TokenBucket
from commands.rendering import html_to_text
from storage import bot_state
from storage.database import Database

log = logging.getLogger(__name__)

HTML_FORMAT = "org.matrix.custom.html"
MAX_ATTEMPTS = 8


class SendError(RuntimeError):
    """The homeserver refused the message for good (not a rate limit or a passing fault)."""


def txn_id_for(kind: str, key: str, index: int = 0) -> str:
    """A transaction id derived from our own data, so a retry after a crash reuses it."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{kind}.{digest}.{index}"


def message_content(
    html: str,
    *,
    msgtype: str = "m.notice",
    reply_to: str | None = None,
    mentions: Sequence[str] = (),
) -> dict[str, Any]:
    """`html` must already have every piece of user text escaped."""
    content: dict[str, Any] = {
        "msgtype": msgtype,
        "body": html_to_text(html),
        "format": HTML_FORMAT,
        "formatted_body": html,
        "m.mentions": {"user_ids": sorted(set(mentions))} if mentions else {},
    }
    if reply_to is not None:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content


class Sender:
    def __init__(
        self, client: AsyncClient, db: Database, metrics: Metrics, bucket: TokenBucket
    ) -> None:
        self.client = client
        self.db = db
        self.metrics = metrics
        self.bucket = bucket

    async def send(
        self,
        room_id: str,
        content: dict[str, Any],
        *,
        txn_id: str,
        event_type: str = "m.room.message",
    ) -> str:
        """Send once (the homeserver dedupes by txn id per device) and return the event id."""
        started = time.monotonic()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self.bucket.acquire()
            try:
                response = await self.client.room_send(room_id, event_type, content, tx_id=txn_id)
            except (ClientError, TimeoutError) as exc:
                self.metrics.errors.labels("send").inc()
                delay = min(30.0, 0.5 * 2**attempt)
                log.warning("send %s failed (%s), retry in %.1fs", txn_id, exc, delay)
                await asyncio.sleep(delay)
                continue
            if isinstance(response, RoomSendResponse):
                self.metrics.send_latency.observe(time.monotonic() - started)
                await bot_state.record_sent(self.db, txn_id, room_id, response.event_id)
                return response.event_id
            if isinstance(response, RoomSendError) and response.status_code == "M_LIMIT_EXCEEDED":
                wait = (response.retry_after_ms or 1000) / 1000
                log.info("rate limited on %s, waiting %.2fs", room_id, wait)
                self.bucket.pause(wait)
                continue
            self.metrics.errors.labels("send").inc()
            raise SendError(f"send to {room_id} refused: {response}")
        raise SendError(f"send to {room_id} gave up after {MAX_ATTEMPTS} attempts")
