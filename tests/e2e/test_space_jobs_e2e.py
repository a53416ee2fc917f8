"""The space's slow work runs beside the sync loop: while a membership change waits, commands
are answered at once; killed in the middle, the bot does the work after its restart."""

from __future__ import annotations

import time

from bot.homeserver import LocalSynapse
from commands.core import faults
from tests.e2e.harness import MatrixUser
from tests.e2e.test_space_e2e import (  # noqa: F401 (the fixture)
    WAIT,
    Network,
    accept_invite,
    network,
    notes_in,
    set_up,
    state_of,
)

PROMPT_SECONDS = 10.0


async def test_a_command_is_answered_while_space_work_waits_and_a_kill_loses_none(
    network: Network,  # noqa: F811
    synapse: LocalSynapse,
) -> None:
    orga, bot = network.orga, network.bot
    rooms = await set_up(network)
    await bot.stop()
    # Every membership change in the space now takes a minute, as behind a rate limit.
    await bot.start(fault=faults.SLOW_SPACE_MEMBER)

    outsider = await MatrixUser.create(synapse, "fremd")
    try:
        await orga.client.room_invite(rooms["ankuendigungen"], outsider.user_id)
        await accept_invite(outsider, rooms["ankuendigungen"])
        # The bot has seen the join (the slow work started) before the command is sent.
        await orga.wait_for(lambda: "slow at" in bot.log_path.read_text(), within=WAIT)

        sent_at = time.monotonic()
        probe = await orga.send_text(rooms["organisation"], "!hilfe")
        await orga.wait_reply(probe, bot.user_id, within=WAIT)
        assert time.monotonic() - sent_at < PROMPT_SECONDS
        state = await state_of(orga, rooms["ankuendigungen"])
        assert state[("m.room.member", outsider.user_id)]["membership"] == "join"

        # Killed while the work waits: it was queued, so the restarted bot does it.
        assert bot.process is not None
        bot.process.kill()
        await bot.wait_exit()
        await bot.start()
        await orga.wait_for(
            lambda: notes_in(orga, rooms["organisation"], bot.user_id, outsider.user_id),
            within=WAIT,
        )
        state = await state_of(orga, rooms["ankuendigungen"])
        assert state[("m.room.member", outsider.user_id)]["membership"] == "leave"
        assert await orga.count_replies(rooms["organisation"], probe, bot.user_id) == 1
    finally:
        await outsider.close()
