"""The needs survey on a real Synapse: set up by an organiser in TOML, members invited by direct
message and answering question by question (back, skip, overview, wrong answers, cancel), the
anonymous answers unjoinable to anyone in the bot's database, a named survey changed before the
close, a restart mid-conversation, noted needs, the report with its chart, and the export as
files and as links, the CSV parsed back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest_asyncio

from bot.homeserver import LocalSynapse
from tests.e2e.harness import WAIT_SECONDS, BotProcess, Event, MatrixUser, start_bot

SURVEY = """titel = "Weitere kommunale Bedarfe"
beschreibung = "Für den 2. Transfer-Workshop"
anonym = {anonymous}
ende = "in 3 Tagen"
einladen = ["{room}"]

[[frage]]
text = "Wo ist die Rolle angesiedelt?"
art = "einfach"
antworten = ["Fachbereich", "Zentrale Stelle", "Stabsstelle"]

[[frage]]
text = "Welche Themen brauchen Sie?"
art = "mehrfach"
antworten = ["Personal", "IT", "Förderung", "Agiles Arbeiten"]
max = 3

[[frage]]
text = "Wie gut ist die Rolle verankert?"
art = "skala"
von = "gar nicht"
bis = "sehr gut"

[[frage]]
text = "Welche weiteren Bedarfe hat Ihre Kommune?"
art = "text"
"""


@dataclass
class Network:
    bot: BotProcess
    orga: MatrixUser
    members: list[MatrixUser]
    room_id: str


@pytest_asyncio.fixture
async def network(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> AsyncIterator[Network]:
    # Three people answer here: the report's breakdown is shown from groups of two
    # ([privacy] min_group_size; test_privacy_e2e shows a small group kept to counts).
    bot = await start_bot(synapse, tmp_path, orga, extra_tables={"privacy": {"min_group_size": 2}})
    others = [await MatrixUser.create(synapse, name) for name in ("ben", "carla")]
    members = [member, *others]
    room_id = await orga.create_room(invite=[bot.user_id, *(m.user_id for m in members)])
    for person in members:
        await person.join(room_id)
    await orga.wait_membership(room_id, bot.user_id, "join")
    for person in members:
        await orga.wait_membership(room_id, person.user_id, "join")
    yield Network(bot, orga, members, room_id)
    await bot.stop()
    for person in others:
        await person.close()


def body(event: Event) -> str:
    return event["content"].get("body", "")


def html(event: Event) -> str:
    return event["content"].get("formatted_body", "")


async def command(user: MatrixUser, network: Network, room_id: str, text: str) -> Event:
    event_id = await user.send_text(room_id, text)
    return await user.wait_reply(event_id, network.bot.user_id)


async def direct_chat(user: MatrixUser, network: Network) -> str:
    """The direct chat the bot opened with `user`, joined."""
    invites = await user.wait_for(lambda: user.invites - {network.room_id}, within=30)
    (room_id,) = invites
    await user.join(room_id)
    return room_id


def bot_messages(user: MatrixUser, network: Network, room_id: str) -> list[Event]:
    return [
        event
        for room, event in user.events
        if room == room_id
        and event["sender"] == network.bot.user_id
        and event["type"] == "m.room.message"
    ]


async def first_message(user: MatrixUser, network: Network, room_id: str) -> Event:
    messages = await user.wait_for(lambda: bot_messages(user, network, room_id))
    return messages[0]


async def answer(user: MatrixUser, network: Network, room_id: str, text: str) -> str:
    """Send one answer in the direct chat; the bot's reply (plain text)."""
    return body(await command(user, network, room_id, text))


async def set_up(network: Network, anonymous: bool) -> int:
    text = SURVEY.format(anonymous=str(anonymous).lower(), room=network.room_id)
    reply = await command(network.orga, network, network.room_id, "!bedarfe anlegen\n" + text)
    found = re.search(r"Erhebung Nr\. (\d+)", body(reply))
    assert found, body(reply)
    return int(found[1])


async def test_an_anonymous_survey_from_invitation_to_export(network: Network) -> None:
    anna, ben, carla = network.members
    number = await set_up(network, anonymous=True)

    # Everyone in the room but the organiser gets the first question by direct message.
    anna_dm = await direct_chat(anna, network)
    invitation = await first_message(anna, network, anna_dm)
    assert invitation["content"]["msgtype"] == "m.text"
    assert "Weitere kommunale Bedarfe" in body(invitation)
    assert "Frage 1 von 4" in body(invitation) and "Anonym" in body(invitation)
    assert "!erinnerungen aus" in body(invitation)

    assert "Frage 2 von 4" in await answer(anna, network, anna_dm, "2")
    reply = await answer(anna, network, anna_dm, "Personal, Bürgermeister")
    assert "„Bürgermeister“ ist keine der Antworten" in reply and "Frage 2 von 4" in reply
    reply = await answer(anna, network, anna_dm, "zurück")
    assert "Frage 1 von 4" in reply and "Bisher: Zentrale Stelle" in reply
    assert "Frage 2 von 4" in await answer(anna, network, anna_dm, "stabs")
    reply = await answer(anna, network, anna_dm, "übersicht")
    assert "Übersicht" in reply and "Stabsstelle" in reply and "(keine Antwort)" in reply
    assert "Frage 2 von 4" in await answer(anna, network, anna_dm, "2")
    assert "Übersicht" in await answer(anna, network, anna_dm, "1, 2, 4")
    assert "Frage 3 von 4" in await answer(anna, network, anna_dm, "frage 3")
    assert "Übersicht" in await answer(anna, network, anna_dm, "5")
    assert "Frage 4 von 4" in await answer(anna, network, anna_dm, "frage 4")
    reply = await answer(anna, network, anna_dm, "Mehr Personal für die Digitalisierung #personal")
    assert "Übersicht" in reply
    assert "Stabsstelle" in reply and "Personal, IT, Agiles Arbeiten" in reply
    assert "Danke" in await answer(anna, network, anna_dm, "absenden")

    # Ben starts from the room: the questions come in the direct chat he is invited to.
    ben_dm = await direct_chat(ben, network)
    reply = await command(ben, network, network.room_id, "!bedarfe")
    assert "Direktchat" in body(reply)
    for text in ("Fachbereich", "IT", "2", "Schulungen zu agilem Arbeiten #agil #personal"):
        await answer(ben, network, ben_dm, text)
    assert "Danke" in await answer(ben, network, ben_dm, "absenden")

    # Carla skips what she does not want to answer, then cancels and starts again.
    carla_dm = await direct_chat(carla, network)
    await answer(carla, network, carla_dm, "überspringen")
    assert "nichts wurde gespeichert" in await answer(carla, network, carla_dm, "abbrechen")
    reply = await command(carla, network, carla_dm, "!bedarfe")
    assert "Frage 1 von 4" in body(reply)
    for text in ("3", "skip", "1", "skip"):
        await answer(carla, network, carla_dm, text)
    assert "Danke" in await answer(carla, network, carla_dm, "submit")

    # Nobody answers twice.
    again = await command(anna, network, anna_dm, "!bedarfe")
    assert "schon mitgemacht" in body(again)

    # Anna's conversation is gone from the chat: her answers, and the questions echoing them.
    history = await anna.room_history(anna_dm)
    said = [e for e in history if e["type"] == "m.room.message"]
    thanks = [e for e in said if "Danke" in body(e)]
    assert thanks and "gelöscht" in body(thanks[0])
    # (A redacted message keeps no content.)
    assert not [e for e in said if e["sender"] == anna.user_id and body(e) not in ("", "!bedarfe")]
    assert not [e for e in said if "Stabsstelle" in body(e) or "Digitalisierung" in body(e)]
    assert len([e for e in history if e["type"] == "m.room.redaction"]) >= 20

    # Nothing the bot stored joins an answer to a person.
    rows = await network.bot.query("SELECT * FROM survey_response")
    columns = (await network.bot.tables())["survey_response"]
    participants = {u for (u,) in await network.bot.query("SELECT user_id FROM survey_participant")}
    [(sessions,)] = await network.bot.query("SELECT count(*) FROM survey_session")
    assert len(rows) == 3 and participants == {anna.user_id, ben.user_id, carla.user_id}
    assert sessions == 0
    forbidden = set()
    for user in network.members:
        forbidden |= {user.user_id, user.user_id[1:].split(":")[0]}
        forbidden |= {hashlib.new(h, user.user_id.encode()).hexdigest() for h in ("sha256", "md5")}
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        assert record["respondent"] is None and record["submitted_at"] is None
        assert not any(secret in str(value) for value in row for secret in forbidden)

    # While answers may still come in, the organisers see how many, not what.
    early = await command(network.orga, network, network.room_id, f"!bedarfe auswertung {number}")
    assert "3 Teilnahmen" in body(early) and "erst nach ihrem Ende" in body(early)
    assert "Stabsstelle" not in body(early)
    closed = await command(network.orga, network, network.room_id, f"!bedarfe schließen {number}")
    assert "geschlossen" in body(closed)

    # The organiser's report: counts, average, free texts by tag, and a chart.
    report_id = await network.orga.send_text(network.room_id, f"!bedarfe auswertung {number}")
    report = await network.orga.wait_reply(report_id, network.bot.user_id)
    assert "3 Teilnahmen" in body(report)
    assert "Durchschnitt 2,7 (n = 3)" in body(report)
    assert "#personal (2)" in body(report) and "#agil (1)" in body(report)
    chart = await network.orga.wait_for(
        lambda: [
            e
            for _, e in network.orga.events
            if e["content"].get("msgtype") == "m.image"
            and e["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            == report_id
        ]
    )
    png = await network.orga.download(chart[0]["content"]["url"])
    assert png.startswith(b"\x89PNG")

    # The export: files in the organiser's direct chat, and links that serve the same files;
    # the shared room only hears where they are.
    reply = await command(network.orga, network, network.room_id, "!export bedarfe")
    assert "2 Dateien" in body(reply) and "Direktchat" in body(reply)
    assert "/downloads/" not in html(reply)
    orga_dm = await direct_chat(network.orga, network)

    def export_messages() -> list[Event] | None:
        messages = bot_messages(network.orga, network, orga_dm)
        with_links = [e for e in messages if "/downloads/" in html(e)]
        files = [e for e in messages if e["content"].get("url")]
        return [*files, *with_links] if with_links and len(files) == 2 else None

    *files, links_message = await network.orga.wait_for(export_messages)
    by_name = {e["content"]["body"]: e for e in files}
    data = await network.orga.download(by_name[f"bedarfe-erhebung-{number}.csv"]["content"]["url"])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0] == [
        "Nr.",
        "Wo ist die Rolle angesiedelt?",
        "Welche Themen brauchen Sie?",
        "Wie gut ist die Rolle verankert?",
        "Welche weiteren Bedarfe hat Ihre Kommune?",
    ]
    answered = sorted(row[1:] for row in rows[1:])
    assert answered == [
        ["Fachbereich", "IT", "2", "Schulungen zu agilem Arbeiten #agil #personal"],
        ["Stabsstelle", "", "1", ""],
        ["Stabsstelle", "Personal, IT, Agiles Arbeiten", "5",
         "Mehr Personal für die Digitalisierung #personal"],
    ]  # fmt: skip
    links = re.findall(r'href="([^"]+)"', html(links_message))
    assert len(links) == 2 and all("/downloads/" in link for link in links)
    async with aiohttp.ClientSession() as session:
        async with session.get(links[0].replace("&amp;", "&")) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/csv")
            assert await response.read() == data
        async with session.get(links[0][:-3] + "xyz") as response:
            assert response.status == 403


async def test_a_named_survey_is_changed_until_it_closes(network: Network) -> None:
    anna, ben, _carla = network.members
    number = await set_up(network, anonymous=False)
    anna_dm = await direct_chat(anna, network)
    invitation = await first_message(anna, network, anna_dm)
    assert "Mit Namen" in body(invitation)
    for text in ("1", "1", "4", "Förderberatung #geld"):
        await answer(anna, network, anna_dm, text)
    reply = await answer(anna, network, anna_dm, "absenden")
    assert "Ändern kannst du sie bis" in reply

    # Back to the stored answers, one changed, sent again.
    reply = await command(anna, network, anna_dm, f"!bedarfe {number}")
    assert "Übersicht" in body(reply) and "Förderberatung #geld" in body(reply)
    assert "Frage 3" in await answer(anna, network, anna_dm, "3")
    assert "Übersicht" in await answer(anna, network, anna_dm, "2")
    assert "Danke" in await answer(anna, network, anna_dm, "absenden")
    # Survey answers are taken by the survey alone: no general answer to plain words as well.
    history = await anna.room_history(anna_dm)
    assert not [e for e in history if "Ich verstehe Befehle" in body(e)]
    for sent in [
        e for e in history if e["sender"] == anna.user_id and e["type"] == "m.room.message"
    ]:
        assert await anna.count_replies(anna_dm, sent["event_id"], network.bot.user_id) == 1

    # Ben is halfway when the organiser closes the survey: his answers are discarded.
    ben_dm = await direct_chat(ben, network)
    await answer(ben, network, ben_dm, "2")
    closed = await command(network.orga, network, network.room_id, f"!bedarfe schließen {number}")
    assert "geschlossen" in body(closed)
    notice = await ben.wait_for(
        lambda: [e for e in bot_messages(ben, network, ben_dm) if "verworfen" in body(e)]
    )
    assert notice
    orga_dm = await direct_chat(network.orga, network)
    told = await network.orga.wait_for(
        lambda: [
            e for e in bot_messages(network.orga, network, orga_dm) if "1 Teilnahme." in body(e)
        ]
    )
    assert f"!bedarfe auswertung {number}" in body(told[0])

    export = await command(network.orga, network, orga_dm, f"!export bedarfe {number}")
    link = re.findall(r'href="([^"]+)"', html(export))[0]
    async with aiohttp.ClientSession() as session, session.get(link) as response:
        data = await response.read()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:3] == ["Nr.", "Person", "Abgesendet"]
    assert rows[1][1] == "'" + anna.user_id  # a leading @ would be a formula to Excel
    assert rows[1][3:] == ["Fachbereich", "Personal", "2", "Förderberatung #geld"]
    assert len(rows) == 2


async def test_a_restart_mid_conversation_keeps_the_answers(network: Network) -> None:
    anna = network.members[0]
    await set_up(network, anonymous=True)
    anna_dm = await direct_chat(anna, network)
    await first_message(anna, network, anna_dm)
    await answer(anna, network, anna_dm, "2")
    await answer(anna, network, anna_dm, "IT")
    await network.bot.stop()
    await network.bot.start()
    reply = await answer(anna, network, anna_dm, "zurück")
    assert "Frage 2 von 4" in reply and "Bisher: IT" in reply
    for text in ("überspringen", "3", "Breitband #it"):
        await answer(anna, network, anna_dm, text)
    assert "Danke" in await answer(anna, network, anna_dm, "absenden")
    [(stored,)] = await network.bot.query("SELECT answers FROM survey_response")
    # A JSON column: text in SQLite, read back decoded from PostgreSQL.
    answers = json.loads(stored) if isinstance(stored, str) else stored
    assert answers == {"0": 1, "1": [1], "2": 3, "3": "Breitband #it"}


async def test_noted_needs_and_bad_input(network: Network) -> None:
    anna, ben, _ = network.members
    room = network.room_id
    reply = await command(anna, network, room, "!bedarf Mehr Personal <b>jetzt</b> #personal #IT")
    assert "Bedarf Nr. 1 ist notiert (Tags: #personal #it)" in body(reply)
    assert "<b>jetzt" not in html(reply)
    reply = await command(ben, network, room, "!need Sensor data platform #it")
    assert "Need no. 2 is noted" in body(reply)
    assert "Es fehlt" in body(await command(anna, network, room, "!bedarf"))
    refused = await command(ben, network, room, "!bedarf löschen 1")
    assert "nur, wer ihn notiert hat" in body(refused)
    assert "gibt es nicht" in body(await command(anna, network, room, "!bedarf löschen 99"))

    # Members neither set up, nor see, nor export surveys.
    for text in ("!bedarfe anlegen titel = 'x'", "!bedarfe auswertung", "!export bedarfe"):
        assert "Organisation des Netzwerks" in body(await command(anna, network, room, text))
    # No survey open yet.
    assert "keine Erhebung" in body(await command(anna, network, room, "!bedarfe"))
    # Mistakes in the TOML are named, and nothing is set up.
    reply = await command(network.orga, network, room, '!bedarfe anlegen\ntitel = "T"')
    assert "Es fehlt „ende“" in body(reply)
    bad = SURVEY.format(anonymous='"ja"', room=room)
    reply = await command(network.orga, network, room, "!bedarfe anlegen\n" + bad)
    assert "„anonym“ muss true oder false sein" in body(reply)
    assert "Es gibt noch keine Erhebung" in body(
        await command(network.orga, network, room, "!bedarfe liste")
    )
    assert "gibt es nicht" in body(await command(anna, network, room, "!bedarfe 7"))

    report = await command(network.orga, network, room, "!bedarfe auswertung")
    assert "Schnell notierte Bedarfe (2)" in body(report)
    assert "#it (2)" in body(report) and "#personal (1)" in body(report)
    assert "&lt;b&gt;jetzt" in html(report)
    deleted = await command(anna, network, room, "!bedarf löschen 1")
    assert "gelöscht" in body(deleted)


async def test_a_survey_from_a_file_named_in_the_configuration(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> None:
    survey_file = tmp_path / "bedarfe.toml"
    survey_file.write_text(
        'titel = "Aus der Datei"\nende = "31.12.2099 12:00"\n'
        '[[frage]]\ntext = "Was fehlt?"\nart = "text"\n',
        encoding="utf-8",
    )
    bot = await start_bot(synapse, tmp_path / "bot", orga, surveys=[str(survey_file)])
    try:
        room_id = await member.create_room(invite=[bot.user_id])
        await member.wait_membership(room_id, bot.user_id, "join")
        event_id = await member.send_text(room_id, "!bedarfe")
        reply = await member.wait_reply(event_id, bot.user_id, within=WAIT_SECONDS)
        # A room with only the bot and the member is their direct chat: the questions come here.
        assert "Aus der Datei" in body(reply) and "Frage 1 von 1" in body(reply)
        event_id = await member.send_text(room_id, "Zeit #personal")
        overview = await member.wait_reply(event_id, bot.user_id)
        assert "Übersicht" in body(overview)
        # A restart does not set the survey up twice.
        await bot.stop()
        await bot.start()
        orga_room = await orga.create_room(invite=[bot.user_id])
        await orga.wait_membership(orga_room, bot.user_id, "join")
        listing = await orga.wait_reply(
            await orga.send_text(orga_room, "!bedarfe liste"), bot.user_id
        )
        assert "Nr. 1" in body(listing) and "Nr. 2" not in body(listing)
    finally:
        await bot.stop()


async def test_who_joins_a_surveys_room_while_it_is_open_is_invited(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> None:
    # At the demo's first start the survey opens before its rooms have members: the people are
    # only invited to them. Whoever joins later, while the survey is open, gets the questions.
    # The survey is for the municipal roles (the default): the network's guest from the
    # federal transfer office is neither invited nor asked.
    bot = await start_bot(synapse, tmp_path, orga)
    guest = await MatrixUser.create(synapse, "kts")
    try:
        room_id = await orga.create_room(invite=[bot.user_id, member.user_id, guest.user_id])
        await orga.wait_membership(room_id, bot.user_id, "join")
        # The roster as an import leaves it (the space's own tests import it from a file).
        for user_id, role in ((member.user_id, "manager"), (guest.user_id, "guest")):
            await bot.query(
                "INSERT INTO roster_member (user_id, name, municipality, role, welcomed, added_at)"
                " VALUES (:user_id, :name, 'Potsdam', :role, false, CURRENT_TIMESTAMP)",
                user_id=user_id,
                name=role,
                role=role,
            )
        network = Network(bot, orga, [member], room_id)
        number = await set_up(network, anonymous=True)
        assert not member.invites - {room_id}, "invited before joining the survey's room"

        await guest.join(room_id)
        await member.join(room_id)
        dm = await direct_chat(member, network)
        invitation = await first_message(member, network, dm)
        assert f"Erhebung Nr. {number}" in body(invitation) and "Frage 1 von 4" in body(invitation)
        assert "Frage 2 von 4" in await answer(member, network, dm, "1")

        refused = body(await command(guest, network, room_id, "!bedarfe"))
        assert "richtet sich an Smart City Manager:innen und Fachvorgesetzte" in refused, refused
        assert "als Gast eingetragen" in refused
        numbered = body(await command(guest, network, room_id, f"!bedarfe {number}"))
        assert "Deshalb stelle ich dir ihre Fragen nicht" in numbered
        # The guest joined first: an invitation would have come before the member's.
        assert guest.invites == {room_id}
        assert await bot.query("SELECT user_id FROM survey_session") == [(member.user_id,)]
    finally:
        await bot.stop()
        await guest.close()
