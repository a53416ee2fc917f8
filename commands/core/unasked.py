"""The direct messages the bot sends unasked (reminders, nudges, invitations): their last line
says how to stop them, with the one switch for all of them."""

from __future__ import annotations

from commands.core.i18n import Language, Localized
from commands.core.rendering import Markup, code

NUDGE_OPT_OUT = Localized(
    "Keine solchen Nachrichten mehr: {command}", "No more messages like this: {command}"
)


def dm_switch(prefix: str, language: Language, *, on: bool) -> Markup:
    """`!erinnerungen aus` / `!reminders on`: the command that turns direct messages off or on."""
    word = ("an" if on else "aus") if language == "de" else ("on" if on else "off")
    return code(f"{prefix}{'erinnerungen' if language == 'de' else 'reminders'} {word}")


def opt_out_line(prefix: str, language: Language) -> Markup:
    """The last line of every direct message the bot sends unasked."""
    return NUDGE_OPT_OUT.html(language, command=dm_switch(prefix, language, on=False))
