"""Routes one sync batch: answers invites, fills timeline gaps, turns each new event into a
command or a typed signal, and hands it, once, to the features that declared it."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from nio import AsyncClient, JoinResponse, MessageDirection, RoomMessagesResponse, SyncResponse

from bot.config import Config
from bot.context import MatrixCommandContext
from bot.event_filter import (
    command_text,
    edit_of,
    last_own_join,
    membership_change,
    message_text,
    reaction_or_redaction,
    reference_of,
    replied_to,
    sender_allowed,
    sent_since_invite,
    state_change,
    thread_root,
)
from bot.metrics import Metrics
from bot.undecryptable import Undecryptable
from commands.core import faults
from commands.core.context import BotStatus, CommandContext
from commands.core.dispatch import dispatch
from commands.core.feature import Feature, On
from commands.core.i18n import LANGUAGES, Language
from commands.core.ports import Ports, RetryLater
from commands.core.registry import Role
from commands.core.rooms import (
    CLASSIC_ROOM_VERSIONS,
    ORGANISER_POWER,
    alone_with,
    joined_members,
)
from commands.core.signals import DirectText, Signal, ThreadReply
from storage import bot_state, user_settings

log = logging.getLogger(__name__)

BACKFILL_LIMIT = 1000
ENCRYPTED = "m.room.encrypted"
VERSION = version("alumni-bot")


class SyncGapError(RuntimeError):
    """A gap in a room's timeline could not be filled; the batch is retried later."""


@dataclass(frozen=True)
class Pending:
    """A command (`text`), or a signal and the handlers of the features that accepted it."""

    room_id: str
    event: dict[str, Any]
    text: str | None
    signal: Signal | None = None
    handlers: tuple[On, ...] = ()


async def run_handlers(handlers: tuple[On, ...], ctx: CommandContext, signal: Signal) -> None:
    """Every handler of the signal; a fallback only when no other handler took it."""
    taken = False
    for on in handlers:
        if not on.fallback:
            taken = bool(await on.handle(ctx, signal)) or taken
    if not taken:
        for on in handlers:
            if on.fallback:
                await on.handle(ctx, signal)


class EventRouter:
    def __init__(
        self,
        client: AsyncClient,
        config: Config,
        ports: Ports,
        features: tuple[Feature, ...],
        metrics: Metrics,
        joined_at: dict[str, int],
        undecryptable: Undecryptable | None = None,
    ) -> None:
        self.client = client
        self.undecryptable = undecryptable
        self.config = config
        self.ports = ports
        self.db = ports.db
        self.metrics = metrics
        self.joined_at = joined_at
        self.handlers: dict[type, tuple[On, ...]] = {}
        for feature in features:
            for on in feature.signals:
                self.handlers[on.signal] = (*self.handlers.get(on.signal, ()), on)
        self.allowed_servers = set(config.bot.allowed_servers)
        self.started_at = dt.datetime.now(dt.UTC)
        self.creators: dict[str, set[str]] = {}
        # Rooms whose invite was answered at the first start ever: what came before is history.
        self.joined_on_first_start: set[str] = set()

    async def note_rooms(self, response: SyncResponse) -> None:
        """First start: answer invites and treat every room's past as history."""
        self.joined_on_first_start.update(response.rooms.invite)
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
        pending: list[Pending] = []
        for room_id, room in response.rooms.join.items():
            self._note_creators(room_id, room.state + room.timeline.events)
            events = [event.source for event in room.timeline.events]
            if room_id in self.joined_at and room.timeline.limited and room.timeline.prev_batch:
                events = await self._backfill(room_id, room.timeline.prev_batch, since) + events
            pending.extend(await self._pending_in(room_id, events))
            await self._park_unreadable(room_id, events)
        # Parked events whose key came in this batch: handled now, once, then unparked.
        recovered: list[str] = []
        if self.undecryptable is not None:
            for room_id, event in await self.undecryptable.readable_now():
                pending.extend(await self._pending_in(room_id, [event]))
                recovered.append(event["event_id"])
        await self._handle_pending(pending, replay, recovered)
        if self.undecryptable is not None:
            for event_id in recovered:
                await self.undecryptable.done(event_id)
            await self.undecryptable.tell_senders(self._sender_allowed)

    async def _park_unreadable(self, room_id: str, events: list[dict[str, Any]]) -> None:
        """Someone else's encrypted events since we joined that nio could not decrypt."""
        if self.undecryptable is None:
            return
        since = self.joined_at.get(room_id, 0)
        await self.undecryptable.park(
            room_id,
            [
                event
                for event in events
                if event.get("sender") != self.client.user_id
                and int(event.get("origin_server_ts", 0)) >= since
            ],
        )

    def _sender_allowed(self, user_id: str) -> bool:
        return sender_allowed(user_id, self.config.bot.organisers, self.allowed_servers)

    async def _handle_pending(
        self, pending: list[Pending], replay: bool, recovered: list[str]
    ) -> None:
        if not pending:
            return
        # A recovered event may have been handled before a crash that kept it parked.
        checked = [
            p.event["event_id"] for p in pending if replay or p.event["event_id"] in recovered
        ]
        done = await bot_state.handled_among(self.db, checked) if checked else set()
        for item in pending:
            event_id = item.event["event_id"]
            if event_id in done:
                continue
            done.add(event_id)
            try:
                await self._handle(item)
            except RetryLater:
                raise
            except Exception:
                # A command that fails for good is logged and marked handled: retrying it on
                # every sync would stop the bot from answering anyone else.
                log.exception("event %s in %s failed", event_id, item.room_id)
                self.metrics.errors.labels("command").inc()
            # One still encrypted is parked: it is handled again, once, when its key comes.
            if item.event.get("type") != ENCRYPTED:
                await bot_state.mark_handled(self.db, event_id, item.room_id)
            self.metrics.progressed()

    async def _handle(self, item: Pending) -> None:
        ctx = await self._context(item)
        if item.text is not None:
            # A handler that hangs (the health tests): the loop itself is stuck.
            await faults.slow_point(faults.SLOW_COMMAND)
            self.metrics.sync_lag.observe(
                max(0.0, time.time() - item.event["origin_server_ts"] / 1000)
            )
            outcome = await dispatch(ctx, item.text)
            self.metrics.command_handled(outcome.value)
            return
        await run_handlers(item.handlers, ctx, item.signal)

    async def _pending_in(self, room_id: str, events: list[dict[str, Any]]) -> list[Pending]:
        """Commands and accepted signals among `events`; whatever precedes our latest (re)join
        is history, except what the person who invited us wrote after the invite."""
        joined_index = last_own_join(events, self.client.user_id)
        early: list[dict[str, Any]] = []
        if joined_index is not None:
            if room_id not in self.joined_on_first_start:
                early = sent_since_invite(events[:joined_index], self.client.user_id)
            await self._set_joined(room_id, events[joined_index]["origin_server_ts"])
            events = events[joined_index + 1 :]
        elif room_id not in self.joined_at:
            await self._set_joined(room_id, int(time.time() * 1000))
        found = []
        # The early events are already limited to those after the invite.
        for event, since in [(e, 0) for e in early] + [
            (e, self.joined_at[room_id]) for e in events
        ]:
            text = command_text(
                event,
                own_user_id=self.client.user_id,
                prefix=self.config.bot.command_prefix,
                joined_at_ms=since,
            )
            if text is not None:
                if self._allowed(event):
                    found.append(Pending(room_id, event, text))
                continue
            for signal in self._signals_of(room_id, event, since):
                handlers = await self._accepting(room_id, signal)
                if not handlers:
                    continue
                # Votes count whoever cast them, as in every client, and the space watches
                # whoever comes in; commands and answers come from the network's servers.
                if all(on.from_anyone for on in handlers) or self._allowed(event):
                    found.append(Pending(room_id, event, None, signal, handlers))
                break
        return found

    def _signals_of(self, room_id: str, event: dict[str, Any], joined_at: int) -> list[Signal]:
        """What `event` may be, most specific first; the first one some feature accepts counts."""
        own = self.client.user_id
        signal = (
            reaction_or_redaction(event, own_user_id=own, joined_at_ms=joined_at)
            or reference_of(event)
            or membership_change(event, own_user_id=own)
            or state_change(event, own_user_id=own)
        )
        if signal is not None:
            return [signal]
        found: list[Signal] = []
        body = message_text(event, own_user_id=own, joined_at_ms=joined_at)
        root = thread_root(event)
        if body is not None and root is not None:
            found.append(ThreadReply(root, body))
        if body is not None and alone_with(self.client, room_id, event["sender"]):
            found.append(DirectText(body))
        edit = edit_of(event, own_user_id=own, joined_at_ms=joined_at)
        if edit is not None:
            found.append(edit)
        return found

    async def _accepting(self, room_id: str, signal: Signal) -> tuple[On, ...]:
        """The handlers that take this signal: only a feature's signals are read, nothing
        else of the chat is kept, not even as handled."""
        taken = []
        for on in self.handlers.get(type(signal), ()):
            if on.accepts is None or await on.accepts(self.ports, room_id, signal):
                taken.append(on)
        return tuple(taken)

    def _allowed(self, event: dict[str, Any]) -> bool:
        sender = event["sender"]
        if sender_allowed(sender, self.config.bot.organisers, self.allowed_servers):
            return True
        log.info("ignoring %s from %s: server not allowed", event.get("type"), sender)
        return False

    async def _context(self, item: Pending) -> MatrixCommandContext:
        event = item.event
        stored = await user_settings.get_language(self.db, event["sender"])
        preferred: Language | None = stored if stored in LANGUAGES else None  # type: ignore[assignment]
        return MatrixCommandContext(
            sender=event["sender"],
            room_id=item.room_id,
            event_id=event["event_id"],
            role=self._role(item.room_id, event["sender"]),
            ports=self.ports,
            preferred_language=preferred,
            thread_root=thread_root(event),
            replied_to=replied_to(event),
            content=event.get("content") or {},
            role_in=self._role,
            status_source=self.status,
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
        """Network organisers everywhere; a room's organisers in that room, if it is one that
        grants roles (the space's, when there is one) and no direct chat, whose creator would
        otherwise make themselves an organiser."""
        if user_id in self.ports.network_organisers():
            return Role.NETWORK
        room = self.client.rooms.get(room_id)
        if room is None or not self.ports.grants_roles(room_id):
            return Role.MEMBER
        if joined_members(room) <= {self.client.user_id, user_id}:
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
