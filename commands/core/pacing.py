"""A token bucket that paces bursts of sends below the homeserver's rate limit."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """`burst` sends go out at once; after that one every 1/`rate` seconds."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            self._refill()
            if self.tokens < 1:
                await asyncio.sleep((1 - self.tokens) / self.rate)
                self._refill()
            self.tokens -= 1

    def pause(self, seconds: float) -> None:
        """The server said slow down: take the tokens that `seconds` would refill."""
        self._refill()
        self.tokens = min(self.tokens, 0.0) - seconds * self.rate

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
