"""Routes one sync batch: answers invites, fills timeline gaps, and runs each new command (and
each answer to an event given by reaction) once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from typing import Any

from nio import AsyncClient, JoinResponse, MessageDirection, RoomMessagesResponse, SyncResponse

from bot.config import Config
from bot.context import MatrixCommandContext
from bot.direct_messages import DirectMessages
from bot.download_links import DownloadLinks
from bot.event_filter import (
    Edit,
    Membership,
    PollClosed,
    PollVote,
    Reaction,
    Redaction,
    ThreadReply,
    command_text,
    edit_of,
    last_own_join,
    membership_change,
    message_text,
    poll_relation,
    reaction_or_redaction,
    replied_to,
    sender_allowed,
    thread_root,
)
from bot.metrics import Metrics
from bot.room_lookup import alone_with
from bot.sender import Sender
from commands.core.context import BotStatus, RetryLater, Schedules
from commands.core.dispatch import dispatch, run_conversation
from commands.core.i18n import LANGUAGES, Language
from commands.core.registry import Registry, Role
from commands.events.plan import reaction_answer
from commands.polls.duty import may_end
from commands.space.keeper import SpaceKeeper
from commands.space.plan import CLASSIC_ROOM_VERSIONS, ORGANISER_POWER
from commands.surveys.commands import converse
from commands.topics.commands import apply_edit, log_thread_reply
from commands.topics.plan import is_support
from storage import bot_state, events, polls, topics, user_settings
from storage.database import Database
from storage.polls import SeenEnd, SeenResponse

log = logging.getLogger(__name__)

BACKFILL_LIMIT = 1000
VERSION = version("alumni-bot")


class SyncGapError(RuntimeError):
    """A gap in a room's timeline could not be filled; the batch is retried later."""


Signal = Reaction | Redaction | PollVote | PollClosed | Membership | ThreadReply | Edit


@dataclass(frozen=True)
class PendingCommand:
    """A command (`text`), a message to the bot in a room it shares with one person alone
    (`text`, `conversation`: maybe an answer to a survey question), or a reaction, redaction
    or poll event to mirror (`signal`)."""

    room_id: str
    event: dict[str, Any]
    text: str | None
    signal: Signal | None = None
    conversation: bool = False


class EventRouter:
    def __init__(
        self,
        client: AsyncClient,
        config: Config,
        db: Database,
        registry: Registry,
        sender: Sender,
        metrics: Metrics,
        joined_at: dict[str, int],
        schedules: Schedules,
        direct: DirectMessages,
        links: DownloadLinks,
        space: SpaceKeeper | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.db = db
        self.registry = registry
        self.sender = sender
        self.metrics = metrics
        self.joined_at = joined_at
        self.schedules = schedules
        self.direct = direct
        self.links = links
        self.space = space
        self.allowed_servers = set(config.bot.allowed_servers)
        self.started_at = dt.datetime.now(dt.UTC)
        self.creators: dict[str, set[str]] = {}

    async def note_rooms(self, response: SyncResponse) -> None:
        """First start: answer invites and treat every room's past as history."""
        await self._answer_invites(response)
        now_ms = int(time.time() * 1000)
        for room_id, room in response.rooms.join.items():
            self._note_creators(room_id, room.state + room.timeline.events)
            if room_id not in self.joined_at:
                await self._set_joined(room_id, now_ms)

    async def handle_sync(self, response: SyncResponse, since: str, replay: bool) -> None:
        """Everything of one batch; returns only when each command in it has been handled.

        `replay`: the batch may hold commands handled before (the first round after a start or
        a failed round); only then are the handled-event ids read from the database.
        """
        await self._answer_invites(response)
        for room_id in response.rooms.leave:
            if self.joined_at.pop(room_id, None) is not None:
                await bot_state.forget_joined(self.db, room_id)
        pending: list[PendingCommand] = []
        for room_id, room in response.rooms.join.items():
            self._note_creators(room_id, room.state + room.timeline.events)
            events = [event.source for event in room.timeline.events]
            if room_id in self.joined_at and room.timeline.limited and room.timeline.prev_batch:
                events = await self._backfill(room_id, room.timeline.prev_batch, since) + events
            pending.extend(await self._commands_in(room_id, events))
        if not pending:
            return
        done = (
            await bot_state.handled_among(self.db, [p.event["event_id"] for p in pending])
            if replay
            else set()
        )
        for command in pending:
            event_id = command.event["event_id"]
            if event_id in done:
                continue
            done.add(event_id)
            try:
                if command.text is not None:
                    await self._run(command, command.text)
                elif isinstance(command.signal, PollVote | PollClosed):
                    await self._mirror_poll(command.room_id, command.event, command.signal)
                elif isinstance(command.signal, Membership):
                    if self.space is not None:
                        await self.space.on_member(command.room_id, command.event)
                elif isinstance(command.signal, ThreadReply):
                    ctx = await self._context(command)
                    logging_in = partial(log_thread_reply, root_event_id=command.signal.root)
                    await run_conversation(ctx, command.signal.body, logging_in)
                elif isinstance(command.signal, Edit):
                    await apply_edit(
                        self.db,
                        self.schedules,
                        sender=command.event["sender"],
                        edit_event_id=event_id,
                        target=command.signal.target,
                        body=command.signal.body,
                        now=dt.datetime.now(dt.UTC),
                        timezone=self.config.bot.timezone,
                    )
                elif command.signal is not None:
                    await self._answer_by_reaction(command.event, command.signal)
            except RetryLater:
                raise
            except Exception:
                # A command that fails for good is logged and marked handled: retrying it on
                # every sync would stop the bot from answering anyone else.
                log.exception("command %s in %s failed", event_id, command.room_id)
                self.metrics.errors.labels("command").inc()
            await bot_state.mark_handled(self.db, event_id, command.room_id)

    async def _commands_in(
        self, room_id: str, events: list[dict[str, Any]]
    ) -> list[PendingCommand]:
        """Commands among `events`; whatever precedes our latest (re)join is history."""
        joined_index = last_own_join(events, self.client.user_id)
        if joined_index is not None:
            await self._set_joined(room_id, events[joined_index]["origin_server_ts"])
            events = events[joined_index + 1 :]
        elif room_id not in self.joined_at:
            await self._set_joined(room_id, int(time.time() * 1000))
        found = []
        own, joined_at = self.client.user_id, self.joined_at[room_id]
        for event in events:
            text = command_text(
                event,
                own_user_id=own,
                prefix=self.config.bot.command_prefix,
                joined_at_ms=joined_at,
            )
            signal: Signal | None = None
            conversation = False
            if text is None:
                signal = reaction_or_redaction(
                    event, own_user_id=own, joined_at_ms=joined_at
                ) or poll_relation(event)
            if text is None and signal is None and self._in_space(room_id):
                signal = membership_change(event, own_user_id=own)
            if text is None and signal is None:
                body = message_text(event, own_user_id=own, joined_at_ms=joined_at)
                root = thread_root(event)
                # Only a topic's thread and edits of what its log holds are read: nothing else
                # of the chat is kept, not even as handled.
                if body is not None and root is not None and await self._topic_thread(root):
                    signal = ThreadReply(root, body)
                elif body is not None and alone_with(self.client, room_id, event["sender"]):
                    text, conversation = body, True
                else:
                    edit = edit_of(event, own_user_id=own, joined_at_ms=joined_at)
                    if edit is not None and await topics.entry_of(self.db, edit.target):
                        signal = edit
                if text is None and signal is None:
                    continue
            sender = event["sender"]
            # Votes count whoever cast them, as in every client, and the space watches whoever
            # comes in; commands do not.
            mirrored = isinstance(signal, PollVote | PollClosed | Membership)
            allowed = sender_allowed(sender, self.config.bot.organisers, self.allowed_servers)
            if not mirrored and not allowed:
                log.info("ignoring %s from %s: server not allowed", event.get("type"), sender)
                continue
            found.append(PendingCommand(room_id, event, text, signal, conversation))
        return found

    async def _topic_thread(self, root: str) -> bool:
        return await topics.by_message(self.db, root) is not None

    def _in_space(self, room_id: str) -> bool:
        return self.space is not None and self.space.key_of(room_id) is not None

    async def _answer_by_reaction(
        self, event: dict[str, Any], signal: Reaction | Redaction
    ) -> None:
        """✅ ❌ ❔ under an event's post answer it; taking that reaction back withdraws it."""
        sender = event["sender"]
        if isinstance(signal, Redaction):
            await events.withdraw_reaction(self.db, signal.redacts, sender)
            # A redacted note, decision or 👍 of a topic is gone from its log.
            await topics.forget(self.db, signal.redacts)
            poll_id = await polls.forget_event(self.db, signal.redacts)
            if poll_id is not None:
                await self.schedules.poll_changed(poll_id)
            return
        if is_support(signal.key):
            topic = await topics.by_message(self.db, signal.target)
            if topic is not None:
                # A merged topic's support counts for the one it was merged into.
                kept = topic.merged_into or topic.id
                await topics.support(self.db, kept, sender, event["event_id"])
                return
        answer = reaction_answer(signal.key)
        if answer is None:
            return
        target = await events.event_of_message(self.db, signal.target)
        if target is None or target.status != events.ACTIVE:
            return
        if target.ends_at <= dt.datetime.now(dt.UTC):
            return
        await events.set_answer(self.db, target.id, sender, answer, event["event_id"])

    async def _mirror_poll(
        self, room_id: str, event: dict[str, Any], signal: PollVote | PollClosed
    ) -> None:
        """Votes and ends of our polls are mirrored; the room stays the source of truth."""
        poll = await polls.by_start(self.db, signal.target)
        if poll is None or poll.room_id != room_id:
            return
        sender, ts = event["sender"], int(event.get("origin_server_ts", 0))
        if isinstance(signal, PollVote):
            seen = SeenResponse(event["event_id"], sender, ts, signal.raw)
            await polls.record_response(self.db, poll.id, seen)
        else:
            await polls.record_end(
                self.db,
                poll.id,
                SeenEnd(event["event_id"], sender, ts, may_end(self.client, room_id, sender)),
            )
        await self.schedules.poll_changed(poll.id)

    async def _run(self, command: PendingCommand, text: str) -> None:
        event = command.event
        ctx = await self._context(command)
        if command.conversation:
            await run_conversation(ctx, text, converse)
            return
        self.metrics.sync_lag.observe(max(0.0, time.time() - event["origin_server_ts"] / 1000))
        outcome = await dispatch(ctx, text)
        self.metrics.command_handled(outcome.value)

    async def _context(self, command: PendingCommand) -> MatrixCommandContext:
        event = command.event
        stored = await user_settings.get_language(self.db, event["sender"])
        preferred: Language | None = stored if stored in LANGUAGES else None  # type: ignore[assignment]
        return MatrixCommandContext(
            sender=event["sender"],
            room_id=command.room_id,
            event_id=event["event_id"],
            role=self._role(command.room_id, event["sender"]),
            prefix=self.config.bot.command_prefix,
            timezone=self.config.bot.timezone,
            registry=self.registry,
            db=self.db,
            default_language=self.config.bot.language,
            default_reminders=self.config.bot.event_reminders,
            preferred_language=preferred,
            sender_path=self.sender,
            status_source=self.status,
            thread_root=thread_root(event),
            client=self.client,
            role_in=self._role,
            schedules=self.schedules,
            direct=self.direct,
            links=self.links,
            space=self.space,
            allowed_servers=self.config.bot.allowed_servers,
            replied_to=replied_to(event),
        )

    def status(self) -> BotStatus:
        return BotStatus(
            version=VERSION,
            started_at=self.started_at,
            rooms=len(self.joined_at),
            commands_handled=self.metrics.commands_total,
            last_sync_age_seconds=self.metrics.last_sync_age_seconds(),
        )

    def _role(self, room_id: str, user_id: str) -> Role:
        if user_id in self.config.bot.organisers:
            return Role.NETWORK
        if self.space is not None and user_id in self.space.roster_organisers:
            return Role.NETWORK
        room = self.client.rooms.get(room_id)
        if room is None:
            return Role.MEMBER
        if room.room_version not in CLASSIC_ROOM_VERSIONS and user_id in self.creators.get(
            room_id, ()
        ):
            return Role.ORGANISER
        if room.power_levels.get_user_level(user_id) >= ORGANISER_POWER:
            return Role.ORGANISER
        return Role.MEMBER

    def _note_creators(self, room_id: str, events: list[Any]) -> None:
        """nio does not keep a room's creators; from room version 12 on they outrank everyone."""
        for event in events:
            if event.source.get("type") == "m.room.create":
                content = event.source.get("content") or {}
                extra = content.get("additional_creators")
                self.creators[room_id] = {
                    event.source.get("sender"),
                    *(extra if isinstance(extra, list) else ()),
                }

    async def _answer_invites(self, response: SyncResponse) -> None:
        own = self.client.user_id
        for room_id, info in response.rooms.invite.items():
            inviter = next(
                (
                    event.sender
                    for event in info.invite_state
                    if getattr(event, "state_key", None) == own
                    and getattr(event, "membership", None) == "invite"
                ),
                None,
            )
            if inviter is not None and sender_allowed(
                inviter, self.config.bot.organisers, self.allowed_servers
            ):
                log.info("joining %s, invited by %s", room_id, inviter)
                joined = await self.client.join(room_id)
                if not isinstance(joined, JoinResponse):
                    # The invite stays pending; the next start (a full-state sync) sees it again.
                    log.warning("could not join %s: %s", room_id, joined)
                    self.metrics.errors.labels("join").inc()
            else:
                log.info("rejecting invite to %s from %s", room_id, inviter)
                await self.client.room_leave(room_id)

    async def _set_joined(self, room_id: str, joined_at_ms: int) -> None:
        self.joined_at[room_id] = joined_at_ms
        await bot_state.set_joined(self.db, room_id, joined_at_ms)

    async def _backfill(self, room_id: str, prev_batch: str, since: str) -> list[dict[str, Any]]:
        """The events a limited timeline left out, between our last sync position and the batch."""
        collected: list[dict[str, Any]] = []
        start = prev_batch
        while len(collected) < BACKFILL_LIMIT:
            response = await self.client.room_messages(
                room_id, start=start, end=since, direction=MessageDirection.back, limit=100
            )
            if not isinstance(response, RoomMessagesResponse):
                raise SyncGapError(f"backfilling {room_id} failed: {response}")
            collected.extend(event.source for event in response.chunk)
            if not response.chunk or not response.end or response.end == start:
                break
            start = response.end
        else:
            log.warning(
                "gap in %s longer than %d events; older ones skipped", room_id, len(collected)
            )
        collected.reverse()
        return collected
