"""The bot on PostgreSQL (the production backend) end to end: commands, answers by reaction,
poll votes, and exactly once across a hard kill — on a fresh database of its own."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.homeserver import LocalSynapse
from commands.core import faults
from tests.e2e.conftest import Room
from tests.e2e.harness import PASSWORD, BotProcess, MatrixUser, unique

PG_URL = os.environ.get(
    "ALUMNI_BOT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


@pytest_asyncio.fixture
async def pg_database() -> AsyncIterator[str]:
    """A fresh database; PostgreSQL must be there (CI starts it), else this fails loudly."""
    admin = create_async_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = "alumni_bot_e2e_" + secrets.token_hex(6)
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest_asyncio.fixture
async def pg_room(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path, pg_database: str
) -> AsyncIterator[Room]:
    user_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(
        synapse,
        tmp_path,
        user_id,
        organisers=[orga.user_id],
        allowed_servers=[synapse.server_name],
        storage_url=pg_database,
    )
    await bot.start()
    room_id = await orga.create_room(invite=[bot.user_id, member.user_id])
    await member.join(room_id)
    await orga.wait_membership(room_id, bot.user_id, "join")
    await member.wait_membership(room_id, bot.user_id, "join")
    yield Room(room_id, bot, orga, member)
    await bot.stop()


def body(event: dict) -> str:
    return str(event["content"]["body"])


async def test_commands_reactions_and_votes_on_postgresql(pg_room: Room) -> None:
    room = pg_room
    sent = await room.orga.send_text(room.room_id, '!termin neu "Werkstatt" morgen 10-12 Uhr')
    assert "Werkstatt" in body(await room.orga.wait_reply(sent, room.bot.user_id))
    card = await room.member.wait_for(
        lambda: next(
            (
                event
                for room_id, event in room.member.events
                if room_id == room.room_id
                and event["sender"] == room.bot.user_id
                and "m.relates_to" not in event["content"]
                and "Werkstatt" in str(event["content"].get("body", ""))
            ),
            None,
        )
    )
    await room.member.react(room.room_id, card["event_id"], "✅️")
    asked = await room.orga.send_text(room.room_id, "!termin antworten 1")
    # The reaction came first in the room, so it is counted before the command is answered.
    assert "(1)" in body(await room.orga.wait_reply(asked, room.bot.user_id))
    poll = await room.member.send_text(room.room_id, '!umfrage "Welches Thema?" "Rolle" "Agil"')
    assert "Umfrage Nr. 1" in body(await room.member.wait_reply(poll, room.bot.user_id))


async def test_exactly_once_across_a_hard_kill_on_postgresql(pg_room: Room) -> None:
    room = pg_room
    await room.bot.stop()
    await room.bot.start(fault=faults.AFTER_SEND)
    command = await room.member.send_text(room.room_id, "!hilfe")
    assert await room.bot.wait_exit() == 137
    await room.bot.start()
    sent = await room.member.send_text(room.room_id, "!sprache en")
    await room.member.wait_reply(sent, room.bot.user_id)
    assert await room.member.count_replies(room.room_id, command, room.bot.user_id) == 1
