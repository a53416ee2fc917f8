"""The event duty's deliveries against a recording messenger and a SQLite file: what goes out
for a card, a change (an edit of the original card, then one notice) and a reminder (late or
on time), as which message type, with whose mentions and which transaction ids."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select

from commands.core.ports import Ports, Settings
from commands.core.registry import Registry
from commands.events.duty import EventDuty
from commands.events.plan import MAYBE, NO, YES, plan_notices, plan_reminders, what_changed
from storage import events
from storage.database import Database
from storage.events import NewEvent
from storage.models import Event, EventPost
from storage.outbox import ANNOUNCE, REMINDER, UPDATE

ROOM = "!workshop:example.org"
ANNA, BEN, CARLA = "@anna:example.org", "@ben:example.org", "@carla:example.org"
START = dt.datetime(2026, 9, 29, 8, tzinfo=dt.UTC)
CREATED = dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)
HOUR = 3600


@dataclasses.dataclass
class Sent:
    room_id: str
    content: dict[str, Any]
    txn_id: str
    event_type: str


class RecordingMessenger:
    def __init__(self) -> None:
        self.sent: list[Sent] = []

    async def send(
        self,
        room_id: str,
        content: dict[str, Any],
        *,
        txn_id: str,
        event_type: str = "m.room.message",
    ) -> str:
        self.sent.append(Sent(room_id, content, txn_id, event_type))
        return f"$sent{len(self.sent)}"

    def messages(self) -> list[Sent]:
        return [sent for sent in self.sent if sent.event_type == "m.room.message"]


class NoRooms:
    """A homeserver that knows no room, so nobody's display name."""

    def __init__(self) -> None:
        self.rooms: dict[str, Any] = {}


class Clock:
    def __init__(self) -> None:
        self.now = CREATED

    def __call__(self) -> dt.datetime:
        return self.now


def make_duty(db: Database, messenger: RecordingMessenger, clock: Clock) -> EventDuty:
    unused: Any = None
    ports = Ports(
        db=db,
        settings=Settings(),
        registry=cast(Registry, unused),
        schedules=unused,
        messenger=cast(Any, messenger),
        direct=unused,
        homeserver=cast(Any, NoRooms()),
        errors=unused,
        links=unused,
    )
    return EventDuty(ports, clock=clock)


async def make_event(db: Database) -> Event:
    new = NewEvent(
        source_event_id="$create",
        created_by=ANNA,
        command_room_id=ROOM,
        title="Werkstatt",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=6),
        timezone="Europe/Berlin",
        place="Potsdam",
        online_link=None,
        agenda_link=None,
        description="Mit Essen",
        closed=True,
        room_ids=[ROOM],
        reminder_offsets=[HOUR],
        description_html="<strong>Mit</strong> Essen",
    )
    posts = plan_notices(ANNOUNCE, 0, [ROOM], CREATED) + plan_reminders(
        START, [HOUR], [ROOM], CREATED, ZoneInfo("Europe/Berlin")
    )
    row = await events.create(db, new, posts)
    for user, answer in ((ANNA, YES), (BEN, NO), (CARLA, MAYBE)):
        await events.set_answer(db, row.id, user, answer, None)
    return row


async def post_of(db: Database, kind: str) -> EventPost:
    async with db.session() as session:
        post = await session.scalar(
            select(EventPost).where(EventPost.kind == kind).order_by(EventPost.id.desc())
        )
    assert post is not None
    return post


async def test_the_card_is_m_text_mentioning_nobody(db: Database) -> None:
    messenger, clock = RecordingMessenger(), Clock()
    await make_event(db)
    card = await post_of(db, ANNOUNCE)
    await make_duty(db, messenger, clock).deliver(card.id)

    [message] = messenger.messages()
    assert message.content["msgtype"] == "m.text"
    assert message.content["m.mentions"] == {}
    assert "<p><strong>Mit</strong> Essen</p>" in message.content["formatted_body"]
    reactions = [sent for sent in messenger.sent if sent.event_type == "m.reaction"]
    assert [r.content["m.relates_to"]["key"] for r in reactions] == ["✅", "❌", "❔"]


async def test_a_change_edits_the_original_card_and_posts_one_notice(db: Database) -> None:
    messenger, clock = RecordingMessenger(), Clock()
    row = await make_event(db)
    duty = make_duty(db, messenger, clock)
    await duty.deliver((await post_of(db, ANNOUNCE)).id)
    card_id = messenger.messages()[0]
    assert card_id.txn_id.startswith("event-announce.")

    for sequence, place in enumerate(("Cottbus", "Brandenburg an der Havel")):
        current = await events.get(db, row.id)
        assert current is not None
        values = {"place": place}
        notices = [
            dataclasses.replace(plan, changes=what_changed(current, values))
            for plan in plan_notices(UPDATE, 0, [ROOM], CREATED)
        ]
        await events.change(db, row.id, values, None, notices, sequence)
        await duty.deliver((await post_of(db, UPDATE)).id)

    edits = [m for m in messenger.messages() if "m.new_content" in m.content]
    notices_sent = [m for m in messenger.messages() if m.content["body"].startswith("✏️ Geändert")]
    assert len(edits) == 2 and len(notices_sent) == 2
    for edit in edits:
        # Always the original card, never an earlier edit.
        assert edit.content["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$sent1"}
        assert edit.content["m.mentions"] == {}
        assert edit.content["msgtype"] == "m.text"
        assert edit.content["body"] == "* " + edit.content["m.new_content"]["body"]
        assert edit.content["formatted_body"].startswith("* <b>📅 Termin Nr.")
        assert edit.content["m.new_content"]["m.mentions"] == {}
        assert edit.txn_id.startswith("event-card-edit.")
    assert "Ort: Brandenburg an der Havel" in edits[1].content["m.new_content"]["body"]
    assert len({edit.txn_id for edit in edits}) == 2
    first, second = notices_sent
    assert "Ort: Potsdam → Cottbus" in first.content["body"]
    assert "Ort: Cottbus → Brandenburg an der Havel" in second.content["body"]
    assert first.content["msgtype"] == "m.text"
    assert first.content["m.mentions"] == {"user_ids": [ANNA, CARLA]}
    assert f"https://matrix.to/#/{CARLA}" in first.content["formatted_body"]
    assert BEN not in first.content["formatted_body"]


async def test_a_reminder_more_than_a_minute_late_says_so(db: Database) -> None:
    messenger, clock = RecordingMessenger(), Clock()
    await make_event(db)
    reminder = await post_of(db, REMINDER)
    clock.now = reminder.due + dt.timedelta(minutes=5)
    await make_duty(db, messenger, clock).deliver(reminder.id)

    [message] = messenger.messages()
    assert message.content["msgtype"] == "m.text"
    assert message.content["m.mentions"] == {"user_ids": [ANNA, CARLA]}
    assert (
        "verspätet gesendet – geplant war Di., 29.09.2026, 09:00 Uhr (MESZ)"
        in (message.content["body"])
    )


async def test_a_reminder_on_time_has_no_late_note(db: Database) -> None:
    messenger, clock = RecordingMessenger(), Clock()
    await make_event(db)
    reminder = await post_of(db, REMINDER)
    clock.now = reminder.due + dt.timedelta(seconds=30)
    await make_duty(db, messenger, clock).deliver(reminder.id)

    [message] = messenger.messages()
    assert "verspätet" not in message.content["body"]
    assert "Vielleicht: @carla:example.org" in message.content["body"]
