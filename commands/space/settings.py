"""The [space] table of the configuration: the alumni space, its rooms (who may post, which roles
belong), where the bot reports, and the roster file. Errors name the key."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from commands.core.converters import ROOM_ID_RE
from commands.space.plan import SPACE_KEY, Posting, RoomSpec, SpaceSpec
from commands.space.roster_plan import RosterRole, parse_role

ALIAS_RE = re.compile(r"^[a-z0-9._=\-/]{1,100}$")
KEY_RE = re.compile(r"^[a-z0-9_\-]{1,64}$")
POSTING: dict[str, Posting] = {
    "alle": "all",
    "all": "all",
    "everyone": "all",
    "organisation": "organisers",
    "organisers": "organisers",
    "organizers": "organisers",
}
EVERYONE = {"alle", "all", "everyone"}
SPACE_KEYS = {
    "name",
    "topic",
    "alias",
    "avatar",
    "rooms",
    "organisers_room",
    "organiser_power",
    "cohorts",
    "roster",
}
ROOM_KEYS = {"key", "name", "topic", "alias", "order", "post", "members", "id"}


class SpaceConfigError(ValueError):
    """Raised with the key and what is wrong; bot.config turns it into a ConfigError."""


@dataclass(frozen=True)
class SpaceConfig:
    spec: SpaceSpec
    # Files, relative to the configuration file once loaded.
    avatar: Path | None = None
    roster: Path | None = None


def parse_space(table: dict[str, Any]) -> SpaceConfig:
    for key in table:
        if key not in SPACE_KEYS:
            raise SpaceConfigError(
                f"space.{key}: unknown key (known: {', '.join(sorted(SPACE_KEYS))})"
            )
    name = _text(table, "name", "space.name", required=True)
    rooms_raw = table.get("rooms", [])
    if not isinstance(rooms_raw, list) or not all(isinstance(r, dict) for r in rooms_raw):
        raise SpaceConfigError("space.rooms: must be a list of tables ([[space.rooms]])")
    rooms = tuple(_room(room, index) for index, room in enumerate(rooms_raw))
    _unique([room.key for room in rooms], "key")
    _unique([room.alias for room in rooms if room.alias], "alias")
    _unique([room.room_id for room in rooms if room.room_id], "id")
    organisers_room = _text(table, "organisers_room", "space.organisers_room") or None
    if organisers_room is not None:
        room = next((room for room in rooms if room.key == organisers_room), None)
        if room is None:
            raise SpaceConfigError(
                f"space.organisers_room: {organisers_room!r} is not the key of a room in "
                "space.rooms"
            )
        if room.roles != frozenset({"organiser"}):
            # Knocks and reports name people: only organisers may read them.
            raise SpaceConfigError(
                f"space.organisers_room: the room {organisers_room!r} must have members = "
                '["Organisation"]'
            )
    power = table.get("organiser_power", 50)
    if not isinstance(power, int) or isinstance(power, bool) or not 1 <= power <= 100:
        raise SpaceConfigError(f"space.organiser_power: a whole number 1–100, got {power!r}")
    cohorts = table.get("cohorts", [1, 2, 3])
    if not isinstance(cohorts, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 99 for c in cohorts
    ):
        raise SpaceConfigError(f"space.cohorts: a list of numbers 1–99, got {cohorts!r}")
    alias = _alias(table, "space.alias")
    avatar = _text(table, "avatar", "space.avatar") or None
    roster = _text(table, "roster", "space.roster") or None
    spec = SpaceSpec(
        name=name,
        topic=_text(table, "topic", "space.topic"),
        alias=alias,
        rooms=rooms,
        organisers_room=organisers_room,
        organiser_power=power,
        cohorts=tuple(cohorts),
    )
    return SpaceConfig(spec, Path(avatar) if avatar else None, Path(roster) if roster else None)


def _room(table: dict[str, Any], index: int) -> RoomSpec:
    where = f"space.rooms[{index}]"
    for key in table:
        if key not in ROOM_KEYS:
            raise SpaceConfigError(
                f"{where}.{key}: unknown key (known: {', '.join(sorted(ROOM_KEYS))})"
            )
    key = _text(table, "key", f"{where}.key", required=True)
    if not KEY_RE.match(key) or key == SPACE_KEY:
        raise SpaceConfigError(
            f"{where}.key: {key!r} must be lower-case letters, digits, - or _ (and not "
            f"{SPACE_KEY!r})"
        )
    post_text = _text(table, "post", f"{where}.post") or "alle"
    post = POSTING.get(post_text.lower())
    if post is None:
        raise SpaceConfigError(f'{where}.post: "alle" or "organisation", got {post_text!r}')
    order = _text(table, "order", f"{where}.order")
    # The spec: at most 50 characters between U+0020 and U+007E.
    if len(order) > 50 or not all(" " <= ch <= "~" for ch in order):
        raise SpaceConfigError(f"{where}.order: at most 50 plain ASCII characters, got {order!r}")
    room_id = _text(table, "id", f"{where}.id") or None
    if room_id is not None and not ROOM_ID_RE.match(room_id):
        raise SpaceConfigError(f"{where}.id: {room_id!r} is not a room id like !abc:example.org")
    return RoomSpec(
        key=key,
        name=_text(table, "name", f"{where}.name", required=True),
        topic=_text(table, "topic", f"{where}.topic"),
        alias=_alias(table, f"{where}.alias"),
        order=order,
        post=post,
        roles=_roles(table.get("members", "alle"), f"{where}.members"),
        room_id=room_id,
    )


def _roles(value: object, where: str) -> frozenset[RosterRole] | None:
    if isinstance(value, str) and value.lower() in EVERYONE:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpaceConfigError(f'{where}: "alle" or a list of roles, got {value!r}')
    roles = set()
    for word in value:
        role = parse_role(word)
        if role is None:
            raise SpaceConfigError(
                f"{where}: {word!r} is not a role (Smart City Manager:in, Fachvorgesetzte:r, "
                "Organisation, Gast)"
            )
        roles.add(role)
    return frozenset(roles)


def _text(table: dict[str, Any], key: str, where: str, required: bool = False) -> str:
    if key not in table:
        if required:
            raise SpaceConfigError(f"{where}: missing (required)")
        return ""
    value = table[key]
    if not isinstance(value, str) or (required and not value.strip()):
        raise SpaceConfigError(f"{where}: must be a non-empty string, got {value!r}")
    return value.strip()


def _alias(table: dict[str, Any], where: str) -> str | None:
    alias = _text(table, "alias", where).removeprefix("#").split(":", 1)[0] or None
    if alias is not None and not ALIAS_RE.match(alias):
        raise SpaceConfigError(
            f"{where}: {alias!r} is not an alias (lower-case letters, digits, . _ = - /)"
        )
    return alias


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise SpaceConfigError(f"space.rooms: the {what} {value!r} is used twice")
        seen.add(value)


def with_files(space: SpaceConfig, base: Path) -> SpaceConfig:
    """The avatar and roster files, relative to the configuration file, must exist."""
    found: dict[str, Path | None] = {}
    for key in ("avatar", "roster"):
        given: Path | None = getattr(space, key)
        if given is not None:
            given = (base / given).resolve()
            if not given.is_file():
                raise SpaceConfigError(f"space.{key}: {given}: no such file")
        found[key] = given
    return replace(space, avatar=found["avatar"], roster=found["roster"])
