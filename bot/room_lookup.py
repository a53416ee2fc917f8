"""Small questions about rooms the bot asks the homeserver or its sync state: who has joined,
whether a room is a chat with one person alone, which room an alias names."""

from __future__ import annotations

from nio import AsyncClient, MatrixRoom, RoomResolveAliasResponse

from bot.event_filter import server_of


def joined_members(room: MatrixRoom) -> set[str]:
    """Who has joined a room, not only been invited."""
    return set(room.users) - set(room.invited_users)


def alone_with(client: AsyncClient, room_id: str, user_id: str) -> bool:
    """The room is one where the bot and this person talk alone."""
    room = client.rooms.get(room_id)
    return room is not None and joined_members(room) == {client.user_id, user_id}


async def room_id_of(client: AsyncClient, reference: str) -> str | None:
    """The id of a room written as `!id`, `#alias:server` or `#alias` (the bot's server)."""
    if reference.startswith("!"):
        return reference
    if not reference.startswith("#"):
        return None
    alias = reference if ":" in reference else f"{reference}:{server_of(client.user_id)}"
    response = await client.room_resolve_alias(alias)
    return response.room_id if isinstance(response, RoomResolveAliasResponse) else None
