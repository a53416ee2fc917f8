"""`!space abgleichen` runs beside the sync loop: on a homeserver that limits invitations per
invitee (Synapse's `rc_invites.per_user`), the reconcile waits while another member's command
is answered at once and /healthz stays 200 past its threshold; killed with -9 in the middle,
the restarted bot resumes it, invites nobody twice and sends one result that names every
invitation. Meanwhile `!mitglied hinzufügen` is answered at once and invites once the
reconcile is done, and a room made public is closed again at once."""

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


async def limited_network(
    synapse: LocalSynapse, tmp_path: Path, name: str, **http: object
) -> Network:
    """A bot running the space of Olga (organiser), Anna and Ben."""
    orga = await MatrixUser.create(synapse, "orga")
    anna = await MatrixUser.create(synapse, "anna")
    ben = await MatrixUser.create(synapse, "ben")
    alias = unique(name).lower()
    bot = await start_bot(
        synapse,
        tmp_path / "bot",
        orga,
        space=space_config(alias, write_roster(tmp_path, orga, anna, ben)),
        http_settings=http,
    )
    return Network(bot, orga, anna, ben, alias, synapse.server_name)


async def use_up_annas_invites(network: Network, rooms: dict[str, str]) -> list[str]:
    """Anna's invitations are taken back, and her limit is used up: a reconcile has to invite
    her three times, waiting 10 s before each. Ben joins Allgemein. Anna's rooms."""
    orga, anna = network.orga, network.anna
    annas = [rooms[key] for key in ("space", "allgemein", "ankuendigungen")]
    await anna.wait_for(lambda: set(annas) <= anna.invites, within=WAIT)
    await accept_invite(network.ben, rooms["allgemein"])
    for room_id in annas:
        revoked = await orga.client.room_kick(room_id, anna.user_id)
        assert isinstance(revoked, RoomKickResponse), revoked
    anna.invites.clear()
    await fill_invite_limit(orga, anna.user_id)
    return annas


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
    network = await limited_network(
        invite_limited_synapse, tmp_path, "limits", unhealthy_after_seconds=UNHEALTHY_AFTER
    )
    bot, orga, anna, ben = network.bot, network.orga, network.anna, network.ben
    bot_id = bot.user_id
    watch = HealthWatch(bot)
    watching: asyncio.Task[None] | None = None
    try:
        rooms = await set_up(network)
        annas = await use_up_annas_invites(network, rooms)

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
        # What the run did, kept while it ran, is gone with its end (deleted just after the
        # answer is sent, so a crash in between reports it again rather than never).
        async with asyncio.timeout(WAIT):
            while await progress_kept(bot):  # noqa: ASYNC110 (a row in the bot's database)
                await asyncio.sleep(0.1)
        # The invitation made before the kill is reported too: the result names all three.
        assert "3 Einladungen" in body, body
        # Anna as a pill (her name shown, her id in the link), Ben not at all.
        html = result[0]["content"]["formatted_body"]
        assert anna.user_id in html and ben.user_id not in html
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


async def test_member_commands_and_a_public_room_are_answered_while_a_reconcile_waits(
    invite_limited_synapse: LocalSynapse, tmp_path: Path
) -> None:
    network = await limited_network(invite_limited_synapse, tmp_path, "members")
    bot, orga, anna, ben = network.bot, network.orga, network.anna, network.ben
    carl = await MatrixUser.create(invite_limited_synapse, "carl")
    bot_id = bot.user_id
    try:
        rooms = await set_up(network)
        await use_up_annas_invites(network, rooms)
        logged = len(bot.log_path.read_text())
        reconcile = await orga.send_text(rooms["organisation"], "!space abgleichen")
        await orga.wait_reply(reconcile, bot_id, within=WAIT)
        await orga.wait_for(lambda: WAITING in bot.log_path.read_text()[logged:], within=WAIT)

        # An organiser adds Carl: answered at once, the invitations follow.
        add = await orga.send_text(
            rooms["organisation"],
            f"!mitglied hinzufügen {carl.user_id} Carl Neu; Cottbus; 2; Smart City Manager:in",
        )
        first = await orga.wait_reply(add, bot_id, within=WAIT)
        added_ms = first["origin_server_ts"] - await server_ts(orga, add)
        assert "Carl Neu" in first["content"]["body"] and "Hintergrund" in first["content"]["body"]
        assert added_ms < ANSWERED_WITHIN_MS, added_ms
        # Another member is answered at once too.
        probe = await ben.send_text(rooms["allgemein"], "!hilfe")
        answer = await ben.wait_reply(probe, bot_id, within=WAIT)
        help_ms = answer["origin_server_ts"] - await server_ts(ben, probe)
        assert help_ms < ANSWERED_WITHIN_MS, help_ms
        # A room made public is closed again at once, not after the reconcile's waits.
        general = rooms["allgemein"]
        opened = await orga.client.room_put_state(
            general, "m.room.join_rules", {"join_rule": "public"}
        )
        assert hasattr(opened, "event_id"), opened
        opened_ts = await server_ts(orga, opened.event_id)
        closing = await orga.wait_for(
            lambda: next(
                (
                    e
                    for room, e in orga.events
                    if room == general
                    and e.get("type") == "m.room.join_rules"
                    and e["sender"] == bot_id
                    and e["content"].get("join_rule") == "restricted"
                    and e["origin_server_ts"] >= opened_ts
                ),
                None,
            ),
            within=WAIT,
        )
        closed_ms = closing["origin_server_ts"] - opened_ts
        assert closed_ms < ANSWERED_WITHIN_MS, closed_ms
        print(f"added {added_ms} ms, help {help_ms} ms, closed {closed_ms} ms")

        # Once the reconcile is done, Carl is invited, once, and the command answered again.
        results = await orga.wait_for(lambda: orga.replies_to(add, bot_id)[1:], within=90)
        body = results[0]["content"]["body"]
        assert "Einladungen in den Space:" in body and "Carl Neu: Alumni" in body, body
        carls = [rooms[key] for key in ("space", "allgemein", "ankuendigungen")]
        await carl.wait_for(lambda: set(carls) <= carl.invites, within=WAIT)
        assert [r for r in orga.replies_to(reconcile, bot_id) if RESULT in r["content"]["body"]]
        await asyncio.sleep(2)
        for room_id in carls:
            assert await invitations(orga, room_id, carl.user_id) == 1
        assert await orga.count_replies(rooms["organisation"], add, bot_id) == 2
    finally:
        await bot.stop()
        for user in (orga, anna, ben, carl):
            await user.close()


async def test_an_admission_cut_short_by_a_kill_invites_once_and_names_every_room(
    invite_limited_synapse: LocalSynapse, tmp_path: Path
) -> None:
    network = await limited_network(invite_limited_synapse, tmp_path, "admit")
    bot, orga = network.bot, network.orga
    dora = await MatrixUser.create(invite_limited_synapse, "dora")
    bot_id = bot.user_id
    try:
        rooms = await set_up(network)
        doras = [rooms[key] for key in ("space", "allgemein", "ankuendigungen")]
        await fill_invite_limit(orga, dora.user_id)
        logged = len(bot.log_path.read_text())
        add = await orga.send_text(
            rooms["organisation"],
            f"!mitglied hinzufügen {dora.user_id} Dora Neu; Eberswalde; 1; Smart City Manager:in",
        )
        await orga.wait_reply(add, bot_id, within=WAIT)
        # Killed once the first invitation went out and the next one waits.
        await dora.wait_for(lambda: dora.invites & set(doras), within=WAIT)
        waits = bot.log_path.read_text()[logged:].count(WAITING)
        await orga.wait_for(
            lambda: bot.log_path.read_text()[logged:].count(WAITING) > waits, within=WAIT
        )
        assert bot.process is not None
        bot.process.kill()
        await bot.wait_exit()
        await bot.start()

        results = await orga.wait_for(lambda: orga.replies_to(add, bot_id)[1:], within=90)
        body = results[0]["content"]["body"]
        # The one answer names every room, the one invited to before the kill too.
        for name in ("Alumni-Netzwerk", "Allgemein", "Ankündigungen"):
            assert name in body, body
        await dora.wait_for(lambda: set(doras) <= dora.invites, within=WAIT)
        await asyncio.sleep(2)
        for room_id in doras:
            assert await invitations(orga, room_id, dora.user_id) == 1
        assert await orga.count_replies(rooms["organisation"], add, bot_id) == 2
    finally:
        await bot.stop()
        for user in (orga, network.anna, network.ben, dora):
            await user.close()


async def progress_kept(bot: BotProcess) -> list[str]:
    """The reconcile progress rows in the bot's database."""
    rows = await bot.query("SELECT key FROM bot_state WHERE key LIKE 'space_reconcile_progress|%'")
    return [key for (key,) in rows]


async def server_ts(user: MatrixUser, event_id: str) -> int:
    """When the homeserver received one of the user's own events."""
    found = await user.wait_for(
        lambda: next((e for _room, e in user.events if e.get("event_id") == event_id), None)
    )
    return int(found["origin_server_ts"])
