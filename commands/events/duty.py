"""Delivers due event posts from the outbox: cards into the event's rooms; on a change an edit
of each card in place and one notice of what changed; cancellations and reminders that mention
those who said yes or maybe; direct messages to those who have not answered. Each exactly once,
with transaction ids derived from the post."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from commands.core import faults
from commands.core.content import message_content, txn_id_for
from commands.core.ports import Ports, SendRefused
from commands.core.rooms import display_name
from commands.events.plan import MAYBE, YES
from commands.events.text import (
    Person,
    reaction_keys,
    render_cancel,
    render_card,
    render_change,
    render_missed_reminder,
    render_nudge,
    render_reminder,
)
from storage import events
from storage.events import DuePost
from storage.models import EventPost, utc_now
from storage.outbox import ANNOUNCE, CANCEL, NUDGE, REMINDER, UPDATE

log = logging.getLogger(__name__)

# A reminder sent later than this after its time says so.
LATE = dt.timedelta(minutes=1)


def edit_content(original_event_id: str, new: dict[str, Any]) -> dict[str, Any]:
    """An m.replace edit of one of the bot's messages to `new`: Element shows it in place. Its
    own `m.mentions` is empty, so the edit notifies nobody anew."""
    content = {
        **new,
        "body": "* " + new["body"],
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": original_event_id},
        "m.mentions": {},
    }
    if "formatted_body" in new:
        content["formatted_body"] = "* " + new["formatted_body"]
    return content


class EventDuty:
    name = "event"

    def __init__(self, ports: Ports, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.db = ports.db
        self.sender = ports.messenger
        self.direct = ports.direct
        self.client = ports.homeserver
        self.errors = ports.errors
        self.language = ports.settings.language
        self.prefix = ports.settings.prefix
        self.grace = ports.settings.missed_grace
        self.clock = clock
        self.locks: dict[int, asyncio.Lock] = {}
        self.event_of: dict[int, int] = {}

    async def schedule(self) -> list[tuple[int, dt.datetime]]:
        return self._note(await events.pending_schedule(self.db))

    async def replan(self, ref: int) -> list[tuple[int, dt.datetime | None]]:
        return list(self._note(await events.pending_schedule(self.db, ref)))

    def _note(self, rows: list[tuple[int, dt.datetime, int]]) -> list[tuple[int, dt.datetime]]:
        self.event_of.update((post_id, event_id) for post_id, _, event_id in rows)
        return [(post_id, due) for post_id, due, _ in rows]

    async def deliver(self, item_id: int) -> dt.datetime | None:
        # One post of an event at a time, in the order they fell due (the lock is taken before
        # the first await, so in the scheduler's order): a card is not overtaken by its change.
        lock = self.locks.setdefault(self.event_of.get(item_id, 0), asyncio.Lock())
        async with lock:
            due = await events.claim(self.db, item_id)
            if due is not None:
                await self._deliver(due)
        self.event_of.pop(item_id, None)
        return None

    async def _deliver(self, due: DuePost) -> None:
        post, event = due.post, due.event
        now = self.clock()
        if event.status == events.CANCELLED and post.kind != CANCEL:
            await events.finish_post(self.db, post.id, events.SKIPPED, None)
            return
        if post.kind in (REMINDER, NUDGE) and (
            now >= event.starts_at or now - post.due > self.grace
        ):
            await self._missed(due)
            return
        try:
            if post.kind == NUDGE:
                await self._nudge(due, now)
            else:
                await self._post(due, now)
        except SendRefused:
            log.warning("event post %s: %s refused it", post.id, post.room_id)
            self.errors.count("event")
            await events.finish_post(self.db, post.id, events.REFUSED, None)
            return
        await events.finish_post(self.db, post.id, events.SENT, None)

    async def _post(self, due: DuePost, now: dt.datetime) -> None:
        post, event = due.post, due.event
        mentioned = self._people(post.room_id, due.answers, (YES, MAYBE))
        if post.kind == ANNOUNCE:
            html = render_card(event, self.prefix, self.language)
            mentioned = []
        elif post.kind == UPDATE:
            await self._edit_card(due)
            html = render_change(event, post.changes or {}, mentioned, self.prefix, self.language)
        elif post.kind == CANCEL:
            html = render_cancel(event, self.language, mentioned)
        else:
            coming = self._people(post.room_id, due.answers, (YES,))
            maybe = self._people(post.room_id, due.answers, (MAYBE,))
            late = post.due if now - post.due > LATE else None
            html = render_reminder(
                event, coming, now, late, self.prefix, self.language, maybe=maybe
            )
        # m.text, not m.notice: a notice notifies nobody, not even those it mentions.
        content = message_content(
            html, msgtype="m.text", mentions=[user_id for user_id, _ in mentioned]
        )
        event_id = await self.sender.send(
            post.room_id, content, txn_id=txn_id_for(f"event-{post.kind}", str(post.id))
        )
        faults.crash_point(faults.AFTER_ANNOUNCEMENT)
        # On record before the reactions go out, so a quick click on the post already counts;
        # a crash in between re-sends both with the same transaction ids.
        await events.record_sent(self.db, post.id, event_id)
        if post.kind != CANCEL:
            await self._offer_answers(post, event_id)

    async def _edit_card(self, due: DuePost) -> None:
        """Show the event as it is now in its card in this room, where people already look."""
        post, event = due.post, due.event
        card_id = (await events.card_ids(self.db, event.id)).get(post.room_id)
        if card_id is None:
            return
        html = render_card(event, self.prefix, self.language)
        content = edit_content(card_id, message_content(html, msgtype="m.text"))
        try:
            await self.sender.send(
                post.room_id, content, txn_id=txn_id_for("event-card-edit", str(post.id))
            )
        except SendRefused:
            # The change notice still says what changed.
            log.warning("event post %s: the card edit was refused in %s", post.id, post.room_id)

    def _people(
        self, room_id: str, answers: dict[str, str], wanted: tuple[str, ...]
    ) -> list[Person]:
        return [
            (user_id, display_name(self.client, room_id, user_id))
            for user_id, answer in answers.items()
            if answer in wanted
        ]

    async def _offer_answers(self, post: EventPost, event_id: str) -> None:
        """Put ✅ ❌ ❔ under the post, so people answer with one click."""
        for index, key in enumerate(reaction_keys()):
            content: dict[str, Any] = {
                "m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}
            }
            try:
                await self.sender.send(
                    post.room_id,
                    content,
                    txn_id=txn_id_for("event-reaction", str(post.id), index),
                    event_type="m.reaction",
                )
            except SendRefused:
                log.warning("event post %s: reactions refused in %s", post.id, post.room_id)
                return

    async def _nudge(self, due: DuePost, now: dt.datetime) -> None:
        """A direct message to each roster member who has not answered and not opted out."""
        post, event = due.post, due.event
        # Until the roster of the alumni space exists, the roster of an event is the people in
        # its rooms (the network is closed: only members are in them).
        waiting = self.direct.people_in(event.room_ids) - set(due.answers) - due.nudged
        for user_id in await self.direct.willing(waiting):
            language = await self.direct.language_of(user_id)
            html = render_nudge(event, now, self.prefix, language)
            sent = await self.direct.send(user_id, html, "event-nudge", f"{post.id}|{user_id}")
            if sent is not None:
                await events.record_nudge(self.db, post.id, user_id, *sent)

    async def _missed(self, due: DuePost) -> None:
        """A reminder the bot was down for: too late to be useful, so reported to the organiser
        once per offset (by the direct-message round, which exists once per offset)."""
        post, event = due.post, due.event
        if post.kind == NUDGE:
            html = render_missed_reminder(event, post.key, post.due, self.language)
            content = message_content(html, msgtype="m.text", mentions=[event.created_by])
            try:
                await self.sender.send(
                    event.command_room_id,
                    content,
                    txn_id=txn_id_for("event-missed", str(post.id)),
                )
            except SendRefused:
                log.warning("event %s: the missed-reminder report was refused", event.id)
                self.errors.count("event")
        await events.finish_post(self.db, post.id, events.MISSED, None)
