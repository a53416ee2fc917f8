"""Daylight saving for real: a weekly announcement across the October change and an event's
day-before reminder across the March change, fired against Synapse by a bot whose clock is
shifted (Debian's faketime) to just before they are due. Planned for the wrong hour, a post
would come an hour early (marked late) or an hour after the test gave up."""

from __future__ import annotations

import asyncio
import datetime as dt

from tests.e2e.conftest import Room
from tests.e2e.harness import Event, MatrixUser

LATE_WORDS = ("verspätet", "sent late")


async def next_due(room: Room) -> object:
    [(due,)] = await room.bot.query("SELECT next_due FROM announcement")
    return due


def as_utc(value: object) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def next_from_bot(user: MatrixUser, room: Room, after: int, text: str) -> Event:
    """The first message of the bot in the room, past the first `after` events, holding `text`."""

    def found() -> Event | None:
        events = [event for room_id, event in user.events if room_id == room.room_id][after:]
        return next(
            (
                event
                for event in events
                if event.get("sender") == room.bot.user_id
                and text in str((event.get("content") or {}).get("body", ""))
            ),
            None,
        )

    return await user.wait_for(found, within=40.0)


def seen(user: MatrixUser, room: Room) -> int:
    return sum(1 for room_id, _ in user.events if room_id == room.room_id)


async def restart_at(room: Room, clock: str) -> None:
    await room.bot.stop()
    await room.bot.start(clock=clock)


async def test_a_weekly_announcement_keeps_its_wall_time_across_the_october_change(
    room: Room,
) -> None:
    # Saturday before the change, summer time (CEST): planned for Monday 09:00, winter time.
    await restart_at(room, "2026-10-24 10:00:00")
    sent = await room.orga.send_text(
        room.room_id, "!ankuendigung jeden Montag 9 Uhr in hier: Wochenstart im Netzwerk"
    )
    reply = str((await room.orga.wait_reply(sent, room.bot.user_id))["content"]["body"])
    assert "26.10.2026, 09:00 Uhr (MEZ)" in reply, reply
    assert as_utc(await next_due(room)) == dt.datetime(2026, 10, 26, 8, tzinfo=dt.UTC)

    before = seen(room.member, room)
    await restart_at(room, "2026-10-26 07:59:50")  # 08:59:50 CET
    post = await next_from_bot(room.member, room, before, "Wochenstart im Netzwerk")
    body = str(post["content"]["body"])
    assert not any(word in body for word in LATE_WORDS), body
    # The next one, once the delivery is recorded: Monday a week later, 09:00 CET again.
    next_week = dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC)
    async with asyncio.timeout(20):
        # Another process's database: there is no event to wait on, only its rows to read.
        while as_utc(await next_due(room)) != next_week:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def test_the_day_before_reminder_keeps_its_wall_time_across_the_march_change(
    room: Room,
) -> None:
    # Saturday before the change, winter time (CET); the event is on Monday, summer time.
    await restart_at(room, "2027-03-27 12:00:00")
    sent = await room.orga.send_text(
        room.room_id, '!termin neu "Frühjahrstreffen" 29.03.2027 10:00-12:00 erinnerungen 1d'
    )
    await room.orga.wait_reply(sent, room.bot.user_id)
    [(due,)] = await room.bot.query("SELECT due FROM event_post WHERE kind = 'reminder'")
    # The day before at the same wall time: Sunday 10:00 CEST (the change was that night).
    assert as_utc(due) == dt.datetime(2027, 3, 28, 8, tzinfo=dt.UTC)

    before = seen(room.member, room)
    await restart_at(room, "2027-03-28 07:59:50")  # 09:59:50 CEST
    reminder = await next_from_bot(room.member, room, before, "Erinnerung: Frühjahrstreffen")
    body = str(reminder["content"]["body"])
    assert not any(word in body for word in LATE_WORDS), body
    assert reminder["content"]["msgtype"] == "m.text"


async def test_a_reminder_the_bot_was_down_for_goes_out_late_and_says_so(room: Room) -> None:
    await restart_at(room, "2027-05-10 08:00:00")
    sent = await room.orga.send_text(
        room.room_id, '!termin neu "Sommertreffen" 12.05.2027 10:00-12:00 erinnerungen 1d'
    )
    await room.orga.wait_reply(sent, room.bot.user_id)
    # Down over the reminder's time (Tuesday 10:00 CEST), back five minutes later.
    before = seen(room.member, room)
    await restart_at(room, "2027-05-11 08:05:00")
    reminder = await next_from_bot(room.member, room, before, "Erinnerung: Sommertreffen")
    body = str(reminder["content"]["body"])
    assert any(word in body for word in LATE_WORDS), body
    assert "11.05.2027" in body and "10:00" in body, body
