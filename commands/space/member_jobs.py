"""The slow half of the space's member commands, run from the job queue beside the sync loop:
inviting whom `!mitglied hinzufügen`, `!zulassen` and `!mitglieder import` put on the roster,
removing whom `!mitglied entfernen` took off it, turning a knock down (`!ablehnen`). Each
answers its command a second time when done. Run again after a crash, each does only what is
left (nobody is invited or removed twice) and answers once."""

from __future__ import annotations

from typing import Any

from commands.core.i18n import Localized
from commands.core.mentions import pill
from commands.core.ports import Ports
from commands.core.rendering import Markup, bullet_list
from commands.core.rooms import person_pill
from commands.space.commands import RUNTIME, Space
from commands.space.queued import ADMIT_JOB, REJECT_JOB, REMOVE_JOB, answer, language_of

INVITED = Localized("Einladungen in den Space:", "Invitations to the space:")
NONE_NEW = Localized(
    "keine neue (schon im Space und seinen Räumen)", "none new (already in the space and its rooms)"
)
REMOVED_FROM = Localized("{user} ist entfernt aus: {rooms}.", "{user} is removed from: {rooms}.")
NOWHERE = Localized("keinem Raum (war in keinem)", "no room (was in none)")
REJECTED_KNOCK = Localized(
    "Die Anfrage von {user} ist abgelehnt.", "The request of {user} is turned down."
)
KNOCK_GONE = Localized(
    "Die Anfrage von {user} liegt nicht mehr vor: zurückgezogen oder schon entschieden.",
    "The request of {user} is no longer there: withdrawn or already decided.",
)


def _space(ports: Ports) -> Space | None:
    found: Space | None = ports.runtimes.get(RUNTIME)
    return found


async def run_admit_job(ports: Ports, payload: dict[str, Any]) -> None:
    """Invite each person to the space and the rooms of their role; the rooms, per person."""
    space = _space(ports)
    if space is None:
        return
    language = language_of(payload)
    items = []
    for user_id, name in payload["people"]:
        rooms = await space.admit(user_id)
        shown = Markup(", ").join(rooms) or NONE_NEW.markup(language)
        items.append(Markup("{}: {}").format(pill(user_id, name), shown))
    await answer(ports, payload, INVITED.markup(language) + bullet_list(items), ADMIT_JOB)


async def run_remove_job(ports: Ports, payload: dict[str, Any]) -> None:
    space = _space(ports)
    if space is None:
        return
    language = language_of(payload)
    rooms = await space.remove(payload["user_id"])
    shown = Markup(", ").join(rooms) or NOWHERE.markup(language)
    user = pill(payload["user_id"], payload.get("name"))
    await answer(ports, payload, REMOVED_FROM.html(language, user=user, rooms=shown), REMOVE_JOB)


async def run_reject_job(ports: Ports, payload: dict[str, Any]) -> None:
    space = _space(ports)
    if space is None:
        return
    text = REJECTED_KNOCK if await space.reject(payload["user_id"]) else KNOCK_GONE
    user = person_pill(ports.homeserver, [payload["room_id"]], payload["user_id"])
    await answer(ports, payload, text.html(language_of(payload), user=user), REJECT_JOB)
