"""Events, their outbox of posts, answers (RSVPs), direct messages and direct-message rooms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database
from storage.models import Event, EventMessage, EventNudge, EventPost, Rsvp, utc_now
from storage.outbox import ANNOUNCE, NUDGE, REMINDER, PostPlan

ACTIVE = "active"
CANCELLED = "cancelled"
PENDING = "pending"
# Claimed by a delivery: a change to the event no longer removes it; a restart resumes it.
SENDING = "sending"
SENT = "sent"
MISSED = "missed"
REFUSED = "refused"
SKIPPED = "skipped"
OPEN = (PENDING, SENDING)


@dataclass(frozen=True)
class NewEvent:
    source_event_id: str
    created_by: str
    command_room_id: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    place: str | None
    online_link: str | None
    agenda_link: str | None
    description: str | None
    closed: bool
    room_ids: list[str]
    reminder_offsets: list[int]
    description_html: str | None = None


async def create(db: Database, new: NewEvent, posts: Sequence[PostPlan]) -> Event:
    """Store the event and the posts it needs, in one transaction."""
    async with db.session() as session:
        row = Event(**vars(new), status=ACTIVE, sequence=0)
        session.add(row)
        await session.flush()
        _add_posts(session, row.id, posts)
        return row


def _add_posts(session: AsyncSession, event_id: int, posts: Sequence[PostPlan]) -> None:
    session.add_all(
        EventPost(
            event_id=event_id,
            kind=plan.kind,
            key=plan.key,
            room_id=plan.room_id,
            due=plan.due,
            status=PENDING,
            changes=plan.changes,
        )
        for plan in posts
    )


async def by_source(db: Database, source_event_id: str) -> Event | None:
    """The event a command created, if that command already ran."""
    async with db.session() as session:
        return await session.scalar(select(Event).where(Event.source_event_id == source_event_id))


async def get(db: Database, event_id: int) -> Event | None:
    async with db.session() as session:
        return await session.get(Event, event_id)


async def upcoming(db: Database, now: dt.datetime, limit: int, offset: int = 0) -> list[Event]:
    """Active events not yet over, soonest first; `offset` skips the first ones (pages)."""
    async with db.session() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.status == ACTIVE, Event.ends_at > now)
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows)


async def for_calendar(db: Database, since: dt.datetime) -> list[Event]:
    """Every event that ends after `since`, cancelled ones included (calendars must drop them)."""
    async with db.session() as session:
        rows = await session.scalars(
            select(Event).where(Event.ends_at > since).order_by(Event.starts_at, Event.id)
        )
        return list(rows)


async def change(
    db: Database,
    event_id: int,
    values: dict[str, object],
    reminders: Sequence[PostPlan] | None,
    notices: Sequence[PostPlan],
    expected_sequence: int,
) -> Event | None:
    """Apply a change: new values, SEQUENCE bumped, pending reminders replaced by `reminders`
    (None: kept), and the notices about the change queued; a cancellation drops every pending
    post. None if the event changed meanwhile or is no longer active."""
    async with db.session() as session:
        row = await session.get(Event, event_id)
        if row is None or row.status != ACTIVE or row.sequence != expected_sequence:
            return None
        for name, value in values.items():
            setattr(row, name, value)
        row.sequence += 1
        row.updated_at = utc_now()
        if reminders is not None or row.status == CANCELLED:
            # Only rows no delivery has claimed: one under way finishes as it started.
            dropped = delete(EventPost).where(
                EventPost.event_id == event_id, EventPost.status == PENDING
            )
            if row.status != CANCELLED:
                dropped = dropped.where(EventPost.kind.in_((REMINDER, NUDGE)))
            await session.execute(dropped)
        if reminders:
            # A reminder already sent for this very time (the event moved back) is not sent again.
            sent = set(
                await session.execute(
                    select(EventPost.kind, EventPost.key, EventPost.room_id, EventPost.due).where(
                        EventPost.event_id == event_id, EventPost.status != PENDING
                    )
                )
            )
            fresh = [
                plan
                for plan in reminders
                if (plan.kind, plan.key, plan.room_id, plan.due) not in sent
            ]
            _add_posts(session, event_id, fresh)
        _add_posts(session, event_id, [_with_key(plan, row.sequence) for plan in notices])
        return row


def _with_key(plan: PostPlan, key: int) -> PostPlan:
    return PostPlan(plan.kind, key, plan.room_id, plan.due, plan.changes)


async def pending_schedule(
    db: Database, event_id: int | None = None
) -> list[tuple[int, dt.datetime, int]]:
    """(post id, due, event id) of every post still to send (of one event, if given): what the
    scheduler is rebuilt from."""
    query = select(EventPost.id, EventPost.due, EventPost.event_id).where(
        EventPost.status.in_(OPEN)
    )
    if event_id is not None:
        query = query.where(EventPost.event_id == event_id)
    async with db.session() as session:
        return [(post_id, due, event) for post_id, due, event in await session.execute(query)]


@dataclass(frozen=True)
class DuePost:
    post: EventPost
    event: Event
    answers: dict[str, str]
    nudged: set[str]


async def claim(db: Database, post_id: int) -> DuePost | None:
    """Claim a post for delivery (None if it was sent or dropped meanwhile), with its event, the
    event's answers and (for direct messages) who already got one."""
    async with db.session() as session:
        claimed = await session.execute(
            update(EventPost)
            .where(EventPost.id == post_id, EventPost.status.in_(OPEN))
            .values(status=SENDING)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
        post = await session.get(EventPost, post_id)
        assert post is not None
        event = await session.get(Event, post.event_id)
        assert event is not None
        answers = await _answers(session, event.id)
        nudged: set[str] = set()
        if post.kind == NUDGE:
            nudged = set(
                await session.scalars(
                    select(EventNudge.user_id).where(EventNudge.post_id == post_id)
                )
            )
        return DuePost(post, event, answers, nudged)


async def record_sent(db: Database, post_id: int, matrix_event_id: str) -> None:
    """The post is in the room: reactions to it count from now on, before it is finished."""
    async with db.session() as session:
        await session.execute(
            update(EventPost)
            .where(EventPost.id == post_id, EventPost.status == SENDING)
            .values(matrix_event_id=matrix_event_id)
        )


async def finish_post(db: Database, post_id: int, status: str, matrix_event_id: str | None) -> None:
    async with db.session() as session:
        values: dict[str, object] = {"status": status, "sent_at": utc_now()}
        if matrix_event_id is not None:
            values["matrix_event_id"] = matrix_event_id
        await session.execute(
            update(EventPost)
            .where(EventPost.id == post_id, EventPost.status == SENDING)
            .values(**values)
        )


async def record_nudge(
    db: Database, post_id: int, user_id: str, room_id: str, matrix_event_id: str
) -> None:
    async with db.session() as session:
        session.add(
            EventNudge(
                post_id=post_id, user_id=user_id, room_id=room_id, matrix_event_id=matrix_event_id
            )
        )


async def event_of_message(db: Database, matrix_event_id: str) -> Event | None:
    """The event a bot message is about: a post (card, change, reminder) or another message
    recorded with `record_message`."""
    async with db.session() as session:
        posted = await session.scalar(
            select(Event)
            .join(EventPost, EventPost.event_id == Event.id)
            .where(EventPost.matrix_event_id == matrix_event_id)
            .limit(1)
        )
        if posted is not None:
            return posted
        return await session.scalar(
            select(Event)
            .join(EventMessage, EventMessage.event_id == Event.id)
            .where(EventMessage.matrix_event_id == matrix_event_id)
        )


async def record_message(db: Database, event_id: int, matrix_event_id: str) -> None:
    """A message of the bot about the event, so reactions to it answer the event."""
    async with db.session() as session:
        await session.merge(EventMessage(matrix_event_id=matrix_event_id, event_id=event_id))


async def card_ids(db: Database, event_id: int) -> dict[str, str]:
    """The sent card (first announcement) of the event per room: what a change edits in place."""
    async with db.session() as session:
        rows = await session.execute(
            select(EventPost.room_id, EventPost.matrix_event_id)
            .where(
                EventPost.event_id == event_id,
                EventPost.kind == ANNOUNCE,
                EventPost.matrix_event_id.is_not(None),
            )
            .order_by(EventPost.id.desc())
        )
        # Oldest last, so it wins: an edit always targets the original.
        return {room_id: matrix_event_id for room_id, matrix_event_id in rows}


async def post_ids(db: Database, event_id: int, kinds: Sequence[str]) -> list[str]:
    """The Matrix event ids of the sent posts of these kinds."""
    async with db.session() as session:
        rows = await session.scalars(
            select(EventPost.matrix_event_id).where(
                EventPost.event_id == event_id,
                EventPost.kind.in_(kinds),
                EventPost.status == SENT,
            )
        )
        return [row for row in rows if row]


@dataclass(frozen=True)
class AnswerReaction:
    """The reaction that gave a person's answer to an event, and where it is."""

    event_id: str
    room_id: str
    answer: str


async def set_answer(
    db: Database,
    event_id: int,
    user_id: str,
    answer: str,
    reaction: tuple[str, str] | None,
) -> AnswerReaction | None:
    """Stores the answer (`reaction`: the event id and room of the reaction that gave it) and
    returns the reaction that gave the answer before, if another one did. The same answer by
    command keeps the reaction that gave it: it still shows the answer, and taking it back
    still withdraws it."""
    async with db.session() as session:
        before = await session.get(Rsvp, (event_id, user_id))
        if (
            reaction is None
            and before is not None
            and before.reaction_event_id is not None
            and before.answer == answer
        ):
            return None
        earlier = (
            AnswerReaction(before.reaction_event_id, before.reaction_room_id, before.answer)
            if before is not None
            and before.reaction_event_id is not None
            and before.reaction_room_id is not None
            and (reaction is None or before.reaction_event_id != reaction[0])
            else None
        )
        await session.merge(
            Rsvp(
                event_id=event_id,
                user_id=user_id,
                answer=answer,
                reaction_event_id=reaction[0] if reaction else None,
                reaction_room_id=reaction[1] if reaction else None,
                answered_at=utc_now(),
            )
        )
        return earlier


async def withdraw_reaction(db: Database, reaction_event_id: str, user_id: str) -> bool:
    """Taking back the reaction that gave an answer withdraws that answer; a later answer (by
    command or another reaction) stays."""
    async with db.session() as session:
        result = await session.execute(
            delete(Rsvp).where(Rsvp.reaction_event_id == reaction_event_id, Rsvp.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def answers(db: Database, event_id: int) -> dict[str, str]:
    async with db.session() as session:
        return await _answers(session, event_id)


async def _answers(session: AsyncSession, event_id: int) -> dict[str, str]:
    rows = await session.execute(
        select(Rsvp.user_id, Rsvp.answer)
        .where(Rsvp.event_id == event_id)
        .order_by(Rsvp.answered_at, Rsvp.user_id)
    )
    return {user_id: answer for user_id, answer in rows}


async def answers_of(db: Database, event_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Each event's answers (user → answer) in one query, for a page that lists many events;
    events without answers are left out."""
    async with db.session() as session:
        rows = await session.execute(
            select(Rsvp.event_id, Rsvp.user_id, Rsvp.answer)
            .where(Rsvp.event_id.in_(event_ids))
            .order_by(Rsvp.event_id, Rsvp.answered_at, Rsvp.user_id)
        )
        found: dict[int, dict[str, str]] = {}
        for event_id, user_id, answer in rows:
            found.setdefault(event_id, {})[user_id] = answer
        return found


async def answers_by(db: Database, user_id: str, event_ids: Sequence[int]) -> dict[int, str]:
    """One person's answer to each of these events (event → answer), in one query; events they
    did not answer are left out."""
    async with db.session() as session:
        rows = await session.execute(
            select(Rsvp.event_id, Rsvp.answer).where(
                Rsvp.user_id == user_id, Rsvp.event_id.in_(event_ids)
            )
        )
        return {event_id: answer for event_id, answer in rows}


async def answer_counts(db: Database, event_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    async with db.session() as session:
        rows = await session.execute(
            select(Rsvp.event_id, Rsvp.answer, func.count())
            .where(Rsvp.event_id.in_(event_ids))
            .group_by(Rsvp.event_id, Rsvp.answer)
        )
        counts: dict[int, dict[str, int]] = {}
        for event_id, answer, count in rows:
            counts.setdefault(event_id, {})[answer] = count
        return counts
