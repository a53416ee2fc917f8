"""`!space abgleichen` runs beside the sync loop: on a homeserver that limits invitations per
invitee (Synapse's `rc_invites.per_user`), the reconcile waits while another member's command
is answered at once and /healthz stays 200 past its threshold; killed with -9 in the middle,
the restarted bot resumes it, invites nobody twice and sends one result that names every
invitation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from nio import RoomKickResponse

from bot.homeserver import RELAXED_RATE_LIMITS, LocalSynapse
from tests.e2e.harness import BotProcess, MatrixUser, start_bot, unique
from tests.e2e.test_space_e2e import (
    WAIT,
    Network,
    accept_invite,
    set_up,
    space_config,
    write_roster,
)

# Four invitations per invitee at once (the organiser's four rooms at start), then one every
# 10 s; everything else stays relaxed.
STRICT_INVITES = {
    **RELAXED_RATE_LIMITS,
    "rc_invites": {
        **RELAXED_RATE_LIMITS["rc_invites"],
        "per_user": {"per_second": 0.1, "burst_count": 4},
    },
}
# Small, so that the reconcile's waits (10 s each) are longer than it.
UNHEALTHY_AFTER = 5.0
ANSWERED_WITHIN_MS = 2000
RESULT = "🏘️ Abgleich des Space"
WAITING = "limits the rate; waiting"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def invite_limited_synapse(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("invite-synapse"), rate_limits=STRICT_INVITES)
    await server.start()
    yield server
    await server.stop()


async def invitations(user: MatrixUser, room_id: str, invitee: str) -> int:
    """How often the room's history holds an invitation of `invitee`."""
    return sum(
        1
        for event in await user.room_history(room_id)
        if event.get("type") == "m.room.member"
        and event.get("state_key") == invitee
        and event["content"].get("membership") == "invite"
    )


async def fill_invite_limit(orga: MatrixUser, invitee: str) -> None:
    """Invite `invitee` to throwaway rooms until the homeserver refuses: every further
    invitation of theirs waits out the limit."""
    patient = orga.client.config
    # The test client would wait out the limit itself; here the refusal is what we want.
    orga.client.config = replace(patient, max_limit_exceeded=0)
    try:
        for _ in range(5):
            room_id = await orga.create_room(invite=[])
            response = await orga.client.room_invite(room_id, invitee)
            if getattr(response, "status_code", None) == "M_LIMIT_EXCEEDED":
                return
    finally:
        orga.client.config = patient
    raise AssertionError("the homeserver never limited the invitations")


class HealthWatch:
    """Asks /healthz every quarter second and keeps every status that was not 200."""

    def __init__(self, bot: BotProcess) -> None:
        self.bot = bot
        self.failures: list[int] = []
        self.asked = 0

    async def run(self) -> None:
        while True:
            with contextlib.suppress(OSError):
                status = await self.bot.health()
                self.asked += 1
                if status != 200:
                    self.failures.append(status)
            await asyncio.sleep(0.25)


async def test_a_reconcile_waits_out_invite_limits_beside_the_loop_and_survives_a_kill(
    invite_limited_synapse: LocalSynapse, tmp_path: Path
) -> None:
    synapse = invite_limited_synapse
    orga = await MatrixUser.create(synapse, "orga")
    anna = await MatrixUser.create(synapse, "anna")
    ben = await MatrixUser.create(synapse, "ben")
    alias = unique("limits").lower()
    bot = await start_bot(
        synapse,
        tmp_path / "bot",
        orga,
        space=space_config(alias, write_roster(tmp_path, orga, anna, ben)),
        http_settings={"unhealthy_after_seconds": UNHEALTHY_AFTER},
    )
    bot_id = bot.user_id
    watch = HealthWatch(bot)
    watching: asyncio.Task[None] | None = None
    try:
        rooms = await set_up(Network(bot, orga, anna, ben, alias, synapse.server_name))
        annas = [rooms[key] for key in ("space", "allgemein", "ankuendigungen")]
        await anna.wait_for(lambda: set(annas) <= anna.invites, within=WAIT)
        await accept_invite(ben, rooms["allgemein"])
        # Anna's invitations are taken back, and her limit is used up: the reconcile has to
        # invite her three times, waiting 10 s before each.
        for room_id in annas:
            revoked = await orga.client.room_kick(room_id, anna.user_id)
            assert isinstance(revoked, RoomKickResponse), revoked
        anna.invites.clear()
        await fill_invite_limit(orga, anna.user_id)

        logged = len(bot.log_path.read_text())
        command = await orga.send_text(rooms["organisation"], "!space abgleichen")
        running = await orga.wait_reply(command, bot_id, within=WAIT)
        assert "läuft" in running["content"]["body"]
        assert running["origin_server_ts"] - await server_ts(orga, command) < ANSWERED_WITHIN_MS
        watching = asyncio.create_task(watch.run())

        # While the reconcile waits, another member is answered at once.
        await orga.wait_for(lambda: WAITING in bot.log_path.read_text()[logged:], within=WAIT)
        probe = await ben.send_text(rooms["allgemein"], "!hilfe")
        answer = await ben.wait_reply(probe, bot_id, within=WAIT)
        assert answer["origin_server_ts"] - await server_ts(ben, probe) < ANSWERED_WITHIN_MS
        assert not [e for e in orga.replies_to(command, bot_id) if RESULT in e["content"]["body"]]

        # Killed once the first invitation went out and the next one waits.
        await anna.wait_for(lambda: anna.invites & set(annas), within=WAIT)
        waits = bot.log_path.read_text()[logged:].count(WAITING)
        await orga.wait_for(
            lambda: bot.log_path.read_text()[logged:].count(WAITING) > waits, within=WAIT
        )
        watching.cancel()
        assert bot.process is not None
        bot.process.kill()
        await bot.wait_exit()
        await bot.start()
        watching = asyncio.create_task(watch.run())

        result = await orga.wait_for(
            lambda: [e for e in orga.replies_to(command, bot_id) if RESULT in e["content"]["body"]],
            within=90,
        )
        body = result[0]["content"]["body"]
        # The invitation made before the kill is reported too: the result names all three.
        assert "3 Einladungen" in body, body
        assert anna.user_id in body and ben.user_id not in body
        for room_id in annas:
            assert await invitations(orga, room_id, anna.user_id) == 2  # at start, and now
        # The slow work never held up the loop: /healthz said 200 past its threshold.
        assert watch.asked > 4 * UNHEALTHY_AFTER and not watch.failures, watch.failures
        # One running note and one result, nothing twice.
        await asyncio.sleep(2)
        assert await orga.count_replies(rooms["organisation"], command, bot_id) == 2
    finally:
        if watching is not None:
            watching.cancel()
        await bot.stop()
        for user in (orga, anna, ben):
            await user.close()


async def server_ts(user: MatrixUser, event_id: str) -> int:
    """When the homeserver received one of the user's own events."""
    found = await user.wait_for(
        lambda: next((e for _room, e in user.events if e.get("event_id") == event_id), None)
    )
    return int(found["origin_server_ts"])
