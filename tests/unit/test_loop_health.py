"""/healthz is unhealthy only when the sync loop is stuck, not while it waits on sends."""

from __future__ import annotations

import pytest

from bot import metrics as metrics_module
from bot.metrics import Metrics

MAX_AGE = 75.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(metrics_module.time, "monotonic", fake)
    return fake


def test_not_alive_before_the_first_sync(clock: Clock) -> None:
    assert not Metrics().loop_alive(MAX_AGE)


def test_a_loop_that_neither_syncs_nor_handles_anything_is_stuck(clock: Clock) -> None:
    metrics = Metrics()
    metrics.sync_succeeded()
    clock.now += MAX_AGE - 1
    assert metrics.loop_alive(MAX_AGE)

    clock.now += 2

    assert not metrics.loop_alive(MAX_AGE)


def test_handling_a_long_batch_is_progress(clock: Clock) -> None:
    metrics = Metrics()
    metrics.sync_succeeded()
    for _ in range(10):
        clock.now += MAX_AGE / 2
        metrics.progressed()

    assert metrics.last_sync_age_seconds() == pytest.approx(5 * MAX_AGE)
    assert metrics.loop_alive(MAX_AGE)


def test_a_send_waiting_out_the_homeserver_pace_is_not_stuck(clock: Clock) -> None:
    metrics = Metrics()
    metrics.sync_succeeded()
    metrics.sends_waiting += 1

    clock.now += 10 * MAX_AGE

    assert metrics.loop_alive(MAX_AGE)
    metrics.sends_waiting -= 1
    assert not metrics.loop_alive(MAX_AGE)
