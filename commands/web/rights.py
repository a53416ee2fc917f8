"""Who may see and do what on the web page: the same rights as the commands. Network
organisers see everything; a room's organisers (power ≥ 50 in a room that grants roles, or
its creator from room version 12 on) the events and polls of their rooms; members their own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.core.ports import Ports
from commands.core.registry import Role
from commands.core.rooms import CLASSIC_ROOM_VERSIONS, ORGANISER_POWER, joined_members
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
    if room.room_version not in CLASSIC_ROOM_VERSIONS and user_id in await _creators(
        ports, room_id
    ):
        return Role.ORGANISER
    if room.power_levels.get_user_level(user_id) >= ORGANISER_POWER:
        return Role.ORGANISER
    return Role.MEMBER


async def _creators(ports: Ports, room_id: str) -> set[str]:
    """From room version 12 on a room's creators outrank everyone; nio does not keep them."""
    response = await ports.homeserver.room_get_state(room_id)
    for event in getattr(response, "events", None) or []:
        if isinstance(event, dict) and event.get("type") == "m.room.create":
            extra = (event.get("content") or {}).get("additional_creators")
            return {event.get("sender"), *(extra if isinstance(extra, list) else ())}
    return set()


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


def event_rooms(ports: Ports, viewer: Viewer) -> list[str]:
    """The rooms the viewer may announce an event in, as `!termin neu … räume` allows: rooms
    they organise (network organisers: every room of the bot's) where the bot may post; no
    direct chat."""
    homeserver = ports.homeserver
    candidates: Iterable[str] = homeserver.rooms if viewer.network else viewer.organised
    found = []
    for room_id in candidates:
        room = homeserver.rooms.get(room_id)
        if room is None or not room.power_levels.can_user_send_message(homeserver.user_id):
            continue
        if joined_members(room) <= {homeserver.user_id, viewer.user_id}:
            continue
        found.append(room_id)
    return sorted(found, key=lambda room_id: room_label(ports, room_id).lower())


def room_label(ports: Ports, room_id: str) -> str:
    room = ports.homeserver.rooms.get(room_id)
    if room is None:
        return room_id
    return room.canonical_alias or room.name or room_id
