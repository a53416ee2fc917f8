"""The rights of the GDPR on a real Synapse: a member's export (files received by direct message,
downloaded and parsed) holds their data and none of another member's; after the erasure no
table of the bot holds their id; a small anonymous survey's report and export show only counts.
Who is notified is read from each member's `GET /notifications` (element.md §9)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from bot.homeserver import LocalSynapse
from tests.e2e.harness import BotProcess, Event, MatrixUser, start_bot

NO_MENTIONS: dict[str, Any] = {"m.mentions": {}}


@dataclass
class Network:
    bot: BotProcess
    orga: MatrixUser
    anna: MatrixUser
    ben: MatrixUser
    room_id: str


@pytest_asyncio.fixture
async def network(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> AsyncIterator[Network]:
    bot = await start_bot(synapse, tmp_path, orga)
    ben = await MatrixUser.create(synapse, "ben")
    room_id = await orga.create_room(invite=[bot.user_id, member.user_id, ben.user_id])
    for person in (member, ben):
        await person.join(room_id)
    for user_id in (bot.user_id, member.user_id, ben.user_id):
        await orga.wait_membership(room_id, user_id, "join")
    yield Network(bot, orga, member, ben, room_id)
    await bot.stop()
    await ben.close()


def body(event: Event) -> str:
    return event["content"].get("body", "")


async def command(user: MatrixUser, network: Network, room_id: str, text: str) -> Event:
    """What Element sends for a typed command (element.md §1), and the bot's reply."""
    event_id = await user.send_text(room_id, text, **NO_MENTIONS)
    return await user.wait_reply(event_id, network.bot.user_id)


async def notifications(user: MatrixUser) -> list[dict[str, Any]]:
    url = f"{user.synapse.base_url}/_matrix/client/v3/notifications"
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == 200
        found: list[dict[str, Any]] = (await response.json())["notifications"]
        return found


async def notified_of(user: MatrixUser, event_id: str) -> list[str]:
    """The actions of `user`'s notifications about one event ([] if none)."""
    return [
        str(n["actions"]) for n in await notifications(user) if n["event"]["event_id"] == event_id
    ]


async def direct_chat(user: MatrixUser, network: Network) -> str:
    invites = await user.wait_for(lambda: user.invites - {network.room_id}, within=30)
    (room_id,) = invites
    await user.join(room_id)
    return room_id


def files_in(user: MatrixUser, network: Network, room_id: str) -> dict[str, Event]:
    return {
        body(event): event
        for room, event in user.events
        if room == room_id
        and event["sender"] == network.bot.user_id
        and event["content"].get("url")
    }


async def rows_naming(bot: BotProcess, text: str) -> dict[str, int]:
    """Per table of the bot's database, how many rows hold `text` in any column."""
    found: dict[str, int] = {}
    for table in await bot.tables():
        for row in await bot.query(f'SELECT * FROM "{table}"'):
            if any(text in str(value) for value in row):
                found[table] = found.get(table, 0) + 1
    return found


async def seed(network: Network) -> None:
    """Both members answer an event, propose a topic, note a need; Anna notes on her topic and
    owns an action item Ben gave her."""
    room, orga, anna, ben = network.room_id, network.orga, network.anna, network.ben
    made = await command(orga, network, room, '!termin neu "Workshop Potsdam" in 3 Tagen')
    assert "Nr. 1" in body(made), body(made)
    for user in (anna, ben):
        await command(user, network, room, "!teilnahme 1 ja")
    await command(anna, network, room, "!thema Annas Datenstrategie")
    await command(ben, network, room, "!thema Bens Förderprogramm")
    await command(anna, network, room, "!bedarf Annas Bedarf an Schulungen #it")
    await command(ben, network, room, "!bedarf Bens Bedarf an Personal #it")
    await command(anna, network, room, "!notiz 1 Annas Notiz zur Strategie")
    await command(ben, network, room, f"!aufgabe 2 {anna.user_id} Folien für Ben prüfen")


async def test_export_and_erasure(network: Network) -> None:
    await seed(network)
    anna, ben = network.anna, network.ben

    # The export goes by direct message; the room hears only where.
    reply = await command(anna, network, network.room_id, "!meine-daten")
    assert "Direktchat" in body(reply)
    dm = await direct_chat(anna, network)
    files = await anna.wait_for(lambda: (f := files_in(anna, network, dm)) and len(f) == 2 and f)
    exported = json.loads(await anna.download(files["meine-daten.json"]["content"]["url"]))
    markdown = (await anna.download(files["meine-daten.md"]["content"]["url"])).decode()
    tables = exported["tables"]
    assert exported["user_id"] == anna.user_id
    assert [row["answer"] for row in tables["rsvp"]["rows"]] == ["yes"]
    assert [row["title"] for row in tables["topic"]["rows"]] == ["Annas Datenstrategie"]
    assert [row["text"] for row in tables["need"]["rows"]] == ["Annas Bedarf an Schulungen #it"]
    entries = {row["text"]: row for row in tables["topic_entry"]["rows"]}
    assert set(entries) == {"Annas Notiz zur Strategie", "Folien für Ben prüfen"}
    assert entries["Folien für Ben prüfen"]["owner"] == anna.user_id
    assert "author" not in entries["Folien für Ben prüfen"]  # Ben's id is his
    assert tables["direct_room"]["rows"] == [{"user_id": anna.user_id, "room_id": dm}]
    everything = json.dumps(exported, ensure_ascii=False) + markdown
    for others in (ben.user_id, "Bens Förderprogramm", "Bens Bedarf", network.orga.user_id):
        assert others not in everything
    assert "Annas Bedarf an Schulungen" in markdown

    # Erasure: asked once more, then done; the report says what stays and why.
    question = await command(anna, network, network.room_id, "!daten-löschen")
    assert "Wirklich löschen?" in body(question) and "!daten-löschen bestätigen" in body(question)
    assert await rows_naming(network.bot, anna.user_id)  # nothing erased yet
    done_id = await anna.send_text(network.room_id, "!daten-löschen bestätigen", **NO_MENTIONS)
    done = await anna.wait_reply(done_id, network.bot.user_id)
    assert "Daten von" in body(done) and "gelöscht" in body(done)
    assert "Nicht löschen kann der Bot, was in den Räumen steht" in body(done)
    assert await rows_naming(network.bot, anna.user_id) == {}
    # What others rely on stays, without her: her note, the action item given to her.
    kept = dict(await network.bot.query("SELECT text, coalesce(owner, '-') FROM topic_entry"))
    needs = [author for (author,) in await network.bot.query("SELECT author FROM need")]
    assert kept == {"Annas Notiz zur Strategie": "-", "Folien für Ben prüfen": "-"}
    assert needs == [ben.user_id]
    # Ben's data is untouched: his export has his answer, topic and need.
    await command(ben, network, network.room_id, "!meine-daten")
    ben_dm = await direct_chat(ben, network)
    ben_files = await ben.wait_for(
        lambda: (f := files_in(ben, network, ben_dm)) and len(f) == 2 and f
    )
    his = json.loads(await ben.download(ben_files["meine-daten.json"]["content"]["url"]))
    assert {"rsvp", "topic", "need", "topic_entry"} <= set(his["tables"])

    # Anna was notified of the direct chat the files came in (its invitation; the files went
    # out before she joined), Ben of nothing there; the erasure report is a notice in the room:
    # it notifies nobody.
    assert [n for n in await notifications(anna) if n["room_id"] == dm]
    assert not [n for n in await notifications(ben) if n["room_id"] == dm]
    for user in (anna, ben, network.orga):
        assert await notified_of(user, done["event_id"]) == []


SMALL_SURVEY = """titel = "Kleine Runde"
anonym = true
ende = "in 3 Tagen"
einladen = ["{room}"]

[[frage]]
text = "Wo ist die Rolle angesiedelt?"
art = "einfach"
antworten = ["Fachbereich", "Zentrale Stelle", "Stabsstelle"]

[[frage]]
text = "Was fehlt Ihnen?"
art = "text"
"""


async def test_a_small_anonymous_survey_shows_only_counts(network: Network) -> None:
    room, orga = network.room_id, network.orga
    made = await command(orga, network, room, "!bedarfe anlegen\n" + SMALL_SURVEY.format(room=room))
    assert "Erhebung Nr. 1" in body(made), body(made)
    for user, choice, text in (
        (network.anna, "Stabsstelle", "Geheimer Wunsch von Anna #it"),
        (network.ben, "Fachbereich", "Geheimer Wunsch von Ben #it"),
    ):
        dm = await direct_chat(user, network)
        await user.wait_for(lambda u=user, d=dm: [e for r, e in u.events if r == d and body(e)])
        await command(user, network, dm, choice)
        await command(user, network, dm, text)
        assert "Danke" in body(await command(user, network, dm, "absenden"))
    closed = await command(orga, network, room, "!bedarfe schließen 1")
    assert "geschlossen" in body(closed)

    report = body(await command(orga, network, room, "!bedarfe auswertung 1"))
    assert "2 Teilnahmen" in report
    assert report.count("weniger als 5 Antworten: keine Aufschlüsselung") == 2
    for detail in ("Stabsstelle", "Fachbereich", "Geheimer Wunsch", "#it (", "%"):
        assert detail not in report, detail

    exported = await command(orga, network, room, "!export bedarfe 1")
    assert "Direktchat" in body(exported)
    # (The organiser's direct chat: the one the close was reported in, where the files go.)
    invites = await orga.wait_for(lambda: orga.invites - {room})
    for invited in invites:
        await orga.join(invited)
    files = await orga.wait_for(
        lambda: {k: v for d in invites for k, v in files_in(orga, network, d).items()}
    )
    assert set(files) == {"bedarfe-1.md"}  # no answers file: one line per person
    markdown = (await orga.download(files["bedarfe-1.md"]["content"]["url"])).decode()
    assert "weniger als 5 Antworten" in markdown
    for detail in ("Stabsstelle", "Fachbereich", "Geheimer Wunsch"):
        assert detail not in markdown, detail
