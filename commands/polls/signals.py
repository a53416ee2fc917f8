"""What polls make of room signals: votes and ends of our polls mirrored as they come (the
room stays the source of truth), and votes taken back by redaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commands.core.context import CommandContext
from commands.core.ports import Homeserver, Ports
from commands.core.signals import Redaction, Reference
from commands.polls.plan import END_TYPES, POLL_DUTY, RESPONSE, RESPONSE_TYPES, STABLE_RESPONSE
from commands.polls.tally import UNREADABLE
from storage import polls
from storage.polls import SeenEnd, SeenResponse

ENCRYPTED = "m.room.encrypted"


@dataclass(frozen=True)
class PollVote:
    target: str
    # {"answers": <raw value>} or {} when the response had none: the tally judges it.
    raw: dict[str, object]


@dataclass(frozen=True)
class PollClosed:
    target: str


def poll_relation(event: dict[str, Any]) -> PollVote | PollClosed | None:
    """A response to or the end of a poll (unstable or stable names), whoever sent it. An
    encrypted event referencing a poll is a response the bot cannot read (the relation stays
    in the clear so that servers can aggregate it)."""
    kind = event.get("type")
    if kind not in RESPONSE_TYPES and kind not in END_TYPES and kind != ENCRYPTED:
        return None
    content = event.get("content")
    if not isinstance(content, dict):
        return None
    relates_to = content.get("m.relates_to")
    if not isinstance(relates_to, dict) or relates_to.get("rel_type") != "m.reference":
        return None
    target = relates_to.get("event_id")
    if not isinstance(target, str):
        return None
    if kind in END_TYPES:
        return PollClosed(target)
    if kind == ENCRYPTED:
        return PollVote(target, {UNREADABLE: True})
    # Like matrix-js-sdk, the response block is read under either name, whatever the type:
    # the unstable one first, the stable one if that is missing or empty.
    block = content.get(RESPONSE) or content.get(STABLE_RESPONSE)
    if isinstance(block, dict) and "answers" in block:
        return PollVote(target, {"answers": block["answers"]})
    return PollVote(target, {})


def may_end(client: Homeserver, room_id: str, user_id: str) -> bool:
    """The poll's creator (the bot) or anyone allowed to redact others' events (MSC3381)."""
    if user_id == client.user_id:
        return True
    room = client.rooms.get(room_id)
    return room is not None and room.power_levels.can_user_redact(user_id)


async def is_poll_relation(ports: Ports, room_id: str, signal: Reference) -> bool:
    return poll_relation(signal.event) is not None


async def mirror(ctx: CommandContext, signal: Reference) -> None:
    """A vote for or the end of one of our polls, from whoever sent it."""
    relation = poll_relation(signal.event)
    poll = await polls.by_start(ctx.db, signal.target)
    if relation is None or poll is None or poll.room_id != ctx.room_id:
        return
    event = signal.event
    sender, ts = event["sender"], int(event.get("origin_server_ts", 0))
    if isinstance(relation, PollVote):
        seen = SeenResponse(event["event_id"], sender, ts, relation.raw)
        # A vote parked until its key came replaces the unreadable one stored for it.
        await polls.record_response(ctx.db, poll.id, seen, readable=UNREADABLE not in relation.raw)
    else:
        valid = may_end(ctx.ports.homeserver, ctx.room_id, sender)
        await polls.record_end(ctx.db, poll.id, SeenEnd(event["event_id"], sender, ts, valid))
    await ctx.schedules.changed(POLL_DUTY, poll.id)


async def forget(ctx: CommandContext, signal: Redaction) -> None:
    """A redacted vote falls back to the voter's previous one."""
    poll_id = await polls.forget_event(ctx.db, signal.redacts)
    if poll_id is not None:
        await ctx.schedules.changed(POLL_DUTY, poll_id)
