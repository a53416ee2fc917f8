"""The alumni space as pure data: what the configuration asks for (the space, its rooms, who may
post, who belongs where) and, given a room's current state, the state events that make it so —
or the right the bot lacks to do it. Nothing here talks to a homeserver."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from commands.core.i18n import Language, Localized
from commands.core.rooms import CLASSIC_ROOM_VERSIONS, ORGANISER_POWER
from commands.space.roster_plan import RosterRole

SPACE_KEY = "space"
CREATE = "m.room.create"
NAME = "m.room.name"
TOPIC = "m.room.topic"
AVATAR = "m.room.avatar"
JOIN_RULES = "m.room.join_rules"
POWER_LEVELS = "m.room.power_levels"
MEMBER = "m.room.member"
SPACE_CHILD = "m.space.child"
SPACE_PARENT = "m.space.parent"
# Restricted joins work from room version 8; 9 fixed how their joins survive redaction.
RESTRICTED_FROM = 9
# Knocking on a room (the space) needs room version 7 or later.
KNOCK_FROM = 7
BOT_POWER = 100

Posting = Literal["all", "organisers"]


@dataclass(frozen=True)
class RoomSpec:
    """One room of the space as configured; `key` names it for good (aliases may change)."""

    key: str
    name: str
    topic: str = ""
    # The alias's local part ("allgemein" → #allgemein:server).
    alias: str | None = None
    order: str = ""
    post: Posting = "all"
    # Roster roles invited to the room; None: everyone on the roster.
    roles: frozenset[RosterRole] | None = None
    # Adopt this existing room instead of finding it by alias or creating it.
    room_id: str | None = None

    def for_role(self, role: RosterRole) -> bool:
        return self.roles is None or role in self.roles


@dataclass(frozen=True)
class SpaceSpec:
    name: str
    topic: str = ""
    alias: str | None = None
    # mxc:// URI of an uploaded avatar, or None.
    avatar_url: str | None = None
    rooms: tuple[RoomSpec, ...] = ()
    # The key of the room where the bot reports to the organisers.
    organisers_room: str | None = None
    organiser_power: int = ORGANISER_POWER
    cohorts: tuple[int, ...] = (1, 2, 3)

    def room(self, key: str) -> RoomSpec | None:
        return next((room for room in self.rooms if room.key == key), None)


State = Mapping[tuple[str, str], Mapping[str, Any]]


@dataclass(frozen=True)
class Observed:
    """A room's current state as the homeserver returns it: (type, state key) → content, and
    who sent each of those events."""

    room_id: str
    state: State
    senders: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_events(cls, room_id: str, events: Iterable[Mapping[str, Any]]) -> Observed:
        state: dict[tuple[str, str], Mapping[str, Any]] = {}
        senders: dict[tuple[str, str], str] = {}
        for event in events:
            key = (str(event.get("type", "")), str(event.get("state_key", "")))
            content = event.get("content")
            state[key] = content if isinstance(content, dict) else {}
            senders[key] = str(event.get("sender", ""))
        return cls(room_id, state, senders)

    def creators(self) -> set[str]:
        """Who created the room (from room version 12 on they outrank everyone)."""
        extra = self.state.get((CREATE, ""), {}).get("additional_creators")
        found = set(extra) if isinstance(extra, list) else set()
        creator = self.senders.get((CREATE, ""))
        return found | ({creator} if creator else set())

    def display_name(self, user_id: str) -> str | None:
        """The name someone has in the room (their member event says it), if any."""
        name = self.state.get((MEMBER, user_id), {}).get("displayname")
        return name if isinstance(name, str) and name.strip() else None

    def left_by_themselves(self, user_id: str) -> bool:
        return (
            self.state.get((MEMBER, user_id), {}).get("membership") == "leave"
            and self.senders.get((MEMBER, user_id)) == user_id
        )

    @property
    def room_version(self) -> str:
        return str(self.state.get((CREATE, ""), {}).get("room_version", "1"))

    def memberships(self) -> dict[str, str]:
        return {
            key: str(content.get("membership", ""))
            for (kind, key), content in self.state.items()
            if kind == MEMBER
        }


@dataclass(frozen=True)
class Change:
    """A state event to send, and what it means, for the report."""

    room_id: str
    event_type: str
    state_key: str
    content: dict[str, Any]


@dataclass(frozen=True)
class MissingRight:
    """The bot may not send `event_type` in a room: it needs `needed`, it has `has`."""

    room_id: str
    event_type: str
    needed: int
    has: int


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    missing: list[MissingRight] = field(default_factory=list)


def power_of(levels: Mapping[str, Any], user_id: str) -> int:
    users = levels.get("users") if isinstance(levels.get("users"), dict) else {}
    value = users.get(user_id, levels.get("users_default", 0))
    return int(value) if isinstance(value, int | float) else 0


def needed_for(levels: Mapping[str, Any], event_type: str) -> int:
    events = levels.get("events") if isinstance(levels.get("events"), dict) else {}
    value = events.get(event_type, levels.get("state_default", 50))
    return int(value) if isinstance(value, int | float) else 50


def bot_power(observed: Observed, bot_id: str) -> int:
    """From room version 12 on, a room's creators outrank everyone (MSC4289)."""
    if observed.room_version not in CLASSIC_ROOM_VERSIONS and bot_id in observed.creators():
        return 2**53
    return power_of(observed.state.get((POWER_LEVELS, ""), {}), bot_id)


def restricted_to(space_id: str) -> dict[str, Any]:
    return {
        "join_rule": "restricted",
        "allow": [{"type": "m.room_membership", "room_id": space_id}],
    }


def desired_levels(
    current: Mapping[str, Any],
    organisers: Iterable[str],
    power: int,
    post: Posting | None,
    exempt: Iterable[str],
    demote: Iterable[str] = (),
) -> dict[str, Any]:
    """The power levels with every organiser at `power` at least (nobody else's level is
    lowered) and who may post. `demote`: people the bot raised who are organisers no more —
    back to the default if they still have exactly `power`. `exempt` (a v12 room's creators)
    never appear in `users`."""
    levels = copy.deepcopy(dict(current))
    users = dict(levels.get("users") or {})
    skip = set(exempt)
    for user_id in sorted(set(organisers) - skip):
        if power_of(levels, user_id) < power:
            users[user_id] = power
    for user_id in sorted(set(demote) - set(organisers) - skip):
        if users.get(user_id) == power:
            del users[user_id]
    levels["users"] = users
    if post is not None:
        levels["events_default"] = power if post == "organisers" else 0
    return levels


def plan_room(
    observed: Observed,
    spec: RoomSpec,
    space_id: str,
    server: str,
    bot_id: str,
    organisers: Iterable[str],
    power: int,
    demote: Iterable[str] = (),
) -> Plan:
    """What a child room needs: name, topic, the join rule (members of the space; a room only
    for some roles: by invitation), the parent link, and power levels (organisers, posting)."""
    wanted: list[tuple[str, str, dict[str, Any]]] = [
        (NAME, "", {"name": spec.name}),
        (TOPIC, "", {"topic": spec.topic}),
        (JOIN_RULES, "", join_rule(spec, space_id)),
        (SPACE_PARENT, space_id, {"via": [server], "canonical": True}),
    ]
    exempt = _exempt(observed)
    current_levels = observed.state.get((POWER_LEVELS, ""), {})
    levels = desired_levels(current_levels, organisers, power, spec.post, exempt, demote)
    wanted.append((POWER_LEVELS, "", levels))
    return _plan(observed, wanted, bot_id, power)


def join_rule(spec: RoomSpec, space_id: str) -> dict[str, Any]:
    """Everyone's rooms: any member of the space joins; a room for some roles only: invited."""
    return restricted_to(space_id) if spec.roles is None else {"join_rule": "invite"}


def _exempt(observed: Observed) -> set[str]:
    """Who must not appear in `users` of the power levels: a v12 room's creators."""
    if observed.room_version in CLASSIC_ROOM_VERSIONS:
        return set()
    return observed.creators()


def plan_space(
    observed: Observed,
    spec: SpaceSpec,
    children: Mapping[str, RoomSpec],
    unlinked: Iterable[str],
    server: str,
    bot_id: str,
    organisers: Iterable[str],
    demote: Iterable[str] = (),
) -> Plan:
    """The space itself: name, topic, avatar, join rule knock (outsiders may ask), organisers'
    power, a child link with `via` and `order` for each room, and none for rooms left out."""
    wanted: list[tuple[str, str, dict[str, Any]]] = [
        (NAME, "", {"name": spec.name}),
        (TOPIC, "", {"topic": spec.topic}),
        (JOIN_RULES, "", {"join_rule": "knock"}),
    ]
    if spec.avatar_url:
        wanted.append((AVATAR, "", {"url": spec.avatar_url}))
    exempt = _exempt(observed)
    current_levels = observed.state.get((POWER_LEVELS, ""), {})
    levels = desired_levels(current_levels, organisers, spec.organiser_power, None, exempt, demote)
    wanted.append((POWER_LEVELS, "", levels))
    for room_id, room in children.items():
        child: dict[str, Any] = {"via": [server]}
        if room.order:
            child["order"] = room.order
        wanted.append((SPACE_CHILD, room_id, child))
    for room_id in unlinked:
        if observed.state.get((SPACE_CHILD, room_id)):
            # A child event without `via` unlinks the room; the room itself stays.
            wanted.append((SPACE_CHILD, room_id, {}))
    return _plan(observed, wanted, bot_id, spec.organiser_power)


def _plan(
    observed: Observed,
    wanted: Sequence[tuple[str, str, dict[str, Any]]],
    bot_id: str,
    organiser_power: int,
) -> Plan:
    plan = Plan()
    levels = observed.state.get((POWER_LEVELS, ""), {})
    has = bot_power(observed, bot_id)
    # Keeping people out and letting the roster in take these rights too; and nobody may
    # give others a higher level than their own.
    for right, default in (("invite", 0), ("kick", 50)):
        needed = levels.get(right, default)
        if isinstance(needed, int) and has < needed:
            plan.missing.append(MissingRight(observed.room_id, right, needed, has))
    if has < organiser_power:
        plan.missing.append(MissingRight(observed.room_id, ORGANISER_RIGHT, organiser_power, has))
    for event_type, state_key, content in wanted:
        current = observed.state.get((event_type, state_key))
        if _same(event_type, current, content):
            continue
        needed = needed_for(levels, event_type)
        if has < needed:
            plan.missing.append(MissingRight(observed.room_id, event_type, needed, has))
            continue
        plan.changes.append(Change(observed.room_id, event_type, state_key, content))
    return plan


# The key that matters of events clients fill with more (Synapse and Element add "m.topic").
COMPARED = {NAME: "name", TOPIC: "topic", AVATAR: "url"}


def _same(event_type: str, current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    key = COMPARED.get(event_type)
    if current is None:
        # An absent child link, topic or name is already what "none" asks for.
        return not wanted or (key is not None and not wanted.get(key))
    if key is not None:
        return current.get(key) == wanted.get(key)
    return dict(current) == dict(wanted)


ORGANISER_RIGHT = "organiser power"
WHAT = {
    "invite": Localized("Einladen", "invite"),
    "kick": Localized("Entfernen von Personen", "removing people"),
    ORGANISER_RIGHT: Localized("Organisationsrechte vergeben", "granting organiser power"),
    NAME: Localized("Name", "name"),
    TOPIC: Localized("Thema", "topic"),
    AVATAR: Localized("Bild", "avatar"),
    JOIN_RULES: Localized("Beitrittsregel", "join rule"),
    POWER_LEVELS: Localized("Berechtigungen", "power levels"),
    SPACE_CHILD: Localized("Verknüpfung im Space", "link in the space"),
    SPACE_PARENT: Localized("Verknüpfung zum Space", "link to the space"),
}


def describe(event_type: str, language: Language) -> str:
    what = WHAT.get(event_type)
    return what.get(language) if what else event_type


def rooms_for(role: RosterRole, rooms: Iterable[RoomSpec]) -> list[RoomSpec]:
    return [room for room in rooms if room.for_role(role)]
