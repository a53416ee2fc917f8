"""Commands for organisers that concern the bot itself."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.context import BotStatus, CommandContext
from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural, format_number
from commands.core.registry import CommandGroup, Role
from commands.core.rendering import Markup, bullet_list
from commands.core.time_phrases import format_when

# Last in the help: it concerns the bot, not the network.
group = CommandGroup("verwaltung", Localized("Verwaltung", "Administration"), order=90)

STATUS = Localized("alumni-bot {version}", "alumni-bot {version}")
RUNNING_SINCE = Localized("läuft seit {started}", "running since {started}")
IN_ROOMS = Plural(
    Localized("in {count} Raum", "in {count} room"),
    Localized("in {count} Räumen", "in {count} rooms"),
)
HANDLED = Plural(
    Localized("{count} Befehl beantwortet", "{count} command answered"),
    Localized("{count} Befehle beantwortet", "{count} commands answered"),
)
LAST_SYNC = Localized("letzte Synchronisation vor {age} s", "last sync {age} s ago")
NO_SYNC_YET = Localized("noch keine Synchronisation", "no sync yet")


def render_status(status: BotStatus, language: Language, timezone: str) -> Markup:
    """Version, uptime, rooms, commands answered and the age of the last sync (HTML)."""
    started = format_when(status.started_at, ZoneInfo(timezone), language)
    age = status.last_sync_age_seconds
    lines = [
        RUNNING_SINCE.format(language, started=started),
        IN_ROOMS.format(language, status.rooms),
        HANDLED.format(language, status.commands_handled),
        NO_SYNC_YET.get(language)
        if age is None
        else LAST_SYNC.format(language, age=format_number(age, language, decimals=1)),
    ]
    head = Markup("<b>{}</b>").format(STATUS.format(language, version=status.version))
    return head + bullet_list(lines)


@group.command(
    "status",
    help=Localized(
        "Zeigt, wie es dem Bot geht: Version, Laufzeit, Räume, beantwortete Befehle.",
        "Shows how the bot is doing: version, uptime, rooms, commands answered.",
    ),
    role=Role.ORGANISER,
)
async def status_command(ctx: CommandContext) -> None:
    await ctx.reply(render_status(ctx.bot_status(), ctx.language, ctx.timezone))
