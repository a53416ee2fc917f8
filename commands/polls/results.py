"""A poll's tally from the mirrored votes, and ending a poll: shared by the commands and the
scheduled end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from commands.core.bar_chart import Panel, chart_png
from commands.core.i18n import Language
from commands.polls.plan import END, PARTICIPANTS, VOTES, PollView, end_content
from commands.polls.tally import CANNOT_READ, MISSING, UNREADABLE, End, Response, Tally, tally
from storage import polls
from storage.database import Database
from storage.models import Poll


async def tally_of(db: Database, poll: Poll) -> Tally:
    return (await tallies_of(db, [poll]))[poll.id]


async def tallies_of(db: Database, shown: Sequence[Poll]) -> dict[int, Tally]:
    """Each poll's tally: the one kept with the poll while its votes have not been written
    since; the others counted from one read of all their votes (a page lists many polls of
    thousands of votes), and kept."""
    now = await polls.kept_tallies(db, [poll.id for poll in shown])
    results = {
        poll.id: kept
        for poll in shown
        if poll.id in now and (kept := _kept(poll, now[poll.id])) is not None
    }
    stale = [poll for poll in shown if poll.id not in results]
    if not stale:
        return results
    counted = await polls.counted_relations(db, [poll.id for poll in stale])
    for poll in stale:
        changes, relations = counted.get(poll.id, (None, ([], [])))
        result = results[poll.id] = _tally(poll, relations)
        if changes is not None:
            await polls.keep_tally(db, poll.id, changes, record_of(result))
    return results


def record_of(result: Tally) -> dict[str, object]:
    """A tally as the poll keeps it (JSON)."""
    return {
        "counts": result.counts,
        "voters": result.voters,
        "spoiled": result.spoiled,
        "ended_at": result.ended_at,
        "unreadable": result.unreadable,
    }


def _kept(poll: Poll, now: polls.KeptTally) -> Tally | None:
    """The poll's kept tally, if no response or end event was written since it was counted."""
    record = now.tally
    if record is None or now.tally_changes != now.changes:
        return None
    counts: dict[str, int] = record["counts"]  # type: ignore[assignment]
    return Tally(
        # In the poll's order, whatever order the database gives a JSON object back in.
        counts={answer["id"]: counts[answer["id"]] for answer in poll.answers},
        voters=record["voters"],  # type: ignore[arg-type]
        spoiled=record["spoiled"],  # type: ignore[arg-type]
        ended_at=record["ended_at"],  # type: ignore[arg-type]
        unreadable=record["unreadable"],  # type: ignore[arg-type]
    )


def _tally(poll: Poll, relations: polls.Relations) -> Tally:
    responses, ends = relations
    return tally(
        [answer["id"] for answer in poll.answers],
        poll.max_selections,
        [
            Response(
                event_id=row.event_id,
                sender=row.sender,
                origin_server_ts=row.origin_server_ts,
                answers=CANNOT_READ if row.raw.get(UNREADABLE) else row.raw.get("answers", MISSING),
                seen=seen,
            )
            for seen, row in responses
        ],
        [End(row.sender, row.origin_server_ts, row.valid) for row in ends],
    )


def view_of(poll: Poll, timezone: str) -> PollView:
    return PollView(
        id=poll.id,
        question=poll.question,
        answers=poll.answers,
        disclosed=poll.disclosed,
        ended=poll.status == polls.ENDED,
        closes_at=poll.closes_at,
        timezone=timezone,
        live_counts=poll.live_counts,
    )


# (room id, event type, content, key) -> event id; the key makes a repeated send a no-op.
Post = Callable[[str, str, dict[str, Any], str], Awaitable[str]]


async def end_poll(
    db: Database, poll: Poll, post: Post, language: Language, now: dt.datetime
) -> None:
    """Send the end event (once: its key is the poll's) and mark the poll ended."""
    assert poll.start_event_id is not None
    content = end_content(poll.start_event_id, poll.answers, await tally_of(db, poll), language)
    event_id = await post(poll.room_id, END, content, f"poll-end|{poll.id}")
    await polls.mark_ended(db, poll.id, now, event_id)


async def result_chart(poll: Poll, result: Tally, language: Language) -> bytes:
    """The result as a bar chart (PNG); RuntimeError if it could not be drawn."""
    panel = Panel(
        poll.question,
        [answer["text"] for answer in poll.answers],
        [result.counts.get(answer["id"], 0) for answer in poll.answers],
    )
    footer = PARTICIPANTS.format(language, result.voters)
    return await chart_png([panel], VOTES.get(language), footer)
