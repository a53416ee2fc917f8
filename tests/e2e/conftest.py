"""Fixtures for end-to-end tests: one Synapse per session; fresh users, rooms and bots per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.homeserver import LocalSynapse
from tests.e2e.harness import PASSWORD, BotProcess, MatrixUser, unique


@pytest_asyncio.fixture(scope="session")
async def synapse(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def orga(synapse: LocalSynapse) -> AsyncIterator[MatrixUser]:
    user = await MatrixUser.create(synapse, "orga")
    yield user
    await user.close()


@pytest_asyncio.fixture
async def member(synapse: LocalSynapse) -> AsyncIterator[MatrixUser]:
    user = await MatrixUser.create(synapse, "mitglied")
    yield user
    await user.close()


@pytest_asyncio.fixture
async def bot(synapse: LocalSynapse, orga: MatrixUser, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """A bot process with its own account and database; `orga` is its configured organiser."""
    user_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    process = BotProcess(
        synapse,
        tmp_path,
        user_id,
        organisers=[orga.user_id],
        allowed_servers=[synapse.server_name],
    )
    await process.start()
    yield process
    await process.stop()


@dataclass
class Room:
    room_id: str
    bot: BotProcess
    orga: MatrixUser
    member: MatrixUser


@pytest_asyncio.fixture
async def room(bot: BotProcess, orga: MatrixUser, member: MatrixUser) -> Room:
    return await room_with(bot, orga, member)


async def room_with(bot: BotProcess, orga: MatrixUser, member: MatrixUser) -> Room:
    """The organiser's room with the bot (joined on the organiser's invite) and a member."""
    room_id = await orga.create_room(invite=[bot.user_id, member.user_id])
    await member.join(room_id)
    await orga.wait_membership(room_id, bot.user_id, "join")
    await member.wait_membership(room_id, bot.user_id, "join")
    return Room(room_id, bot, orga, member)
