"""Native polls on a real Synapse: the start event Element parses, votes cast by real users under
every rule (change, withdraw, spoil, redact, stable name, after the end), a restart in between,
and the end with its final result."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio
from nio import RoomSendResponse

from bot.homeserver import LocalSynapse
from tests.e2e.harness import BotProcess, Event, MatrixUser, start_bot

START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"


@dataclass
class Voting:
    bot: BotProcess
    orga: MatrixUser
    voters: list[MatrixUser]
    room_id: str


@pytest_asyncio.fixture
async def voting(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> AsyncIterator[Voting]:
    bot = await start_bot(synapse, tmp_path, orga)
    others = [await MatrixUser.create(synapse, name) for name in ("ben", "carla", "dora", "emil")]
    voters = [member, *others]
    room_id = await orga.create_room(invite=[bot.user_id, *(v.user_id for v in voters)])
    for voter in voters:
        await voter.join(room_id)
    await orga.wait_membership(room_id, bot.user_id, "join")
    for voter in voters:
        await orga.wait_membership(room_id, voter.user_id, "join")
    yield Voting(bot, orga, voters, room_id)
    await bot.stop()
    for voter in others:
        await voter.close()


async def command(user: MatrixUser, voting: Voting, text: str) -> Event:
    event_id = await user.send_text(voting.room_id, text)
    return await user.wait_reply(event_id, voting.bot.user_id)


async def vote(
    user: MatrixUser, voting: Voting, start: str, answers: Any, event_type: str = RESPONSE
) -> str:
    block = "m.poll.response" if event_type == "m.poll.response" else RESPONSE
    content = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start},
        block: {"answers": answers},
    }
    response = await user.client.room_send(voting.room_id, event_type, content)
    assert isinstance(response, RoomSendResponse), response
    return response.event_id


def counts_in(html: str) -> dict[str, int]:
    return {
        answer: int(count)
        for answer, count in re.findall(
            r"<tr><td>(?:<b>)?([^<]+)(?:</b>)?</td><td><code>[^<]*</code></td><td>(\d+)</td>", html
        )
    }


def live_results(voting: Voting, user: MatrixUser) -> list[Event]:
    """The bot's result messages that are neither replies nor edits."""
    return [
        e
        for room, e in user.events
        if room == voting.room_id
        and e["sender"] == voting.bot.user_id
        and "<table>" in e.get("content", {}).get("formatted_body", "")
        and "m.relates_to" not in e["content"]
    ]


async def results(voting: Voting, number: int) -> str:
    # Votes are mirrored from the sync in order; a command sent after them is handled after.
    reply = await command(voting.orga, voting, f"!ergebnis {number}")
    return reply["content"]["formatted_body"]


async def test_votes_are_counted_by_the_rules_across_a_restart_and_the_end(
    voting: Voting,
) -> None:
    anna, ben, carla, dora, emil = voting.voters
    reply = await command(
        voting.orga, voting, '!umfrage "Welche Themen?" "Rolle" "Agiles Arbeiten" "Bedarfe" --max 2'
    )
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    starts = await anna.wait_for(
        lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == START]
    )
    start = starts[0]
    poll = start["content"][START]
    assert poll["kind"] == "org.matrix.msc3381.poll.disclosed" and poll["max_selections"] == 2
    assert [a["org.matrix.msc1767.text"] for a in poll["answers"]] == [
        "Rolle",
        "Agiles Arbeiten",
        "Bedarfe",
    ]
    assert poll["question"]["body"] == "Welche Themen?"
    assert start["content"]["org.matrix.msc1767.text"].startswith("Welche Themen?\n1. Rolle")
    ids = [a["id"] for a in poll["answers"]]
    start_id = start["event_id"]

    await vote(anna, voting, start_id, [ids[0]])
    await vote(ben, voting, start_id, [ids[1]])
    await vote(ben, voting, start_id, [ids[2]])  # changed his mind
    await vote(carla, voting, start_id, [ids[0], ids[1], ids[2]], "m.poll.response")  # stable
    await vote(dora, voting, start_id, ["zz"])  # unknown answer: spoiled
    await vote(emil, voting, start_id, [ids[1]])
    await vote(emil, voting, start_id, [])  # withdrawn
    redacted = await vote(dora, voting, start_id, [ids[1]])
    await dora.redact(voting.room_id, redacted)  # back to her spoiled vote

    html = await results(voting, number)
    # carla's three answers are cut to the first two (max 2).
    assert counts_in(html) == {"Rolle": 2, "Agiles Arbeiten": 1, "Bedarfe": 1}, html
    assert "3 Teilnehmende" in html
    # A disclosed poll keeps a live result message, sent a few seconds after the first votes.
    live = await anna.wait_for(lambda: live_results(voting, anna), within=15)
    assert counts_in(live[0]["content"]["formatted_body"]) == counts_in(html)

    await voting.bot.stop()
    await vote(emil, voting, start_id, [ids[2]])  # cast while the bot is down
    await voting.bot.start()
    html = await results(voting, number)
    assert counts_in(html) == {"Rolle": 2, "Agiles Arbeiten": 1, "Bedarfe": 2}, html

    refused = await command(ben, voting, f"!umfrage beenden {number}")
    assert "beenden" in refused["content"]["body"]
    ended = await command(voting.orga, voting, f"!umfrage beenden {number}")
    assert "beendet" in ended["content"]["body"]
    end_events = await anna.wait_for(
        lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == END]
    )
    assert end_events[0]["content"]["m.relates_to"]["event_id"] == start_id
    assert "Rolle" in end_events[0]["content"]["body"]
    final = await anna.wait_for(
        lambda: [
            e
            for room, e in anna.events
            if room == voting.room_id
            and e["sender"] == voting.bot.user_id
            and "beendet" in e.get("content", {}).get("formatted_body", "")
            and "<table>" in e["content"]["formatted_body"]
        ]
    )
    assert counts_in(final[0]["content"]["formatted_body"]) == counts_in(html)
    charts = await anna.wait_for(
        lambda: [
            e
            for room, e in anna.events
            if room == voting.room_id and e.get("content", {}).get("msgtype") == "m.image"
        ],
        within=30,
    )
    image = charts[0]["content"]
    assert image["info"]["mimetype"] == "image/png"
    png = await anna.download(image["url"])
    assert png.startswith(b"\x89PNG") and len(png) == image["info"]["size"]

    await vote(anna, voting, start_id, [ids[2]])  # after the end: not counted
    await asyncio.sleep(0.5)
    assert counts_in(await results(voting, number)) == counts_in(html)
    again = await command(voting.orga, voting, f"!umfrage beenden {number}")
    assert "schon beendet" in again["content"]["body"]

    # The one live result message (not a reply) and its edits, the last one with the final tally.
    live = live_results(voting, anna)
    assert len(live) == 2  # the live message and the final result
    edits = await anna.wait_for(
        lambda: [
            e
            for room, e in anna.events
            if room == voting.room_id
            and e.get("content", {}).get("m.relates_to", {}).get("rel_type") == "m.replace"
            and e["content"]["m.relates_to"]["event_id"] == live[0]["event_id"]
        ]
    )
    assert counts_in(edits[-1]["content"]["m.new_content"]["formatted_body"]) == counts_in(html)
    assert "beendet" in edits[-1]["content"]["m.new_content"]["formatted_body"]


async def test_bad_input_gets_a_clear_answer_and_starts_nothing(voting: Voting) -> None:
    anna = voting.voters[0]
    cases = {
        '!umfrage "Nur eine?" "Ja"': "2 bis 20 Antworten",
        '!umfrage "Doppelt?" "Ja" "ja"': "zweimal",
        '!umfrage "Zu viele?" "A" "B" --max 3': "--max",
        '!umfrage "Vorbei?" "A" "B" --bis 01.01.2020 10:00': "Zukunft",
        '!umfrage "Was?" "A" "B" --egal': "--egal",
        "!umfrage": "Es fehlt",
        "!ergebnis 999": "Nr. 999",
    }
    for text, expected in cases.items():
        reply = await command(anna, voting, text)
        assert expected in reply["content"]["body"], (text, reply["content"]["body"])
    assert "keine Umfragen" in (await command(anna, voting, "!umfragen"))["content"]["body"]
    english = await command(anna, voting, '!poll "Only one?" "Yes"')
    assert "A poll needs 2 to 20 answers" in english["content"]["body"]


async def test_the_room_is_the_source_of_truth_after_a_restart(voting: Voting) -> None:
    """The mirror is wiped while the bot is down (as if votes had been missed): at start the bot
    reads every vote back from the room with /relations."""
    anna, ben = voting.voters[:2]
    reply = await command(voting.orga, voting, '!umfrage "Wann?" "Morgens" "Abends"')
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    start = (
        await anna.wait_for(
            lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == START]
        )
    )[0]
    ids = [a["id"] for a in start["content"][START]["answers"]]
    await vote(anna, voting, start["event_id"], [ids[0]])
    await vote(ben, voting, start["event_id"], [ids[1]])
    before = counts_in(await results(voting, number))
    assert before == {"Morgens": 1, "Abends": 1}
    await voting.bot.stop()
    with sqlite3.connect(voting.bot.workdir / "bot.db") as connection:
        connection.execute("DELETE FROM poll_response")
    await vote(ben, voting, start["event_id"], [ids[0]])
    await voting.bot.start()
    assert counts_in(await results(voting, number)) == {"Morgens": 2, "Abends": 0}


async def test_a_hidden_poll_ends_at_its_deadline_with_the_final_result(voting: Voting) -> None:
    anna = voting.voters[0]
    reply = await command(
        voting.orga, voting, '!umfrage "Geheim?" "Ja" "Nein" --verdeckt --bis in 4 Sekunden'
    )
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    start = (
        await anna.wait_for(
            lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == START]
        )
    )[0]
    assert start["content"][START]["kind"] == "org.matrix.msc3381.poll.undisclosed"
    await vote(anna, voting, start["event_id"], [start["content"][START]["answers"][0]["id"]])
    hidden = await results(voting, number)
    assert "verdeckt" in hidden and "<table>" not in hidden and "1 Teilnehmende" in hidden
    await anna.wait_for(
        lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == END],
        within=20,
    )
    final = await anna.wait_for(
        lambda: [
            e
            for room, e in anna.events
            if room == voting.room_id
            and e["sender"] == voting.bot.user_id
            and "<table>" in e.get("content", {}).get("formatted_body", "")
        ]
    )
    assert counts_in(final[0]["content"]["formatted_body"]) == {"Ja": 1, "Nein": 0}
    assert "beendet" in final[0]["content"]["formatted_body"]


async def test_remind_sends_a_direct_message_to_who_has_not_voted(voting: Voting) -> None:
    anna, ben, carla = voting.voters[:3]
    off = await command(carla, voting, "!erinnerungen aus")
    assert "keine Direktnachrichten" in off["content"]["body"]
    reply = await command(voting.orga, voting, '!umfrage "Pizza?" "Ja" "Nein"')
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    start = (
        await anna.wait_for(
            lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == START]
        )
    )[0]
    await vote(anna, voting, start["event_id"], [start["content"][START]["answers"][0]["id"]])
    refused = await command(ben, voting, f"!umfrage erinnern {number}")
    assert "Organisation" in refused["content"]["body"]
    reminding = await command(voting.orga, voting, f"!umfrage erinnern {number}")
    assert "Direktnachricht" in reminding["content"]["body"]

    def direct(user: MatrixUser) -> set[str]:
        return user.invites - {voting.room_id}

    invites = await ben.wait_for(lambda: direct(ben), within=20)
    dm = next(iter(invites))
    await ben.join(dm)
    # The invitation to the direct chat comes a moment before the message in it.
    await ben.wait_for(
        lambda: [
            e
            for room, e in ben.events
            if room == dm and "noch nicht abgestimmt" in e.get("content", {}).get("body", "")
        ]
    )
    history = await ben.room_history(dm)
    asks = [e for e in history if "noch nicht abgestimmt" in e.get("content", {}).get("body", "")]
    assert len(asks) == 1 and "Pizza?" in asks[0]["content"]["body"]
    assert start["event_id"] in asks[0]["content"]["formatted_body"]
    await asyncio.sleep(1)
    assert not direct(anna) and not direct(carla)


async def test_responses_the_bot_cannot_read_are_not_counted_and_said(voting: Voting) -> None:
    """In an encrypted room Element sends votes encrypted, with the relation in the clear."""
    anna, ben, *_ = voting.voters
    reply = await command(voting.orga, voting, '!umfrage "Welche Themen?" "Rolle" "Agil"')
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    starts = await anna.wait_for(
        lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == START]
    )
    start_id = starts[0]["event_id"]
    answer_id = starts[0]["content"][START]["answers"][0]["id"]
    await vote(anna, voting, start_id, [answer_id])
    encrypted = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg2yyOwAtHaZTwyNg37afzg8f3r9IsN9",
        "device_id": "ELEMENTWEB",
        "sender_key": "Szl29ksW/L8yZGWAX+8dY1XyFi+i5wm+DRhTGkbMiwU",
        "session_id": "/8FsRwNfcJQnHMfpZLwa8FXh5hFgJ8RFgNEThtoEfsA",
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_id},
    }
    for _ in range(2):
        sent = await ben.client.room_send(voting.room_id, "m.room.encrypted", encrypted)
        assert isinstance(sent, RoomSendResponse), sent
    html = await results(voting, number)
    assert counts_in(html) == {"Rolle": 1, "Agil": 0}, html
    assert "1 Teilnehmende" in html
    assert "Verschlüsselte Antworten von 1 Person(en) kann ich nicht lesen" in html
