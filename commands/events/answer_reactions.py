"""One answer per person, in Element too: a new answer to an event (by command or reaction)
redacts the reaction that gave the earlier one, where the bot may redact; where it may not, the
answer to the command names the reaction that no longer counts."""

from __future__ import annotations

from nio import RoomGetEventResponse

from commands.core.context import CommandContext
from commands.core.i18n import Language, Localized
from commands.core.mentions import PERMALINK_PREFIX
from commands.core.rendering import Markup, link
from commands.core.rooms import bot_may_redact
from commands.events.plan import MAYBE, NO, YES
from storage.events import AnswerReaction

REDACTION_REASON = Localized(
    "Neue Antwort auf Termin Nr. {id}: diese Reaktion zählt nicht mehr.",
    "New answer to event no. {id}: this reaction no longer counts.",
)
STILL_SHOWN = Localized(
    "Deine frühere Reaktion {key} auf {message} zählt nicht mehr. Ich darf sie dort nicht "
    "entfernen: Nimm sie bitte selbst zurück, damit Element nur deine aktuelle Antwort zeigt.",
    "Your earlier reaction {key} on {message} no longer counts. I may not remove it there: "
    "please take it back yourself so that Element shows only your current answer.",
)
THE_MESSAGE = Localized("die Nachricht zum Termin", "the message about the event")
EMOJI = {YES: "✅", NO: "❌", MAYBE: "❔"}


async def retire(ctx: CommandContext, nr: int, earlier: AnswerReaction | None) -> bool:
    """Redacts the reaction that gave the earlier answer, if the bot may in its room; True if
    it stays in the room, where it now contradicts the answer."""
    if earlier is None:
        return False
    if not await bot_may_redact(ctx.ports.homeserver, earlier.room_id, ctx.ports.creators):
        return True
    reason = REDACTION_REASON.format(ctx.language, id=nr)
    await ctx.redact(earlier.room_id, [earlier.event_id], reason)
    return False


async def still_shown(ctx: CommandContext, earlier: AnswerReaction, language: Language) -> Markup:
    """Which reaction no longer counts: its emoji and a link to the message it is on."""
    key = EMOJI.get(earlier.answer, "")
    message: str | Markup = THE_MESSAGE.get(language)
    found = await ctx.ports.homeserver.room_get_event(earlier.room_id, earlier.event_id)
    if isinstance(found, RoomGetEventResponse):
        relation = (found.event.source.get("content") or {}).get("m.relates_to") or {}
        if isinstance(relation.get("key"), str):
            key = relation["key"]
        if isinstance(relation.get("event_id"), str):
            target = f"{PERMALINK_PREFIX}{earlier.room_id}/{relation['event_id']}"
            message = link(target, message)
    return STILL_SHOWN.html(language, key=key, message=message)
