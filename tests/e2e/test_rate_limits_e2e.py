"""A homeserver that enforces a message rate limit: 429s are waited out, the bot's default pace
follows the limit, an explicit pace avoids it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.homeserver import RELAXED_RATE_LIMITS, LocalSynapse
from tests.e2e.harness import PASSWORD, BotProcess, MatrixUser, unique

# Three messages at once, then one a second, for every user; everything else stays relaxed.
STRICT_MESSAGES = {**RELAXED_RATE_LIMITS, "rc_message": {"per_second": 1, "burst_count": 3}}
COMMANDS = 8


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def strict_synapse(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("strict-synapse"), rate_limits=STRICT_MESSAGES)
    await server.start()
    yield server
    await server.stop()


async def burst_of_commands(
    synapse: LocalSynapse, workdir: Path, rate: float | None, burst: int | None
) -> BotProcess:
    """Commands that piled up while the bot was down: it answers all of them in one burst."""
    orga = await MatrixUser.create(synapse, "orga")
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(
        synapse,
        workdir,
        bot_id,
        [orga.user_id],
        [synapse.server_name],
        matrix_settings={"send_rate_per_second": rate, "send_burst": burst},
    )
    await bot.start()
    try:
        room_id = await orga.create_room(invite=[bot_id])
        await orga.wait_membership(room_id, bot_id, "join")
        await bot.stop()
        # The organiser is limited too: its client's retries spread its sends out.
        sent = [await orga.send_text(room_id, f"!hilfe sprache{n}") for n in range(COMMANDS)]
        await bot.start()
        for event_id in sent:
            await orga.wait_reply(event_id, bot_id, within=60)
        for event_id in sent:
            assert await orga.count_replies(room_id, event_id, bot_id) == 1
    finally:
        await bot.stop()
        await orga.close()
    return bot


async def test_rate_limited_sends_are_retried_after_the_wait(
    strict_synapse: LocalSynapse, tmp_path: Path
) -> None:
    bot = await burst_of_commands(strict_synapse, tmp_path, rate=100, burst=100)
    assert "rate limited" in bot.log_path.read_text()


async def test_pacing_stays_below_the_limit(strict_synapse: LocalSynapse, tmp_path: Path) -> None:
    bot = await burst_of_commands(strict_synapse, tmp_path, rate=0.9, burst=3)
    assert "rate limited" not in bot.log_path.read_text()


async def test_by_default_the_bot_follows_the_limit_it_is_told(
    strict_synapse: LocalSynapse, tmp_path: Path
) -> None:
    started = asyncio.get_running_loop().time()
    bot = await burst_of_commands(strict_synapse, tmp_path, rate=None, burst=None)
    log = bot.log_path.read_text()
    # Sent at once until refused; then the pace is learned, not a retry for every reply.
    assert 1 <= log.count("rate limited") <= COMMANDS - 3
    assert asyncio.get_running_loop().time() - started < 60
