"""A second instance on the same database waits as a standby and takes over when the active one
is killed: every command is answered, and exactly once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.homeserver import LocalSynapse
from tests.e2e.harness import PASSWORD, BotProcess, MatrixUser, unique

TAKEOVER_SECONDS = 15


async def test_the_standby_takes_over_from_a_killed_instance_and_nothing_is_answered_twice(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> None:
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    people = ([orga.user_id], [synapse.server_name])
    active = BotProcess(synapse, tmp_path / "active", bot_id, *people)
    standby = BotProcess(synapse, tmp_path / "standby", bot_id, *people, shares=active)
    await active.start()
    try:
        await standby.start()
        assert (await standby.wait_healthy())["standby"] is True
        assert (await active.wait_healthy())["standby"] is False

        room_id = await orga.create_room(invite=[bot_id, member.user_id])
        await member.join(room_id)
        await member.wait_membership(room_id, bot_id, "join")
        before = await member.send_text(room_id, "!hilfe")
        await member.wait_reply(before, bot_id)
        # Long enough for a standby that answered too to have done so (it asks every 2 s).
        await asyncio.sleep(5)
        assert await member.count_replies(room_id, before, bot_id) == 1
        standby_log = standby.log_path.read_text()
        assert "STANDBY" in standby_log
        assert "joining" not in standby_log

        assert active.process is not None
        active.process.kill()  # kill -9: no goodbye, the lock goes with the process
        await active.wait_exit()
        killed_at = time.monotonic()
        after = await member.send_text(room_id, "!hilfe")
        await member.wait_reply(after, bot_id, within=TAKEOVER_SECONDS)
        assert time.monotonic() - killed_at < TAKEOVER_SECONDS
        assert "TAKING OVER" in standby.log_path.read_text()
        assert (await standby.wait_healthy())["standby"] is False

        probe = await member.send_text(room_id, "!hilfe")
        await member.wait_reply(probe, bot_id)
        for event_id in (before, after, probe):
            assert await member.count_replies(room_id, event_id, bot_id) == 1
    finally:
        await standby.stop()
        await active.stop()
