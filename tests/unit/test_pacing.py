"""The token bucket lets a burst through at once, then paces; a pause holds sends back. The
homeserver pacer sends at once, learns the enforced rate from refusals and recovers."""

from __future__ import annotations

import asyncio
import time

import pytest

from commands.core.pacing import MAX_INTERVAL, HomeserverPacer, TokenBucket, checked_at

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


# The pacer that follows the homeserver, on a fake clock against a model of Synapse's limiter.


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class SynapseLimiter:
    """Synapse's ratelimiter: a leaky bucket of `burst` actions draining at `rate`; a refused
    action is not counted and is told how long until one more fits, counted from when it was
    checked, and the answer is held back `hold` seconds (Synapse's `pause`, 0.5 s)."""

    def __init__(
        self, time_: FakeTime, rate: float | None, burst: int = 10, hold: float = 0.0
    ) -> None:
        self.time = time_
        self.hold = hold
        self.rate = rate
        self.burst = burst
        self.level = 0.0
        self.updated = 0.0
        self.accepted: list[float] = []
        self.refused = 0

    def send(self) -> float | None:
        """None when accepted, else the retry_after in seconds."""
        now = self.time.now
        if self.rate is not None:
            self.level = max(0.0, self.level - (now - self.updated) * self.rate)
            self.updated = now
            if self.level + 1 > self.burst + 1e-9:
                self.refused += 1
                return (self.level + 1 - self.burst) / self.rate
            self.level += 1
        self.accepted.append(now)
        return None


async def send_through(pacer: HomeserverPacer, server: SynapseLimiter) -> None:
    """What bot.sender.Sender does: acquire, send, on a refusal pause for its wait and retry."""
    while True:
        await pacer.acquire()
        asked_at = server.time.now
        retry_after = server.send()
        if retry_after is None:
            return
        await server.time.sleep(server.hold)
        pacer.pause(retry_after, asked_at)


def fake_pacer(time_: FakeTime, **kwargs: float) -> HomeserverPacer:
    return HomeserverPacer(clock=time_.clock, sleep=time_.sleep, **kwargs)  # type: ignore[arg-type]


async def test_without_a_limit_every_send_goes_out_at_once() -> None:
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=None)
    pacer = fake_pacer(time_)

    await asyncio.gather(*(send_through(pacer, server) for _ in range(50)))

    assert server.accepted == [0.0] * 50
    assert pacer.rate is None


async def test_twenty_at_once_drain_as_fast_as_synapses_default_limit_allows() -> None:
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=0.2, burst=10)
    pacer = fake_pacer(time_)

    await asyncio.gather(*(send_through(pacer, server) for _ in range(20)))

    # Ten at once, then one every 5 s: the last at 50 s is the best the limit allows.
    assert len(server.accepted) == 20
    assert server.accepted[-1] <= 50 * 1.1
    # The learned pace, not a storm of refused retries: the ten that did not fit, and a probe
    # now and then.
    assert server.refused <= 14


async def test_synapses_hold_on_a_refusal_is_not_learned_as_part_of_the_pace() -> None:
    """Synapse answers a refused send only after holding it 0.5 s; its retry_after counts from
    the check. Learned from the answer, the pace would be 0.5 s slower than the limit
    (measured: 20 commands drained in 57 s where 50 s were allowed)."""
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=0.2, burst=10, hold=0.5)
    pacer = fake_pacer(time_)

    await asyncio.gather(*(send_through(pacer, server) for _ in range(20)))

    assert len(server.accepted) == 20
    assert server.accepted[-1] <= 50 * 1.05
    assert pacer.interval <= 5.0 + 0.05


@pytest.mark.parametrize(
    ("asked_at", "answered_at", "checked"),
    [
        (10.0, 10.5, 10.0),  # refused at once, answered after Synapse's hold
        (10.0, 13.5, 13.0),  # the room key was shared first: sent ~3 s after it was asked for
        (10.0, 10.1, 10.0),  # answered without a hold
    ],
)
def test_a_refusal_is_counted_from_when_the_homeserver_checked_it(
    asked_at: float, answered_at: float, checked: float
) -> None:
    assert checked_at(asked_at, answered_at) == pytest.approx(checked)


async def test_one_by_one_sends_learn_the_pace_and_keep_close_to_it() -> None:
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=0.5, burst=3)
    pacer = fake_pacer(time_)

    for _ in range(43):
        await send_through(pacer, server)

    # Three at once, then one every 2 s: 40 more take 80 s.
    assert server.accepted[-1] <= 80 * 1.1
    # Probing faster now and then is refused at most every few sends.
    assert server.refused <= 43 / 3


async def test_the_pace_rises_again_when_the_homeserver_stops_limiting() -> None:
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=0.2, burst=10)
    pacer = fake_pacer(time_)
    await asyncio.gather(*(send_through(pacer, server) for _ in range(15)))
    assert pacer.rate is not None

    server.rate = None  # e.g. the operator lifted the limit with override_ratelimit
    for _ in range(40):
        await send_through(pacer, server)

    assert pacer.rate is None
    last_ten = server.accepted[-10:]
    assert last_ten[-1] - last_ten[0] == 0.0


async def test_after_a_quiet_spell_sends_go_out_at_once_again() -> None:
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=0.2, burst=10)
    pacer = fake_pacer(time_)
    await asyncio.gather(*(send_through(pacer, server) for _ in range(12)))

    await time_.sleep(120)  # Synapse's bucket has long refilled
    start = time_.now
    await asyncio.gather(*(send_through(pacer, server) for _ in range(10)))

    assert server.accepted[-10:] == [start] * 10


async def test_a_long_wait_of_another_limit_is_waited_out_but_not_learned_as_the_pace() -> None:
    time_ = FakeTime()
    pacer = fake_pacer(time_)
    await pacer.acquire()

    pacer.pause(600)  # e.g. invitations per invitee
    await pacer.acquire()

    assert time_.now == pytest.approx(600)
    assert pacer.interval <= MAX_INTERVAL


async def test_an_explicit_rate_caps_the_pace_even_without_a_limit() -> None:
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=None)
    pacer = fake_pacer(time_, cap_rate=1.0, cap_burst=2)

    await asyncio.gather(*(send_through(pacer, server) for _ in range(6)))

    assert server.accepted[:2] == [0.0, 0.0]
    assert server.accepted[2:] == pytest.approx([1.0, 2.0, 3.0, 4.0])


async def test_a_cap_above_the_limit_still_follows_the_homeserver() -> None:
    time_ = FakeTime()
    server = SynapseLimiter(time_, rate=0.2, burst=10)
    pacer = fake_pacer(time_, cap_rate=100.0, cap_burst=100)

    await asyncio.gather(*(send_through(pacer, server) for _ in range(20)))

    assert server.accepted[-1] <= 50 * 1.1
