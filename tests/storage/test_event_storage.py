"""Events on SQLite and PostgreSQL: the event rows, their outbox of posts, answers, direct
messages, direct-message rooms and the direct-message opt-out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from commands.events.plan import MAYBE, NO, YES, plan_notices, plan_reminders
from storage import bot_state, events, user_settings
from storage.database import Database
from storage.events import NewEvent
from storage.models import DirectRoom, Event, EventNudge, EventPost, Rsvp, UserSetting, utc_now
from storage.outbox import ANNOUNCE, CANCEL, NUDGE, REMINDER, UPDATE, PostPlan

BERLIN_SUMMER = dt.timezone(dt.timedelta(hours=2))
BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 9, 29, 10, 0, tzinfo=BERLIN_SUMMER)  # 08:00 UTC
END = dt.datetime(2026, 9, 29, 16, 0, tzinfo=BERLIN_SUMMER)  # 14:00 UTC
DAY = 86400
HOUR = 3600
ROOM_A = "!alumni:example.org"
ROOM_B = "!workshop:example.org"
ROOMS = [ROOM_A, ROOM_B]
ANNA = "@anna:example.org"
BEN = "@ben:example.org"
CARLA = "@carla:example.org"


def new_event(source: str = "$create", **changes: object) -> NewEvent:
    base = NewEvent(
        source_event_id=source,
        created_by=ANNA,
        command_room_id=ROOM_A,
        title="Werkstatt „Löten“",
        starts_at=START,
        ends_at=END,
        timezone="Europe/Berlin",
        place="Potsdam",
        online_link="https://meet.example.org/loeten",
        agenda_link=None,
        description=None,
        closed=True,
        room_ids=list(ROOMS),
        reminder_offsets=[DAY, HOUR],
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def initial_posts(new: NewEvent, now: dt.datetime = NOW) -> list[PostPlan]:
    return plan_notices(ANNOUNCE, 0, new.room_ids, now) + plan_reminders(
        new.starts_at, new.reminder_offsets, new.room_ids, now, BERLIN
    )


async def create(db: Database, source: str = "$create", **changes: object) -> Event:
    new = new_event(source, **changes)
    return await events.create(db, new, initial_posts(new))


async def all_posts(db: Database, event_id: int) -> list[EventPost]:
    async with db.session() as session:
        rows = await session.scalars(
            select(EventPost)
            .where(EventPost.event_id == event_id)
            .order_by(EventPost.kind, EventPost.key, EventPost.room_id)
        )
        return list(rows)


def post_keys(posts: list[EventPost]) -> set[tuple[str, int, str, str]]:
    return {(post.kind, post.key, post.room_id, post.status) for post in posts}


async def post_id(db: Database, event_id: int, kind: str, key: int, room_id: str) -> int:
    async with db.session() as session:
        found = await session.scalar(
            select(EventPost.id).where(
                EventPost.event_id == event_id,
                EventPost.kind == kind,
                EventPost.key == key,
                EventPost.room_id == room_id,
            )
        )
    assert found is not None
    return found


async def cancel(db: Database, event: Event) -> None:
    cancelled = await events.change(
        db,
        event.id,
        {"status": events.CANCELLED, "cancel_reason": "krank"},
        [],
        plan_notices(CANCEL, 0, event.room_ids, NOW),
        expected_sequence=event.sequence,
    )
    assert cancelled is not None


# --- create, by_source, get -------------------------------------------------------------------


async def test_create_stores_the_event_and_finds_it_by_source(db: Database) -> None:
    created = await create(db)

    assert created.id is not None
    assert created.status == events.ACTIVE
    assert created.sequence == 0
    found = await events.by_source(db, "$create")
    assert found is not None
    assert found.id == created.id
    assert found.title == "Werkstatt „Löten“"
    assert (found.created_by, found.command_room_id) == (ANNA, ROOM_A)
    assert (found.place, found.online_link, found.agenda_link, found.description) == (
        "Potsdam",
        "https://meet.example.org/loeten",
        None,
        None,
    )
    assert found.closed is True
    assert found.timezone == "Europe/Berlin"
    assert found.status == events.ACTIVE
    assert found.sequence == 0
    assert found.cancel_reason is None
    assert found.last_change_event_id is None
    assert await events.by_source(db, "$other") is None
    assert await events.get(db, created.id + 1000) is None


async def test_create_returns_datetimes_as_aware_utc(db: Database) -> None:
    before = utc_now()
    created = await create(db)

    found = await events.get(db, created.id)
    assert found is not None
    for value in (found.starts_at, found.ends_at, found.created_at, found.updated_at):
        assert value.tzinfo == dt.UTC
    assert found.starts_at == START
    assert (found.starts_at.hour, found.ends_at.hour) == (8, 14)
    assert found.ends_at == END
    assert before - dt.timedelta(seconds=1) <= found.created_at <= utc_now()


async def test_create_round_trips_the_json_lists(db: Database) -> None:
    rooms = ["!ä:example.org", ROOM_B, ROOM_A]
    offsets = [7 * DAY, DAY, 90 * 60]
    created = await create(db, room_ids=rooms, reminder_offsets=offsets, closed=False)

    found = await events.get(db, created.id)
    assert found is not None
    assert found.room_ids == rooms
    assert found.reminder_offsets == offsets
    assert found.closed is False

    empty = await create(db, "$empty", room_ids=[], reminder_offsets=[])
    found_empty = await events.get(db, empty.id)
    assert found_empty is not None
    assert (found_empty.room_ids, found_empty.reminder_offsets) == ([], [])


async def test_create_stores_every_planned_post_as_pending(db: Database) -> None:
    created = await create(db)

    posts = await all_posts(db, created.id)
    assert post_keys(posts) == {
        (ANNOUNCE, 0, ROOM_A, events.PENDING),
        (ANNOUNCE, 0, ROOM_B, events.PENDING),
        (REMINDER, DAY, ROOM_A, events.PENDING),
        (REMINDER, DAY, ROOM_B, events.PENDING),
        (NUDGE, DAY, "", events.PENDING),
        (REMINDER, HOUR, ROOM_A, events.PENDING),
        (REMINDER, HOUR, ROOM_B, events.PENDING),
        (NUDGE, HOUR, "", events.PENDING),
    }
    due = {(post.kind, post.key, post.room_id): post.due for post in posts}
    assert due[(ANNOUNCE, 0, ROOM_A)] == NOW
    assert due[(REMINDER, DAY, ROOM_B)] == START - dt.timedelta(days=1)
    assert due[(NUDGE, HOUR, "")] == START - dt.timedelta(hours=1)
    assert all(post.due.tzinfo == dt.UTC for post in posts)
    assert all(post.matrix_event_id is None and post.sent_at is None for post in posts)


async def test_create_is_one_transaction(db: Database) -> None:
    new = new_event()
    twice = [PostPlan(ANNOUNCE, 0, ROOM_A, NOW), PostPlan(ANNOUNCE, 0, ROOM_A, NOW)]

    with pytest.raises(IntegrityError):
        await events.create(db, new, twice)

    assert await events.by_source(db, "$create") is None
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(EventPost)) == 0


async def test_create_refuses_a_second_event_from_the_same_command(db: Database) -> None:
    await create(db)

    with pytest.raises(IntegrityError):
        await create(db)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1


async def finish(db: Database, post: int, status: str, matrix_event_id: str | None) -> None:
    """A delivery's steps: claim the post, then finish it."""
    await events.claim(db, post)
    await events.finish_post(db, post, status, matrix_event_id)


# --- the outbox: pending_schedule, claim, record_sent, finish_post -------------------------


async def test_pending_schedule_lists_only_open_posts(db: Database) -> None:
    first = await create(db)
    second = await create(db, "$second", room_ids=[ROOM_B], reminder_offsets=[])
    announce_a = await post_id(db, first.id, ANNOUNCE, 0, ROOM_A)
    missed = await post_id(db, first.id, REMINDER, DAY, ROOM_B)
    await finish(db, announce_a, events.SENT, "$announced")
    await finish(db, missed, events.MISSED, None)

    first_posts = await all_posts(db, first.id)
    second_posts = await all_posts(db, second.id)
    pending_first = {
        (post.id, post.due) for post in first_posts if post.id not in (announce_a, missed)
    }
    pending_second = {(post.id, post.due) for post in second_posts}
    assert len(pending_first) == 6
    assert len(pending_second) == 1

    schedule = await events.pending_schedule(db)
    expected = {(post, due, first.id) for post, due in pending_first} | {
        (post, due, second.id) for post, due in pending_second
    }
    assert sorted(schedule) == sorted(expected)
    assert all(due.tzinfo == dt.UTC for _, due, _ in schedule)

    def of(event_id: int) -> set[tuple[int, dt.datetime]]:
        return {(post, due) for post, due, event in expected if event == event_id}

    assert set(await events.pending_schedule(db, first.id)) == {
        (post, due, first.id) for post, due in of(first.id)
    }
    assert len(await events.pending_schedule(db, second.id)) == 1
    assert await events.pending_schedule(db, second.id + 1000) == []


async def test_claim_returns_post_event_and_answers(db: Database) -> None:
    created = await create(db)
    other = await create(db, "$other")
    await events.set_answer(db, created.id, BEN, YES, None)
    await events.set_answer(db, created.id, CARLA, NO, ("$reaction", "!raum:example.org"))
    await events.set_answer(db, other.id, ANNA, MAYBE, None)
    reminder = await post_id(db, created.id, REMINDER, DAY, ROOM_A)

    due = await events.claim(db, reminder)

    assert due is not None
    assert due.post.id == reminder
    assert (due.post.kind, due.post.key, due.post.room_id) == (REMINDER, DAY, ROOM_A)
    assert due.post.status == events.SENDING
    assert due.event.id == created.id
    assert due.event.starts_at == START
    assert due.event.starts_at.tzinfo == dt.UTC
    assert due.answers == {BEN: YES, CARLA: NO}
    assert due.nudged == set()


async def test_claim_of_a_nudge_names_who_was_already_nudged(db: Database) -> None:
    created = await create(db)
    nudge = await post_id(db, created.id, NUDGE, DAY, "")
    other_nudge = await post_id(db, created.id, NUDGE, HOUR, "")
    await events.record_nudge(db, nudge, BEN, "!dm-ben:example.org", "$dm1")
    await events.record_nudge(db, nudge, CARLA, "!dm-carla:example.org", "$dm2")
    await events.record_nudge(db, other_nudge, ANNA, "!dm-anna:example.org", "$dm3")
    reminder = await post_id(db, created.id, REMINDER, DAY, ROOM_A)

    due = await events.claim(db, nudge)
    assert due is not None
    assert due.post.kind == NUDGE
    assert due.nudged == {BEN, CARLA}

    reminder_due = await events.claim(db, reminder)
    assert reminder_due is not None
    assert reminder_due.nudged == set()


async def test_claim_returns_none_once_the_post_is_finished(db: Database) -> None:
    created = await create(db)
    announce = await post_id(db, created.id, ANNOUNCE, 0, ROOM_A)
    assert await events.claim(db, announce) is not None

    await finish(db, announce, events.SENT, "$sent")

    assert await events.claim(db, announce) is None
    assert await events.claim(db, announce + 1000) is None


async def test_finish_post_is_compare_and_set(db: Database) -> None:
    created = await create(db)
    announce = await post_id(db, created.id, ANNOUNCE, 0, ROOM_A)

    await finish(db, announce, events.SENT, "$first")
    async with db.session() as session:
        first = await session.get(EventPost, announce)
    assert first is not None
    assert (first.status, first.matrix_event_id) == (events.SENT, "$first")
    assert first.sent_at is not None and first.sent_at.tzinfo == dt.UTC

    await finish(db, announce, events.MISSED, None)
    await finish(db, announce, events.SENT, "$second")
    async with db.session() as session:
        again = await session.get(EventPost, announce)
    assert again is not None
    assert (again.status, again.matrix_event_id, again.sent_at) == (
        events.SENT,
        "$first",
        first.sent_at,
    )
    await events.finish_post(db, announce + 1000, events.SENT, "$nowhere")  # no error


# --- change -----------------------------------------------------------------------------------


async def test_change_applies_values_and_bumps_the_sequence(db: Database) -> None:
    created = await create(db)
    stored = await events.get(db, created.id)
    assert stored is not None
    new_start = dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC)
    new_end = dt.datetime(2026, 9, 30, 17, 0, tzinfo=BERLIN_SUMMER)
    before = utc_now()

    changed = await events.change(
        db,
        created.id,
        {
            "title": "Löten für alle",
            "starts_at": new_start,
            "ends_at": new_end,
            "place": None,
            "room_ids": [ROOM_B],
            "reminder_offsets": [2 * HOUR],
            "closed": False,
            "last_change_event_id": "$edit",
        },
        None,
        [],
        expected_sequence=0,
    )

    assert changed is not None
    assert changed.sequence == 1
    found = await events.get(db, created.id)
    assert found is not None
    assert found.title == "Löten für alle"
    assert (found.starts_at, found.ends_at) == (new_start, new_end)
    assert found.ends_at.tzinfo == dt.UTC
    assert found.place is None
    assert found.room_ids == [ROOM_B]
    assert found.reminder_offsets == [2 * HOUR]
    assert found.closed is False
    assert found.last_change_event_id == "$edit"
    assert found.sequence == 1
    assert found.status == events.ACTIVE
    assert found.created_at == stored.created_at
    assert found.updated_at >= before
    assert found.updated_at > stored.updated_at

    second = await events.change(db, created.id, {"place": "Cottbus"}, None, [], 1)
    assert second is not None
    assert second.sequence == 2
    found_again = await events.get(db, created.id)
    assert found_again is not None
    assert (found_again.sequence, found_again.place) == (2, "Cottbus")


async def test_change_queues_notices_keyed_by_the_new_sequence(db: Database) -> None:
    created = await create(db)
    later = NOW + dt.timedelta(hours=5)

    notices = plan_notices(UPDATE, 0, ROOMS, NOW)
    await events.change(db, created.id, {"place": "A"}, None, notices, 0)
    await events.change(
        db, created.id, {"place": "B"}, None, plan_notices(UPDATE, 0, [ROOM_A], later), 1
    )

    updates = [post for post in await all_posts(db, created.id) if post.kind == UPDATE]
    assert {(post.key, post.room_id, post.status) for post in updates} == {
        (1, ROOM_A, events.PENDING),
        (1, ROOM_B, events.PENDING),
        (2, ROOM_A, events.PENDING),
    }
    assert {post.due for post in updates if post.key == 2} == {later}


async def test_change_replaces_pending_reminders_and_keeps_sent_ones(db: Database) -> None:
    created = await create(db)
    sent_reminder = await post_id(db, created.id, REMINDER, DAY, ROOM_A)
    sent_nudge = await post_id(db, created.id, NUDGE, DAY, "")
    await finish(db, sent_reminder, events.SENT, "$reminded")
    await finish(db, sent_nudge, events.SENT, None)
    new_start = START + dt.timedelta(hours=3)
    reminders = plan_reminders(new_start, [2 * HOUR], ROOMS, NOW, BERLIN)

    changed = await events.change(
        db,
        created.id,
        {"starts_at": new_start, "reminder_offsets": [2 * HOUR]},
        reminders,
        plan_notices(UPDATE, 0, ROOMS, NOW),
        expected_sequence=0,
    )

    assert changed is not None
    posts = await all_posts(db, created.id)
    assert post_keys(posts) == {
        (ANNOUNCE, 0, ROOM_A, events.PENDING),
        (ANNOUNCE, 0, ROOM_B, events.PENDING),
        (REMINDER, DAY, ROOM_A, events.SENT),
        (NUDGE, DAY, "", events.SENT),
        (REMINDER, 2 * HOUR, ROOM_A, events.PENDING),
        (REMINDER, 2 * HOUR, ROOM_B, events.PENDING),
        (NUDGE, 2 * HOUR, "", events.PENDING),
        (UPDATE, 1, ROOM_A, events.PENDING),
        (UPDATE, 1, ROOM_B, events.PENDING),
    }
    kept = {post.id: post for post in posts}
    assert kept[sent_reminder].matrix_event_id == "$reminded"
    assert sent_nudge in kept
    due = {(post.kind, post.key, post.room_id): post.due for post in posts}
    assert due[(REMINDER, 2 * HOUR, ROOM_B)] == new_start - dt.timedelta(hours=2)


async def test_change_keeps_pending_reminders_when_none_are_given(db: Database) -> None:
    created = await create(db)
    before = post_keys(await all_posts(db, created.id))

    changed = await events.change(db, created.id, {"place": "Cottbus"}, None, [], 0)

    assert changed is not None
    assert post_keys(await all_posts(db, created.id)) == before


async def test_change_replacing_a_nudge_drops_its_direct_messages(db: Database) -> None:
    created = await create(db)
    nudge = await post_id(db, created.id, NUDGE, DAY, "")
    await events.record_nudge(db, nudge, BEN, "!dm-ben:example.org", "$dm")

    changed = await events.change(db, created.id, {"reminder_offsets": []}, [], [], 0)

    assert changed is not None
    assert {post.kind for post in await all_posts(db, created.id)} == {ANNOUNCE}
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(EventNudge)) == 0


async def test_change_after_a_sent_reminder_may_plan_that_offset_again(db: Database) -> None:
    """Moving an event later after its one-day reminder went out plans a one-day reminder for the
    new date (commands/events.py re-plans every offset from the new start). The sent reminder is
    kept, so the new one has the same (event, kind, key, room)."""
    created = await create(db)
    sent_reminder = await post_id(db, created.id, REMINDER, DAY, ROOM_A)
    sent_nudge = await post_id(db, created.id, NUDGE, DAY, "")
    await finish(db, sent_reminder, events.SENT, "$reminded")
    await finish(db, sent_nudge, events.SENT, None)
    now = START - dt.timedelta(hours=20)  # after the one-day reminder, before the event
    new_start = START + dt.timedelta(days=7)

    changed = await events.change(
        db,
        created.id,
        {"starts_at": new_start, "ends_at": END + dt.timedelta(days=7)},
        plan_reminders(new_start, [DAY, HOUR], ROOMS, now, BERLIN),
        plan_notices(UPDATE, 0, ROOMS, now),
        expected_sequence=0,
    )

    assert changed is not None
    assert changed.sequence == 1
    found = await events.get(db, created.id)
    assert found is not None
    assert found.starts_at == new_start
    posts = {post.id: post for post in await all_posts(db, created.id)}
    assert posts[sent_reminder].status == events.SENT
    assert posts[sent_reminder].matrix_event_id == "$reminded"


async def test_a_reminder_sent_for_the_same_time_is_not_planned_again(db: Database) -> None:
    """The event moved away and back: the reminder already sent for that very time stays the
    only one (without the check the insert would break the unique constraint)."""
    created = await create(db)
    sent_reminder = await post_id(db, created.id, REMINDER, DAY, ROOM_A)
    await finish(db, sent_reminder, events.SENT, "$reminded")
    sent_due = START - dt.timedelta(seconds=DAY)
    again = [PostPlan(REMINDER, DAY, ROOM_A, sent_due), PostPlan(REMINDER, DAY, ROOM_B, sent_due)]

    assert await events.change(db, created.id, {}, again, [], 0) is not None

    rows = [post for post in await all_posts(db, created.id) if post.kind == REMINDER]
    assert sorted((post.room_id, post.status) for post in rows if post.due == sent_due) == [
        (ROOM_A, events.SENT),
        (ROOM_B, events.PENDING),
    ]


async def test_change_with_a_stale_sequence_changes_nothing(db: Database) -> None:
    created = await create(db)
    assert await events.change(db, created.id, {"place": "A"}, None, [], 0) is not None
    before = await events.get(db, created.id)
    posts_before = post_keys(await all_posts(db, created.id))

    stale = await events.change(
        db,
        created.id,
        {"place": "B", "title": "Neu"},
        [],
        plan_notices(UPDATE, 0, ROOMS, NOW),
        expected_sequence=0,
    )

    assert stale is None
    after = await events.get(db, created.id)
    assert after is not None and before is not None
    assert (after.place, after.title, after.sequence, after.updated_at) == (
        "A",
        before.title,
        1,
        before.updated_at,
    )
    assert post_keys(await all_posts(db, created.id)) == posts_before
    assert await events.change(db, created.id + 1000, {"place": "C"}, None, [], 0) is None


async def test_change_of_a_cancelled_event_changes_nothing(db: Database) -> None:
    created = await create(db)
    await cancel(db, created)
    cancelled = await events.get(db, created.id)
    assert cancelled is not None
    assert (cancelled.status, cancelled.cancel_reason, cancelled.sequence) == (
        events.CANCELLED,
        "krank",
        1,
    )
    posts_before = post_keys(await all_posts(db, created.id))
    assert (CANCEL, 1, ROOM_A, events.PENDING) in posts_before
    assert not any(kind in (REMINDER, NUDGE) for kind, *_ in posts_before)

    again = await events.change(
        db,
        created.id,
        {"status": events.ACTIVE, "place": "B"},
        plan_reminders(START, [DAY], ROOMS, NOW, BERLIN),
        plan_notices(UPDATE, 0, ROOMS, NOW),
        expected_sequence=1,
    )

    assert again is None
    after = await events.get(db, created.id)
    assert after is not None
    assert (after.status, after.place, after.sequence) == (events.CANCELLED, "Potsdam", 1)
    assert post_keys(await all_posts(db, created.id)) == posts_before


# --- upcoming, for_calendar -------------------------------------------------------------------


async def test_upcoming_lists_active_events_not_yet_over_soonest_first(db: Database) -> None:
    hour = dt.timedelta(hours=1)
    later = await create(db, "$later", starts_at=NOW + 48 * hour, ends_at=NOW + 50 * hour)
    sooner = await create(db, "$sooner", starts_at=NOW + 24 * hour, ends_at=NOW + 26 * hour)
    running = await create(db, "$running", starts_at=NOW - hour, ends_at=NOW + hour)
    await create(db, "$over", starts_at=NOW - 3 * hour, ends_at=NOW - hour)
    await create(db, "$just_over", starts_at=NOW - hour, ends_at=NOW)
    dropped = await create(db, "$dropped", starts_at=NOW + 2 * hour, ends_at=NOW + 3 * hour)
    await cancel(db, dropped)

    found = await events.upcoming(db, NOW, 10)
    assert [event.id for event in found] == [running.id, sooner.id, later.id]
    assert [event.id for event in await events.upcoming(db, NOW, 2)] == [running.id, sooner.id]
    assert [event.id for event in await events.upcoming(db, NOW, 2, offset=1)] == [
        event.id for event in found[1:3]
    ]
    in_berlin = NOW.astimezone(BERLIN_SUMMER)
    assert [event.id for event in await events.upcoming(db, in_berlin, 10)] == [
        running.id,
        sooner.id,
        later.id,
    ]
    assert await events.upcoming(db, NOW + 100 * hour, 10) == []


async def test_for_calendar_includes_cancelled_events_ending_after_since(db: Database) -> None:
    hour = dt.timedelta(hours=1)
    later = await create(db, "$later", starts_at=NOW + 48 * hour, ends_at=NOW + 50 * hour)
    running = await create(db, "$running", starts_at=NOW - hour, ends_at=NOW + hour)
    await create(db, "$over", starts_at=NOW - 3 * hour, ends_at=NOW - hour)
    dropped = await create(db, "$dropped", starts_at=NOW + 2 * hour, ends_at=NOW + 3 * hour)
    await cancel(db, dropped)
    dropped_past = await create(
        db, "$dropped_past", starts_at=NOW - 5 * hour, ends_at=NOW - 4 * hour
    )
    await cancel(db, dropped_past)

    found = await events.for_calendar(db, NOW)
    assert [event.id for event in found] == [running.id, dropped.id, later.id]
    assert [event.status for event in found] == [events.ACTIVE, events.CANCELLED, events.ACTIVE]
    earlier = await events.for_calendar(db, NOW - 10 * hour)
    assert dropped_past.id in [event.id for event in earlier]


# --- answers ----------------------------------------------------------------------------------


async def test_set_answer_replaces_the_earlier_answer(db: Database) -> None:
    created = await create(db)

    await events.set_answer(db, created.id, BEN, YES, ("$reaction1", "!raum:example.org"))
    await events.set_answer(db, created.id, BEN, NO, None)
    await events.set_answer(db, created.id, CARLA, MAYBE, ("$reaction2", "!raum:example.org"))

    assert await events.answers(db, created.id) == {BEN: NO, CARLA: MAYBE}
    async with db.session() as session:
        rows = list(await session.scalars(select(Rsvp).order_by(Rsvp.user_id)))
    assert [(row.user_id, row.answer, row.reaction_event_id) for row in rows] == [
        (BEN, NO, None),
        (CARLA, MAYBE, "$reaction2"),
    ]
    assert all(row.answered_at.tzinfo == dt.UTC for row in rows)


async def test_answers_are_kept_per_event(db: Database) -> None:
    first = await create(db)
    second = await create(db, "$second")

    await events.set_answer(db, first.id, BEN, YES, None)
    await events.set_answer(db, second.id, BEN, NO, None)

    assert await events.answers(db, first.id) == {BEN: YES}
    assert await events.answers(db, second.id) == {BEN: NO}
    assert await events.answers(db, second.id + 1000) == {}


async def test_withdraw_reaction_needs_the_reaction_and_the_user(db: Database) -> None:
    created = await create(db)
    await events.set_answer(db, created.id, BEN, YES, ("$ben_reacts", "!raum:example.org"))
    await events.set_answer(db, created.id, CARLA, NO, ("$carla_reacts", "!raum:example.org"))

    assert await events.withdraw_reaction(db, "$ben_reacts", CARLA) is False
    assert await events.withdraw_reaction(db, "$unknown", BEN) is False
    assert await events.answers(db, created.id) == {BEN: YES, CARLA: NO}

    assert await events.withdraw_reaction(db, "$ben_reacts", BEN) is True
    assert await events.answers(db, created.id) == {CARLA: NO}
    assert await events.withdraw_reaction(db, "$ben_reacts", BEN) is False


async def test_withdraw_reaction_keeps_a_later_answer(db: Database) -> None:
    created = await create(db)
    await events.set_answer(db, created.id, BEN, YES, ("$ben_reacts", "!raum:example.org"))
    await events.set_answer(db, created.id, BEN, MAYBE, None)  # by command
    await events.set_answer(db, created.id, CARLA, YES, ("$carla_first", "!raum:example.org"))
    await events.set_answer(db, created.id, CARLA, NO, ("$carla_second", "!raum:example.org"))

    assert await events.withdraw_reaction(db, "$ben_reacts", BEN) is False
    assert await events.withdraw_reaction(db, "$carla_first", CARLA) is False
    assert await events.answers(db, created.id) == {BEN: MAYBE, CARLA: NO}


async def test_a_new_answer_returns_the_reaction_that_gave_the_earlier_one(db: Database) -> None:
    created = await create(db)
    room = "!raum:example.org"
    assert await events.set_answer(db, created.id, BEN, YES, ("$yes", room)) is None
    earlier = await events.set_answer(db, created.id, BEN, NO, ("$no", room))
    assert earlier == events.AnswerReaction("$yes", room, YES)
    # The same reaction again (a retried event) names no earlier one.
    assert await events.set_answer(db, created.id, BEN, NO, ("$no", room)) is None
    # The same answer by command keeps the reaction: taking it back still withdraws it.
    assert await events.set_answer(db, created.id, BEN, NO, None) is None
    assert await events.withdraw_reaction(db, "$no", BEN) is True
    await events.set_answer(db, created.id, CARLA, YES, ("$carla", room))
    assert await events.set_answer(db, created.id, CARLA, MAYBE, None) == events.AnswerReaction(
        "$carla", room, YES
    )
    # An answer by command has no reaction to name later.
    assert await events.set_answer(db, created.id, CARLA, NO, ("$carla_no", room)) is None


async def test_answer_counts_and_answers_of_many_events(db: Database) -> None:
    first = await create(db)
    second = await create(db, "$second")
    silent = await create(db, "$silent")
    unasked = await create(db, "$unasked")
    await events.set_answer(db, first.id, ANNA, YES, None)
    await events.set_answer(db, first.id, BEN, YES, None)
    await events.set_answer(db, first.id, CARLA, MAYBE, None)
    await events.set_answer(db, second.id, BEN, NO, None)
    await events.set_answer(db, second.id, BEN, YES, None)
    await events.set_answer(db, unasked.id, ANNA, NO, None)

    counts = await events.answer_counts(db, [first.id, second.id, silent.id])
    answers = await events.answers_of(db, [first.id, second.id, silent.id])

    assert counts == {first.id: {YES: 2, MAYBE: 1}, second.id: {YES: 1}}
    assert await events.answer_counts(db, []) == {}
    assert answers == {first.id: {ANNA: YES, BEN: YES, CARLA: MAYBE}, second.id: {BEN: YES}}
    for event_id in (first.id, second.id):
        assert answers[event_id] == await events.answers(db, event_id)
    assert await events.answers_of(db, []) == {}


# --- sent posts: event_of_message, post_ids ---------------------------------------------------


async def test_event_of_message_finds_the_event_of_a_sent_post(db: Database) -> None:
    first = await create(db)
    second = await create(db, "$second")
    await finish(db, await post_id(db, first.id, ANNOUNCE, 0, ROOM_A), events.SENT, "$first_ann")
    await finish(
        db, await post_id(db, second.id, REMINDER, DAY, ROOM_B), events.SENT, "$second_rem"
    )

    found = await events.event_of_message(db, "$first_ann")
    assert found is not None and found.id == first.id
    found = await events.event_of_message(db, "$second_rem")
    assert found is not None and found.id == second.id
    assert await events.event_of_message(db, "$unknown") is None


async def test_post_ids_lists_sent_posts_of_the_kinds(db: Database) -> None:
    created = await create(db)
    other = await create(db, "$other")
    await finish(db, await post_id(db, created.id, ANNOUNCE, 0, ROOM_A), events.SENT, "$ann_a")
    await finish(db, await post_id(db, created.id, ANNOUNCE, 0, ROOM_B), events.REFUSED, "$refused")
    await finish(db, await post_id(db, created.id, REMINDER, DAY, ROOM_A), events.SENT, "$rem_a")
    await finish(db, await post_id(db, created.id, NUDGE, DAY, ""), events.SENT, None)
    await finish(db, await post_id(db, other.id, ANNOUNCE, 0, ROOM_A), events.SENT, "$other_ann")
    notices = plan_notices(UPDATE, 0, ROOMS, NOW)
    await events.change(db, created.id, {"place": "B"}, None, notices, 0)
    await finish(db, await post_id(db, created.id, UPDATE, 1, ROOM_B), events.SENT, "$upd_b")

    assert sorted(await events.post_ids(db, created.id, [ANNOUNCE, UPDATE])) == [
        "$ann_a",
        "$upd_b",
    ]
    assert await events.post_ids(db, created.id, [REMINDER, NUDGE]) == ["$rem_a"]
    assert await events.post_ids(db, created.id, [CANCEL]) == []
    assert await events.post_ids(db, other.id, [ANNOUNCE]) == ["$other_ann"]


# --- direct messages --------------------------------------------------------------------------


async def test_record_nudge_is_unique_per_post_and_user(db: Database) -> None:
    created = await create(db)
    nudge = await post_id(db, created.id, NUDGE, DAY, "")
    other_nudge = await post_id(db, created.id, NUDGE, HOUR, "")
    await events.record_nudge(db, nudge, BEN, "!dm-ben:example.org", "$dm1")
    await events.record_nudge(db, other_nudge, BEN, "!dm-ben:example.org", "$dm2")
    await events.record_nudge(db, nudge, CARLA, "!dm-carla:example.org", "$dm3")

    with pytest.raises(IntegrityError):
        await events.record_nudge(db, nudge, BEN, "!dm-ben:example.org", "$dm4")

    async with db.session() as session:
        rows = list(await session.scalars(select(EventNudge).order_by(EventNudge.id)))
    assert [(row.post_id, row.user_id, row.room_id, row.matrix_event_id) for row in rows] == [
        (nudge, BEN, "!dm-ben:example.org", "$dm1"),
        (other_nudge, BEN, "!dm-ben:example.org", "$dm2"),
        (nudge, CARLA, "!dm-carla:example.org", "$dm3"),
    ]


async def test_direct_room_set_and_replace(db: Database) -> None:
    assert await bot_state.direct_room(db, BEN) is None

    await bot_state.set_direct_room(db, BEN, "!dm1:example.org")
    await bot_state.set_direct_room(db, CARLA, "!dm2:example.org")
    assert await bot_state.direct_room(db, BEN) == "!dm1:example.org"

    await bot_state.set_direct_room(db, BEN, "!dm3:example.org")
    assert await bot_state.direct_room(db, BEN) == "!dm3:example.org"
    assert await bot_state.direct_room(db, CARLA) == "!dm2:example.org"
    assert await bot_state.direct_room(db, ANNA) is None
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(DirectRoom)) == 2


# --- the schema of migration 0003 -------------------------------------------------------------


async def test_deleting_an_event_deletes_its_posts_nudges_and_answers(db: Database) -> None:
    created = await create(db)
    kept = await create(db, "$kept")
    nudge = await post_id(db, created.id, NUDGE, DAY, "")
    await events.record_nudge(db, nudge, BEN, "!dm-ben:example.org", "$dm")
    await events.set_answer(db, created.id, BEN, YES, None)
    await events.set_answer(db, kept.id, BEN, NO, None)

    async with db.session() as session:
        await session.execute(delete(Event).where(Event.id == created.id))

    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(EventNudge)) == 0
        post_events = set(await session.scalars(select(EventPost.event_id)))
        rsvp_events = set(await session.scalars(select(Rsvp.event_id)))
    assert post_events == {kept.id}
    assert rsvp_events == {kept.id}


async def test_an_answer_needs_an_existing_event(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await events.set_answer(db, 4711, BEN, YES, None)


# --- user settings ----------------------------------------------------------------------------


async def test_event_dms_are_allowed_unless_turned_off(db: Database) -> None:
    assert await user_settings.event_dms_allowed(db, []) == set()
    assert await user_settings.event_dms_allowed(db, [ANNA, BEN]) == {ANNA, BEN}

    await user_settings.set_language(db, ANNA, "en")
    await user_settings.set_event_dms(db, BEN, False)
    await user_settings.set_event_dms(db, CARLA, True)
    dora = "@dora:example.org"
    await user_settings.set_event_dms(db, dora, False)

    assert await user_settings.event_dms_allowed(db, iter([ANNA, BEN, CARLA])) == {ANNA, CARLA}

    await user_settings.set_event_dms(db, BEN, True)
    await user_settings.set_event_dms(db, CARLA, False)
    assert await user_settings.event_dms_allowed(db, [ANNA, BEN, CARLA, dora]) == {ANNA, BEN}


async def test_event_dms_and_language_keep_each_other(db: Database) -> None:
    await user_settings.set_language(db, ANNA, "en")
    await user_settings.set_event_dms(db, ANNA, False)
    await user_settings.set_event_dms(db, BEN, False)
    await user_settings.set_language(db, BEN, "de")

    assert await user_settings.get_language(db, ANNA) == "en"
    assert await user_settings.get_language(db, BEN) == "de"
    assert await user_settings.event_dms_allowed(db, [ANNA, BEN]) == set()
    async with db.session() as session:
        rows = list(await session.scalars(select(UserSetting).order_by(UserSetting.user_id)))
    assert [(row.user_id, row.language, row.event_dms) for row in rows] == [
        (ANNA, "en", False),
        (BEN, "de", False),
    ]


async def test_a_claimed_post_survives_a_change_and_stays_in_the_schedule(db: Database) -> None:
    """A reminder being delivered when the event is moved is neither dropped nor re-planned on
    top; a restart (schedule rebuilt) resumes it."""
    created = await create(db)
    reminder = await post_id(db, created.id, REMINDER, DAY, ROOM_A)
    assert await events.claim(db, reminder) is not None
    now = START - dt.timedelta(days=2)
    changed = await events.change(
        db, created.id, {}, plan_reminders(START, [DAY], ROOMS, now, BERLIN), [], 0
    )
    assert changed is not None
    rows = [post for post in await all_posts(db, created.id) if post.kind == REMINDER]
    assert sorted((post.room_id, post.status) for post in rows) == [
        (ROOM_A, events.SENDING),
        (ROOM_B, events.PENDING),
    ]
    assert reminder in {post for post, _, _ in await events.pending_schedule(db)}
    await events.record_sent(db, reminder, "$early")
    assert (await events.event_of_message(db, "$early")) is not None
    await events.finish_post(db, reminder, events.SENT, None)
    rows = [post for post in await all_posts(db, created.id) if post.id == reminder]
    assert (rows[0].status, rows[0].matrix_event_id) == (events.SENT, "$early")


async def test_cancelling_drops_every_pending_post_but_the_cancellation(db: Database) -> None:
    created = await create(db)
    cancelled = await events.change(
        db,
        created.id,
        {"status": events.CANCELLED},
        [],
        plan_notices(CANCEL, 0, ROOMS, NOW),
        expected_sequence=0,
    )
    assert cancelled is not None
    pending = [post for post in await all_posts(db, created.id) if post.status == events.PENDING]
    assert sorted((post.kind, post.room_id) for post in pending) == [
        (CANCEL, ROOM_A),
        (CANCEL, ROOM_B),
    ]


# --- change notices, card edits, other messages of an event -----------------------------------


async def test_a_change_notice_keeps_what_changed(db: Database) -> None:
    created = await create(db, description_html="<strong>Löten</strong>")
    changes: dict[str, list[object]] = {"place": ["Potsdam", "Cottbus"]}
    notices = [
        dataclasses.replace(plan, changes=changes) for plan in plan_notices(UPDATE, 0, ROOMS, NOW)
    ]
    await events.change(db, created.id, {"place": "Cottbus"}, None, notices, 0)

    updates = [post for post in await all_posts(db, created.id) if post.kind == UPDATE]
    assert [post.changes for post in updates] == [changes, changes]
    claimed = await events.claim(db, updates[0].id)
    assert claimed is not None and claimed.post.changes == changes
    assert claimed.event.description_html == "<strong>Löten</strong>"
    others = [post for post in await all_posts(db, created.id) if post.kind != UPDATE]
    assert others and all(post.changes is None for post in others)


async def test_card_ids_name_the_original_card_per_room(db: Database) -> None:
    created = await create(db)
    await finish(db, await post_id(db, created.id, ANNOUNCE, 0, ROOM_A), events.SENT, "$card_a")
    # A room added later gets a card of its own (keyed by the sequence of that change).
    room_c = "!c:example.org"
    await events.change(
        db,
        created.id,
        {"room_ids": [*ROOMS, room_c]},
        None,
        plan_notices(ANNOUNCE, 0, [room_c], NOW),
        0,
    )
    await finish(db, await post_id(db, created.id, ANNOUNCE, 1, room_c), events.SENT, "$card_c")

    assert await events.card_ids(db, created.id) == {ROOM_A: "$card_a", room_c: "$card_c"}


async def test_a_recorded_message_answers_for_its_event(db: Database) -> None:
    first = await create(db)
    await events.record_message(db, first.id, "$shown")
    await events.record_message(db, first.id, "$shown")

    found = await events.event_of_message(db, "$shown")
    assert found is not None and found.id == first.id
    assert await events.event_of_message(db, "$other") is None


async def test_answers_by_one_person_across_events(db: Database) -> None:
    first = await create(db, "$first")
    second = await create(db, "$second")
    third = await create(db, "$third")
    await events.set_answer(db, first.id, ANNA, YES, None)
    await events.set_answer(db, first.id, BEN, NO, None)
    await events.set_answer(db, second.id, ANNA, MAYBE, ("$reaction", "!raum:example.org"))
    await events.set_answer(db, second.id, ANNA, NO, None)
    await events.set_answer(db, third.id, BEN, YES, None)

    assert await events.answers_by(db, ANNA, [first.id, second.id, third.id]) == {
        first.id: YES,
        second.id: NO,
    }
    assert await events.answers_by(db, BEN, [first.id]) == {first.id: NO}
    assert await events.answers_by(db, CARLA, [first.id, second.id]) == {}
    assert await events.answers_by(db, ANNA, []) == {}
