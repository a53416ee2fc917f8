"""Plain words to the bot in a direct chat ("Hallo", "was kannst du?"): a short, friendly answer
that points to the help, in the language the person wrote in — when no other feature (a
running survey) took the message."""

from __future__ import annotations

import re

from commands.core.context import CommandContext
from commands.core.i18n import Language, Localized
from commands.core.registry import HELP_COMMAND
from commands.core.rendering import code, escape
from commands.core.signals import DirectText

GREETING = Localized(
    "Hallo! Ich bin der Bot des Alumni-Netzwerks Smart City Manager:innen. Ich verstehe "
    "Befehle, die mit „{prefix}“ beginnen – welche es gibt, zeigt {help}. In English: {help_en}",
    "Hello! I am the bot of the alumni network of Smart City Managers. I understand commands "
    "that start with “{prefix}” – {help} lists them. Auf Deutsch: {help_de}",
)

_GERMAN_WORDS = frozenset(
    {
        *("hallo", "moin", "servus", "guten", "tag", "hilfe", "was", "wie", "kannst", "du"),
        *("ich", "bitte", "danke", "ist", "und", "der", "die", "das", "nicht", "wer", "wo"),
        *("gibt", "es", "machst", "hast", "bist"),
    }
)
_ENGLISH_WORDS = frozenset(
    {
        *("hello", "hi", "good", "morning", "help", "what", "how", "can", "you", "i"),
        *("please", "thanks", "thank", "is", "and", "the", "not", "who", "where", "there"),
        *("do", "does", "are", "have"),
    }
)


def written_in(text: str) -> Language | None:
    """The language a short message is most likely in, if its words tell."""
    words = re.findall(r"[^\W\d_]+", text.casefold())
    german = sum(word in _GERMAN_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    if german == english:
        return None
    return "de" if german > english else "en"


async def greet(ctx: CommandContext, signal: DirectText) -> bool:
    """Answers once; the help command named in the language the person uses."""
    if ctx.preferred_language is None:
        ctx.language = written_in(signal.body) or ctx.language
    command = ctx.registry.find(HELP_COMMAND)
    names = {
        language: ctx.prefix + (command.display_name(language) if command else HELP_COMMAND)
        for language in ("de", "en")
    }
    await ctx.reply(
        GREETING.html(
            ctx.language,
            prefix=escape(ctx.prefix),
            help=code(names[ctx.language]),
            help_en=code(names["en"]),
            help_de=code(names["de"]),
        )
    )
    return True
