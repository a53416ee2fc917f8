"""The space at start: its keeper set up from the configuration; the roster file, taken over
when it changed (by the reconcile at start, see `reconcile`)."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from commands.core.converters import ConversionError
from commands.core.i18n import LANGUAGES, Localized
from commands.core.ports import Ports
from commands.space.commands import RUNTIME, import_roster
from commands.space.keeper import SpaceKeeper
from commands.space.settings import SpaceConfig
from commands.space.text import ROSTER_FILE_REJECTED, ROSTER_FILE_UNREADABLE, problem
from storage import bot_state, roster

log = logging.getLogger(__name__)

ROSTER_FILE_KEY = "roster_file_sha256"


def config_of(ports: Ports) -> SpaceConfig | None:
    found: SpaceConfig | None = ports.settings.sections.get(RUNTIME)
    return found


def keeper_of(ports: Ports) -> SpaceKeeper | None:
    found: SpaceKeeper | None = ports.runtimes.get(RUNTIME)
    return found


async def set_up(ports: Ports) -> None:
    # The network is who is on the roster (all while it is empty, as in a bot that runs no
    # space: the people of a room are its roster).
    ports.network_filters.append(roster.on_roster)
    config = config_of(ports)
    if config is None:
        return
    keeper = SpaceKeeper(config.spec, config.avatar, ports)
    await keeper.load()
    ports.runtimes[RUNTIME] = keeper
    # Roster members with the role Organisation are network organisers like `bot.organisers`.
    ports.network_organiser_sources.append(lambda: keeper.roster_organisers)
    # Only the rooms of the space make their organisers organisers to the bot.
    ports.organised_rooms.append(lambda room_id: keeper.key_of(room_id) is not None)


async def read_roster_file(ports: Ports, keeper: SpaceKeeper) -> list[Localized]:
    """Take the roster file over if it changed since it was last taken over (else a start
    would undo `!mitglied entfernen` and roles set by command since); what was wrong with it."""
    config = config_of(ports)
    roster_file = config.roster if config is not None else None
    if roster_file is None:
        return []
    text = await asyncio.to_thread(roster_file.read_text, "utf-8-sig")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest == await bot_state.get_value(ports.db, ROSTER_FILE_KEY):
        return []
    cohorts, allowed = keeper.spec.cohorts, ports.settings.allowed_servers
    try:
        plan, applied = await import_roster(ports.db, text, cohorts, allowed, False)
    except ConversionError as exc:
        return [problem(ROSTER_FILE_UNREADABLE, file=roster_file, error=exc.text("en"))]
    log.info(
        "roster file %s: %d new, %d changed, %d unchanged, %d rejected%s",
        roster_file,
        len(plan.added),
        len(plan.changed),
        len(plan.unchanged),
        len(plan.rejected),
        "" if applied else " (nothing taken over)",
    )
    if applied:
        await bot_state.set_value(ports.db, ROSTER_FILE_KEY, digest)
        return []
    lines = Localized(
        *("; ".join(f"{r.line}: {r.text(lang)}" for r in plan.rejected[:10]) for lang in LANGUAGES)
    )
    return [problem(ROSTER_FILE_REJECTED, file=roster_file, lines=lines)]
