"""Sends announcements when due: APScheduler (in memory) is rebuilt from our tables at start, and
every delivery has a transaction id derived from the announcement, its due time and the room."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot import faults
from bot.metrics import Metrics
from bot.sender import Sender, message_content, txn_id_for
from commands.announcement_plan import (
    Firing,
    plan_firing,
    render_announcement,
    render_missed,
    schedule_from,
)
from commands.i18n import Language
from storage import announcements
from storage.database import Database
from storage.models import Announcement, utc_now

log = logging.getLogger(__name__)

RETRY_AFTER = dt.timedelta(seconds=30)


class AnnouncementScheduler:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        metrics: Metrics,
        language: Language,
        grace: dt.timedelta,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.db = db
        self.sender = sender
        self.metrics = metrics
        self.language = language
        self.grace = grace
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)

    async def start(self) -> int:
        """Plan every active announcement from the tables; returns how many."""
        due = await announcements.due_schedule(self.db)
        for announcement_id, when in due:
            self._plan(announcement_id, when)
        self.scheduler.start()
        return len(due)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def announcement_changed(self, announcement_id: int) -> None:
        row = await announcements.get(self.db, announcement_id)
        job = self.scheduler.get_job(str(announcement_id))
        if job is not None:
            job.remove()
        if row is not None and row.status == announcements.ACTIVE and row.next_due is not None:
            self._plan(announcement_id, row.next_due)

    def _plan(self, announcement_id: int, when: dt.datetime) -> None:
        # misfire_grace_time=None: a job already past due still runs; lateness is ours to judge.
        self.scheduler.add_job(
            self._fire,
            DateTrigger(run_date=when, timezone=dt.UTC),
            args=(announcement_id,),
            id=str(announcement_id),
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _fire(self, announcement_id: int) -> None:
        try:
            await self._deliver_due(announcement_id)
        except Exception:
            log.exception("announcement %s failed; retrying", announcement_id)
            self.metrics.errors.labels("announcement").inc()
            self._plan(announcement_id, self.clock() + RETRY_AFTER)

    async def _deliver_due(self, announcement_id: int) -> None:
        row = await announcements.get(self.db, announcement_id)
        if row is None or row.status != announcements.ACTIVE or row.next_due is None:
            return
        zone = ZoneInfo(row.timezone)
        schedule = schedule_from(row.cron, row.once_at)
        firing = plan_firing(schedule, row.next_due, self.clock(), zone, self.grace)
        if firing.missed:
            await self._report_missed(row, firing, zone)
        if firing.send is not None:
            html = render_announcement(row.text, firing.send, firing.late, zone, self.language)
            await self._send_once(row, firing.send, row.room_ids, announcements.DELIVERED, html)
        status = announcements.ACTIVE if firing.next_due else announcements.DONE
        await announcements.update(
            self.db, announcement_id, next_due=firing.next_due, status=status
        )
        if firing.next_due is not None:
            self._plan(announcement_id, firing.next_due)

    async def _report_missed(self, row: Announcement, firing: Firing, zone: ZoneInfo) -> None:
        html = render_missed(row.id, firing, zone, self.language)
        await self._send_once(
            row, firing.missed[0], [row.command_room_id], announcements.MISSED, html
        )

    async def _send_once(
        self, row: Announcement, due: dt.datetime, rooms: list[str], kind: str, html: str
    ) -> None:
        """Deliver to each room not yet recorded; a crash before the record re-sends with the
        same txn id, which the homeserver turns into the event it already has."""
        done = await announcements.delivered_rooms(self.db, row.id, due, kind)
        mentions = [row.created_by] if kind == announcements.MISSED else []
        for room_id in rooms:
            if room_id in done:
                continue
            txn_id = txn_id_for(f"announcement-{kind}", f"{row.id}|{due.isoformat()}|{room_id}")
            content = message_content(html, mentions=mentions)
            event_id = await self.sender.send(room_id, content, txn_id=txn_id)
            faults.crash_point(faults.AFTER_ANNOUNCEMENT)
            await announcements.record_delivery(self.db, row.id, due, room_id, kind, event_id)
