"""Enforces the retention periods of the [privacy] table: a few minutes after the start (what
fell due while the bot was down) and then daily at 03:00 in the bot's time zone, it removes
what is due (storage.privacy.prune)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from commands.core.feature import Duty
from commands.core.ports import Ports
from commands.core.time_phrases import local_to_utc
from commands.privacy.settings import privacy_of
from storage import privacy
from storage.models import utc_now

log = logging.getLogger(__name__)

RUN_AT = dt.time(3, 0)
# The one item of this duty: the daily run.
DAILY = 0
# The first run waits until the start's own work (the first sync, the space) is done.
AFTER_START = dt.timedelta(minutes=5)


class RetentionDuty:
    name = "retention"

    def __init__(self, ports: Ports, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.db = ports.db
        self.retention = privacy_of(ports.settings).retention
        self.zone = ZoneInfo(ports.settings.timezone)
        self.clock = clock

    def next_run(self, after: dt.datetime) -> dt.datetime:
        """The next 03:00 local time after `after`."""
        day = after.astimezone(self.zone).date()
        while True:
            when = local_to_utc(dt.datetime.combine(day, RUN_AT), self.zone)
            if when > after:
                return when
            day += dt.timedelta(days=1)

    async def schedule(self) -> list[tuple[int, dt.datetime]]:
        return [(DAILY, self.clock() + AFTER_START)]

    async def replan(self, ref: int) -> list[tuple[int, dt.datetime | None]]:
        return [(DAILY, self.next_run(self.clock()))]

    async def deliver(self, item_id: int) -> dt.datetime | None:
        now = self.clock()
        removed = await privacy.prune(self.db, self.retention, now)
        if removed:
            log.info("retention removed %s", ", ".join(f"{t}: {n}" for t, n in removed.items()))
        return self.next_run(now)


def duties(ports: Ports) -> Sequence[Duty]:
    return [RetentionDuty(ports)]
