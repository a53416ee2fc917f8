"""The poll mirror on SQLite and PostgreSQL: idempotent recording, redaction, the re-read after
downtime keeping the order first seen, and ending once."""

from __future__ import annotations

import asyncio
import datetime as dt

from storage import polls
from storage.database import Database
from storage.models import Poll
from storage.polls import NewPoll, SeenEnd, SeenResponse

ROOM = "!umfrage:example.org"


async def started(db: Database, source: str = "$cmd") -> Poll:
    poll = await polls.create(
        db,
        NewPoll(
            source_event_id=source,
            created_by="@orga:example.org",
            room_id=ROOM,
            question="Welche Themen?",
            answers=[{"id": "a1", "text": "Rolle"}, {"id": "a2", "text": "Agil"}],
            max_selections=1,
            disclosed=True,
            closes_at=dt.datetime(2026, 9, 30, 10, tzinfo=dt.UTC),
        ),
    )
    await polls.set_started(db, poll.id, f"$start{source}")
    return poll


def response(event_id: str, sender: str, ts: int, answers: object) -> SeenResponse:
    return SeenResponse(event_id, sender, ts, {"answers": answers})


async def order(db: Database, poll_id: int) -> list[str]:
    responses, _ = await polls.relations_of(db, poll_id)
    return [row.event_id for row in responses]


async def test_recording_is_idempotent_and_keeps_the_order_seen(db: Database) -> None:
    poll = await started(db)
    await polls.record_response(db, poll.id, response("$b", "@b:x", 5, ["a2"]))
    await polls.record_response(db, poll.id, response("$a", "@a:x", 1, ["a1"]))
    await polls.record_response(db, poll.id, response("$b", "@b:x", 5, ["a2"]))
    assert await order(db, poll.id) == ["$b", "$a"]
    responses, _ = await polls.relations_of(db, poll.id)
    assert responses[0].raw == {"answers": ["a2"]}
    assert (await polls.by_start(db, "$start$cmd")) is not None
    assert (await polls.latest_in(db, ROOM)).id == poll.id  # type: ignore[union-attr]


async def test_a_response_read_once_its_key_came_replaces_the_unreadable_one(
    db: Database,
) -> None:
    poll = await started(db)
    unreadable = SeenResponse("$late", "@b:x", 5, {"unreadable": True})
    await polls.record_response(db, poll.id, response("$a", "@a:x", 1, ["a1"]))
    await polls.record_response(db, poll.id, unreadable, readable=False)
    await polls.record_response(db, poll.id, response("$late", "@b:x", 5, ["a2"]))
    # Seen unreadable again (a replayed batch): what was read stays.
    await polls.record_response(db, poll.id, unreadable, readable=False)
    responses, _ = await polls.relations_of(db, poll.id)
    assert [(row.event_id, row.raw) for row in responses] == [
        ("$a", {"answers": ["a1"]}),
        ("$late", {"answers": ["a2"]}),
    ]


async def test_a_redacted_response_or_end_is_forgotten(db: Database) -> None:
    poll = await started(db)
    await polls.record_response(db, poll.id, response("$r", "@a:x", 1, ["a1"]))
    await polls.record_end(db, poll.id, SeenEnd("$e", "@orga:x", 2, True))
    await polls.record_end(db, poll.id, SeenEnd("$e", "@orga:x", 2, True))
    assert await polls.forget_event(db, "$r") == poll.id
    assert await polls.forget_event(db, "$e") == poll.id
    assert await polls.forget_event(db, "$unknown") is None
    assert await polls.relations_of(db, poll.id) == ([], [])


async def test_the_re_read_replaces_the_mirror_and_keeps_known_positions(db: Database) -> None:
    poll = await started(db)
    other = await started(db, "$other")
    await polls.record_response(db, other.id, response("$x", "@a:x", 1, ["a1"]))
    for event_id, ts in (("$1", 1), ("$2", 2), ("$3", 3)):
        await polls.record_response(db, poll.id, response(event_id, "@a:x", ts, ["a1"]))
    await polls.record_end(db, poll.id, SeenEnd("$old-end", "@b:x", 9, False))
    room_now = [
        response("$4", "@c:x", 4, ["a2"]),
        response("$1", "@a:x", 1, ["a1"]),
        response("$3", "@a:x", 3, ["a1"]),
        response("$4", "@c:x", 4, ["a2"]),  # a page boundary may repeat one
    ]
    await polls.replace_relations(db, poll.id, room_now, [SeenEnd("$end", "@orga:x", 8, True)])
    assert await order(db, poll.id) == ["$1", "$3", "$4"]
    _, ends = await polls.relations_of(db, poll.id)
    assert [(end.event_id, end.valid) for end in ends] == [("$end", True)]
    assert await order(db, other.id) == ["$x"]


async def test_a_poll_ends_once_and_the_unfinished_ones_are_listed(db: Database) -> None:
    poll = await started(db)
    unstarted = await polls.create(
        db,
        NewPoll("$never", "@o:x", ROOM, "?", [{"id": "a1", "text": "A"}], 1, True, None),
    )
    assert [p.id for p in await polls.unfinished(db)] == [poll.id]
    assert [p.id for p in await polls.open_polls(db)] == [poll.id]
    when = dt.datetime(2026, 9, 30, 10, tzinfo=dt.UTC)
    assert await polls.mark_ended(db, poll.id, when, "$end") is True
    assert await polls.mark_ended(db, poll.id, when, "$again") is False
    ended = await polls.get(db, poll.id)
    assert ended is not None and (ended.status, ended.end_event_id) == (polls.ENDED, "$end")
    assert ended.ended_at == when
    assert [p.id for p in await polls.unfinished(db)] == [poll.id]  # final result still due
    assert await polls.open_polls(db) == []
    await polls.set_columns(db, poll.id, final_event_id="$final")
    assert await polls.unfinished(db) == []
    assert unstarted.start_event_id is None


async def test_responders_are_everyone_who_sent_any_response(db: Database) -> None:
    poll = await started(db)
    other = await started(db, "$other")
    await polls.record_response(db, poll.id, response("$1", "@a:x", 1, ["a1"]))
    await polls.record_response(db, poll.id, response("$2", "@a:x", 2, []))
    await polls.record_response(db, poll.id, response("$3", "@b:x", 3, "junk"))
    await polls.record_response(db, other.id, response("$4", "@c:x", 4, ["a1"]))
    assert await polls.responders(db, poll.id) == {"@a:x", "@b:x"}
    await polls.set_columns(db, poll.id, remind_event_id="$ask")
    asked = await polls.get(db, poll.id)
    assert asked is not None and (asked.remind_event_id, asked.reminded_event_id) == ("$ask", None)


async def test_a_vote_seen_twice_at_once_is_stored_once(db: Database) -> None:
    """The start's re-read and the sync replay may record the same vote at the same moment."""
    poll = await started(db, "$race")
    seen = response("$vote-race", "@anna:example.org", 1, ["a1"])
    end = SeenEnd("$end-race", "@anna:example.org", 2, True)
    await asyncio.gather(
        *(polls.record_response(db, poll.id, seen) for _ in range(8)),
        polls.replace_relations(db, poll.id, [seen], [end]),
        *(polls.record_end(db, poll.id, end) for _ in range(4)),
    )
    assert await order(db, poll.id) == ["$vote-race"]


async def test_the_newest_open_poll_of_a_room_and_the_command_that_ended_one(
    db: Database,
) -> None:
    older = await started(db, "$one")
    newer = await started(db, "$two")
    elsewhere = await polls.create(
        db, NewPoll("$three", "@orga:x", "!other:x", "Q", [], 1, True, None, live_counts=True)
    )
    await polls.set_started(db, elsewhere.id, "$start$three")
    assert (await polls.latest_open_in(db, ROOM)).id == newer.id  # type: ignore[union-attr]
    assert not older.live_counts and (await polls.get(db, elsewhere.id)).live_counts  # type: ignore[union-attr]
    assert await polls.by_end_command(db, "$end") is None
    await polls.set_columns(db, newer.id, end_command_event_id="$end", ended_by="@orga:x")
    await polls.mark_ended(db, newer.id, dt.datetime(2026, 9, 21, tzinfo=dt.UTC), "$e")
    assert (await polls.by_end_command(db, "$end")).id == newer.id  # type: ignore[union-attr]
    assert (await polls.latest_open_in(db, ROOM)).id == older.id  # type: ignore[union-attr]
    await polls.mark_ended(db, older.id, dt.datetime(2026, 9, 21, tzinfo=dt.UTC), "$f")
    assert await polls.latest_open_in(db, ROOM) is None


async def test_relations_of_polls_reads_each_poll_in_the_order_seen(db: Database) -> None:
    first = await started(db, "$one")
    second = await started(db, "$two")
    quiet = await started(db, "$three")
    await polls.record_response(db, first.id, response("$b", "@b:x", 5, ["a2"]))
    await polls.record_response(db, second.id, response("$c", "@c:x", 3, ["a1"]))
    await polls.record_response(db, first.id, response("$a", "@a:x", 1, ["a1"]))
    await polls.record_end(db, second.id, SeenEnd("$end", "@orga:example.org", 9, True))

    found = await polls.relations_of_polls(db, [first.id, second.id, quiet.id])
    assert [row for _, row in found[first.id][0]] == [
        response("$b", "@b:x", 5, ["a2"]),
        response("$a", "@a:x", 1, ["a1"]),
    ]
    assert found[first.id][1] == []
    assert [row.event_id for _, row in found[second.id][0]] == ["$c"]
    assert found[second.id][1] == [SeenEnd("$end", "@orga:example.org", 9, True)]
    assert found[quiet.id] == ([], [])
    # The same rows, in the same order, as the one-poll read.
    responses, _ = await polls.relations_of(db, first.id)
    assert [seen for seen, _ in found[first.id][0]] == [row.id for row in responses]
    assert await polls.relations_of_polls(db, []) == {}
