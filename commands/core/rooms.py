"""Small questions about rooms the bot asks the homeserver or its sync state: who has joined,
whether a room is a chat with one person alone, which room an alias names."""

from __future__ import annotations

from nio import MatrixRoom, RoomResolveAliasResponse

from commands.core.ports import Homeserver

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
