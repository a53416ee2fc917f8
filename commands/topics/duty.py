"""Reminds the owner of an open action item by direct message on its due date (09:00 in the
bot's time zone), once; one the bot was down for goes out when it is back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from commands.core.ports import Ports
from commands.core.rendering import BR
from commands.core.time_phrases import local_to_utc
from commands.core.unasked import opt_out_line
from commands.topics.commands import entry_view
from commands.topics.plan import render_action_reminder
from storage import topics
from storage.models import TopicEntry, utc_now

REMIND_AT = dt.time(9, 0)


class ActionDuty:
    name = "action"

    def __init__(self, ports: Ports, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.db = ports.db
        self.direct = ports.direct
        self.zone = ZoneInfo(ports.settings.timezone)
        self.clock = clock

    def _when(self, entry: TopicEntry) -> dt.datetime | None:
        if entry.due is None or entry.done or entry.reminded or entry.owner is None:
            return None
        return local_to_utc(dt.datetime.combine(entry.due, REMIND_AT), self.zone)

    async def schedule(self) -> list[tuple[int, dt.datetime]]:
        planned = []
        for entry in await topics.due_actions(self.db):
            when = self._when(entry)
            if when is not None:
                planned.append((entry.id, when))
        return planned

    async def replan(self, ref: int) -> list[tuple[int, dt.datetime | None]]:
        entry = await topics.get_entry(self.db, ref)
        return [(ref, self._when(entry) if entry is not None else None)]

    async def deliver(self, item_id: int) -> dt.datetime | None:
        entry = await topics.get_entry(self.db, item_id)
        if entry is None or self._when(entry) is None or entry.owner is None:
            return None
        topic = await topics.get(self.db, entry.topic_id)
        if topic is not None and await self.direct.willing([entry.owner]):
            language = await self.direct.language_of(entry.owner)
            today = self.clock().astimezone(self.zone).date()
            html = render_action_reminder(
                entry_view(entry),
                topic.id,
                topic.title,
                today,
                self.direct.command("aufgabe erledigt", language, entry.id),
                language,
            )
            html += BR + opt_out_line(self.direct.prefix, language)
            await self.direct.send(entry.owner, html, "action-reminder", str(entry.id))
        await topics.set_entry(self.db, entry.id, reminded=True)
        return None
