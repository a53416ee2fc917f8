"""General commands: help and the per-user language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import LanguageChoice
from commands.core.dispatch import describe_unknown
from commands.core.help_text import ALL, render_command, render_overview, render_reference
from commands.core.i18n import Language, Localized
from commands.core.registry import HELP_COMMAND, Arg, CommandGroup
from storage import user_settings

group = CommandGroup("allgemein", Localized("Allgemein", "General"))

LANGUAGE_SET = Localized(
    "Ich antworte dir ab jetzt auf Deutsch.", "From now on I will answer you in English."
)


@dataclass(frozen=True)
class CommandName:
    """The rest of the line as a command's name, as typed: `termin neu`, `„umfrage beenden“`,
    `!help appointment`; words after the name (its arguments) may follow."""

    kind: Localized = Localized("Befehl", "command")
    greedy: bool = True

    def convert(self, text: str) -> str:
        words = [word.strip(QUOTES) for word in text.split()]
        return " ".join(word for word in words if word)


QUOTES = "\"'„“”»«"
SENT_BY_DM = Localized(
    "Ich habe dir alle Befehle, die du verwenden kannst, als Direktnachricht geschickt.",
    "I have sent you all the commands you can use by direct message.",
)
NO_DIRECT_ROOM = Localized(
    "Ich konnte keinen Direktchat mit dir öffnen. Lade mich in einen Direktchat ein und "
    "schreib dort {command}.",
    "I could not open a direct chat with you. Invite me to one and write {command} there.",
)


@group.command(
    HELP_COMMAND,
    aliases=("help",),
    help=Localized(
        "Zeigt, was du hier verwenden kannst; mit einem Befehl dessen ausführliche Hilfe, "
        "mit „alle“ alles mit Beispielen als Direktnachricht.\n"
        "Beispiele: !hilfe termin neu · !hilfe alle",
        "Shows what you can use here; with a command its full help, with “all” everything "
        "with examples by direct message.\n"
        "Examples: !help event new · !help all",
    ),
    args=(
        Arg(
            "befehl",
            CommandName(),
            Localized(
                "der Befehl, zu dem du Hilfe willst, oder „alle“",
                "the command you want help with, or “all”",
            ),
            name_en="command",
            optional=True,
        ),
    ),
)
async def help_command(ctx: CommandContext, befehl: str | None) -> None:
    if not befehl:
        await ctx.reply(render_overview(ctx.registry, ctx.prefix, ctx.language, ctx.role))
        return
    if befehl.lower() in {ALL.de, ALL.en, "alles"}:
        await _send_reference(ctx)
        return
    name = befehl.removeprefix(ctx.prefix)
    command = ctx.registry.lookup(name)
    if command is None:
        await ctx.reply(describe_unknown(ctx, name.split()[0] if name.split() else name))
        return
    await ctx.reply(render_command(command, ctx.prefix, ctx.language, local_today(ctx)))


async def _send_reference(ctx: CommandContext) -> None:
    """The full reference is long: it goes to the asker's direct chat, not into the room."""
    messages = render_reference(ctx.registry, ctx.prefix, ctx.language, ctx.role, local_today(ctx))
    room_id = await ctx.direct_room()
    if room_id is None:
        command = ctx.hint(HELP_COMMAND, ALL.get(ctx.language))
        await ctx.reply(NO_DIRECT_ROOM.html(ctx.language, command=command))
        return
    if room_id == ctx.room_id:
        for html in messages:
            await ctx.reply(html)
        return
    for index, html in enumerate(messages):
        await ctx.say(room_id, html, f"help-reference|{ctx.event_id}|{index}")
    await ctx.reply(SENT_BY_DM.get(ctx.language))


def local_today(ctx: CommandContext) -> dt.date:
    return ctx.now().astimezone(ZoneInfo(ctx.timezone)).date()


@group.command(
    "sprache",
    aliases=("language",),
    help=Localized(
        "Stellt ein, in welcher Sprache ich dir antworte (de oder en).",
        "Sets the language I answer you in (de or en).",
    ),
    args=(
        Arg(
            "sprache",
            LanguageChoice(),
            Localized("de für Deutsch, en für Englisch", "de for German, en for English"),
            name_en="language",
        ),
    ),
)
async def language_command(ctx: CommandContext, sprache: Language) -> None:
    await user_settings.set_language(ctx.db, ctx.sender, sprache)
    ctx.language = sprache
    await ctx.reply(LANGUAGE_SET.get(sprache))
