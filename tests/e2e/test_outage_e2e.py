"""A homeserver outage: once it is back, the bot syncs (and answers) again within seconds, not
after a back-off that grew during the outage. Runs on a homeserver of its own, since it is
stopped."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.homeserver import LocalSynapse
from tests.e2e.harness import PASSWORD, BotProcess, MatrixUser, unique

# The first sync fails as the homeserver stops; with its own stop and start (~1 s) it is back
# ~18 s later. A doubling back-off (retries at 1, 3, 7, 15, 31 s …) would next try ~13 s after
# that; one capped at 5 s within 5 s.
OUTAGE_SECONDS = 17.0
BACK_WITHIN_SECONDS = 10.0


async def test_answers_again_within_seconds_after_an_outage(tmp_path: Path) -> None:
    server = LocalSynapse(tmp_path / "synapse")
    await server.start()
    orga: MatrixUser | None = None
    bot: BotProcess | None = None
    try:
        orga = await MatrixUser.create(server, "orga")
        bot_id = await server.register_user(unique("alumni-bot"), PASSWORD)
        bot = BotProcess(server, tmp_path / "bot", bot_id, [orga.user_id], [server.server_name])
        await bot.start()
        room_id = await orga.create_room(invite=[bot_id])
        await orga.wait_membership(room_id, bot_id, "join")

        await server.stop()
        await asyncio.sleep(OUTAGE_SECONDS)
        await server.start()
        back = time.time()
        sent = await orga.send_text(room_id, "!hilfe")
        reply = await orga.wait_reply(sent, bot_id, within=30.0)
        # When the homeserver received the answer: the test client's own reconnecting (nio
        # backs off by itself) must not count against the bot.
        took = reply["origin_server_ts"] / 1000 - back
        assert took <= BACK_WITHIN_SECONDS, f"answered {took:.1f} s after the homeserver was back"
    finally:
        if bot is not None:
            await bot.stop()
        if orga is not None:
            await orga.close()
        await server.stop()
