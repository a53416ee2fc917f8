"""Polls and the mirror of their responses and end events (the room is the source of truth)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Insert, delete, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database
from storage.models import Base, Poll, PollEnd, PollResponse

OPEN = "open"
ENDED = "ended"


@dataclass(frozen=True)
class NewPoll:
    source_event_id: str
    created_by: str
    room_id: str
    question: str
    answers: list[dict[str, str]]
    max_selections: int
    disclosed: bool
    closes_at: dt.datetime | None
    live_counts: bool = False


@dataclass(frozen=True)
class SeenResponse:
    event_id: str
    sender: str
    origin_server_ts: int
    raw: dict[str, object]


@dataclass(frozen=True)
class SeenEnd:
    event_id: str
    sender: str
    origin_server_ts: int
    valid: bool


async def create(db: Database, new: NewPoll) -> Poll:
    async with db.session() as session:
        row = Poll(**vars(new), status=OPEN)
        session.add(row)
        await session.flush()
        return row


async def by_source(db: Database, source_event_id: str) -> Poll | None:
    """The poll a command created, if that command already ran."""
    async with db.session() as session:
        return await session.scalar(select(Poll).where(Poll.source_event_id == source_event_id))


async def get(db: Database, poll_id: int) -> Poll | None:
    async with db.session() as session:
        return await session.get(Poll, poll_id)


async def by_start(db: Database, start_event_id: str) -> Poll | None:
    async with db.session() as session:
        return await session.scalar(select(Poll).where(Poll.start_event_id == start_event_id))


async def latest_in(db: Database, room_id: str) -> Poll | None:
    async with db.session() as session:
        return await session.scalar(
            select(Poll)
            .where(Poll.room_id == room_id, Poll.start_event_id.is_not(None))
            .order_by(Poll.id.desc())
            .limit(1)
        )


async def latest_open_in(db: Database, room_id: str) -> Poll | None:
    async with db.session() as session:
        return await session.scalar(
            select(Poll)
            .where(Poll.room_id == room_id, Poll.status == OPEN, Poll.start_event_id.is_not(None))
            .order_by(Poll.id.desc())
            .limit(1)
        )


async def by_end_command(db: Database, event_id: str) -> Poll | None:
    """The poll an `!umfrage beenden` ended, if that command already ran."""
    async with db.session() as session:
        return await session.scalar(select(Poll).where(Poll.end_command_event_id == event_id))


async def open_polls(db: Database) -> list[Poll]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Poll)
            .where(Poll.status == OPEN, Poll.start_event_id.is_not(None))
            .order_by(Poll.id)
        )
        return list(rows)


async def recent(db: Database, limit: int) -> list[Poll]:
    """The newest started polls, open or ended, newest first."""
    async with db.session() as session:
        rows = await session.scalars(
            select(Poll)
            .where(Poll.start_event_id.is_not(None))
            .order_by(Poll.id.desc())
            .limit(limit)
        )
        return list(rows)


async def unfinished(db: Database) -> list[Poll]:
    """Open polls, and ended ones whose final result is not posted yet."""
    async with db.session() as session:
        rows = await session.scalars(
            select(Poll)
            .where(
                Poll.start_event_id.is_not(None),
                (Poll.status == OPEN) | Poll.final_event_id.is_(None),
            )
            .order_by(Poll.id)
        )
        return list(rows)


async def set_started(db: Database, poll_id: int, start_event_id: str) -> None:
    async with db.session() as session:
        await session.execute(
            update(Poll).where(Poll.id == poll_id).values(start_event_id=start_event_id)
        )


async def mark_ended(
    db: Database, poll_id: int, ended_at: dt.datetime, end_event_id: str | None
) -> bool:
    """Open → ended, once; says whether this call ended it."""
    async with db.session() as session:
        result = await session.execute(
            update(Poll)
            .where(Poll.id == poll_id, Poll.status == OPEN)
            .values(status=ENDED, ended_at=ended_at, end_event_id=end_event_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_response(
    db: Database, poll_id: int, seen: SeenResponse, *, readable: bool = True
) -> None:
    """Idempotent: a response already mirrored keeps its place in the order seen. The start's
    re-read and the sync may see the same vote at once: the second insert does nothing. A
    `readable` one replaces the content of the same event stored before (it may have been
    stored while it could not be read yet)."""
    async with db.session() as session:
        if await _has_response(session, seen.event_id):
            if readable:
                await session.execute(
                    update(PollResponse)
                    .where(PollResponse.event_id == seen.event_id)
                    .values(raw=seen.raw)
                )
            return
        await session.execute(
            _insert_new(db, PollResponse, ["event_id"]).values(poll_id=poll_id, **vars(seen))
        )


async def _has_response(session: AsyncSession, event_id: str) -> bool:
    found = await session.scalar(select(PollResponse.id).where(PollResponse.event_id == event_id))
    return found is not None


async def record_end(db: Database, poll_id: int, seen: SeenEnd) -> None:
    async with db.session() as session:
        if await session.get(PollEnd, seen.event_id) is None:
            await session.execute(
                _insert_new(db, PollEnd, ["event_id"]).values(poll_id=poll_id, **vars(seen))
            )


def _insert_new(db: Database, model: type[Base], keys: list[str]) -> Insert:
    """An insert that leaves a row with the same `keys` as it is (no IntegrityError)."""
    if db.engine.dialect.name == "postgresql":
        # Imported here, where the engine has loaded it anyway: a bot on SQLite does without
        # PostgreSQL's dialect (about 2 MB).
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model).on_conflict_do_nothing(index_elements=keys)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=keys)


async def forget_event(db: Database, event_id: str) -> int | None:
    """A redacted response or end no longer counts; returns its poll, if it was one."""
    async with db.session() as session:
        for model in (PollResponse, PollEnd):
            poll_id = await session.scalar(
                delete(model).where(model.event_id == event_id).returning(model.poll_id)
            )
            if poll_id is not None:
                return poll_id
        return None


async def relations_of(db: Database, poll_id: int) -> tuple[list[PollResponse], list[PollEnd]]:
    async with db.session() as session:
        responses = await session.scalars(
            select(PollResponse).where(PollResponse.poll_id == poll_id).order_by(PollResponse.id)
        )
        ends = await session.scalars(select(PollEnd).where(PollEnd.poll_id == poll_id))
        return list(responses), list(ends)


# A poll's responses, each with its place in the order seen, and its end events.
Relations = tuple[list[tuple[int, SeenResponse]], list[SeenEnd]]


async def relations_of_polls(db: Database, poll_ids: Sequence[int]) -> dict[int, Relations]:
    """The responses (in the order seen) and end events of each of these polls, in two queries
    for all of them and as plain values (no ORM object per vote); every poll is a key."""
    async with db.session() as session:
        return await _relations(session, poll_ids)


async def counted_relations(
    db: Database, poll_ids: Sequence[int]
) -> dict[int, tuple[int, Relations]]:
    """Each poll's `changes` counter with the relations it counts, read after it: relations
    written since make the counter move on, so a tally kept at this count is never newer
    than the count says."""
    async with db.session() as session:
        rows = await session.execute(select(Poll.id, Poll.changes).where(Poll.id.in_(poll_ids)))
        counters = {poll_id: changes for poll_id, changes in rows}
        relations = await _relations(session, list(counters))
    return {poll_id: (changes, relations[poll_id]) for poll_id, changes in counters.items()}


@dataclass(frozen=True)
class KeptTally:
    """A poll's kept tally as the database has it now, with the counter it was counted at."""

    changes: int
    tally: dict[str, object] | None
    tally_changes: int | None


async def kept_tallies(db: Database, poll_ids: Sequence[int]) -> dict[int, KeptTally]:
    """Read now, not from a row loaded earlier: reading missed votes back (at a start, before a
    result is shown) moves the counter after the poll was loaded."""
    async with db.session() as session:
        rows = await session.execute(
            select(Poll.id, Poll.changes, Poll.tally, Poll.tally_changes).where(
                Poll.id.in_(poll_ids)
            )
        )
        return {poll_id: KeptTally(*values) for poll_id, *values in rows}


async def keep_tally(db: Database, poll_id: int, changes: int, tally: dict[str, object]) -> None:
    """Keep a tally counted at `changes`, unless the poll's relations were written since."""
    async with db.session() as session:
        await session.execute(
            update(Poll)
            .where(Poll.id == poll_id, Poll.changes == changes)
            .values(tally=tally, tally_changes=changes)
        )


async def _relations(session: AsyncSession, poll_ids: Sequence[int]) -> dict[int, Relations]:
    found: dict[int, Relations] = {poll_id: ([], []) for poll_id in poll_ids}
    responses = await session.execute(
        select(
            PollResponse.poll_id,
            PollResponse.id,
            PollResponse.event_id,
            PollResponse.sender,
            PollResponse.origin_server_ts,
            PollResponse.raw,
        )
        .where(PollResponse.poll_id.in_(poll_ids))
        .order_by(PollResponse.id)
    )
    for poll_id, seen, *values in responses:
        found[poll_id][0].append((seen, SeenResponse(*values)))
    ends = await session.execute(
        select(
            PollEnd.poll_id,
            PollEnd.event_id,
            PollEnd.sender,
            PollEnd.origin_server_ts,
            PollEnd.valid,
        ).where(PollEnd.poll_id.in_(poll_ids))
    )
    for poll_id, *values in ends:
        found[poll_id][1].append(SeenEnd(*values))
    return found


async def replace_relations(
    db: Database, poll_id: int, responses: Sequence[SeenResponse], ends: Sequence[SeenEnd]
) -> None:
    """Make the mirror equal what the room has now (read back after downtime): new events are
    added in the order given, gone ones (redacted) removed, known ones keep their order."""
    async with db.session() as session:
        keep = [seen.event_id for seen in responses]
        await session.execute(
            delete(PollResponse).where(
                PollResponse.poll_id == poll_id, PollResponse.event_id.not_in(keep)
            )
        )
        known = set(
            await session.scalars(
                select(PollResponse.event_id).where(PollResponse.poll_id == poll_id)
            )
        )
        fresh = []
        for seen in responses:
            if seen.event_id not in known:
                known.add(seen.event_id)
                fresh.append({"poll_id": poll_id, **vars(seen)})
        if fresh:
            # One bulk insert (executemany), in order: 10,000 rows in a fraction of a second.
            await session.execute(_insert_new(db, PollResponse, ["event_id"]), fresh)
        await session.execute(delete(PollEnd).where(PollEnd.poll_id == poll_id))
        unique_ends = [{"poll_id": poll_id, **vars(seen)} for seen in ends]
        if unique_ends:
            await session.execute(_insert_new(db, PollEnd, ["event_id"]), unique_ends)


async def set_columns(db: Database, poll_id: int, **values: object) -> None:
    async with db.session() as session:
        await session.execute(update(Poll).where(Poll.id == poll_id).values(**values))


async def responders(db: Database, poll_id: int) -> set[str]:
    """Everyone who sent any response to the poll."""
    async with db.session() as session:
        rows = await session.scalars(
            select(PollResponse.sender).where(PollResponse.poll_id == poll_id).distinct()
        )
        return set(rows)
