"""Native polls on a real Synapse: the start event Element parses, votes cast by real users under
every rule (change, withdraw, spoil, redact, stable name, after the end), a restart in between,
the live result (counts only if asked for), and the end: the end event, one final result and its
chart, nothing more."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
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


def bot_events_after(voting: Voting, user: MatrixUser, event_id: str) -> list[Event]:
    """What the bot sent into the poll's room after `event_id`, in the room's order."""
    in_room = [e for room, e in user.events if room == voting.room_id]
    after = [e["event_id"] for e in in_room].index(event_id) + 1
    return [e for e in in_room[after:] if e["sender"] == voting.bot.user_id]


async def notified(user: MatrixUser, *, highlight: bool = False) -> set[str]:
    """The event ids Synapse notified `user` of (element.md §9), as Element would show them."""
    params = {"only": "highlight"} if highlight else {}
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    url = f"{user.synapse.base_url}/_matrix/client/v3/notifications"
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(url, params=params) as response,
    ):
        response.raise_for_status()
        page = await response.json()
    return {notification["event"]["event_id"] for notification in page["notifications"]}


async def the_end_and_nothing_more(voting: Voting, user: MatrixUser, after: str) -> list[Event]:
    """Waits for the chart, gives the bot time for anything else, and returns what it sent."""
    await user.wait_for(
        lambda: [
            e
            for e in bot_events_after(voting, user, after)
            if e.get("content", {}).get("msgtype") == "m.image"
        ],
        within=30,
    )
    # Longer than the live result's debounce: an edit of it would show up by now.
    await asyncio.sleep(4)
    return bot_events_after(voting, user, after)


async def results(voting: Voting, number: int) -> str:
    # Votes are mirrored from the sync in order; a command sent after them is handled after.
    reply = await command(voting.orga, voting, f"!ergebnis {number}")
    return reply["content"]["formatted_body"]


async def test_votes_are_counted_by_the_rules_across_a_restart_and_the_end(
    voting: Voting,
) -> None:
    anna, ben, carla, dora, emil = voting.voters
    reply = await command(
        voting.orga,
        voting,
        '!umfrage "Welche Themen?" "Rolle" "Agiles Arbeiten" "Bedarfe" --max 2 --zwischenstand',
    )
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    # The poll is right above in this room: the answer does not name the room (or its id).
    assert "läuft in" not in reply["content"]["body"], reply["content"]["body"]
    assert voting.room_id not in reply["content"]["body"]
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
    # With --zwischenstand the live result message, sent a few seconds after the first votes,
    # shows the counts.
    live = await anna.wait_for(lambda: live_results(voting, anna), within=15)
    assert counts_in(live[0]["content"]["formatted_body"]) == counts_in(html)

    await voting.bot.stop()
    await vote(emil, voting, start_id, [ids[2]])  # cast while the bot is down
    await voting.bot.start()
    html = await results(voting, number)
    assert counts_in(html) == {"Rolle": 2, "Agiles Arbeiten": 1, "Bedarfe": 2}, html

    refused = await command(ben, voting, f"!umfrage beenden {number}")
    assert "beenden" in refused["content"]["body"]
    end_command = await voting.orga.send_text(voting.room_id, f"!umfrage beenden {number}")
    # The final result answers the command: no reply of its own.
    final = await voting.orga.wait_reply(end_command, voting.bot.user_id, within=30)
    assert "beendet" in final["content"]["body"] and final["content"]["msgtype"] == "m.text"
    assert counts_in(final["content"]["formatted_body"]) == counts_in(html)
    assert final["content"]["m.mentions"] == {"user_ids": [voting.orga.user_id]}
    sent = await the_end_and_nothing_more(voting, anna, end_command)
    assert [e["type"] for e in sent] == [END, "m.room.message", "m.room.message"], sent
    end_event, _, chart = sent
    assert end_event["content"]["m.relates_to"]["event_id"] == start_id
    assert "Rolle" in end_event["content"]["body"]
    assert sent[1]["event_id"] == final["event_id"]
    image = chart["content"]
    assert image["info"]["mimetype"] == "image/png"
    png = await anna.download(image["url"])
    assert png.startswith(b"\x89PNG") and len(png) == image["info"]["size"]

    await vote(anna, voting, start_id, [ids[2]])  # after the end: not counted
    await asyncio.sleep(0.5)
    assert counts_in(await results(voting, number)) == counts_in(html)
    again = await command(voting.orga, voting, f"!umfrage beenden {number}")
    assert "schon beendet" in again["content"]["body"]

    # One live result message (the final result is a reply), not edited after the end.
    assert [e["event_id"] for e in live_results(voting, anna)] == [live[0]["event_id"]]


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
    reply = await command(
        voting.orga, voting, '!umfrage "Wann?" "Morgens" "Abends" --zwischenstand'
    )
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
    await voting.bot.query("DELETE FROM poll_response")
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
    assert "verdeckt" in hidden and "<table>" not in hidden and "1 teilnehmende Person" in hidden
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
    assert final[0]["content"]["msgtype"] == "m.text"
    end_event = next(e for room, e in anna.events if room == voting.room_id and e["type"] == END)
    sent = await the_end_and_nothing_more(voting, anna, end_event["event_id"])
    assert [e["event_id"] for e in sent[:1]] == [final[0]["event_id"]], sent
    assert [e["content"].get("msgtype") for e in sent] == ["m.text", "m.image"], sent


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
    reply = await command(
        voting.orga, voting, '!umfrage "Welche Themen?" "Rolle" "Agil" --zwischenstand'
    )
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
    assert "1 teilnehmende Person" in html
    assert "Verschlüsselte Antworten von 1 Person kann ich nicht lesen" in html


async def test_the_live_result_hides_the_counts_and_ending_without_a_number_ends_the_newest(
    voting: Voting,
) -> None:
    anna, ben, *_ = voting.voters
    first = await command(voting.orga, voting, '!umfrage "Erste Frage?" "Eins" "Zwei"')
    older = int(re.search(r"Nr\. (\d+)", first["content"]["body"])[1])  # type: ignore[index]
    second = await command(
        voting.orga, voting, '!umfrage "Wann treffen wir uns?" "Morgens" "Abends"'
    )
    newer = int(re.search(r"Nr\. (\d+)", second["content"]["body"])[1])  # type: ignore[index]
    starts = await anna.wait_for(
        lambda: [
            e
            for room, e in anna.events
            if room == voting.room_id
            and e["type"] == START
            and e["content"][START]["question"]["body"] == "Wann treffen wir uns?"
        ]
    )
    start_id = starts[0]["event_id"]
    ids = [a["id"] for a in starts[0]["content"][START]["answers"]]
    await vote(anna, voting, start_id, [ids[0]])
    await vote(ben, voting, start_id, [ids[1]])

    def live_texts() -> list[tuple[str, str]]:
        """(event id, html) of the live result and of each edit of it."""
        found = []
        for room, e in anna.events:
            content = e.get("content", {})
            if room != voting.room_id or e["sender"] != voting.bot.user_id:
                continue
            if content.get("m.relates_to", {}).get("rel_type") == "m.replace":
                found.append((e["event_id"], content["m.new_content"]["formatted_body"]))
            elif "m.relates_to" not in content and "abgestimmt" in content.get("body", ""):
                found.append((e["event_id"], content["formatted_body"]))
        return found

    shown = await anna.wait_for(
        lambda: [t for t in live_texts() if "Bisher haben 2 Personen abgestimmt" in t[1]],
        within=30,
    )
    assert f"Nr. {newer}" in shown[-1][1]
    for _, html in live_texts():
        assert "<table>" not in html and "Morgens" not in html and "Abends" not in html, html
    # The poll's live message is a notice: it notifies nobody.
    live_ids = {event_id for event_id, _ in live_texts()}

    end_command = await voting.orga.send_text(voting.room_id, "!umfrage beenden")
    final = await voting.orga.wait_reply(end_command, voting.bot.user_id, within=30)
    assert f"Nr. {newer}" in final["content"]["body"] and "beendet" in final["content"]["body"]
    assert counts_in(final["content"]["formatted_body"]) == {"Morgens": 1, "Abends": 1}
    sent = await the_end_and_nothing_more(voting, anna, end_command)
    assert [e["type"] for e in sent] == [END, "m.room.message", "m.room.message"], sent
    assert sent[0]["content"]["m.relates_to"]["event_id"] == start_id
    assert sent[1]["event_id"] == final["event_id"]
    assert sent[2]["content"]["msgtype"] == "m.image"

    # The final result reaches the room; the one who ended it is mentioned.
    assert final["event_id"] in await notified(voting.orga, highlight=True)
    for person in (anna, ben):
        notes = await notified(person)
        assert final["event_id"] in notes
        assert final["event_id"] not in await notified(person, highlight=True)
        assert not live_ids & notes

    # The older poll is still open; the next command without a number ends it.
    again = await voting.orga.send_text(voting.room_id, "!umfrage beenden")
    older_final = await voting.orga.wait_reply(again, voting.bot.user_id, within=30)
    assert f"Nr. {older}" in older_final["content"]["body"]
    assert "beendet" in older_final["content"]["body"]
    none_de = await command(voting.orga, voting, "!umfrage beenden")
    assert "In diesem Raum läuft keine Umfrage" in none_de["content"]["body"]
    none_en = await command(anna, voting, "!poll end")
    assert "There is no open poll in this room" in none_en["content"]["body"]


async def test_results_of_an_open_poll_show_the_room_no_counts(voting: Voting) -> None:
    """Element shows a disclosed poll's counts only to who has voted: `!ergebnis` in the room
    says how many have voted; the poll's creator gets the counts by direct message."""
    anna, ben, carla, *_ = voting.voters
    reply = await command(voting.orga, voting, '!umfrage "Wohin?" "Potsdam" "Cottbus"')
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    starts = await anna.wait_for(
        lambda: [e for room, e in anna.events if room == voting.room_id and e["type"] == START]
    )
    start_id = starts[0]["event_id"]
    ids = [a["id"] for a in starts[0]["content"][START]["answers"]]
    await vote(anna, voting, start_id, [ids[0]])
    await vote(ben, voting, start_id, [ids[0]])

    asked = await command(carla, voting, "!ergebnis")
    for text in (asked["content"]["body"], asked["content"]["formatted_body"]):
        assert "Bisher haben 2 Personen abgestimmt" in text
        assert "Potsdam" not in text and "<table>" not in text, text

    by_organiser = await command(voting.orga, voting, f"!ergebnis {number}")
    assert "Potsdam" not in by_organiser["content"]["body"]
    assert "per Direktnachricht" in by_organiser["content"]["body"]
    (direct,) = await voting.orga.wait_for(lambda: voting.orga.invites - {voting.room_id})
    await voting.orga.join(direct)
    counts = await voting.orga.wait_for(
        lambda: [
            e
            for room, e in voting.orga.events
            if room == direct and "<table>" in e["content"].get("formatted_body", "")
        ]
    )
    assert counts_in(counts[0]["content"]["formatted_body"]) == {"Potsdam": 2, "Cottbus": 0}

    # Once it has ended, the result is everyone's.
    await command(voting.orga, voting, "!umfrage beenden")
    ended = await command(carla, voting, "!ergebnis")
    assert counts_in(ended["content"]["formatted_body"]) == {"Potsdam": 2, "Cottbus": 0}
