"""The pace of the bot's sends: at once while the homeserver lets them through, at the rate it
enforces once it answers M_LIMIT_EXCEEDED (learned from its retry_after_ms), faster again when it
stops limiting; an operator's explicit rate is a cap on top."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Clean sends in a row after which the learned interval is halved, and halved again with each
# further clean send: a probe whether the limit still holds, and a quick way back once it is
# lifted. A probe that is refused costs no throughput: its retry waits exactly the time
# the homeserver names, and teaches the interval again.
PROBE_AFTER = 10
# Idle for this many learned intervals, the homeserver's bucket has refilled (Synapse's default
# burst of 10 at 0.2/s takes 50 s): start again without pacing.
RELAX_AFTER_INTERVALS = 10
# Below this the interval is noise; above it a retry_after is some other limit's business
# (invitations per invitee, room creation) and is waited out, not learned as the pace.
MIN_INTERVAL = 0.02
# How long Synapse holds a refused request before it answers (its ratelimiter's `pause`).
REFUSAL_HOLD = 0.5
MAX_INTERVAL = 60.0


def checked_at(asked_at: float, answered_at: float) -> float:
    """When the homeserver checked a refused request, for `pause`: when it was asked for, but
    no earlier than Synapse's hold before the answer (the request itself may have gone out
    well after it was asked for: an encrypted send shares the room key first)."""
    return min(answered_at, max(asked_at, answered_at - REFUSAL_HOLD))


class TokenBucket:
    """`burst` sends go out at once; after that one every 1/`rate` seconds."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self.updated = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            self._refill()
            if self.tokens < 1:
                await self._sleep((1 - self.tokens) / self.rate)
                self._refill()
            self.tokens -= 1

    def pause(self, seconds: float, asked_at: float | None = None) -> None:
        """The server said slow down: take the tokens that `seconds` would refill."""
        self._refill()
        self.tokens = min(self.tokens, 0.0) - seconds * self.rate

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now


class HomeserverPacer:
    """Follows the homeserver's limit instead of guessing it.

    `pause(seconds)` is the homeserver's answer to a refused send: nothing goes out before that
    time, and the gap from the send before the refused one to that time is the interval the
    homeserver enforces (a refused probe at half the interval teaches the full one again). The
    estimate grows by at most the wait named plus twice what it was, so a send long ago does
    not read as a slow limit. Sends are serialised through `acquire`, so concurrent senders
    share the learned pace.
    """

    def __init__(
        self,
        cap_rate: float | None = None,
        cap_burst: int = 10,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval = 0.0
        self._clock = clock
        self._sleep = sleep
        self._cap = TokenBucket(cap_rate, cap_burst, clock=clock, sleep=sleep) if cap_rate else None
        self._not_before = clock()
        self._last_send: float | None = None
        self._previous_send: float | None = None
        self._clean = 0
        self._lock = asyncio.Lock()

    @property
    def rate(self) -> float | None:
        """Sends per second the homeserver is taken to allow now; None while it does not limit."""
        return 1 / self.interval if self.interval else None

    async def acquire(self) -> None:
        async with self._lock:
            now = self._clock()
            idle = now - self._last_send if self._last_send is not None else 0.0
            if self.interval and idle > RELAX_AFTER_INTERVALS * self.interval:
                self.interval = 0.0
            while (wait := self._not_before - self._clock()) > 0:
                await self._sleep(wait)
            if self._cap is not None:
                await self._cap.acquire()
            now = self._clock()
            self._previous_send, self._last_send = self._last_send, now
            self._clean += 1
            if self.interval and self._clean >= PROBE_AFTER:
                self.interval = self.interval / 2 if self.interval / 2 >= MIN_INTERVAL else 0.0
            self._not_before = now + self.interval
            log.debug("send at %.3f, interval %.3f, clean %d", now, self.interval, self._clean)

    def pause(self, seconds: float, asked_at: float | None = None) -> None:
        """The homeserver refused a send and asked to wait `seconds`; `asked_at`: when the
        refused request went out (this pacer's clock).

        Synapse counts the wait from when it checked the request, then holds the refusal back
        (0.5 s by default) before it answers: counted from the answer, every learned interval
        would be that hold too long."""
        now = self._clock()
        seconds = max(0.0, seconds)
        allowed_at = (now if asked_at is None else min(asked_at, now)) + seconds
        before = self._previous_send if self._previous_send is not None else now
        gap = min(allowed_at - before, 2 * self.interval + seconds, MAX_INTERVAL)
        if gap >= MIN_INTERVAL:
            self.interval = max(self.interval, gap)
        self._not_before = max(self._not_before, allowed_at)
        self._clean = 0
        log.debug("refused at %.3f, wait %.3f, interval %.3f", now, seconds, self.interval)
