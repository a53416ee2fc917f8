"""Exactly-once handling across restarts, downtime and hard kills, on a real Synapse."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.homeserver import LocalSynapse
from commands.core import faults
from tests.e2e.conftest import Room
from tests.e2e.harness import PASSWORD, BotProcess, MatrixUser, unique


async def answered_once(room: Room, event_id: str) -> None:
    """Once a later probe is answered, every earlier command has been handled (in order)."""
    probe = await room.member.send_text(room.room_id, "!hilfe")
    await room.member.wait_reply(probe, room.bot.user_id)
    assert await room.member.count_replies(room.room_id, event_id, room.bot.user_id) == 1


async def test_restart_does_not_rerun_old_commands(room: Room) -> None:
    first = await room.member.send_text(room.room_id, "!hilfe")
    await room.member.wait_reply(first, room.bot.user_id)
    await room.bot.stop()
    await room.bot.start()
    await answered_once(room, first)


async def test_command_sent_while_down_is_answered_once(room: Room) -> None:
    await room.bot.stop()
    while_down = await room.member.send_text(room.room_id, "!hilfe")
    await room.bot.start()
    await room.member.wait_reply(while_down, room.bot.user_id)
    await answered_once(room, while_down)


async def test_many_commands_while_down_fill_the_timeline_gap(room: Room) -> None:
    await room.bot.stop()
    sent = [await room.member.send_text(room.room_id, f"!hilfe sprache{n}") for n in range(70)]
    await room.bot.start()
    for event_id in sent:
        await room.member.wait_reply(event_id, room.bot.user_id, within=60)
    history = await room.member.room_history(room.room_id)
    replied = [
        e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
        for e in history
        if e["sender"] == room.bot.user_id and "m.relates_to" in e.get("content", {})
    ]
    assert sorted(replied) == sorted(sent)


async def test_hard_kill_before_reply_answers_exactly_once(room: Room) -> None:
    await room.bot.stop()
    await room.bot.start(fault=faults.BEFORE_REPLY)
    command = await room.member.send_text(room.room_id, "!hilfe")
    assert await room.bot.wait_exit() == 137
    assert await room.member.count_replies(room.room_id, command, room.bot.user_id) == 0
    await room.bot.start()
    await room.member.wait_reply(command, room.bot.user_id)
    await answered_once(room, command)


async def test_hard_kill_after_send_does_not_post_twice(room: Room) -> None:
    await room.bot.stop()
    await room.bot.start(fault=faults.AFTER_SEND)
    command = await room.member.send_text(room.room_id, "!hilfe")
    assert await room.bot.wait_exit() == 137
    assert await room.member.count_replies(room.room_id, command, room.bot.user_id) == 1
    await room.bot.start()
    await answered_once(room, command)


async def test_first_start_ignores_history(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> None:
    """The bot account is in the room before the bot ever ran; old commands stay unanswered."""
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    early = BotProcess(synapse, tmp_path / "early", bot_id, [orga.user_id], [synapse.server_name])
    room_id = await orga.create_room(invite=[member.user_id, bot_id])
    await member.join(room_id)
    old = await member.send_text(room_id, "!hilfe")
    # Another client of the bot account joins, as an admin would before the first start.
    bot_client = await MatrixUser.create_login(synapse, bot_id)
    await bot_client.join(room_id)
    await bot_client.close()
    await early.start()
    try:
        room = Room(room_id, early, orga, member)
        await answered_once_expecting(room, old, 0)
    finally:
        await early.stop()


async def answered_once_expecting(room: Room, event_id: str, count: int) -> None:
    probe = await room.member.send_text(room.room_id, "!hilfe")
    await room.member.wait_reply(probe, room.bot.user_id)
    assert await room.member.count_replies(room.room_id, event_id, room.bot.user_id) == count


async def test_invites_only_from_organisers_or_allowed_servers(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> None:
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    strict = BotProcess(synapse, tmp_path / "strict", bot_id, [orga.user_id], ["example.org"])
    await strict.start()
    try:
        from_member = await member.create_room(invite=[bot_id])
        await member.wait_membership(from_member, bot_id, "leave")
        from_orga = await orga.create_room(invite=[bot_id])
        await orga.wait_membership(from_orga, bot_id, "join")
    finally:
        await strict.stop()


async def test_health_and_metrics(room: Room) -> None:
    event_id = await room.member.send_text(room.room_id, "!hilfe")
    await room.member.wait_reply(event_id, room.bot.user_id)
    health = await room.bot.wait_healthy()
    assert health["syncing"] is True and health["last_sync_age_seconds"] < 60
    url = f"http://127.0.0.1:{room.bot.http_port}/metrics"
    counted = 'alumni_bot_commands_handled_total{outcome="ok"} 1.0'
    text = ""
    # The reply can reach the member a moment before the bot has counted the command.
    async with asyncio.timeout(5), aiohttp.ClientSession() as session:
        while counted not in text:
            async with session.get(url) as response:
                text = await response.text()
    assert "alumni_bot_send_latency_seconds_count" in text
    assert "alumni_bot_sync_lag_seconds_bucket" in text
    await room.bot.stop()
    assert room.bot.process is not None and room.bot.process.returncode == 0


async def test_sigkill_while_commands_flow_answers_each_exactly_once(room: Room) -> None:
    sent = [await room.member.send_text(room.room_id, f"!hilfe sprache{n}") for n in range(20)]
    await room.member.wait_reply(sent[2], room.bot.user_id)
    assert room.bot.process is not None
    room.bot.process.kill()
    await room.bot.wait_exit()
    await room.bot.start()
    for event_id in sent:
        await room.member.wait_reply(event_id, room.bot.user_id)
    for event_id in sent:
        assert await room.member.count_replies(room.room_id, event_id, room.bot.user_id) == 1
