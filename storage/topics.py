"""Discussion topics: who supports them, their notes, decisions and action items, agendas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, and_, delete, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.database import Database
from storage.models import Topic, TopicEntry, TopicEntryEdit, TopicVote, utc_now

PROPOSED = "proposed"
AGENDA = "agenda"
DISCUSSED = "discussed"
DONE = "done"
REJECTED = "rejected"
MERGED = "merged"
OPEN = (PROPOSED, AGENDA)
NOTE = "note"
DECISION = "decision"
ACTION = "action"
# The title of a topic whose proposal its author deleted.
DELETED_TITLE = "–"
M = TypeVar("M", Topic, TopicEntry)


@dataclass(frozen=True)
class NewTopic:
    source_event_id: str
    room_id: str
    title: str
    tags: list[str]
    event_id: int | None
    created_by: str
    title_html: str | None = None


@dataclass(frozen=True)
class NewEntry:
    topic_id: int
    kind: str
    matrix_event_id: str
    from_command: bool
    author: str
    text: str
    owner: str | None = None
    due: dt.date | None = None
    html: str | None = None


async def create(db: Database, new: NewTopic) -> Topic:
    """Idempotent per command: proposing again after a crash finds the topic of before."""
    async with db.session() as session:
        found = await session.scalar(
            select(Topic).where(Topic.source_event_id == new.source_event_id)
        )
        if found is not None:
            return found
        row = Topic(**vars(new), status=PROPOSED)
        session.add(row)
        await session.flush()
        return row


async def get(db: Database, topic_id: int) -> Topic | None:
    async with db.session() as session:
        return await session.get(Topic, topic_id)


async def by_message(db: Database, message_event_id: str) -> Topic | None:
    async with db.session() as session:
        return await session.scalar(select(Topic).where(Topic.message_event_id == message_event_id))


async def set_columns(db: Database, topic_id: int, **values: object) -> None:
    async with db.session() as session:
        await session.execute(update(Topic).where(Topic.id == topic_id).values(**values))


async def listing(
    db: Database,
    statuses: Sequence[str],
    tag: str | None = None,
    event_id: int | None = None,
) -> list[tuple[Topic, int]]:
    """Topics with their number of supporters (commands.topics.plan.ranked orders them)."""
    async with db.session() as session:
        votes = (
            select(TopicVote.topic_id, func.count().label("votes"))
            .group_by(TopicVote.topic_id)
            .subquery()
        )
        query: Select[tuple[Topic, int]] = (
            select(Topic, func.coalesce(votes.c.votes, 0))
            .outerjoin(votes, votes.c.topic_id == Topic.id)
            .where(Topic.status.in_(statuses))
        )
        if event_id is not None:
            query = query.where(Topic.event_id == event_id)
        rows = [(topic, int(count)) for topic, count in await session.execute(query)]
    # Tags are a JSON list: filtered here, the same on every backend.
    return [(topic, count) for topic, count in rows if tag is None or tag in topic.tags]


async def supporters(db: Database, topic_id: int) -> set[str]:
    async with db.session() as session:
        rows = await session.scalars(
            select(TopicVote.user_id).where(TopicVote.topic_id == topic_id)
        )
        return set(rows)


async def support_counts(db: Database, topic_ids: Sequence[int]) -> dict[int, int]:
    """How many support each of these topics, in one query; topics nobody supports are 0."""
    if not topic_ids:
        # Events without agendas (most of them): no round trip.
        return {}
    async with db.session() as session:
        rows = await session.execute(
            select(TopicVote.topic_id, func.count())
            .where(TopicVote.topic_id.in_(topic_ids))
            .group_by(TopicVote.topic_id)
        )
        counts = {topic_id: int(count) for topic_id, count in rows}
    return {topic_id: counts.get(topic_id, 0) for topic_id in topic_ids}


async def support(
    db: Database, topic_id: int, user_id: str, reaction_event_id: str | None = None
) -> bool:
    """One vote per person; says whether this one is new."""
    async with db.session() as session:
        if await session.get(TopicVote, (topic_id, user_id)) is not None:
            return False
        session.add(
            TopicVote(topic_id=topic_id, user_id=user_id, reaction_event_id=reaction_event_id)
        )
        return True


async def withdraw(db: Database, topic_id: int, user_id: str) -> bool:
    async with db.session() as session:
        result = await session.execute(
            delete(TopicVote).where(TopicVote.topic_id == topic_id, TopicVote.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def add_entry(db: Database, new: NewEntry) -> TopicEntry:
    """Idempotent per message: logging it again after a crash finds the entry of before."""
    async with db.session() as session:
        found = await session.scalar(
            select(TopicEntry).where(TopicEntry.matrix_event_id == new.matrix_event_id)
        )
        if found is not None:
            return found
        row = TopicEntry(**vars(new), done=False, reminded=False)
        session.add(row)
        await session.flush()
        return row


async def entry_of(db: Database, matrix_event_id: str) -> TopicEntry | None:
    async with db.session() as session:
        return await session.scalar(
            select(TopicEntry).where(TopicEntry.matrix_event_id == matrix_event_id)
        )


async def get_entry(db: Database, entry_id: int) -> TopicEntry | None:
    async with db.session() as session:
        return await session.get(TopicEntry, entry_id)


async def edit_entry(db: Database, entry_id: int, edit_event_id: str, **values: object) -> None:
    """Its message was edited (by `edit_event_id`): the new text (and owner and due date of an
    action item)."""
    async with db.session() as session:
        await session.execute(
            update(TopicEntry)
            .where(TopicEntry.id == entry_id)
            .values(**values, edited_at=utc_now())
        )
        if await session.get(TopicEntryEdit, edit_event_id) is None:
            session.add(TopicEntryEdit(event_id=edit_event_id, entry_id=entry_id))


async def remove_entry(db: Database, entry_id: int) -> None:
    async with db.session() as session:
        await session.execute(delete(TopicEntry).where(TopicEntry.id == entry_id))


async def set_entry(db: Database, entry_id: int, **values: object) -> None:
    async with db.session() as session:
        await session.execute(update(TopicEntry).where(TopicEntry.id == entry_id).values(**values))


async def forget(db: Database, redacted_event_id: str) -> int | None:
    """A redacted message takes its entry with it (so does a redacted edit of it), a redacted
    👍 its vote, a redacted proposal its title; returns the topic."""
    async with db.session() as session:
        edited = await session.scalar(
            select(TopicEntryEdit.entry_id).where(TopicEntryEdit.event_id == redacted_event_id)
        )
        condition = (
            TopicEntry.id == edited
            if edited is not None
            else TopicEntry.matrix_event_id == redacted_event_id
        )
        topic_id = await session.scalar(
            delete(TopicEntry).where(condition).returning(TopicEntry.topic_id)
        )
        if topic_id is not None:
            return topic_id
        proposed = await session.scalar(
            update(Topic)
            .where(Topic.source_event_id == redacted_event_id)
            .values(title=DELETED_TITLE, title_html=None)
            .returning(Topic.id)
        )
        if proposed is not None:
            return proposed
        return await session.scalar(
            delete(TopicVote)
            .where(TopicVote.reaction_event_id == redacted_event_id)
            .returning(TopicVote.topic_id)
        )


async def entries(db: Database, topic_ids: Iterable[int]) -> list[TopicEntry]:
    async with db.session() as session:
        rows = await session.scalars(
            select(TopicEntry)
            .where(TopicEntry.topic_id.in_(list(topic_ids)))
            .order_by(TopicEntry.id)
        )
        return list(rows)


async def agenda(db: Database, event_id: int) -> list[Topic]:
    """An event's agenda in its order (topics on it, and those discussed or done since)."""
    async with db.session() as session:
        rows = await session.scalars(
            select(Topic)
            .where(Topic.event_id == event_id, Topic.agenda_position.is_not(None))
            .order_by(Topic.agenda_position, Topic.id)
        )
        return list(rows)


async def agendas(db: Database, event_ids: Sequence[int]) -> dict[int, list[Topic]]:
    """Each event's agenda in its order (as `agenda`) in one query; every event is a key."""
    found: dict[int, list[Topic]] = {event_id: [] for event_id in event_ids}
    async with db.session() as session:
        rows = await session.scalars(
            select(Topic)
            .where(Topic.event_id.in_(event_ids), Topic.agenda_position.is_not(None))
            .order_by(Topic.event_id, Topic.agenda_position, Topic.id)
        )
        for topic in rows:
            assert topic.event_id is not None
            found[topic.event_id].append(topic)
    return found


async def set_agenda(db: Database, event_id: int, topic_ids: Sequence[int]) -> list[int]:
    """Exactly these topics, in this order, are the event's agenda; topics taken off it are
    proposed again (still the event's). Returns the ids taken off."""
    async with db.session() as session:
        before = set(
            await session.scalars(
                select(Topic.id).where(
                    Topic.event_id == event_id, Topic.agenda_position.is_not(None)
                )
            )
        )
        removed = sorted(before - set(topic_ids))
        if removed:
            await session.execute(
                update(Topic).where(Topic.id.in_(removed)).values(agenda_position=None)
            )
            # Only what was merely planned goes back to "proposed"; discussed stays discussed.
            await session.execute(
                update(Topic)
                .where(Topic.id.in_(removed), Topic.status == AGENDA)
                .values(status=PROPOSED)
            )
        for position, topic_id in enumerate(topic_ids, 1):
            topic = await session.get(Topic, topic_id)
            if topic is None:
                continue
            topic.event_id = event_id
            topic.agenda_position = position
            if topic.status == PROPOSED:
                topic.status = AGENDA
        return removed


async def merge(db: Database, duplicate_id: int, into_id: int) -> None:
    """The duplicate's supporters and entries go to the other topic; it stays, marked merged."""
    async with db.session() as session:
        kept = set(
            await session.scalars(select(TopicVote.user_id).where(TopicVote.topic_id == into_id))
        )
        for vote in await session.scalars(
            select(TopicVote).where(TopicVote.topic_id == duplicate_id)
        ):
            if vote.user_id not in kept:
                session.add(
                    TopicVote(
                        topic_id=into_id,
                        user_id=vote.user_id,
                        reaction_event_id=vote.reaction_event_id,
                    )
                )
        await session.execute(delete(TopicVote).where(TopicVote.topic_id == duplicate_id))
        await session.execute(
            update(TopicEntry).where(TopicEntry.topic_id == duplicate_id).values(topic_id=into_id)
        )
        await session.execute(
            update(Topic)
            .where(Topic.id == duplicate_id)
            .values(status=MERGED, merged_into=into_id, agenda_position=None)
        )
        # Topics merged into the duplicate before now lead to the one that stays.
        await session.execute(
            update(Topic).where(Topic.merged_into == duplicate_id).values(merged_into=into_id)
        )


async def search(db: Database, words: str, limit: int = 20) -> tuple[list[Topic], list[TopicEntry]]:
    """Topics and entries matching every word: PostgreSQL's full-text search (German stemming),
    elsewhere a plain match of each word."""
    async with db.session() as session:
        if db.engine.dialect.name == "postgresql":
            topics = await _full_text(session, Topic, Topic.title, words, limit)
            found = await _full_text(session, TopicEntry, TopicEntry.text, words, limit)
        else:
            terms = [word for word in words.split() if word]
            topics = await _plain(session, Topic, Topic.title, terms, limit)
            found = await _plain(session, TopicEntry, TopicEntry.text, terms, limit)
        return topics, found


async def _full_text(
    session: AsyncSession,
    model: type[M],
    column: InstrumentedAttribute[str],
    words: str,
    limit: int,
) -> list[M]:
    german = literal_column("'german'::regconfig")
    vector, query = func.to_tsvector(german, column), func.plainto_tsquery(german, words)
    ranked = (
        select(model).where(vector.op("@@")(query)).order_by(func.ts_rank(vector, query).desc())
    )
    return list(await session.scalars(ranked.limit(limit)))


async def _plain(
    session: AsyncSession,
    model: type[M],
    column: InstrumentedAttribute[str],
    terms: list[str],
    limit: int,
) -> list[M]:
    if not terms:
        return []
    conditions = [func.lower(column).contains(term.lower(), autoescape=True) for term in terms]
    return list(await session.scalars(select(model).where(and_(*conditions)).limit(limit)))


async def due_actions(db: Database) -> list[TopicEntry]:
    """Open action items with a due date whose owner was not reminded yet."""
    async with db.session() as session:
        rows = await session.scalars(
            select(TopicEntry).where(
                TopicEntry.kind == ACTION,
                TopicEntry.due.is_not(None),
                TopicEntry.done.is_(False),
                TopicEntry.reminded.is_(False),
                TopicEntry.owner.is_not(None),
            )
        )
        return list(rows)
