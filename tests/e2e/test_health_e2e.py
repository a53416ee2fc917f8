"""/healthz turns 503 when the sync loop itself is stuck (a command handler that hangs), within
the configured threshold, and not before: an idle bot long-polls well within it. (That slow work
beside the loop keeps it 200 is shown by the reconcile in test_space_reconcile_e2e.)"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.homeserver import LocalSynapse
from commands.core import faults
from tests.e2e.harness import MatrixUser, start_bot

UNHEALTHY_AFTER = 5.0
# Polling, and the homeserver handing the command over, take a moment.
SLACK = 4.0


async def test_healthz_turns_503_only_when_the_sync_loop_is_stuck(
    synapse: LocalSynapse, orga: MatrixUser, tmp_path: Path
) -> None:
    # Every command hangs its handler (and so the loop) for a minute.
    bot = await start_bot(
        synapse,
        tmp_path,
        orga,
        http_settings={"unhealthy_after_seconds": UNHEALTHY_AFTER},
        fault=faults.SLOW_COMMAND,
    )
    bot_id = bot.user_id
    try:
        room_id = await orga.create_room(invite=[bot_id])
        await orga.wait_membership(room_id, bot_id, "join")
        # Idle for three thresholds: the loop's long polls keep it healthy.
        idle_until = time.monotonic() + 3 * UNHEALTHY_AFTER
        while time.monotonic() < idle_until:
            assert await bot.health() == 200
            await asyncio.sleep(0.25)

        await orga.send_text(room_id, "!hilfe")
        sent = time.monotonic()
        async with asyncio.timeout(UNHEALTHY_AFTER + SLACK + 10):
            while "slow at" not in bot.log_path.read_text():  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        stuck_at = time.monotonic()
        while await bot.health() == 200:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        turned = time.monotonic()
        assert turned - stuck_at >= UNHEALTHY_AFTER - 1, "503 before the loop was stuck long"
        assert turned - sent <= UNHEALTHY_AFTER + SLACK + 10
        assert turned - stuck_at <= UNHEALTHY_AFTER + SLACK
    finally:
        await bot.stop()
