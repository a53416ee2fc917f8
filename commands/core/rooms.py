"""Small questions about rooms the bot asks the homeserver or its sync state: who has joined,
whether a room is a chat with one person alone, which room an alias names, how a person is
shown there."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Literal

from nio import MatrixRoom, RoomResolveAliasResponse

from commands.core.mentions import pill
from commands.core.ports import Homeserver
from commands.core.rendering import Markup

# Room versions before 12, in which a room's creator is an ordinary user with power 100.
CLASSIC_ROOM_VERSIONS = frozenset(str(n) for n in range(1, 12))
# The power level from which someone organises a room (moderator in Element).
ORGANISER_POWER = 50


def server_of(user_id: str) -> str:
    return user_id.split(":", 1)[1] if ":" in user_id else ""


def joined_members(room: MatrixRoom) -> set[str]:
    """Who has joined a room, not only been invited."""
    return set(room.users) - set(room.invited_users)


def alone_with(client: Homeserver, room_id: str, user_id: str) -> bool:
    """The room is one where the bot and this person talk alone."""
    room = client.rooms.get(room_id)
    return room is not None and joined_members(room) == {client.user_id, user_id}


async def room_id_of(client: Homeserver, reference: str) -> str | None:
    """The id of a room written as `!id`, `#alias:server` or `#alias` (the bot's server)."""
    if reference.startswith("!"):
        return reference
    if not reference.startswith("#"):
        return None
    alias = reference if ":" in reference else f"{reference}:{server_of(client.user_id)}"
    response = await client.room_resolve_alias(alias)
    return response.room_id if isinstance(response, RoomResolveAliasResponse) else None


def display_name(client: Homeserver, room_id: str, user_id: str) -> str | None:
    """How a person is called in a room (their display name there), if the bot knows it."""
    room = client.rooms.get(room_id)
    user = room.users.get(user_id) if room is not None else None
    name = getattr(user, "display_name", None)
    return name if isinstance(name, str) and name and name != user_id else None


def name_in_rooms(client: Homeserver, room_ids: Iterable[str], user_id: str) -> str | None:
    """A person's display name in the first of `room_ids` that knows it."""
    return next(
        (found for room_id in room_ids if (found := display_name(client, room_id, user_id))),
        None,
    )


def person_pill(
    client: Homeserver, room_ids: Iterable[str], user_id: str, fallback: str | None = None
) -> Markup:
    """A person as Element shows them: a pill with their display name in the first of
    `room_ids` that knows it, else `fallback` (e.g. the roster's name), else the bare ID.
    A pill in a message does not notify; only `m.mentions` does."""
    return pill(user_id, name_in_rooms(client, room_ids, user_id) or fallback)


async def is_creator(
    client: Homeserver, room_id: str, user_id: str, known: MutableMapping[str, frozenset[str]]
) -> bool:
    """Whether `user_id` created the room (or is one of its additional creators) in room
    version 12 or later, where creators have unlimited power and the power levels do not list
    them. nio keeps no creators: asked of the homeserver once per room, kept in `known`."""
    room = client.rooms.get(room_id)
    if room is None or room.room_version in CLASSIC_ROOM_VERSIONS:
        return False
    if room_id not in known:
        response = await client.room_get_state(room_id)
        for event in getattr(response, "events", None) or []:
            if isinstance(event, dict) and event.get("type") == "m.room.create":
                extra = (event.get("content") or {}).get("additional_creators")
                creators = {event.get("sender"), *(extra if isinstance(extra, list) else ())}
                known[room_id] = frozenset(c for c in creators if isinstance(c, str))
    return user_id in known.get(room_id, frozenset())


async def bot_may_post(
    client: Homeserver, room_id: str, known: MutableMapping[str, frozenset[str]]
) -> bool:
    """Whether the bot may send messages in a room it is in (as its creator, too)."""
    return await _bot_may(client, room_id, known, "send")


async def bot_may_redact(
    client: Homeserver, room_id: str, known: MutableMapping[str, frozenset[str]]
) -> bool:
    """Whether the bot may redact other people's events in a room (as its creator, too)."""
    return await _bot_may(client, room_id, known, "redact")


async def _bot_may(
    client: Homeserver,
    room_id: str,
    known: MutableMapping[str, frozenset[str]],
    action: Literal["send", "redact"],
) -> bool:
    room = client.rooms.get(room_id)
    if room is None:
        return False
    own = client.user_id
    levels = room.power_levels
    allowed = levels.can_user_send_message(own) if action == "send" else levels.can_user_redact(own)
    return allowed or await is_creator(client, room_id, own, known)
