"""Delivers due announcements: each occurrence into each room once (m.text, so members are
notified; @room where the organiser asked for it and the bot may), with a transaction id derived
from the announcement, its due time and the room; missed ones sent late or reported."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from commands.announcements.plan import (
    plan_firing,
    render_missed,
    render_post,
    schedule_from,
)
from commands.announcements.reach import shortfall
from commands.core import faults
from commands.core.content import message_content, txn_id_for
from commands.core.ports import Ports, SendRefused
from commands.core.rooms import is_creator
from storage import announcements
from storage.announcements import DELIVERED, MISSED, REFUSED, Delivery
from storage.models import Announcement, utc_now

log = logging.getLogger(__name__)


class AnnouncementDuty:
    name = "announcement"

    def __init__(self, ports: Ports, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.db = ports.db
        self.sender = ports.messenger
        self.errors = ports.errors
        self.homeserver = ports.homeserver
        self.creators = ports.creators
        self.language = ports.settings.language
        self.grace = ports.settings.missed_grace
        self.clock = clock

    async def schedule(self) -> list[tuple[int, dt.datetime]]:
        return await announcements.due_schedule(self.db)

    async def replan(self, ref: int) -> list[tuple[int, dt.datetime | None]]:
        row = await announcements.get(self.db, ref)
        active = row is not None and row.status == announcements.ACTIVE
        return [(ref, row.next_due if active and row is not None else None)]

    async def deliver(self, item_id: int) -> dt.datetime | None:
        loaded = await announcements.load_due(self.db, item_id)
        if loaded is None:
            return None
        row, done = loaded
        assert row.next_due is not None
        zone = ZoneInfo(row.timezone)
        schedule = schedule_from(row.cron, row.once_at)
        firing = plan_firing(schedule, row.next_due, self.clock(), zone, self.grace)
        sent: list[Delivery] = []
        if firing.missed:
            html = render_missed(row.id, firing, zone, self.language)
            report = message_content(html, msgtype="m.text", mentions=[row.created_by])
            rooms = [row.command_room_id]
            sent += await self._send_once(
                row, firing.missed[0], rooms, MISSED, lambda _room: report, done
            )
        if firing.send is not None:
            due = firing.send
            # Rooms the bot created (room version 12 on): its power there is unlimited.
            own = self.homeserver.user_id
            created = [
                room_id
                for room_id in row.room_ids
                if await is_creator(self.homeserver, room_id, own, self.creators)
            ]

            def post(room_id: str) -> dict[str, Any]:
                return self._post_content(row, due, firing.late, zone, room_id, created)

            sent += await self._send_once(row, due, row.room_ids, DELIVERED, post, done)
        moved_on = await announcements.finish_occurrence(
            self.db, item_id, sent, row.next_due, firing.next_due
        )
        # Not moved on: paused, cancelled or rescheduled meanwhile, and planned by that change.
        return firing.next_due if moved_on else None

    def _post_content(
        self,
        row: Announcement,
        due: dt.datetime,
        late: bool,
        zone: ZoneInfo,
        room_id: str,
        created: list[str],
    ) -> dict[str, Any]:
        """The announcement as m.text: every member gets the ordinary notification, the whole
        room a highlighted one (@room) if the organiser asked and the bot's power allows."""
        room = row.room_mention and (
            shortfall(self.homeserver.rooms, room_id, self.homeserver.user_id, created) is None
        )
        post = render_post(row.text, row.html, due, late, zone, self.language, room_mention=room)
        content = message_content(post.html, msgtype="m.text", room=room)
        content["body"] = post.body
        return content

    async def _send_once(
        self,
        row: Announcement,
        due: dt.datetime,
        rooms: list[str],
        kind: str,
        content_for: Callable[[str], dict[str, Any]],
        done: set[tuple[dt.datetime, str, str]],
    ) -> list[Delivery]:
        """Deliver to each room not yet recorded (`content_for` makes the content for a room).
        The records are written with the next due time; a crash before that re-sends with the
        same txn ids, which the homeserver answers with the events it already has."""
        sent = []
        for room_id in rooms:
            if (due, room_id, kind) in done:
                continue
            content = content_for(room_id)
            txn_id = txn_id_for(f"announcement-{kind}", f"{row.id}|{due.isoformat()}|{room_id}")
            try:
                event_id = await self.sender.send(room_id, content, txn_id=txn_id)
            except SendRefused:
                # The room refuses the bot for good (kicked, no right to post): recorded, so one
                # such room neither blocks the others nor is retried for ever.
                log.warning("announcement %s: %s refused the post", row.id, room_id)
                self.errors.count("announcement")
                sent.append(Delivery(due, room_id, REFUSED, ""))
                continue
            faults.crash_point(faults.AFTER_ANNOUNCEMENT)
            sent.append(Delivery(due, room_id, kind, event_id))
        return sent
