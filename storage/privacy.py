"""Personal data across the bot's tables: which columns name a person, a person's rows for an
export, erasing or anonymising them, and removing what the retention periods let go."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute

from storage.database import Database
from storage.models import (
    Announcement,
    Base,
    DeviceLogin,
    DirectRoom,
    Event,
    EventNudge,
    EventPost,
    HandledEvent,
    KeyValue,
    Knock,
    Need,
    PendingJob,
    Poll,
    PollEnd,
    PollResponse,
    RosterMember,
    Rsvp,
    Survey,
    SurveyInvite,
    SurveyParticipant,
    SurveyResponse,
    SurveySession,
    Topic,
    TopicEntry,
    TopicVote,
    UserSetting,
    WebLogin,
)

# What stands where an erased person's id stood, in rows others rely on (minutes, events).
FORMER_MEMBER = "ehemaliges Mitglied / former member"


class Erasure(enum.Enum):
    """What erasing a person does to a table's rows that name them."""

    DELETE = "delete"
    # The row stays for others (a note in the minutes); the person's id is replaced.
    ANONYMISE = "anonymise"
    # The organisers remove it (the roster decides who is in the space); they are told.
    ORGANISERS = "organisers"
    # Not about members: the bot's own account.
    NOT_PERSONAL = "not personal"
    # Held only while a piece of slow work runs (inside a JSON value), deleted when it ends.
    TRANSIENT = "transient"


@dataclass(frozen=True)
class Handling:
    """How one table that names people is handled: the columns, the erasure, what is exported."""

    model: type[Base]
    # Columns that hold a Matrix user id.
    columns: tuple[str, ...]
    erasure: Erasure
    # Anonymised columns: True clears the value (None), False writes FORMER_MEMBER.
    clear: Mapping[str, bool] = field(default_factory=dict)
    exported: bool = True


HANDLING: dict[str, Handling] = {
    h.model.__tablename__: h
    for h in (
        Handling(DeviceLogin, ("user_id",), Erasure.NOT_PERSONAL, exported=False),
        # Ids inside JSON values: the slow work of the space while it runs (see RECORDS).
        Handling(KeyValue, ("value",), Erasure.TRANSIENT, exported=False),
        Handling(PendingJob, ("payload",), Erasure.TRANSIENT, exported=False),
        Handling(UserSetting, ("user_id",), Erasure.DELETE),
        Handling(RosterMember, ("user_id",), Erasure.ORGANISERS),
        Handling(Knock, ("user_id",), Erasure.DELETE),
        Handling(DirectRoom, ("user_id",), Erasure.DELETE),
        # Hashed one-time login links: bookkeeping, deleted minutes after they expire.
        Handling(WebLogin, ("user_id",), Erasure.DELETE, exported=False),
        Handling(Rsvp, ("user_id",), Erasure.DELETE),
        Handling(EventNudge, ("user_id",), Erasure.DELETE),
        Handling(PollResponse, ("sender",), Erasure.DELETE),
        Handling(TopicVote, ("user_id",), Erasure.DELETE),
        Handling(Need, ("author",), Erasure.DELETE),
        Handling(SurveySession, ("user_id",), Erasure.DELETE),
        Handling(SurveyParticipant, ("user_id",), Erasure.DELETE),
        Handling(SurveyInvite, ("user_id",), Erasure.DELETE),
        Handling(SurveyResponse, ("respondent",), Erasure.DELETE),
        Handling(Announcement, ("created_by",), Erasure.ANONYMISE, {"created_by": False}),
        Handling(Event, ("created_by",), Erasure.ANONYMISE, {"created_by": False}),
        Handling(
            Poll,
            ("created_by", "ended_by"),
            Erasure.ANONYMISE,
            {"created_by": False, "ended_by": True},
        ),
        Handling(PollEnd, ("sender",), Erasure.ANONYMISE, {"sender": False}),
        Handling(Survey, ("created_by",), Erasure.ANONYMISE, {"created_by": False}),
        Handling(Topic, ("created_by",), Erasure.ANONYMISE, {"created_by": False}),
        Handling(
            TopicEntry, ("author", "owner"), Erasure.ANONYMISE, {"author": False, "owner": True}
        ),
    )
}


def _column(model: type[Base], name: str) -> InstrumentedAttribute[Any]:
    column: InstrumentedAttribute[Any] = getattr(model, name)
    return column


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _row(row: Base, handling: Handling, user_id: str) -> dict[str, object]:
    """A row as JSON values; other people's ids in it are left out (nothing about anyone else)."""
    shown: dict[str, object] = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if column.key in handling.columns and value is not None and value != user_id:
            continue
        shown[column.key] = _plain(value)
    return shown


async def export(db: Database, user_id: str) -> dict[str, list[dict[str, object]]]:
    """Every stored row that names `user_id`, by table; empty tables left out."""
    found: dict[str, list[dict[str, object]]] = {}
    async with db.session() as session:
        for table, handling in HANDLING.items():
            if not handling.exported:
                continue
            named = select(handling.model).where(_names(handling, user_id))
            rows = list(await session.scalars(named))
            if rows:
                found[table] = [_row(row, handling, user_id) for row in rows]
    return found


async def export_counts(db: Database, user_id: str) -> dict[str, int]:
    """How many rows `export` would give, by table (empty tables left out): counted by the
    database in one statement (a round trip per table was most of the page's time), for a
    page that shows only the numbers."""
    async with db.session() as session:
        rows = await session.execute(_COUNTED, {"user_id": user_id})
        found = {table: count for table, count in rows if count}
    # In the order of HANDLING, as `export` gives them.
    return {table: found[table] for table in HANDLING if table in found}


def _names(handling: Handling, user_id: str | BindParameter[str]) -> ColumnElement[bool]:
    """A row names the person in any of its person columns."""
    return or_(*(_column(handling.model, c) == user_id for c in handling.columns))


# Built once: SQLAlchemy keeps the compiled form of a statement object, not of each new one.
_COUNTED = select(
    union_all(
        *(
            select(literal(table).label("name"), func.count().label("rows"))
            .select_from(handling.model)
            .where(_names(handling, bindparam("user_id")))
            for table, handling in HANDLING.items()
            if handling.exported
        )
    ).subquery()
)


@dataclass
class Erased:
    """What an erasure did, table by table (row counts)."""

    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    # Tables whose rows stay until the organisers act (the roster entry).
    left_to_organisers: dict[str, int] = field(default_factory=dict)


async def erase(db: Database, user_id: str) -> Erased:
    """Deletes the person's own rows and anonymises those others rely on, in one transaction."""
    result = Erased()
    async with db.session() as session:
        for table, handling in HANDLING.items():
            model = handling.model
            if handling.erasure is Erasure.DELETE:
                names = or_(*(_column(model, c) == user_id for c in handling.columns))
                count = (await session.execute(delete(model).where(names))).rowcount
                if count:
                    result.deleted[table] = count
            elif handling.erasure is Erasure.ANONYMISE:
                total = 0
                for name in handling.columns:
                    column = _column(model, name)
                    value = None if handling.clear.get(name) else FORMER_MEMBER
                    statement = update(model).where(column == user_id).values({name: value})
                    total += (await session.execute(statement)).rowcount
                if total:
                    result.anonymised[table] = total
            elif handling.erasure is Erasure.ORGANISERS:
                names = or_(*(_column(model, c) == user_id for c in handling.columns))
                count = len(list(await session.scalars(select(model).where(names))))
                if count:
                    result.left_to_organisers[table] = count
    await db.forget_deleted()
    return result


@dataclass(frozen=True)
class Retention:
    """How long each kind of data is kept (days)."""

    handled_events: int = 30
    rsvps_after_event: int = 180
    closed_poll_votes: int = 90
    survey_conversations: int = 30
    direct_chats: int = 365


async def prune(db: Database, retention: Retention, now: dt.datetime) -> dict[str, int]:
    """Removes what the retention periods let go; the rows removed, by table."""

    def before(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    removed: dict[str, int] = {}
    async with db.session() as session:

        async def run(table: str, statement: Any) -> None:
            count = (await session.execute(statement)).rowcount
            if count:
                removed[table] = removed.get(table, 0) + count

        await run(
            "handled_event",
            delete(HandledEvent).where(HandledEvent.handled_at < before(retention.handled_events)),
        )
        ended_events = select(Event.id).where(Event.ends_at < before(retention.rsvps_after_event))
        await run("rsvp", delete(Rsvp).where(Rsvp.event_id.in_(ended_events)))
        closed_polls = select(Poll.id).where(
            and_(Poll.ended_at.is_not(None), Poll.ended_at < before(retention.closed_poll_votes))
        )
        await run(
            "poll_response", delete(PollResponse).where(PollResponse.poll_id.in_(closed_polls))
        )
        closed_surveys = select(Survey.id).where(
            Survey.closes_at < before(retention.survey_conversations)
        )
        for model in (SurveySession, SurveyParticipant, SurveyInvite):
            await run(model.__tablename__, delete(model).where(model.survey_id.in_(closed_surveys)))
        old_posts = select(EventPost.id).where(EventPost.due < before(retention.direct_chats))
        await run("event_nudge", delete(EventNudge).where(EventNudge.post_id.in_(old_posts)))
    if removed:
        await db.forget_deleted()
    return removed
