"""The token bucket lets a burst through at once, then paces; a pause holds sends back."""

from __future__ import annotations

import asyncio
import time

from commands.core.pacing import TokenBucket

RATE = 50.0  # one token every 20 ms
INTERVAL = 1 / RATE


async def timed_acquire(bucket: TokenBucket) -> float:
    start = time.monotonic()
    await bucket.acquire()
    return time.monotonic() - start


async def test_burst_passes_without_waiting() -> None:
    bucket = TokenBucket(rate=RATE, burst=5)

    start = time.monotonic()
    for _ in range(5):
        await bucket.acquire()

    assert time.monotonic() - start < INTERVAL * 0.75


async def test_after_the_burst_the_next_send_waits_one_interval() -> None:
    bucket = TokenBucket(rate=RATE, burst=3)
    for _ in range(3):
        await bucket.acquire()

    waited = await timed_acquire(bucket)

    assert INTERVAL * 0.75 <= waited < INTERVAL * 5


async def test_sustained_sends_go_out_at_the_rate() -> None:
    bucket = TokenBucket(rate=RATE, burst=2)

    start = time.monotonic()
    for _ in range(2 + 5):
        await bucket.acquire()
    elapsed = time.monotonic() - start

    assert 5 * INTERVAL * 0.8 <= elapsed < 5 * INTERVAL * 3


async def test_concurrent_senders_share_the_bucket() -> None:
    bucket = TokenBucket(rate=RATE, burst=2)

    start = time.monotonic()
    waits = await asyncio.gather(*(timed_acquire(bucket) for _ in range(6)))
    elapsed = time.monotonic() - start

    assert sum(w < INTERVAL * 0.75 for w in waits) == 2
    assert 4 * INTERVAL * 0.8 <= elapsed < 4 * INTERVAL * 3


async def test_idle_time_refills_only_up_to_the_burst() -> None:
    bucket = TokenBucket(rate=RATE, burst=2)
    for _ in range(2):
        await bucket.acquire()

    await asyncio.sleep(INTERVAL * 5)  # would refill 5 tokens without the cap
    immediate = [await timed_acquire(bucket) for _ in range(2)]
    waited = await timed_acquire(bucket)

    assert all(w < INTERVAL * 0.75 for w in immediate)
    assert waited >= INTERVAL * 0.75


async def test_pause_delays_the_next_send_even_with_a_full_bucket() -> None:
    bucket = TokenBucket(rate=RATE, burst=10)
    pause = 0.1

    bucket.pause(pause)
    waited = await timed_acquire(bucket)

    assert pause * 0.9 <= waited < pause + INTERVAL * 5


async def test_pause_after_a_burst_adds_to_the_wait() -> None:
    bucket = TokenBucket(rate=RATE, burst=2)
    for _ in range(2):
        await bucket.acquire()

    bucket.pause(0.06)
    waited = await timed_acquire(bucket)

    assert 0.06 * 0.9 <= waited < 0.06 + INTERVAL * 5
