"""General commands: help and the per-user language."""

from __future__ import annotations

from commands.core.context import CommandContext
from commands.core.converters import LanguageChoice, Word
from commands.core.dispatch import describe_unknown
from commands.core.help_text import render_command, render_overview
from commands.core.i18n import Language, Localized
from commands.core.registry import HELP_COMMAND, Arg, CommandGroup
from storage import user_settings

group = CommandGroup("allgemein", Localized("Allgemein", "General"))

LANGUAGE_SET = Localized(
    "Ich antworte dir ab jetzt auf Deutsch.", "From now on I will answer you in English."
)


@group.command(
    HELP_COMMAND,
    aliases=("help",),
    help=Localized(
        "Zeigt alle Befehle oder die ausführliche Hilfe zu einem Befehl.",
        "Shows all commands, or the full help for one command.",
    ),
    args=(
        Arg(
            "befehl",
            Word(max_length=60),
            Localized("der Befehl, zu dem du Hilfe willst", "the command you want help with"),
            name_en="command",
            optional=True,
        ),
    ),
)
async def help_command(ctx: CommandContext, befehl: str | None) -> None:
    if befehl is None:
        await ctx.reply(render_overview(ctx.registry, ctx.prefix, ctx.language))
        return
    name = befehl.removeprefix(ctx.prefix)
    command = ctx.registry.find(name)
    if command is None:
        await ctx.reply(describe_unknown(ctx, name))
        return
    await ctx.reply(render_command(command, ctx.prefix, ctx.language))


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
