"""Ends polls at their deadline and posts the final result once (one message and its chart,
after the end event); keeps a disclosed poll's live result; at start it reads every open poll's
votes back from the room (`/relations`), so none cast while the bot was away is lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from nio import UploadResponse

from commands.core.content import file_content, message_content, txn_id_for
from commands.core.ports import Ports, SendRefused
from commands.core.rendering import Markup
from commands.polls.plan import (
    render_live,
    render_poll_nudge,
    render_results,
)
from commands.polls.results import end_poll, result_chart, tally_of, view_of
from commands.polls.signals import PollClosed, PollVote, may_end, poll_relation
from commands.polls.tally import Tally
from storage import polls
from storage.models import Poll, utc_now
from storage.polls import SeenEnd, SeenResponse

log = logging.getLogger(__name__)

# Our own end event is counted from its server timestamp, which arrives with the next sync.
WAIT_FOR_END = dt.timedelta(seconds=2)
# The live result waits until votes have been quiet this long, and changes at most this often:
# well inside the homeserver's default message rate (0.2/s with a burst of 10).
LIVE_DEBOUNCE = dt.timedelta(seconds=3)
LIVE_EVERY = dt.timedelta(seconds=10)


class PollDuty:
    name = "poll"

    def __init__(self, ports: Ports, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.db = ports.db
        self.sender = ports.messenger
        self.direct = ports.direct
        self.client = ports.homeserver
        self.room_relations = ports.relations
        self.errors = ports.errors
        self.language = ports.settings.language
        self.timezone = ports.settings.timezone
        self.clock = clock
        # Polls whose live result is out of date, since when; and when each was last shown.
        self.stale_since: dict[int, dt.datetime] = {}
        # Unfinished polls at start whose votes have not been read back from the room yet.
        self.unread: set[int] = set()
        self.live_at: dict[int, dt.datetime] = {}

    async def schedule(self) -> list[tuple[int, dt.datetime]]:
        """Every unfinished poll is due at once: its first delivery reads its votes back from
        the room, so a slow /relations does not hold up the start of everything else."""
        unfinished = await polls.unfinished(self.db)
        self.unread = {poll.id for poll in unfinished}
        return [(poll.id, self.clock()) for poll in unfinished]

    async def replan(self, ref: int) -> list[tuple[int, dt.datetime | None]]:
        """Called on every vote: a disclosed poll's live result is refreshed LIVE_DEBOUNCE after
        the first vote it does not show yet, and at most every LIVE_EVERY."""
        poll = await polls.get(self.db, ref)
        if poll is None:
            return [(ref, None)]
        if poll.disclosed and poll.status == polls.OPEN:
            self.stale_since.setdefault(ref, self.clock())
        return [(ref, self._due(poll))]

    def _due(self, poll: Poll) -> dt.datetime | None:
        if poll.id in self.unread:
            return self.clock()
        if poll.status != polls.OPEN:
            return None if poll.final_event_id else self.clock()
        if poll.remind_event_id != poll.reminded_event_id:
            return self.clock()
        stale = self.stale_since.get(poll.id)
        live = (
            max(stale + LIVE_DEBOUNCE, self.live_at.get(poll.id, stale) + LIVE_EVERY)
            if stale is not None
            else None
        )
        return min((when for when in (poll.closes_at, live) if when is not None), default=None)

    async def deliver(self, item_id: int) -> dt.datetime | None:
        if item_id in self.unread:
            await self._catch_up(item_id)
        poll = await polls.get(self.db, item_id)
        if poll is None or poll.start_event_id is None:
            return None
        now = self.clock()
        if poll.status == polls.OPEN:
            if poll.closes_at is not None and poll.closes_at <= now:
                await end_poll(self.db, poll, self._post, self.language, now)
                return now + WAIT_FOR_END
            if poll.remind_event_id != poll.reminded_event_id:
                await self._remind(poll)
                poll.reminded_event_id = poll.remind_event_id
            due = self._due(poll)
            if due is not None and due <= now and item_id in self.stale_since:
                await self._show_live(poll)
            return self._due(poll)
        if poll.final_event_id is not None:
            return None
        result = await tally_of(self.db, poll)
        if result.ended_at is None:
            # Ended by us, but our end event has not come back through the sync yet.
            return now + WAIT_FOR_END
        html = render_results(view_of(poll, self.timezone), result, self.language)
        # An m.text, so the room hears of the result; it answers the `!umfrage beenden` given in
        # the poll's room. The live result is left as it is: editing it would be one more event
        # for the same news.
        content = message_content(
            html,
            msgtype="m.text",
            reply_to=poll.end_command_event_id if poll.ended_by else None,
            mentions=[poll.ended_by] if poll.ended_by else (),
        )
        try:
            event_id = await self.sender.send(
                poll.room_id, content, txn_id=txn_id_for("poll-final", str(poll.id))
            )
        except SendRefused:
            log.warning("poll %s: the final result was refused in %s", poll.id, poll.room_id)
            self.errors.count("poll")
            event_id = "-"
        if event_id != "-":
            try:
                await self._send_chart(poll, result)
            except (RuntimeError, SendRefused):
                # The table above already carries the result; the picture is a bonus.
                log.exception("poll %s: no chart", poll.id)
                self.errors.count("poll")
        await polls.set_columns(self.db, poll.id, final_event_id=event_id)
        return None

    async def _send_chart(self, poll: Poll, result: Tally) -> None:
        """The final result as a bar chart image, uploaded to the room's homeserver."""
        png = await result_chart(poll, result, self.language)
        filename = f"umfrage-{poll.id}.png"
        uploaded, _ = await self.client.upload(
            io.BytesIO(png), content_type="image/png", filename=filename, filesize=len(png)
        )
        if not isinstance(uploaded, UploadResponse):
            raise RuntimeError(f"poll {poll.id}: chart upload failed: {uploaded}")
        content = file_content(filename, png, "image/png", uploaded.content_uri)
        await self.sender.send(poll.room_id, content, txn_id=txn_id_for("poll-chart", str(poll.id)))

    async def settle(self, poll_id: int) -> None:
        if poll_id in self.unread:
            await self._catch_up(poll_id)

    async def _catch_up(self, poll_id: int) -> None:
        """After a start: the votes cast while the bot was away, and a live result to refresh."""
        self.unread.discard(poll_id)
        poll = await polls.get(self.db, poll_id)
        if poll is None:
            return
        try:
            await self.reread(poll)
        except (aiohttp.ClientError, TimeoutError):
            # The sync still brings what comes next; the votes already mirrored stay.
            log.exception("poll %s: reading its votes back failed", poll.id)
            self.errors.count("poll")
        if poll.disclosed and poll.live_event_id is not None:
            self.stale_since[poll.id] = self.clock()

    async def _remind(self, poll: Poll) -> None:
        """`!umfrage erinnern`: a direct message to each person in the poll's room who has not
        voted and not turned such messages off; once per request (the command's event id)."""
        assert poll.start_event_id is not None and poll.remind_event_id is not None
        waiting = self.direct.people_in([poll.room_id]) - await polls.responders(self.db, poll.id)
        for user_id in await self.direct.willing(waiting):
            language = await self.direct.language_of(user_id)
            html = render_poll_nudge(
                poll.question, poll.room_id, poll.start_event_id, self.direct.prefix, language
            )
            await self.direct.send(user_id, html, "poll-nudge", f"{poll.remind_event_id}|{user_id}")
        await polls.set_columns(self.db, poll.id, reminded_event_id=poll.remind_event_id)

    async def _show_live(self, poll: Poll) -> None:
        """The one live result message: sent with the first votes, then edited."""
        self.stale_since.pop(poll.id, None)
        self.live_at[poll.id] = self.clock()
        html = render_live(
            view_of(poll, self.timezone), await tally_of(self.db, poll), self.language
        )
        if poll.live_event_id is None:
            event_id = await self.sender.send(
                poll.room_id, message_content(html), txn_id=txn_id_for("poll-live", str(poll.id))
            )
            await polls.set_columns(self.db, poll.id, live_event_id=event_id)
        else:
            await self._edit_live(poll, html)

    async def _edit_live(self, poll: Poll, html: Markup) -> None:
        assert poll.live_event_id is not None
        new = message_content(html)
        content = {
            **message_content("* " + html),
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": poll.live_event_id},
        }
        # The same result twice is one edit (same transaction id).
        key = f"{poll.id}|{hashlib.sha256(html.encode()).hexdigest()}"
        await self.sender.send(poll.room_id, content, txn_id=txn_id_for("poll-live-edit", key))

    async def _post(self, room_id: str, event_type: str, content: dict[str, Any], key: str) -> str:
        # The same transaction id as MatrixCommandContext.post: whichever ends it, once.
        return await self.sender.send(
            room_id, content, txn_id=txn_id_for("post", key), event_type=event_type
        )

    async def reread(self, poll: Poll) -> None:
        """Replace the mirror of a poll's votes with what the room holds now."""
        if poll.start_event_id is None:
            return
        responses: list[SeenResponse] = []
        ends: list[SeenEnd] = []
        for event in await self.relations(poll.room_id, poll.start_event_id):
            signal = poll_relation(event)
            sender, ts = event.get("sender", ""), int(event.get("origin_server_ts", 0))
            if isinstance(signal, PollVote):
                responses.append(SeenResponse(event["event_id"], sender, ts, signal.raw))
            elif isinstance(signal, PollClosed):
                valid = may_end(self.client, poll.room_id, sender)
                ends.append(SeenEnd(event["event_id"], sender, ts, valid))
        # The order first seen is the order in the room, oldest first.
        responses.sort(key=lambda seen: seen.origin_server_ts)
        await polls.replace_relations(self.db, poll.id, responses, ends)
        first_end = min((end.origin_server_ts for end in ends if end.valid), default=None)
        if first_end is not None and poll.status == polls.OPEN:
            ended_at = dt.datetime.fromtimestamp(first_end / 1000, dt.UTC)
            await polls.mark_ended(self.db, poll.id, ended_at, None)

    async def relations(self, room_id: str, event_id: str) -> list[dict[str, Any]]:
        """Every event referencing the poll start, decrypted where the bot holds the key."""
        if self.room_relations is None:
            raise RuntimeError("no homeserver to read the poll's votes back from")
        return await self.room_relations.of(room_id, event_id, "m.reference")
