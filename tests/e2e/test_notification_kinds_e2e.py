"""Who each kind of bot post notifies, as Element shows it: read from every member's
`GET /notifications` (Synapse's default push rules, element.md §9) in one room with an organiser,
a member who said yes to an event, one who said no, and a Fachvorgesetzte:r.

Scheduled posts (announcements, event cards, changes, reminders, cancellations, a poll's final
result) are `m.text` and notify everyone; they highlight only whom they mention (@room: all;
a change, reminder or cancellation: who said yes or maybe; the result: who ended the poll).
Replies to commands, errors and topic posts are `m.notice` and notify nobody; so do the poll's
own events (Synapse's poll rules are off). Direct messages notify their one recipient."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
import pytest_asyncio

from bot.homeserver import LocalSynapse
from tests.e2e.harness import (
    BotProcess,
    Event,
    MatrixUser,
    highlighted,
    notifications,
    start_bot,
    wait_notified,
)

# Due a few seconds after it is made: its 1-minute reminder goes out ~10 s after creation.
SOON = "in 70 Sekunden"


@dataclass
class Room:
    bot: BotProcess
    orga: MatrixUser
    yes: MatrixUser
    no: MatrixUser
    boss: MatrixUser
    room_id: str
    # label → (event id, who is notified, who is highlighted)
    expected: dict[str, tuple[str, set[str], set[str]]] = field(default_factory=dict)

    @property
    def everyone(self) -> set[str]:
        return {u.user_id for u in (self.orga, self.yes, self.no, self.boss)}

    @property
    def users(self) -> tuple[MatrixUser, ...]:
        return (self.orga, self.yes, self.no, self.boss)

    def expect(self, label: str, event: Event, notified: set[str], highlighted: set[str]) -> None:
        self.expected[label] = (event["event_id"], notified, highlighted)


@pytest_asyncio.fixture(scope="module")
async def room(
    synapse: LocalSynapse, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Room]:
    """The organiser's room with the bot at power 50 (it may @room), and three members."""
    orga = await MatrixUser.create(synapse, "orga")
    # The bot starts while the others log in.
    bot, yes, no, boss = await asyncio.gather(
        start_bot(synapse, tmp_path_factory.mktemp("notification-kinds"), orga),
        *(MatrixUser.create(synapse, name) for name in ("anna", "ben", "vera")),
    )
    room_id = await orga.create_room(
        invite=[bot.user_id, yes.user_id, no.user_id, boss.user_id],
        # Room version 12: the creator's power is implicit and not listed.
        power_level_override={"users": {bot.user_id: 50}},
    )
    for person in (yes, no, boss):
        await person.join(room_id)
    for person in (bot.user_id, yes.user_id, no.user_id, boss.user_id):
        await orga.wait_membership(room_id, person, "join")
    yield Room(bot, orga, yes, no, boss, room_id)
    await bot.stop()
    for person in (orga, yes, no, boss):
        await person.close()


async def command(user: MatrixUser, room: Room, text: str, room_id: str | None = None) -> Event:
    """What Element sends for a typed command (element.md §1), and the bot's reply."""
    event_id = await user.send_text(room_id or room.room_id, text, **{"m.mentions": {}})
    return await user.wait_reply(event_id, room.bot.user_id)


async def post(room: Room, found: Callable[[Event], bool], user: MatrixUser | None = None) -> Event:
    """The bot's first event in the room (as `user`, default the yes-sayer, got it) that
    `found` accepts."""
    seer = user or room.yes

    def match() -> Event | None:
        return next(
            (
                event
                for room_id, event in seer.events
                if room_id == room.room_id
                and event.get("sender") == room.bot.user_id
                and found(event)
            ),
            None,
        )

    event: Event = await seer.wait_for(match, within=40)
    return event


def text_with(needle: str) -> Callable[[Event], bool]:
    return lambda event: (
        event.get("type") == "m.room.message"
        and "m.new_content" not in event.get("content", {})
        and needle in event.get("content", {}).get("body", "")
    )


def of_type(event_type: str) -> Callable[[Event], bool]:
    return lambda event: event.get("type") == event_type


async def check(room: Room) -> None:
    """Every member was notified of exactly what `room.expected` says, highlighted likewise."""
    for user in room.users:
        wanted = {
            event_id for event_id, notified, _ in room.expected.values() if user.user_id in notified
        }
        # Push actions are written with the event: once the newest is there, all are.
        for event_id in wanted:
            await wait_notified(user, event_id)
        got = {n["event"]["event_id"] for n in await notifications(user)}
        lit = {n["event"]["event_id"] for n in await notifications(user, highlight=True)}
        for label, (event_id, notified, lit_for) in room.expected.items():
            who = user.user_id
            assert (event_id in got) == (who in notified), (label, who, "notified")
            assert (event_id in lit) == (who in lit_for), (label, who, "highlighted")


async def test_announcements_and_an_event_from_card_to_cancellation(room: Room) -> None:
    everyone, yes = room.everyone, {room.yes.user_id}
    scheduled = await command(room.orga, room, "!ankuendigung in 1 Sekunde in hier: Kaffeepause")
    room.expect("reply to !ankuendigung", scheduled, set(), set())
    room.expect("announcement", await post(room, text_with("Kaffeepause")), everyone, set())
    at_room = await room.orga.send_text(
        room.room_id,
        "!ankuendigung in 1 Sekunde in hier: @room Workshop morgen",
        **{"m.mentions": {"room": True}},
    )
    await room.orga.wait_reply(at_room, room.bot.user_id)
    room.expect(
        "announcement with @room",
        await post(room, text_with("Workshop morgen")),
        everyone,
        everyone,
    )

    created = await command(
        room.orga, room, f'!termin neu "Stammtisch" {SOON} ort "Potsdam" erinnerungen 1min'
    )
    number = int(re.search(r"Nr\. (\d+)", created["content"]["body"])[1])  # type: ignore[index]
    card = await post(room, text_with(f"Termin Nr. {number}:"))
    room.expect("event card", card, everyone, set())
    await room.yes.react(room.room_id, card["event_id"], "✅️")
    await room.no.react(room.room_id, card["event_id"], "❌")
    error = await command(room.no, room, "!teilnahme x ja")
    room.expect("error reply", error, set(), set())

    await command(room.orga, room, f'!termin ändern {number} ort "Cottbus"')
    room.expect("change notice", await post(room, text_with("Geändert")), everyone, yes)
    edit = await post(
        room,
        lambda e: e.get("content", {}).get("m.relates_to", {}).get("rel_type") == "m.replace",
    )
    room.expect("the card edited in place", edit, set(), set())
    reminder = await post(room, text_with("⏰ Erinnerung"))
    room.expect("reminder", reminder, everyone, yes)
    await command(room.orga, room, f"!termin absagen {number} Krankheit")
    room.expect("cancellation", await post(room, text_with("Abgesagt:")), everyone, yes)
    await check(room)


async def test_polls_topics_and_replies(room: Room) -> None:
    everyone = room.everyone
    started = await command(
        room.no, room, '!umfrage "Wann treffen wir uns?" "Vormittag" "Nachmittag"'
    )
    # This room has no name: the answer does not name it, never by the room's raw id.
    assert "läuft." in started["content"]["body"], started["content"]["body"]
    assert room.room_id not in started["content"]["body"]
    room.expect("reply to !umfrage", started, set(), set())
    start = await post(room, of_type("org.matrix.msc3381.poll.start"))
    room.expect("poll start", start, set(), set())
    ended = await command(room.no, room, "!umfrage beenden")
    room.expect("poll result (answers !umfrage beenden)", ended, everyone, {room.no.user_id})
    room.expect("poll end", await post(room, of_type("org.matrix.msc3381.poll.end")), set(), set())
    # The chart is an m.image: like any picture in a room, it notifies everyone (no mention).
    chart = await post(room, lambda event: event.get("content", {}).get("msgtype") == "m.image")
    room.expect("poll chart", chart, everyone, set())
    topic = await command(room.boss, room, "!thema Verankerung der Rolle")
    room.expect("topic post", topic, set(), set())
    listing = await command(room.no, room, "!termine")
    room.expect("reply to a command", listing, set(), set())
    await check(room)


async def invitation_notified(person: MatrixUser, direct: str) -> Event:
    """`person`'s notification of the bot's invitation to the direct chat `direct`."""
    for _ in range(100):
        for item in await notifications(person):
            event = item["event"]
            if item["room_id"] == direct and event["type"] == "m.room.member":
                return item
        await asyncio.sleep(0.2)
    raise AssertionError(f"{person.user_id} was not notified of the invitation to {direct}")


async def test_direct_messages_notify_their_one_recipient(room: Room) -> None:
    survey = (
        "!bedarfe anlegen\n"
        'titel = "Weitere kommunale Bedarfe"\nende = "in 3 Tagen"\n'
        f'einladen = ["{room.room_id}"]\n[[frage]]\ntext = "Was braucht deine Kommune?"\n'
        'art = "text"'
    )
    await command(room.orga, room, survey)
    # The reminder of the first test asked the Fachvorgesetzte:r (no answer) by direct message
    # already; the survey's first question goes to the same chat. Each direct chat came with
    # an invitation, which is what Element notifies of; nobody else hears of it.
    for person in (room.yes, room.no, room.boss):
        (direct,) = await person.wait_for(lambda p=person: p.invites - {room.room_id}, within=30)
        invitation = await invitation_notified(person, direct)
        assert invitation["event"]["state_key"] == person.user_id
        assert not highlighted(invitation)
        for other in room.users:
            if other is not person:
                assert all(n["room_id"] != direct for n in await notifications(other))
