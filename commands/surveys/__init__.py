"""The needs survey (Bedarfserhebung): surveys described in TOML, asked question by question
in the direct chat, anonymous or named; noted needs; the report with its chart; exports."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import ConversionError
from commands.core.dispatch import run_conversation
from commands.core.feature import Feature, On
from commands.core.ports import Ports, Settings
from commands.core.signals import DirectText, Membership
from commands.surveys import commands, invitations, needs
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


async def joins_an_inviting_room(ports: Ports, room_id: str, signal: Membership) -> bool:
    if signal.membership != "join":
        return False
    return bool(await invitations.inviting_room(ports, room_id, dt.datetime.now(dt.UTC)))


INVITE_JOB = "surveys.invite"


async def on_join(ctx: CommandContext, signal: Membership) -> None:
    """Someone joined a room whose members an open survey invites: the direct message may wait
    out rate limits, so it is queued and sent beside the sync loop."""
    payload = {"room_id": ctx.room_id, "user_id": signal.user_id}
    if ctx.ports.jobs is not None:
        key = f"{INVITE_JOB}|{signal.event.get('event_id', '')}"
        await ctx.ports.jobs.enqueue(INVITE_JOB, key, payload)
        return
    await run_invite_job(ctx.ports, payload)


async def run_invite_job(ports: Ports, payload: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.UTC)
    for survey in await invitations.inviting_room(ports, payload["room_id"], now):
        await invitations.invite(ports, survey, [payload["user_id"]])


FEATURE = Feature(
    "surveys",
    groups=(commands.group, needs.group),
    signals=(On(DirectText, answer), On(Membership, on_join, accepts=joins_an_inviting_room)),
    duties=lambda ports: (SurveyDuty(ports),),
    check=check_files,
    setup=load_files,
    downloads={"needs/": needs.export_file},
    jobs={INVITE_JOB: run_invite_job},
)
