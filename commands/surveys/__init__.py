"""The needs survey (Bedarfserhebung): surveys described in TOML, asked question by question
in the direct chat, anonymous or named; noted needs; the report with its chart; exports."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import ConversionError
from commands.core.dispatch import run_conversation
from commands.core.feature import Feature, On
from commands.core.ports import Ports, Settings
from commands.core.signals import DirectText
from commands.surveys import commands, needs
from commands.surveys.definition import parse_toml
from commands.surveys.duty import SurveyDuty

log = logging.getLogger(__name__)


def check_files(settings: Settings) -> None:
    """Every survey file the configuration names must exist and describe a valid survey."""
    now = dt.datetime.now(dt.UTC)
    for index, path in enumerate(settings.survey_files):
        key = f"bot.surveys[{index}]"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{key}: {path}: {exc.strerror or exc}") from exc
        try:
            parse_toml(text, now, ZoneInfo(settings.timezone), "config.example.toml", future=False)
        except ConversionError as exc:
            raise ValueError(f"{key}: {path}: {exc.text('en')}") from exc


async def load_files(ports: Ports) -> None:
    """The surveys the configuration names in TOML files; the first organiser is their owner."""
    needs.take_min_group_size(ports.settings)
    settings = ports.settings
    owner = settings.organisers[0] if settings.organisers else ports.homeserver.user_id
    now = dt.datetime.now(dt.UTC)
    for path in settings.survey_files:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        log.info(await commands.load_file(ports.db, path, text, owner, now, settings.timezone))


async def answer(ctx: CommandContext, signal: DirectText) -> bool:
    """A message in the direct chat may be the next answer of a survey; whether it was."""
    return await run_conversation(ctx, signal.body, commands.converse)


FEATURE = Feature(
    "surveys",
    groups=(commands.group, needs.group),
    signals=(On(DirectText, answer),),
    duties=lambda ports: (SurveyDuty(ports),),
    check=check_files,
    setup=load_files,
    downloads={"needs/": needs.export_file},
)
