"""Events on a real Synapse: announced with ✅ ❌ ❔, answered by reaction and by command,
reminded with mentions of those who said yes, direct messages to those who did not answer,
changed, cancelled, exported as .ics — once each, across restarts and hard kills."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import icalendar
import pytest_asyncio

from bot.homeserver import LocalSynapse
from commands.core import faults
from tests.e2e.harness import (
    BotProcess,
    Event,
    MatrixUser,
    notified,
    start_bot,
    unique,
    wait_notified,
)

# An event this far ahead with a reminder 1 minute before: the reminder is due in ~10 s.
SOON = "in 70 Sekunden"


@dataclass
class Network:
    bot: BotProcess
    orga: MatrixUser
    anna: MatrixUser
    ben: MatrixUser
    room_id: str
    alias: str


@pytest_asyncio.fixture
async def network(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> AsyncIterator[Network]:
    """A workshop room with the organiser, two members (anna, ben) and a bot whose grace for
    missed reminders is 2 s."""
    bot = await start_bot(synapse, tmp_path, orga, missed_grace_hours=2 / 3600)
    bot_id = bot.user_id
    ben = await MatrixUser.create(synapse, "ben")
    alias = unique("workshop")
    room_id = await orga.create_room(invite=[bot_id, member.user_id, ben.user_id], alias=alias)
    await member.join(room_id)
    await ben.join(room_id)
    await orga.wait_membership(room_id, bot_id, "join")
    await orga.wait_membership(room_id, ben.user_id, "join")
    yield Network(bot, orga, member, ben, room_id, alias)
    await bot.stop()
    await ben.close()


async def command(user: MatrixUser, network: Network, text: str) -> Event:
    event_id = await user.send_text(network.room_id, text)
    return await user.wait_reply(event_id, network.bot.user_id)


def body(event: Event) -> str:
    return event["content"]["body"]


def number_in(reply: Event) -> int:
    match = re.search(r"Nr\. (\d+)", body(reply))
    assert match, body(reply)
    return int(match[1])


def bot_events(user: MatrixUser, room_id: str, bot_id: str, needle: str) -> list[Event]:
    return [
        event
        for room, event in user.events
        if room == room_id
        and event.get("sender") == bot_id
        and event.get("type") == "m.room.message"
        and needle in event.get("content", {}).get("body", "")
    ]


async def card_of(network: Network, number: int) -> Event:
    cards = await network.anna.wait_for(
        lambda: bot_events(
            network.anna, network.room_id, network.bot.user_id, f"Termin Nr. {number}:"
        )
    )
    return cards[0]


async def create_soon(network: Network, title: str, extra: str = "") -> int:
    reply = await command(
        network.orga,
        network,
        f'!termin neu "{title}" {SOON} ort "Potsdam" erinnerungen 1min '
        f"agenda https://example.org/agenda {extra}",
    )
    assert "angelegt" in body(reply), body(reply)
    return number_in(reply)


def offered_on(network: Network, event_id: str) -> set[str]:
    """The reactions the bot put under one of its posts."""
    return {
        event["content"]["m.relates_to"]["key"]
        for _room, event in network.anna.events
        if event.get("type") == "m.reaction"
        and event.get("sender") == network.bot.user_id
        and event["content"]["m.relates_to"]["event_id"] == event_id
    }


def edits_of(network: Network, original: str) -> list[Event]:
    """The bot's m.replace edits of one of its messages, as anna received them."""
    return [
        event
        for room, event in network.anna.events
        if room == network.room_id
        and event.get("sender") == network.bot.user_id
        and event.get("content", {}).get("m.relates_to", {}).get("rel_type") == "m.replace"
        and event["content"]["m.relates_to"].get("event_id") == original
    ]


async def answers_listing(network: Network, number: int) -> str:
    """The HTML of `!termin antworten`; people in it are pills, named in the plain body by
    their display name, never by a bare Matrix ID."""
    reply = await command(network.orga, network, f"!termin antworten {number}")
    assert not re.search(r"@[^\s:]+:", body(reply)), body(reply)
    return reply["content"]["formatted_body"]


def pill_of(user: MatrixUser) -> str:
    return f'<a href="https://matrix.to/#/{user.user_id}">'


def direct_invites(user: MatrixUser, network: Network) -> set[str]:
    return user.invites - {network.room_id}


async def history_count(user: MatrixUser, room_id: str, bot_id: str, needle: str) -> int:
    history = await user.room_history(room_id)
    return sum(
        1
        for event in history
        if event.get("sender") == bot_id
        and event.get("type") == "m.room.message"
        and needle in event.get("content", {}).get("body", "")
    )


async def test_reminder_mentions_the_yes_answers_and_dms_who_has_not_answered(
    network: Network,
) -> None:
    number = await create_soon(network, "Transfer-Workshop")
    card = await card_of(network, number)
    # m.text, so it reaches people (an m.notice notifies nobody), mentioning nobody in particular.
    assert card["content"]["msgtype"] == "m.text"
    assert card["content"]["m.mentions"] == {}
    assert "Potsdam" in body(card) and "✅" in body(card)
    # The bot offers the three answers as reactions under the card.
    offered = await network.anna.wait_for(
        lambda: offered_on(network, card["event_id"]) >= {"✅", "❌", "❔"}
    )
    assert offered
    await network.anna.react(network.room_id, card["event_id"], "✅")
    ben_answer = await command(network.ben, network, f"!teilnahme {number} nein")
    assert "nein" in body(ben_answer)
    assert pill_of(network.anna) in await answers_listing(network, number)

    reminder = (
        await network.anna.wait_for(
            lambda: bot_events(network.anna, network.room_id, network.bot.user_id, "⏰ Erinnerung"),
            within=30,
        )
    )[0]
    content = reminder["content"]
    assert content["msgtype"] == "m.text"
    assert content["m.mentions"] == {"user_ids": [network.anna.user_id]}
    assert f"https://matrix.to/#/{network.anna.user_id}" in content["formatted_body"]
    assert network.ben.user_id not in content["formatted_body"]
    assert "Potsdam" in content["body"] and "https://example.org/agenda" in content["body"]
    assert "beginnt in 1 Minute" in content["body"]

    # The organiser has not answered: a direct message asks (anna and ben answered, so not them).
    invites = await network.orga.wait_for(lambda: direct_invites(network.orga, network), within=20)
    direct_room = next(iter(invites))
    await network.orga.join(direct_room)
    # The invitation to the direct chat comes a moment before the message in it.
    await network.orga.wait_for(
        lambda: [
            e
            for room, e in network.orga.events
            if room == direct_room and "Kommst du?" in e.get("content", {}).get("body", "")
        ]
    )
    history = await network.orga.room_history(direct_room)
    asks = [e for e in history if "Kommst du?" in e.get("content", {}).get("body", "")]
    assert len(asks) == 1
    assert f"!teilnahme {number} ja" in body(asks[0])
    assert asks[0]["content"]["msgtype"] == "m.text"
    assert not direct_invites(network.anna, network) and not direct_invites(network.ben, network)
    assert (
        await history_count(network.anna, network.room_id, network.bot.user_id, "⏰ Erinnerung")
        == 1
    )


async def stammtisch(network: Network) -> tuple[int, Event]:
    """A new event the day after tomorrow: its number and its card."""
    reply = await command(
        network.orga, network, '!termin neu "Stammtisch" übermorgen 18-20 Uhr ort "Cottbus"'
    )
    number = number_in(reply)
    return number, await card_of(network, number)


async def test_a_new_reaction_replaces_the_answer_and_taking_it_back_withdraws_it(
    network: Network,
) -> None:
    number, card = await stammtisch(network)
    yes = await network.anna.react(network.room_id, card["event_id"], "✅")
    no = await network.anna.react(network.room_id, card["event_id"], "❌")
    await network.anna.redact(network.room_id, yes)

    async def answers() -> str:
        return await answers_listing(network, number)

    listing = await answers()
    assert f"Abgesagt (1): {pill_of(network.anna)}" in listing, listing
    assert "Zugesagt (0)" in listing
    await network.anna.redact(network.room_id, no)
    await network.anna.react(network.room_id, card["event_id"], "👀")
    listing = await answers()
    assert network.anna.user_id not in listing, listing
    shown = await command(network.anna, network, f"!termin {number}")
    assert "beginnt in 1 Tag" in body(shown) or "beginnt in 2 Tagen" in body(shown)
    assert "Du hast noch nicht geantwortet" in body(shown)


async def test_change_cancel_and_calendar(network: Network) -> None:
    reply = await command(
        network.orga,
        network,
        '!termin neu "2. Transfer-Workshop Smart City Manager:in" 29.09.2027 10:00-16:00 '
        'ort "Potsdam" beschreibung "Verankerung <in> der Verwaltung"',
    )
    number = number_in(reply)
    assert "Mi., 29.09.2027, 10:00–16:00 Uhr (MESZ)" in body(reply), body(reply)
    await command(network.anna, network, f"!teilnahme {number} ja")
    changed = await command(network.orga, network, f'!termin ändern {number} ort "Cottbus"')
    assert "geändert" in body(changed)
    update = await network.anna.wait_for(
        lambda: bot_events(network.anna, network.room_id, network.bot.user_id, "Geändert")
    )
    assert "Ort: Potsdam → Cottbus" in body(update[0])
    # The description did not change: the notice leaves it out, the card edited in place shows it.
    card = await card_of(network, number)
    edit = (await network.anna.wait_for(lambda: edits_of(network, card["event_id"])))[0]
    assert "Cottbus" in edit["content"]["m.new_content"]["body"]
    assert "&lt;in&gt;" in edit["content"]["m.new_content"]["formatted_body"]

    cancelled = await command(network.orga, network, f"!termin absagen {number} Krankheit")
    assert "abgesagt" in body(cancelled)
    notice = await network.anna.wait_for(
        lambda: bot_events(network.anna, network.room_id, network.bot.user_id, "Abgesagt:")
    )
    assert notice[0]["content"]["m.mentions"] == {"user_ids": [network.anna.user_id]}
    assert "Krankheit" in body(notice[0])
    assert "keine Termine" in body(await command(network.anna, network, "!termine"))

    file_reply = await command(network.anna, network, f"!kalender {number}")
    assert file_reply["content"]["msgtype"] == "m.file"
    data = await network.anna.download(file_reply["content"]["url"])
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == "CANCEL"
    vevent = next(iter(calendar.walk("VEVENT")))
    assert vevent["STATUS"] == "CANCELLED"
    assert int(vevent["SEQUENCE"]) == 2
    assert vevent.decoded("DTSTART") == dt.datetime(2027, 9, 29, 8, tzinfo=dt.UTC)
    assert str(vevent["LOCATION"]) == "Cottbus"

    url = f"http://127.0.0.1:{network.bot.http_port}/events.ics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/calendar")
        feed = icalendar.Calendar.from_ical(await response.read())
    feed_events = list(feed.walk("VEVENT"))
    assert [str(event["UID"]) for event in feed_events] == [str(vevent["UID"])]
    assert feed_events[0]["STATUS"] == "CANCELLED"
    assert any(tz["TZID"] == "Europe/Berlin" for tz in feed.walk("VTIMEZONE"))


async def test_hard_kill_right_after_a_reminder_posts_it_once(network: Network) -> None:
    number = await create_soon(network, "Einmal")
    card = await card_of(network, number)
    await network.anna.wait_for(lambda: len(offered_on(network, card["event_id"])) == 3)
    await network.anna.react(network.room_id, card["event_id"], "✅")
    # Let the card's delivery finish (its reactions are out; the row is closed right after).
    await asyncio.sleep(1)
    await network.bot.stop()
    # The reminder is the next post: the bot dies right after sending it, then starts again.
    await network.bot.start(fault=faults.AFTER_ANNOUNCEMENT, wait_healthy=False)
    assert await network.bot.wait_exit(within=40) == 137
    await network.bot.start()
    reminder = await network.anna.wait_for(
        lambda: bot_events(network.anna, network.room_id, network.bot.user_id, "⏰ Erinnerung")
    )
    assert reminder[0]["content"]["m.mentions"] == {"user_ids": [network.anna.user_id]}
    await asyncio.sleep(1)
    bot_id = network.bot.user_id
    assert await history_count(network.anna, network.room_id, bot_id, "⏰ Erinnerung") == 1
    assert await history_count(network.anna, network.room_id, bot_id, f"Termin Nr. {number}:") == 1


async def test_reminder_missed_during_downtime_is_reported_not_sent(network: Network) -> None:
    number = await create_soon(network, "Verpasst")
    await card_of(network, number)
    await network.bot.stop()
    # The reminder is due ~10 s after creation; grace 2 s: by 15 s it is past both.
    await asyncio.sleep(15)
    await network.bot.start()
    report = await network.orga.wait_for(
        lambda: bot_events(network.orga, network.room_id, network.bot.user_id, "nicht gesendet")
    )
    assert f"Termin Nr. {number}" in body(report[0])
    assert report[0]["content"]["m.mentions"] == {"user_ids": [network.orga.user_id]}
    await asyncio.sleep(1)
    bot_id = network.bot.user_id
    assert await history_count(network.anna, network.room_id, bot_id, "⏰ Erinnerung") == 0
    assert not direct_invites(network.anna, network)


async def test_opting_out_of_direct_messages(network: Network) -> None:
    off = await command(network.anna, network, "!erinnerungen aus")
    assert "keine Direktnachrichten" in body(off)
    number = await create_soon(network, "Ohne DM")
    await network.orga.wait_for(lambda: direct_invites(network.orga, network), within=30)
    # ben has not opted out and gets his invite in the same round as the organiser.
    await network.ben.wait_for(lambda: direct_invites(network.ben, network), within=10)
    assert not direct_invites(network.anna, network)
    assert f"Nr. {number}" in body(await card_of(network, number))


async def test_bad_input_gets_a_clear_answer_and_stores_nothing(network: Network) -> None:
    started = time.time()
    missing = await command(network.orga, network, "!termin neu Workshop")
    assert "wann" in body(missing)
    impossible = await command(network.orga, network, '!termin neu "X" 31.02.2027 10:00')
    assert "31.02.2027" in body(impossible)
    backwards = await command(network.orga, network, '!termin neu "X" 29.09.2027 16:00-10:00')
    assert "nicht nach dem Beginn" in body(backwards)
    bad_link = await command(network.orga, network, '!termin neu "X" morgen 10 Uhr online foo')
    assert "kein Link" in body(bad_link)
    refused = await command(network.anna, network, '!termin neu "X" morgen 10 Uhr')
    assert "Organisation" in body(refused)
    unknown = await command(network.anna, network, "!teilnahme 99 ja")
    assert "Nr. 99" in body(unknown)
    english = await command(network.anna, network, "!rsvp 99 yes")
    assert "There is no event no. 99" in body(english)
    script = await command(network.orga, network, '!termin neu "X" <script>alert(1)</script>')
    assert "&lt;script&gt;" in script["content"]["formatted_body"]
    assert "keine Termine" in body(await command(network.anna, network, "!termine"))
    assert time.time() - started < 60


async def test_an_organiser_of_another_room_may_not_change_the_event(network: Network) -> None:
    """ben runs a room of his own (power 100 there); that does not make him an organiser of the
    workshop's event, nor does the direct message the bot opened with him."""
    number = await create_soon(network, "Nur für die Organisation")
    # A room of his own with someone else in it: alone with the bot he would organise nothing.
    own_room = await network.ben.create_room(invite=[network.bot.user_id, network.anna.user_id])
    await network.anna.join(own_room)
    await network.ben.wait_membership(own_room, network.bot.user_id, "join")
    await network.ben.wait_membership(own_room, network.anna.user_id, "join")
    for text in (f"!termin absagen {number}", f"!termin antworten {number}"):
        event_id = await network.ben.send_text(own_room, text)
        reply = await network.ben.wait_reply(event_id, network.bot.user_id)
        assert f"Termin Nr. {number} darfst du nicht ändern" in body(reply), body(reply)
    invites = await network.ben.wait_for(lambda: direct_invites(network.ben, network), within=30)
    direct_room = next(iter(invites))
    await network.ben.join(direct_room)
    event_id = await network.ben.send_text(direct_room, f"!termin absagen {number}")
    reply = await network.ben.wait_reply(event_id, network.bot.user_id)
    assert "Organisation" in body(reply)
    listed = body(await command(network.anna, network, "!termine"))
    assert f"Nr. {number}" in listed
    # The hint under the list says what it is for and can be typed as it stands.
    assert listed.endswith(f"Einen Termin ganz, mit Countdown und den Antworten: !termin {number}")
    url = f"http://127.0.0.1:{network.bot.http_port}/events"
    async with aiohttp.ClientSession() as session:
        for path in ("/999999.ics", "/abc.ics", "/².ics", "/9999999999.ics"):
            async with session.get(url + path) as response:
                assert response.status == 404, path
        async with session.get(f"{url}/{number}.ics") as response:
            assert response.status == 200


async def test_in_english(network: Network) -> None:
    reply = await command(
        network.orga,
        network,
        '!event new "Alumni meetup" 30.09.2027 14-16 place "Potsdam" reminders 2d 2h open',
    )
    assert "Event no." in body(reply) and "Thu, 30 Sep 2027, 14:00–16:00 (CEST)" in body(reply)
    assert "2 days, 2 hours before" in body(reply)
    number = number_in_english(reply)
    answer = await command(network.anna, network, f"!rsvp {number} maybe")
    assert "Your answer to event no." in body(answer) and "maybe" in body(answer)
    shown = await command(network.anna, network, f"!event {number}")
    assert "starts in" in body(shown) and "Your answer: maybe" in body(shown)
    listing = await command(network.anna, network, "!events")
    assert "Alumni meetup" in body(listing) and "1 maybe" in body(listing)
    off = await command(network.anna, network, "!reminders off")
    assert "no more direct messages" in body(off)


def number_in_english(reply: Event) -> int:
    match = re.search(r"no\. (\d+)", body(reply))
    assert match, body(reply)
    return int(match[1])


# Element sends reactions with the emoji's variation selector (U+FE0F), e.g. ✅️ and ❔️.
VS16 = "\ufe0f"


async def test_a_change_edits_the_card_in_place_and_notifies_yes_and_maybe(
    network: Network,
) -> None:
    # As Element sends `beschreibung **Workshop** mit [Agenda](…)`: Markdown in body, HTML.
    text = '!termin neu "Werkstatt" 29.09.2027 10:00-16:00 ort "Potsdam" beschreibung '
    event_id = await network.orga.send_text(
        network.room_id,
        text + "**Workshop** mit [Agenda](https://example.org/a)",
        format="org.matrix.custom.html",
        formatted_body=text
        + '<strong>Workshop</strong> mit <a href="https://example.org/a">Agenda</a>',
        **{"m.mentions": {}},
    )
    number = number_in(await network.orga.wait_reply(event_id, network.bot.user_id))
    card = await card_of(network, number)
    assert card["content"]["msgtype"] == "m.text" and card["content"]["m.mentions"] == {}
    assert (
        '<p><strong>Workshop</strong> mit <a href="https://example.org/a">Agenda</a></p>'
        in card["content"]["formatted_body"]
    )
    await network.anna.react(network.room_id, card["event_id"], "✅" + VS16)
    await command(network.orga, network, f"!teilnahme {number} vielleicht")
    await command(network.ben, network, f"!teilnahme {number} nein")
    listing = await answers_listing(network, number)
    assert f"Zugesagt (1): {pill_of(network.anna)}" in listing, listing

    changed = await command(
        network.orga, network, f'!termin ändern {number} zeit 30.09.2027 14:00-18:00 ort "Cottbus"'
    )
    assert "geändert" in body(changed)

    # The card itself now shows the new time and place: an edit of the original card.
    edit = (await network.anna.wait_for(lambda: edits_of(network, card["event_id"])))[0]
    new = edit["content"]["m.new_content"]
    assert new["msgtype"] == "m.text" and new["m.mentions"] == {}
    assert "Do., 30.09.2027, 14:00–18:00 Uhr (MESZ)" in new["body"]
    assert "Ort: Cottbus" in new["body"] and "Potsdam" not in new["body"]
    assert "<strong>Workshop</strong>" in new["formatted_body"]
    assert edit["content"]["body"].startswith("* ")
    assert edit["content"]["m.mentions"] == {}

    # One change notice says what changed and mentions those who said yes or maybe.
    notices = await network.anna.wait_for(
        lambda: bot_events(network.anna, network.room_id, network.bot.user_id, "Geändert")
    )
    notice = notices[0]
    content = notice["content"]
    assert content["msgtype"] == "m.text"
    assert content["m.mentions"] == {
        "user_ids": sorted([network.anna.user_id, network.orga.user_id])
    }
    assert (
        "Zeit: Mi., 29.09.2027, 10:00–16:00 Uhr → Do., 30.09.2027, 14:00–18:00 Uhr (MESZ)"
        in content["body"]
    )
    assert "Ort: Potsdam → Cottbus" in content["body"]
    assert f"https://matrix.to/#/{network.anna.user_id}" in content["formatted_body"]
    assert network.ben.user_id not in content["formatted_body"]

    # Who said yes or maybe is notified with a highlight; who said no is not; the edit
    # notifies nobody.
    await wait_notified(network.anna, notice["event_id"], highlight=True)
    await wait_notified(network.orga, notice["event_id"], highlight=True)
    assert notice["event_id"] not in await notified(network.ben, highlight=True)
    for user in (network.anna, network.ben, network.orga):
        assert edit["event_id"] not in await notified(user, highlight=False)
    assert await history_count(network.anna, network.room_id, network.bot.user_id, "Geändert") == 1

    # ben changes his mind by reacting ❔️ (with VS16) to the change notice.
    await network.ben.react(network.room_id, notice["event_id"], "❔" + VS16)
    listing = await answers_listing(network, number)
    assert "Vielleicht (2): " in listing and network.ben.user_id in listing, listing
    assert "Abgesagt (0)" in listing, listing


async def test_reactions_count_on_the_reminder_and_the_answer_to_show(network: Network) -> None:
    number = await create_soon(network, "Erinnert")
    card = await card_of(network, number)
    await network.anna.react(network.room_id, card["event_id"], "✅" + VS16)
    await command(network.ben, network, f"!teilnahme {number} nein")
    # The organiser reacts ❔️ to the bot's answer to `!termin <nr>`.
    shown = await command(network.orga, network, f"!termin {number}")
    await network.orga.react(network.room_id, shown["event_id"], "❔" + VS16)
    listing = await answers_listing(network, number)
    assert f"Vielleicht (1): {pill_of(network.orga)}" in listing, listing

    reminder = (
        await network.anna.wait_for(
            lambda: bot_events(network.anna, network.room_id, network.bot.user_id, "⏰ Erinnerung"),
            within=30,
        )
    )[0]
    content = reminder["content"]
    assert content["msgtype"] == "m.text"
    assert content["m.mentions"] == {
        "user_ids": sorted([network.anna.user_id, network.orga.user_id])
    }
    assert "Vielleicht: " in content["body"]
    await wait_notified(network.anna, reminder["event_id"], highlight=True)
    await wait_notified(network.orga, reminder["event_id"], highlight=True)
    assert reminder["event_id"] not in await notified(network.ben, highlight=True)

    # ben says yes after all, by reacting ✅️ (with VS16) to the reminder.
    await network.ben.react(network.room_id, reminder["event_id"], "✅" + VS16)
    listing = await answers_listing(network, number)
    assert "Zugesagt (2)" in listing and network.ben.user_id in listing, listing
    assert "Abgesagt (0)" in listing, listing


async def stored_answer(network: Network, number: int, user: MatrixUser, answer: str) -> None:
    """Waits (short polls) until the bot has stored `answer` of `user` to event `number`."""
    for _ in range(100):
        rows = await network.bot.query(
            "SELECT answer FROM rsvp WHERE event_id = :nr AND user_id = :user",
            nr=number,
            user=user.user_id,
        )
        if rows == [(answer,)]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{user.user_id}'s answer to {number} is {rows}, not {answer}")


def redacted_by_bot(network: Network) -> set[str]:
    """The events the bot redacted, as ben's sync saw it."""
    return {
        event.get("redacts") or event.get("content", {}).get("redacts")
        for room, event in network.ben.events
        if room == network.room_id
        and event.get("type") == "m.room.redaction"
        and event.get("sender") == network.bot.user_id
    }


async def test_a_later_answer_takes_back_the_earlier_reaction_where_the_bot_may(
    network: Network,
) -> None:
    number, card = await stammtisch(network)

    # Without the right to redact (the bot has power 0 here), the answer says which
    # reaction no longer counts, with a link to the message it is under.
    await network.anna.react(network.room_id, card["event_id"], "✅️")
    await stored_answer(network, number, network.anna, "yes")
    answered = await command(network.anna, network, f"!teilnahme {number} vielleicht")
    assert "vielleicht" in body(answered)
    assert "Deine frühere Reaktion ✅️ auf die Nachricht zum Termin zählt nicht mehr" in body(
        answered
    ), body(answered)
    permalink = f"https://matrix.to/#/{network.room_id}/{card['event_id']}"
    assert f'<a href="{permalink}">' in answered["content"]["formatted_body"]
    await stored_answer(network, number, network.anna, "maybe")
    assert not redacted_by_bot(network)

    # With it, the earlier reaction goes: by a later reaction, and by a command.
    levels = await network.orga.client.room_get_state_event(network.room_id, "m.room.power_levels")
    users = {**levels.content.get("users", {}), network.bot.user_id: 50}
    await network.orga.client.room_put_state(
        network.room_id, "m.room.power_levels", {**levels.content, "users": users}
    )
    yes = await network.ben.react(network.room_id, card["event_id"], "✅")
    await stored_answer(network, number, network.ben, "yes")
    no = await network.ben.react(network.room_id, card["event_id"], "❌")
    await network.ben.wait_for(lambda: yes in redacted_by_bot(network))
    await stored_answer(network, number, network.ben, "no")
    # The same answer by command keeps the reaction that shows it.
    same = await command(network.ben, network, f"!teilnahme {number} nein")
    assert "zählt nicht mehr" not in body(same)
    assert no not in redacted_by_bot(network)
    changed = await command(network.ben, network, f"!teilnahme {number} vielleicht")
    assert "zählt nicht mehr" not in body(changed), body(changed)
    await network.ben.wait_for(lambda: no in redacted_by_bot(network))
    # The bot's own redactions withdraw nothing.
    probe = await command(network.orga, network, f"!termin antworten {number}")
    assert "Vielleicht (2)" in body(probe), body(probe)
