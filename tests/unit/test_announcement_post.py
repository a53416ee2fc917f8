"""What an announcement looks like when it goes out: its formatting, @room where asked and
allowed, the late note after downtime, and the note to the organiser where @room cannot be."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from nio.events.room_events import DefaultLevels, PowerLevels

from commands.announcements import commands as announcement_commands
from commands.announcements.duty import AnnouncementDuty
from commands.announcements.plan import plan_firing, render_post
from commands.announcements.reach import (
    Shortfall,
    describe_shortfalls,
    room_mention_levels,
    shortfall,
    shortfalls,
    wants_room_mention,
)
from commands.core.i18n import Language
from commands.core.ports import Ports, Settings
from commands.core.recurrence import OneOff
from commands.core.registry import Registry
from storage import announcements
from storage.announcements import NewAnnouncement
from storage.database import Database

BERLIN = ZoneInfo("Europe/Berlin")
GRACE = dt.timedelta(hours=6)
DUE = dt.datetime(2026, 9, 28, 7, tzinfo=dt.UTC)
BOT = "@bot:example.org"


# --- the late note: more than a minute late, not a minute exactly ----------------------------


@pytest.mark.parametrize(
    ("delay", "late"),
    [
        (dt.timedelta(seconds=0), False),
        (dt.timedelta(seconds=59), False),
        (dt.timedelta(seconds=60), False),
        (dt.timedelta(seconds=60, microseconds=1), True),
        (dt.timedelta(seconds=61), True),
        (dt.timedelta(hours=5), True),
    ],
)
def test_a_post_is_late_only_beyond_a_minute(delay: dt.timedelta, late: bool) -> None:
    firing = plan_firing(OneOff(DUE), DUE, DUE + delay, BERLIN, GRACE)
    assert firing.send == DUE and firing.late is late
    post = render_post("Workshop", None, DUE, firing.late, BERLIN, "de")
    assert ("verspätet" in post.body) is late
    assert ("verspätet" in post.html) is late


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("de", "(verspätet gesendet – geplant war Mo., 28.09.2026, 09:00 Uhr (MESZ))"),
        ("en", "(sent late – it was due Mon, 28 Sep 2026, 09:00 (CEST))"),
    ],
)
def test_the_late_note_stands_in_html_and_body(language: Language, note: str) -> None:
    post = render_post("**Workshop**", "<strong>Workshop</strong>", DUE, True, BERLIN, language)
    assert post.html == f"<strong>Workshop</strong><br><i>{note}</i>"
    assert post.body == f"**Workshop**\n{note}"


# --- formatting -------------------------------------------------------------------------------


def test_the_organisers_html_is_used_and_sanitised_again() -> None:
    html = '<ul><li><a href="https://ex.org">Anmeldung</a></li></ul><script>x()</script>'
    post = render_post("- [Anmeldung](https://ex.org)", html, DUE, False, BERLIN, "de")
    assert post.html == '<ul><li><a href="https://ex.org">Anmeldung</a></li></ul>'
    assert post.body == "- [Anmeldung](https://ex.org)"


def test_without_html_the_text_is_escaped_with_its_line_breaks() -> None:
    post = render_post("Workshop <b>jetzt</b>\nRaum 2", None, DUE, False, BERLIN, "de")
    assert post.html == "Workshop &lt;b&gt;jetzt&lt;/b&gt;<br>Raum 2"
    assert post.body == "Workshop <b>jetzt</b>\nRaum 2"


def test_a_room_mention_keeps_the_at_room_in_the_body() -> None:
    typed = render_post("@room Workshop", None, DUE, False, BERLIN, "de", room_mention=True)
    assert typed.body == "@room Workshop" and typed.html == "@room Workshop"
    missing = render_post(
        "Workshop", "<em>Workshop</em>", DUE, False, BERLIN, "de", room_mention=True
    )
    assert missing.body == "@room Workshop" and missing.html == "@room <em>Workshop</em>"


# --- @room: asked for, and allowed ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "text", "wanted"),
    [
        ({"m.mentions": {"room": True}}, "@room Workshop", True),
        ({"m.mentions": {"room": True}}, "Workshop", False),
        ({"m.mentions": {}}, "@room Workshop", False),
        ({"m.mentions": {"room": "true"}}, "@room Workshop", False),
        ({}, "@room Workshop", False),
        ({"m.mentions": ["room"]}, "@room Workshop", False),
    ],
)
def test_wants_room_mention_only_when_picked(
    content: dict[str, Any], text: str, wanted: bool
) -> None:
    assert wants_room_mention(content, text) is wanted


def levels(users: dict[str, int], room: int | None = None, users_default: int = 0) -> PowerLevels:
    defaults = DefaultLevels(users_default=users_default)
    if room is not None:
        defaults.notifications = {"room": room}
    return PowerLevels(defaults=defaults, users=users)


@dataclass
class FakeRoom:
    power_levels: PowerLevels
    room_version: str = "10"


@pytest.mark.parametrize(
    ("power", "needed_has"),
    [
        (levels({BOT: 50}), (50, 50)),
        (levels({BOT: 100}, room=75), (75, 100)),
        (levels({}, room=0), (0, 0)),
        (levels({}, users_default=60), (50, 60)),
    ],
)
def test_room_mention_levels(power: PowerLevels, needed_has: tuple[int, int]) -> None:
    assert room_mention_levels(power, BOT) == needed_has


def test_shortfalls_name_each_room_below_the_level() -> None:
    rooms = {
        "!ok:ex.org": FakeRoom(levels({BOT: 50})),
        "!low:ex.org": FakeRoom(levels({BOT: 20})),
        "!high:ex.org": FakeRoom(levels({BOT: 50}, room=90)),
    }
    found = shortfalls(rooms, ["!ok:ex.org", "!low:ex.org", "!high:ex.org"], BOT)
    assert found == [Shortfall("!low:ex.org", 50, 20), Shortfall("!high:ex.org", 90, 50)]
    assert shortfall(rooms, "!unknown:ex.org", BOT) == Shortfall("!unknown:ex.org", 50, 0)


def test_a_room_the_bot_created_has_no_shortfall() -> None:
    # From room version 12 on the creator is not in the power levels' users, yet outranks all:
    # the alumni space's rooms, which the bot makes, are such rooms.
    rooms = {"!made:ex.org": FakeRoom(levels({}))}
    assert shortfall(rooms, "!made:ex.org", BOT) == Shortfall("!made:ex.org", 50, 0)
    assert shortfall(rooms, "!made:ex.org", BOT, created=["!made:ex.org"]) is None


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "#a&lt;b – nötig ist Berechtigungsstufe 50, der Bot hat 0"),
        ("en", "#a&lt;b – it needs power level 50, the bot has 0"),
    ],
)
def test_the_note_names_room_level_needed_and_had(language: Language, expected: str) -> None:
    note = describe_shortfalls([Shortfall("!r:ex.org", 50, 0)], {"!r:ex.org": "#a<b"}, language)
    assert f"<li>{expected}</li>" in note
    assert "@room" in note


# --- the duty: what goes into each room -------------------------------------------------------


@dataclass
class FakeHomeserver:
    user_id: str
    rooms: dict[str, FakeRoom]


@dataclass
class RecordingMessenger:
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def send(self, room_id: str, content: dict[str, Any], *, txn_id: str, **_: Any) -> str:
        self.sent.append((room_id, content))
        return f"$e{len(self.sent)}"


def duty_for(db: Database, messenger: RecordingMessenger, now: dt.datetime) -> AnnouncementDuty:
    unused: Any = None
    homeserver = FakeHomeserver(
        BOT,
        {
            "!mayping:ex.org": FakeRoom(levels({BOT: 50})),
            "!mayNot:ex.org": FakeRoom(levels({BOT: 50}, room=100)),
        },
    )
    ports = Ports(
        db=db,
        settings=Settings(language="de"),
        registry=cast(Registry, unused),
        schedules=unused,
        messenger=messenger,
        direct=unused,
        homeserver=cast(Any, homeserver),
        errors=unused,
        links=unused,
    )
    return AnnouncementDuty(ports, clock=lambda: now)


async def store(db: Database, text: str, html: str | None, room_mention: bool) -> int:
    row = await announcements.create(
        db,
        NewAnnouncement(
            source_event_id=f"$cmd-{text}",
            created_by="@orga:ex.org",
            command_room_id="!mayping:ex.org",
            room_ids=["!mayping:ex.org", "!mayNot:ex.org"],
            text=text,
            html=html,
            room_mention=room_mention,
            once_at=DUE,
            cron=None,
            timezone="Europe/Berlin",
            next_due=DUE,
        ),
    )
    return row.id


async def test_duty_sends_room_mention_only_where_the_bot_may(db: Database) -> None:
    number = await store(db, "@room **Workshop**", "@room <strong>Workshop</strong>", True)
    messenger = RecordingMessenger()
    assert await duty_for(db, messenger, DUE).deliver(number) is None
    sent = dict(messenger.sent)
    assert sent["!mayping:ex.org"] == {
        "msgtype": "m.text",
        "body": "@room **Workshop**",
        "format": "org.matrix.custom.html",
        "formatted_body": "@room <strong>Workshop</strong>",
        "m.mentions": {"room": True},
    }
    assert sent["!mayNot:ex.org"]["m.mentions"] == {}
    assert sent["!mayNot:ex.org"]["msgtype"] == "m.text"
    assert sent["!mayNot:ex.org"]["formatted_body"] == "@room <strong>Workshop</strong>"


async def test_duty_sends_a_plain_announcement_as_text_mentioning_nobody(db: Database) -> None:
    number = await store(db, "Kaffee <jetzt>", None, False)
    messenger = RecordingMessenger()
    await duty_for(db, messenger, DUE + dt.timedelta(minutes=2)).deliver(number)
    for _room, content in messenger.sent:
        assert content["msgtype"] == "m.text" and content["m.mentions"] == {}
        assert content["formatted_body"].startswith("Kaffee &lt;jetzt&gt;<br><i>(verspätet")
        assert content["body"].startswith("Kaffee <jetzt>\n(verspätet")


def test_the_help_warns_that_room_in_the_command_notifies_where_it_is_typed() -> None:
    # Element sends the command with m.mentions.room: the room it is typed in is pinged at once.
    (command,) = [c for c in announcement_commands.group.commands if c.name == "ankuendigung"]
    assert "im Organisationsraum" in command.help.de
    assert "organisers' room" in command.help.en
