"""Scheduled announcements on a real Synapse: on time, once, across restarts and hard kills."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio

from bot.homeserver import LocalSynapse
from commands.core import faults
from tests.e2e.harness import BotProcess, Event, MatrixUser, start_bot, unique


@dataclass
class Space:
    bot: BotProcess
    orga: MatrixUser
    member: MatrixUser
    rooms: dict[str, str]  # alias localpart -> room id


@pytest_asyncio.fixture
async def space(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> AsyncIterator[Space]:
    """Two aliased rooms with the organiser, a member and a bot whose grace period is 2 s."""
    bot = await start_bot(synapse, tmp_path, orga, missed_grace_hours=2 / 3600)
    bot_id = bot.user_id
    rooms = {}
    for name in ("allgemein", "workshop"):
        alias = unique(name)
        room_id = await orga.create_room(invite=[bot_id, member.user_id], alias=alias)
        await member.join(room_id)
        await orga.wait_membership(room_id, bot_id, "join")
        rooms[alias] = room_id
    yield Space(bot, orga, member, rooms)
    await bot.stop()


def bot_posts(history: list[Event], bot_id: str, needle: str) -> int:
    """The bot's posts with `needle`, not its replies (a listing by !ankuendigungen names the
    announcement's text too)."""
    return sum(
        1
        for event in history
        if event.get("sender") == bot_id
        and needle in event.get("content", {}).get("body", "")
        and "m.relates_to" not in event.get("content", {})
    )


def texts_in(user: MatrixUser, room_id: str, sender: str, needle: str) -> list[Event]:
    return [
        event
        for room, event in user.events
        if room == room_id
        and event.get("sender") == sender
        and needle in event.get("content", {}).get("body", "")
    ]


async def command(space: Space, room_id: str, text: str) -> str:
    event_id = await space.orga.send_text(room_id, text)
    reply = await space.orga.wait_reply(event_id, space.bot.user_id)
    return reply["content"]["body"]


def number_in(reply: str) -> int:
    match = re.search(r"Nr\. (\d+)", reply)
    assert match, reply
    return int(match[1])


async def until_none_listed(space: Space, room_id: str) -> None:
    """A post is seen a moment before its delivery is recorded: ask until none is listed."""
    for _attempt in range(20):
        if "keine" in await command(space, room_id, "!ankuendigungen"):
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the announcement was never recorded as sent")


async def until(moment: float) -> None:
    """Wait for a wall-clock moment the test itself scheduled (seconds, never minutes)."""
    await asyncio.sleep(max(0.0, moment - time.time()))


async def test_one_off_arrives_once_in_two_rooms(space: Space) -> None:
    first, second = space.rooms
    reply = await command(
        space,
        space.rooms[first],
        f"!ankuendigung in 3 Sekunden in #{first} #{second}: Der Workshop beginnt <b>gleich</b>",
    )
    assert "Ankündigung Nr." in reply and "Uhr" in reply
    # A post that goes out once has one time, said once.
    assert "Zuerst" not in reply and reply.count("Uhr") == 1, reply
    for room_id in space.rooms.values():
        event = await space.member.wait_for(
            lambda room_id=room_id: texts_in(space.member, room_id, space.bot.user_id, "Workshop")
        )
        assert "&lt;b&gt;gleich&lt;/b&gt;" in event[0]["content"]["formatted_body"]
    await until_none_listed(space, space.rooms[first])
    for room_id in space.rooms.values():
        history = await space.member.room_history(room_id)
        assert bot_posts(history, space.bot.user_id, "Workshop beginnt") == 1


async def test_recurring_fires_twice_then_cancel_stops_it(space: Space) -> None:
    room_id = next(iter(space.rooms.values()))
    reply = await command(space, room_id, "!ankuendigung alle 2 Sekunden in hier: Tick")
    number = number_in(reply)
    await space.member.wait_for(
        lambda: len(texts_in(space.member, room_id, space.bot.user_id, "Tick")) >= 2, within=20
    )
    assert "gelöscht" in await command(space, room_id, f"!ankuendigung loeschen {number}")
    assert "keine" in await command(space, room_id, "!ankuendigungen")


async def test_restart_between_scheduling_and_firing(space: Space) -> None:
    room_id = next(iter(space.rooms.values()))
    await command(space, room_id, "!ankuendigung in 2 Sekunden in hier: Nach dem Neustart")
    await space.bot.stop()
    await until(time.time() + 1)
    await space.bot.start()
    events = await space.member.wait_for(
        lambda: texts_in(space.member, room_id, space.bot.user_id, "Nach dem Neustart")
    )
    assert len(events) == 1


async def test_hard_kill_right_after_the_send_posts_once(space: Space) -> None:
    room_id = next(iter(space.rooms.values()))
    await space.bot.stop()
    await space.bot.start(fault=faults.AFTER_ANNOUNCEMENT)
    await command(space, room_id, "!ankuendigung in 2 Sekunden in hier: Genau einmal")
    assert await space.bot.wait_exit() == 137
    await space.bot.start()
    # The scheduler starts after the first sync: the redelivery (deduplicated by the
    # homeserver) and its record may finish just after the bot turns healthy.
    await until_none_listed(space, room_id)
    history = await space.member.room_history(room_id)
    assert bot_posts(history, space.bot.user_id, "Genau einmal") == 1


async def test_missed_during_downtime_is_reported_not_sent(space: Space) -> None:
    room_id = next(iter(space.rooms.values()))
    reply = await command(space, room_id, "!ankuendigung in 2 Sekunden in hier: Zu spät")
    number = number_in(reply)
    await space.bot.stop()
    # Due in 2 s, grace 2 s: at 5 s it is past both.
    await until(time.time() + 5)
    await space.bot.start()
    report = await space.orga.wait_for(
        lambda: texts_in(space.orga, room_id, space.bot.user_id, "nicht gesendet")
    )
    assert f"Nr. {number}" in report[0]["content"]["body"]
    assert report[0]["content"]["m.mentions"] == {"user_ids": [space.orga.user_id]}
    history = await space.member.room_history(room_id)
    assert bot_posts(history, space.bot.user_id, "Zu spät") == 0


async def test_bad_input_gets_a_clear_answer_and_stores_nothing(space: Space) -> None:
    room_id = next(iter(space.rooms.values()))
    unknown = await command(space, room_id, "!ankuendigung morgen 9 Uhr in #gibtsnicht: Text")
    assert "gibtsnicht" in unknown and "nicht" in unknown
    past = await command(space, room_id, "!ankuendigung 01.01.2020 10:00 in hier: Text")
    assert "nicht in der Zukunft" in past
    nonsense = await command(space, room_id, "!ankuendigung irgendwann in hier: Text")
    assert "irgendwann" in nonsense
    no_colon = await command(space, room_id, "!ankuendigung morgen 9 Uhr in hier Text")
    assert "Doppelpunkt" in no_colon
    read_only_alias = unique("nur-lesen")
    read_only = await space.orga.create_room(
        invite=[space.bot.user_id],
        alias=read_only_alias,
        power_level_override={"events_default": 50},
    )
    await space.orga.wait_membership(read_only, space.bot.user_id, "join")
    may_not = await command(space, room_id, f"!ankuendigung in 1 Stunde in #{read_only_alias}: x")
    assert "darf ich keine Nachrichten schreiben" in may_not
    assert "keine" in await command(space, room_id, "!ankuendigungen")
    refused_id = await space.member.send_text(room_id, "!ankuendigung morgen 9 Uhr in hier: x")
    refused = await space.member.wait_reply(refused_id, space.bot.user_id)
    assert "Organisation" in refused["content"]["body"]


async def test_answer_names_the_time_in_full(space: Space) -> None:
    room_id = next(iter(space.rooms.values()))
    reply = await command(space, room_id, "!ankuendigung jeden Montag 9 Uhr in hier: Wochenstart")
    assert re.search(r"Mo\., \d\d\.\d\d\.\d{4}, 09:00 Uhr \((MEZ|MESZ)\)", reply), reply
    english = await command(space, room_id, "!announce every friday 14:00 in here: Weekly")
    assert re.search(r"Fri, \d{1,2} \w{3} \d{4}, 14:00 \((CET|CEST)\)", english), english
