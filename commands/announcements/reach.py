"""Whether an announcement may notify a whole room (@room): the organiser asked for it, and the
bot's power level in the room (as the last sync left it) reaches `notifications.room`."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from commands.core.i18n import Language, Localized
from commands.core.rendering import Markup, bullet_list

ROOM_MENTION = "@room"
# The spec's default for `notifications.room` when the power levels do not name it.
DEFAULT_ROOM_NOTIFICATION_LEVEL = 50

WITHOUT_ROOM_MENTION = Localized(
    "Hinweis: Wo dem Bot die Berechtigung fehlt, den ganzen Raum zu benachrichtigen (@room), "
    "geht die Ankündigung ohne diese Benachrichtigung hinaus:",
    "Note: where the bot lacks the power to notify the whole room (@room), the announcement "
    "goes out without that notification:",
)
LEVELS = Localized(
    "{room} – nötig ist Berechtigungsstufe {needed}, der Bot hat {has}",
    "{room} – it needs power level {needed}, the bot has {has}",
)


@dataclass(frozen=True)
class Shortfall:
    """A room where the bot's power level is below what @room needs."""

    room_id: str
    needed: int
    has: int


def wants_room_mention(content: Mapping[str, Any], text: str) -> bool:
    """The organiser picked @room from Element's autocomplete for this text: `m.mentions.room`
    is set and "@room" stands in the text (typed but not picked, it is plain text)."""
    mentions = content.get("m.mentions")
    return isinstance(mentions, Mapping) and mentions.get("room") is True and ROOM_MENTION in text


def room_mention_levels(power_levels: Any, user_id: str) -> tuple[int, int]:
    """(level @room needs, level `user_id` has) from nio's `PowerLevels` of a room."""
    needed = power_levels.get_notification_required_level("room")
    if not isinstance(needed, int) or isinstance(needed, bool):
        needed = DEFAULT_ROOM_NOTIFICATION_LEVEL
    return needed, int(power_levels.get_user_level(user_id))


def shortfall(
    rooms: Mapping[str, Any], room_id: str, user_id: str, created: Collection[str] = ()
) -> Shortfall | None:
    """Why `user_id` may not notify the room `room_id`, or None if it may. A room missing from
    `rooms` (the sync's) counts as one where it may not: nothing says it could. In the rooms
    `created` (by `user_id`, from room version 12 on) it has unlimited power."""
    if room_id in created:
        return None
    room = rooms.get(room_id)
    if room is None:
        return Shortfall(room_id, DEFAULT_ROOM_NOTIFICATION_LEVEL, 0)
    needed, has = room_mention_levels(room.power_levels, user_id)
    return Shortfall(room_id, needed, has) if has < needed else None


def shortfalls(
    rooms: Mapping[str, Any], room_ids: Iterable[str], user_id: str, created: Collection[str] = ()
) -> list[Shortfall]:
    return [gap for room_id in room_ids if (gap := shortfall(rooms, room_id, user_id, created))]


def describe_shortfalls(
    gaps: list[Shortfall], labels: Mapping[str, str], language: Language
) -> Markup:
    """The note for the organiser as HTML: which rooms, which level @room needs, which the bot
    has. `labels` names the rooms as people know them."""
    items = [
        LEVELS.html(
            language, room=labels.get(gap.room_id, gap.room_id), needed=gap.needed, has=gap.has
        )
        for gap in gaps
    ]
    return Markup("<p>{}</p>{}").format(WITHOUT_ROOM_MENTION.get(language), bullet_list(items))
