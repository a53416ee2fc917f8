"""Runs one command message: parse, pick the language, check the role, call the handler, and turn
every failure into a clear reply in the user's language."""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable

from commands.core.context import CommandContext
from commands.core.converters import ConversionError
from commands.core.i18n import Language, Localized
from commands.core.ports import RetryLater
from commands.core.registry import HELP_COMMAND, Command, Invocation, Role, UsageError
from commands.core.rendering import Markup, code, escape, lines

log = logging.getLogger(__name__)


UNKNOWN = Localized("Den Befehl {typed} kenne ich nicht.", "I don't know the command {typed}.")
SUGGEST = Localized("Meintest du {names}?", "Did you mean {names}?")
SEE_HELP = Localized("Alle Befehle: {help}", "All commands: {help}")
USAGE = Localized("So geht es: {usage}", "Usage: {usage}")
MORE = Localized("Mehr dazu: {help}", "More: {help}")
# One sentence per role: the subject decides the verb ("darf" / "können").
DENIED = {
    Role.ORGANISER: Localized(
        "{command} können nur Organisator:innen dieses Raums verwenden. Wende dich an sie "
        "oder an die Organisation des Netzwerks, wenn du das brauchst.",
        "Only the organisers of this room may use {command}. Ask them or the network's "
        "organisers if you need it.",
    ),
    Role.NETWORK: Localized(
        "{command} darf nur die Organisation des Netzwerks verwenden. Wende dich an sie, "
        "wenn du das brauchst.",
        "Only the network's organisers may use {command}. Ask them if you need it.",
    ),
}
NETWORK_ONLY = Localized(
    "{command} beantworte ich nur Mitgliedern des Alumni-Netzwerks. Wenn du dazugehörst, "
    "bitte die Organisation, dich ins Mitgliederverzeichnis aufzunehmen.",
    "I answer {command} only for members of the alumni network. If you belong to it, ask the "
    "organisers to add you to the roster.",
)
FAILED = Localized(
    "Das hat nicht geklappt: ein interner Fehler. Die Organisation kann es im Log nachsehen "
    "(Ereignis {event}).",
    "That did not work: an internal error. The organisers can look it up in the log "
    "(event {event}).",
)
OR = Localized(" oder ", " or ")


class Outcome(enum.Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    USAGE = "usage"
    DENIED = "denied"
    ERROR = "error"


async def dispatch(ctx: CommandContext, text: str) -> Outcome:
    """`text` is the message after the command prefix."""
    prefix = ctx.prefix
    try:
        parsed = ctx.registry.parse(text)
    except UsageError as exc:
        _choose_language(ctx, exc.command.invoked_language(exc.invoked_as))
        await _reply_usage(ctx, exc.command, exc.text(ctx.language))
        return Outcome.USAGE
    if not isinstance(parsed, Invocation):
        see_help = SEE_HELP.html(ctx.language, help=code(_help_name(ctx)))
        await ctx.reply(Markup("{} {}").format(describe_unknown(ctx, parsed.typed), see_help))
        return Outcome.UNKNOWN
    command = parsed.command
    _choose_language(ctx, command.invoked_language(parsed.invoked_as))
    if ctx.role < command.role:
        await ctx.reply(
            DENIED[command.role].html(
                ctx.language, command=code(prefix + command.display_name(ctx.language))
            )
        )
        return Outcome.DENIED
    if command.network_only and not await ctx.in_network():
        await ctx.reply(
            NETWORK_ONLY.html(
                ctx.language, command=code(prefix + command.display_name(ctx.language))
            )
        )
        return Outcome.DENIED
    try:
        await parsed.run(ctx)
    except RetryLater:
        raise
    except ConversionError as exc:
        # Input a handler could only judge with its data (a time in the past, an unknown room).
        await _reply_usage(ctx, command, exc.text(ctx.language))
        return Outcome.USAGE
    except Exception:
        log.exception("command %s failed for event %s", command.name, ctx.event_id)
        await ctx.reply(FAILED.html(ctx.language, event=code(ctx.event_id)))
        return Outcome.ERROR
    return Outcome.OK


async def _reply_usage(ctx: CommandContext, command: Command, problem: str) -> None:
    language = ctx.language
    usage = code(command.usage(ctx.prefix, language))
    more = code(f"{_help_name(ctx)} {command.display_name(language)}")
    await ctx.reply(
        lines([problem, USAGE.html(language, usage=usage), MORE.html(language, help=more)])
    )


def describe_unknown(ctx: CommandContext, typed: str) -> Markup:
    """ "I don't know !x. Did you mean !y?" in the user's language, `typed` escaped."""
    language = ctx.language
    text = UNKNOWN.html(language, typed=code(ctx.prefix + typed))
    suggestions = ctx.registry.suggest(typed)
    if suggestions:
        names = escape(OR.get(language)).join(code(ctx.prefix + name) for name in suggestions)
        text += " " + SUGGEST.html(language, names=names)
    return text


def _choose_language(ctx: CommandContext, invoked: Language | None) -> None:
    """A stored preference wins; otherwise the language of the name typed (`!help` is English)."""
    if ctx.preferred_language is None and invoked is not None:
        ctx.language = invoked


def _help_name(ctx: CommandContext) -> str:
    help_command = ctx.registry.find(HELP_COMMAND)
    name = help_command.display_name(ctx.language) if help_command else HELP_COMMAND
    return ctx.prefix + name


async def run_conversation(
    ctx: CommandContext, text: str, converse: Callable[[CommandContext, str], Awaitable[bool]]
) -> bool:
    """A message that may continue a conversation (a survey's questions); a failure is answered
    as a command's would be. Returns whether the message was the conversation's (or answered)."""
    try:
        return await converse(ctx, text)
    except RetryLater:
        raise
    except ConversionError as exc:
        await ctx.reply(escape(exc.text(ctx.language)))
    except Exception:
        log.exception("conversation message %s failed", ctx.event_id)
        await ctx.reply(FAILED.html(ctx.language, event=code(ctx.event_id)))
    return True
