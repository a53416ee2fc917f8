"""The one path every message takes: idempotent transaction ids, pacing, and rate-limit retries."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import struct
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientError
from nio import AsyncClient, RoomSendResponse

from bot.metrics import Metrics
from bot.pacing import TokenBucket
from commands.core.context import RetryLater
from commands.core.rendering import html_to_text

log = logging.getLogger(__name__)

HTML_FORMAT = "org.matrix.custom.html"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_ATTEMPTS = 6


class SendRefused(RuntimeError):
    """The homeserver refused the message for good (e.g. no permission to post in the room)."""


def txn_id_for(kind: str, key: str, index: int = 0) -> str:
    """A transaction id derived from our own data, so a retry after a crash reuses it."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{kind}.{digest}.{index}"


def message_content(
    html: str,
    *,
    msgtype: str = "m.notice",
    reply_to: str | None = None,
    thread_root: str | None = None,
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
    return content | relation(reply_to, thread_root)


def file_content(filename: str, data: bytes, mimetype: str, url: str) -> dict[str, Any]:
    """An uploaded file as a message: a PNG as an image (with its size), anything else a file."""
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": filename,
        "filename": filename,
        "url": url,
        "info": {"mimetype": mimetype, "size": len(data)},
        "m.mentions": {},
    }
    if mimetype == "image/png" and data.startswith(PNG_SIGNATURE):
        width, height = struct.unpack(">II", data[16:24])
        content["msgtype"] = "m.image"
        content["info"] |= {"w": width, "h": height}
    return content


def relation(reply_to: str | None, thread_root: str | None) -> dict[str, Any]:
    """The `m.relates_to` of an answer: a reply, kept in the thread it was asked in."""
    if thread_root is not None:
        # In a thread the answer stays in the thread and quotes the command (MSC3440 form).
        return {
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": thread_root,
                "is_falling_back": reply_to is None,
                "m.in_reply_to": {"event_id": reply_to or thread_root},
            }
        }
    if reply_to is not None:
        return {"m.relates_to": {"m.in_reply_to": {"event_id": reply_to}}}
    return {}


class Sender:
    def __init__(self, client: AsyncClient, metrics: Metrics, bucket: TokenBucket) -> None:
        self.client = client
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
        """Send once (the homeserver dedupes by txn id per device) and return the event id.

        Rate limits are waited out; connection faults and server errors are retried a few times,
        then RetryLater is raised; any other refusal raises SendRefused.
        """
        started = time.monotonic()
        failures = 0
        while True:
            await self.bucket.acquire()
            try:
                response = await self.client.room_send(room_id, event_type, content, tx_id=txn_id)
            except (ClientError, TimeoutError) as exc:
                failures = await self._after_failure(failures, txn_id, repr(exc))
                continue
            if isinstance(response, RoomSendResponse):
                self.metrics.send_latency.observe(time.monotonic() - started)
                return response.event_id
            status = getattr(response.transport_response, "status", None)
            errcode = getattr(response, "status_code", None)
            if errcode == "M_LIMIT_EXCEEDED" or status == 429:
                wait = (getattr(response, "retry_after_ms", None) or 1000) / 1000
                log.info("rate limited in %s, waiting %.2fs", room_id, wait)
                self.bucket.pause(wait)
                continue
            if errcode is None or (status is not None and status >= 500):
                failures = await self._after_failure(failures, txn_id, str(response))
                continue
            self.metrics.errors.labels("send").inc()
            raise SendRefused(f"{room_id} refused {txn_id}: {errcode} {response}")

    async def _after_failure(self, failures: int, txn_id: str, reason: str) -> int:
        self.metrics.errors.labels("send").inc()
        failures += 1
        if failures >= MAX_ATTEMPTS:
            raise RetryLater(f"{txn_id}: {reason}")
        delay = min(30.0, 0.25 * 2**failures)
        log.warning("send %s failed (%s), retry %d in %.1fs", txn_id, reason, failures, delay)
        await asyncio.sleep(delay)
        return failures
