"""Commands for organisers that concern the bot itself."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.i18n import Localized
from commands.core.registry import CommandGroup, Role
from commands.core.rendering import bullet_list, escape

# Last in the help: it concerns the bot, not the network.
group = CommandGroup("verwaltung", Localized("Verwaltung", "Administration"), order=90)

STATUS = Localized(
    "<b>alumni-bot {version}</b>",
    "<b>alumni-bot {version}</b>",
)
LINES = (
    Localized("läuft seit {started}", "running since {started}"),
    Localized("in {rooms} Räumen", "in {rooms} rooms"),
    Localized("{handled} Befehle beantwortet", "{handled} commands answered"),
    Localized("letzte Synchronisation vor {age} s", "last sync {age} s ago"),
)


@group.command(
    "status",
    help=Localized(
        "Zeigt, wie es dem Bot geht: Version, Laufzeit, Räume, beantwortete Befehle.",
        "Shows how the bot is doing: version, uptime, rooms, commands answered.",
    ),
    role=Role.ORGANISER,
)
async def status_command(ctx: CommandContext) -> None:
    status = ctx.bot_status()
    started = status.started_at.astimezone(ZoneInfo(ctx.timezone))
    age = "–" if status.last_sync_age_seconds is None else f"{status.last_sync_age_seconds:.1f}"
    values = {
        "started": started.strftime("%d.%m.%Y %H:%M %Z"),
        "rooms": status.rooms,
        "handled": status.commands_handled,
        "age": age,
    }
    items = [escape(line.format(ctx.language, **values)) for line in LINES]
    await ctx.reply(
        STATUS.format(ctx.language, version=escape(status.version)) + bullet_list(items)
    )
