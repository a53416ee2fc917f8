"""Discussion topics on a real Synapse: proposed, supported by 👍 and by command, the support
withdrawn with the reaction; thread replies become notes, an edit updates one, a redaction
removes one; decisions and action items (with the owner reminded); a restart in between; the
agenda, the minutes file parsed back, the search; and bad input."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest_asyncio

from bot.homeserver import LocalSynapse
from tests.e2e.harness import BotProcess, Event, MatrixUser, start_bot

WAIT = 20.0


@dataclass
class Meeting:
    bot: BotProcess
    orga: MatrixUser
    anna: MatrixUser
    ben: MatrixUser
    room_id: str


@pytest_asyncio.fixture
async def meeting(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> AsyncIterator[Meeting]:
    bot = await start_bot(synapse, tmp_path, orga)
    ben = await MatrixUser.create(synapse, "ben")
    room_id = await orga.create_room(invite=[bot.user_id, member.user_id, ben.user_id])
    for person in (member, ben):
        await person.join(room_id)
    await orga.wait_membership(room_id, bot.user_id, "join")
    for person in (member, ben):
        await orga.wait_membership(room_id, person.user_id, "join")
    yield Meeting(bot, orga, member, ben, room_id)
    await bot.stop()
    await ben.close()


async def say(user: MatrixUser, meeting: Meeting, text: str, **extra: object) -> Event:
    event_id = await user.send_text(meeting.room_id, text, **extra)
    return await user.wait_reply(event_id, meeting.bot.user_id, within=WAIT)


def body(event: Event) -> str:
    return event["content"].get("body", "")


async def thread_reply(user: MatrixUser, meeting: Meeting, root: str, text: str) -> str:
    relation = {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": root},
    }
    return await user.send_text(meeting.room_id, text, **{"m.relates_to": relation})


async def shown(user: MatrixUser, meeting: Meeting, number: int) -> str:
    return body(await say(user, meeting, f"!thema {number}"))


async def test_a_topic_from_proposal_to_minutes(meeting: Meeting) -> None:
    orga, anna, ben = meeting.orga, meeting.anna, meeting.ben
    day = (dt.date.today() + dt.timedelta(days=10)).strftime("%d.%m.%Y")
    created = await say(
        orga,
        meeting,
        f'!termin neu "2. Transfer-Workshop" {day} 10:00-16:00 ort "Potsdam" erinnerungen keine',
    )
    event_number = int(re.search(r"Nr\. (\d+)", body(created))[1])  # type: ignore[index]
    await say(anna, meeting, f"!teilnahme {event_number} ja")

    topic = await say(
        anna,
        meeting,
        f"!thema Verankerung der Rolle in der Verwaltung #rolle termin {event_number}",
    )
    assert "Thema Nr. 1: Verankerung der Rolle in der Verwaltung" in body(topic)
    assert "#rolle" in body(topic) and "👍" in body(topic)
    root = topic["event_id"]

    # Support: 👍 counts once per person and goes with the reaction; the command counts too.
    reaction = await ben.react(meeting.room_id, root, "👍")
    assert "1 unterstützende Person" in body(await say(orga, meeting, "!themen"))
    await ben.redact(meeting.room_id, reaction)
    assert "0 Unterstützende" in body(await say(orga, meeting, "!themen"))
    assert "1 unterstützende Person" in body(await say(anna, meeting, "!thema +1 1"))
    assert "schon" in body(await say(anna, meeting, "!thema +1 1"))

    # The discussion: thread replies are notes; an edit changes one, a redaction removes one.
    first = await thread_reply(ben, meeting, root, "Die Rolle braucht ein Mandat der Spitze")
    second = await thread_reply(anna, meeting, root, "Bei uns: Stabsstelle beim Bürgermeister")
    gone = await thread_reply(ben, meeting, root, "Das nehme ich zurück")
    edit = {
        "m.new_content": {"msgtype": "m.text", "body": "Die Rolle braucht ein klares Mandat"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": first},
    }
    await ben.send_text(meeting.room_id, "* Die Rolle braucht ein klares Mandat", **edit)
    await ben.redact(meeting.room_id, gone)
    # Someone else's "edit" of Ben's note changes nothing.
    forged = {**edit, "m.new_content": {"msgtype": "m.text", "body": "Gefälscht"}}
    await anna.send_text(meeting.room_id, "* Gefälscht", **forged)
    # A reply in a thread the bot does not know is ignored.
    other = await orga.send_text(meeting.room_id, "Mittagessen?")
    unrelated = await thread_reply(anna, meeting, other, "Gern")

    page = await shown(orga, meeting, 1)
    assert "klares Mandat" in page and "Stabsstelle beim Bürgermeister" in page
    assert "zurück" not in page and "Gefälscht" not in page and "Gern" not in page
    # Nothing was said in the unknown thread, and nothing of it kept, not even its id.
    assert orga.reply_to(other, meeting.bot.user_id) is None
    kept = {
        event_id for (event_id,) in await meeting.bot.query("SELECT event_id FROM handled_event")
    }
    assert unrelated not in kept and other not in kept and second in kept

    # Decisions and action items; a restart in the middle keeps everything.
    await meeting.bot.stop()
    await meeting.bot.start()
    assert "Beschluss zu Thema Nr. 1" in body(
        await say(orga, meeting, "!beschluss 1 Ein Leitfaden zur Verankerung wird erstellt")
    )
    yesterday = (dt.date.today() - dt.timedelta(days=1)).strftime("%d.%m.%Y")
    action = await say(
        orga, meeting, f"!aufgabe 1 {anna.user_id} Leitfaden entwerfen bis {yesterday}"
    )
    assert (
        "Aufgabe A" in body(action) and anna.user_id in action["content"]["m.mentions"]["user_ids"]
    )
    # Due yesterday: Anna is reminded by direct message right away.
    dm = await anna.wait_for(
        lambda: next(iter(anna.invites - {meeting.room_id}), None), within=WAIT
    )
    await anna.join(dm)
    reminder = await anna.wait_for(
        lambda: [e for room, e in anna.events if room == dm and "Leitfaden entwerfen" in body(e)],
        within=WAIT,
    )
    assert "!aufgabe erledigt" in body(reminder[0])
    page = await shown(anna, meeting, 1)
    assert "klares Mandat" in page and "Leitfaden zur Verankerung" in page
    assert "Leitfaden entwerfen" in page

    # The agenda is the organisers'; so is the status.
    refused = await say(ben, meeting, f"!agenda {event_number} setzen 1")
    assert "seine Räume organisiert" in body(refused)
    assert f"Die Agenda sehen alle mit !agenda {event_number}." in body(refused)
    agenda = await say(orga, meeting, f"!agenda {event_number} setzen 1")
    assert "1. Nr. 1 Verankerung der Rolle" in body(agenda) or "Nr. 1" in body(agenda)
    assert "auf der Agenda" in body(agenda)
    assert "Das darf nur, wer den Raum von Thema Nr. 1 organisiert." in body(
        await say(ben, meeting, "!thema status 1 besprochen")
    )
    assert "besprochen" in body(await say(orga, meeting, "!thema status 1 besprochen"))

    # The minutes: a Markdown file and a summary with a link to the same file.
    request_id = await orga.send_text(meeting.room_id, f"!protokoll {event_number}")
    replies = await orga.wait_for(
        lambda: (
            found
            if len(
                found := [
                    e
                    for _, e in orga.events
                    if e["sender"] == meeting.bot.user_id
                    and e["content"]
                    .get("m.relates_to", {})
                    .get("m.in_reply_to", {})
                    .get("event_id")
                    == request_id
                ]
            )
            == 2
            else None
        ),
        within=WAIT,
    )
    file_event = next(e for e in replies if e["content"].get("msgtype") == "m.file")
    summary = next(e for e in replies if e["content"].get("msgtype") == "m.notice")
    markdown = (await orga.download(file_event["content"]["url"])).decode("utf-8")
    assert markdown.startswith("# Protokoll: 2. Transfer-Workshop")
    assert "## Teilnehmende (1)" in markdown and anna.user_id in markdown
    assert "1. Verankerung der Rolle in der Verwaltung (Nr. 1, besprochen)" in markdown
    assert "### Notizen" in markdown and "Die Rolle braucht ein klares Mandat" in markdown
    assert (
        "### Beschlüsse" in markdown and "Ein Leitfaden zur Verankerung wird erstellt" in markdown
    )
    assert f"- [ ] Leitfaden entwerfen — verantwortlich: {anna.user_id}" in markdown
    assert "zurück" not in markdown
    assert "Offene Aufgaben" in body(summary)
    link = re.search(r'href="([^"]+)"', summary["content"]["formatted_body"])[1]  # type: ignore[index]
    async with aiohttp.ClientSession() as session, session.get(link) as response:
        assert response.status == 200
        assert (await response.read()).decode("utf-8") == markdown

    # Search finds what was said.
    found = body(await say(ben, meeting, "!suche Mandat"))
    assert "klares Mandat" in found
    assert "nichts gefunden" in body(await say(ben, meeting, "!suche Kaffeemaschine"))


async def test_bad_input_gets_a_clear_answer(meeting: Meeting) -> None:
    anna = meeting.anna
    assert "gibt es nicht" in body(await say(anna, meeting, "!thema 99"))
    assert "Es fehlt" in body(await say(anna, meeting, "!thema"))
    assert "braucht einen Titel" in body(await say(anna, meeting, "!thema #nur #tags"))
    assert "Termin Nr. 5" in body(await say(anna, meeting, "!thema Rolle termin 5"))
    await say(anna, meeting, "!thema Agiles Arbeiten in der Verwaltung")
    long_note = "x" * 10_000
    reply = body(await say(anna, meeting, f"!notiz 1 {long_note}"))
    assert "10000 Zeichen" in reply and "4000" in reply
    assert "Noch keine Notizen" in body(await say(anna, meeting, "!thema 1"))
    assert "kein Stand" in body(await say(meeting.orga, meeting, "!thema status 1 vielleicht"))
    assert "mit Grund" in body(await say(meeting.orga, meeting, "!thema status 1 abgelehnt"))
    assert "„niemand“ finde ich in diesem Raum nicht" in body(
        await say(anna, meeting, "!aufgabe 1 niemand machen")
    )
    merged = await say(meeting.orga, meeting, '!thema "Agiles Arbeiten (doppelt)"')
    assert "Thema Nr. 2" in body(merged)
    assert "aufgegangen" in body(await say(meeting.orga, meeting, "!thema zusammenführen 2 1"))
    assert "zusammengeführt" in body(await say(anna, meeting, "!notiz 2 noch was"))
