"""Prometheus metrics of one bot instance, and whether its sync loop is alive."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "alumni_bot_commands_handled",
            "Command messages handled, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.errors = Counter(
            "alumni_bot_errors", "Errors, by where they happened", ["where"], registry=self.registry
        )
        self.sync_lag = Histogram(
            "alumni_bot_sync_lag_seconds",
            "From a command's origin_server_ts to the bot starting to handle it",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "alumni_bot_send_latency_seconds",
            "Duration of one successful send, including retries and pacing",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.last_sync_age = Gauge(
            "alumni_bot_last_sync_age_seconds",
            "Seconds since the last successful sync",
            registry=self.registry,
        )
        self.undecryptable = Counter(
            "alumni_bot_undecryptable_events",
            "Events the bot could not decrypt when they arrived (parked until their key comes)",
            registry=self.registry,
        )
        self.parked = Gauge(
            "alumni_bot_undecryptable_parked",
            "Events parked now because their key has not arrived",
            registry=self.registry,
        )
        self.last_sync_monotonic: float | None = None
        # The loop moves on with every sync, every event handled and every send answered;
        # a send that waits out the homeserver's pace is waiting, not stuck.
        self.last_progress_monotonic: float | None = None
        self.sends_waiting = 0
        self.commands_total = 0
        self.last_sync_age.set_function(self._last_sync_age_or_nan)

    def count(self, place: str) -> None:
        """An error at `place` (the features' error port)."""
        self.errors.labels(place).inc()

    def command_handled(self, outcome: str) -> None:
        self.commands_total += 1
        self.commands.labels(outcome).inc()

    def sync_succeeded(self) -> None:
        self.last_sync_monotonic = self.last_progress_monotonic = time.monotonic()

    def progressed(self) -> None:
        self.last_progress_monotonic = time.monotonic()

    def loop_alive(self, max_age: float) -> bool:
        """Synced once, and since then moving or waiting on sends within `max_age` seconds."""
        if self.last_sync_monotonic is None or self.last_progress_monotonic is None:
            return False
        if self.sends_waiting > 0:
            return True
        return time.monotonic() - self.last_progress_monotonic <= max_age

    def last_sync_age_seconds(self) -> float | None:
        if self.last_sync_monotonic is None:
            return None
        return time.monotonic() - self.last_sync_monotonic

    def _last_sync_age_or_nan(self) -> float:
        age = self.last_sync_age_seconds()
        return float("nan") if age is None else age

    def render(self) -> bytes:
        return generate_latest(self.registry)
