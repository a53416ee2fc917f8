"""Who may see and do what on the web page: the same rights as the commands. Network
organisers see everything; a room's organisers (power ≥ 50 in a room that grants roles, or
its creator from room version 12 on) the events and polls of their rooms; members their own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.core.ports import Ports
from commands.core.registry import Role
from commands.core.rooms import ORGANISER_POWER, bot_may_post, is_creator, joined_members
from storage.models import Event


async def role_in(ports: Ports, room_id: str, user_id: str) -> Role:
    """The role a command from `user_id` would have in `room_id`."""
    if user_id in ports.network_organisers():
        return Role.NETWORK
    homeserver = ports.homeserver
    room = homeserver.rooms.get(room_id)
    if room is None or not ports.grants_roles(room_id):
        return Role.MEMBER
    # A direct chat makes nobody an organiser (its creator holds power 100 there).
    if joined_members(room) <= {homeserver.user_id, user_id}:
        return Role.MEMBER
    if await is_creator(homeserver, room_id, user_id, ports.creators):
        return Role.ORGANISER
    if room.power_levels.get_user_level(user_id) >= ORGANISER_POWER:
        return Role.ORGANISER
    return Role.MEMBER


@dataclass(frozen=True)
class Viewer:
    """A logged-in person and the rooms they are in and organise."""

    user_id: str
    network: bool
    joined: frozenset[str]
    organised: frozenset[str]

    @property
    def organiser(self) -> bool:
        """Whether they may use organiser pages (some room of theirs, or the network)."""
        return self.network or bool(self.organised)

    def may_manage(self, event: Event) -> bool:
        """As `!termin ändern`: its creator and the organisers of its rooms."""
        return (
            self.network
            or event.created_by == self.user_id
            or any(room in self.organised for room in [*event.room_ids, event.command_room_id])
        )

    def sees_event(self, event: Event) -> bool:
        return self.may_manage(event) or any(room in self.joined for room in event.room_ids)

    def sees_room(self, room_id: str) -> bool:
        return self.network or room_id in self.joined or room_id in self.organised


async def viewer_of(ports: Ports, user_id: str) -> Viewer:
    rooms = ports.homeserver.rooms
    joined = frozenset(
        room_id for room_id, room in rooms.items() if user_id in joined_members(room)
    )
    return Viewer(
        user_id=user_id,
        network=user_id in ports.network_organisers(),
        joined=joined,
        organised=frozenset(
            [
                room_id
                for room_id in joined
                if await role_in(ports, room_id, user_id) >= Role.ORGANISER
            ]
        ),
    )


async def event_rooms(ports: Ports, viewer: Viewer) -> list[str]:
    """The rooms the viewer may announce an event in, as `!termin neu … räume` allows: rooms
    they organise (network organisers: every room of the bot's) where the bot may post; no
    direct chat."""
    homeserver = ports.homeserver
    candidates: Iterable[str] = homeserver.rooms if viewer.network else viewer.organised
    found = []
    for room_id in candidates:
        room = homeserver.rooms.get(room_id)
        if room is None or not await bot_may_post(homeserver, room_id, ports.creators):
            continue
        if joined_members(room) <= {homeserver.user_id, viewer.user_id}:
            continue
        found.append(room_id)
    return sorted(found, key=lambda room_id: room_label(ports, room_id).lower())


def room_choices(
    ports: Ports, room_ids: Iterable[str], chosen: Iterable[str] = ()
) -> list[dict[str, object]]:
    """Rooms as a form offers them: the name people know, the alias beside it, ticked if
    `chosen`."""
    ticked = set(chosen)
    shown = []
    for room_id in room_ids:
        room = ports.homeserver.rooms.get(room_id)
        alias = room.canonical_alias if room is not None else None
        name = (room.name if room is not None else None) or alias or room_id
        shown.append(
            {
                "id": room_id,
                "name": name,
                "alias": alias if alias != name else None,
                "checked": room_id in ticked,
            }
        )
    return shown


def room_label(ports: Ports, room_id: str) -> str:
    room = ports.homeserver.rooms.get(room_id)
    if room is None:
        return room_id
    return room.canonical_alias or room.name or room_id
