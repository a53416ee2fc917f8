"""The tally a poll keeps, on SQLite and PostgreSQL: the database's triggers move the poll's
counter on every write of its responses and end events (whoever writes them), a tally counted
before a write is not kept, and the kept tally equals a fresh count through changed votes,
redactions, a late key, an end, an erasure and a restart."""

from __future__ import annotations

from sqlalchemy import delete

from commands.polls.results import tallies_of, tally_of
from commands.polls.tally import Tally
from storage import polls, privacy
from storage.database import Database, open_database
from storage.models import PollResponse
from storage.polls import SeenEnd, SeenResponse
from tests.storage.test_poll_storage import response, started


async def changes(db: Database, poll_id: int) -> int:
    poll = await polls.get(db, poll_id)
    assert poll is not None
    return poll.changes


async def test_every_write_of_responses_and_ends_moves_the_counter(db: Database) -> None:
    poll = await started(db)
    other = await started(db, "$other")
    seen = [await changes(db, poll.id)]

    async def moved() -> None:
        now = await changes(db, poll.id)
        assert now > seen[-1]
        seen.append(now)

    await polls.record_response(db, poll.id, SeenResponse("$u", "@a:x", 1, {"unreadable": True}))
    await moved()
    # Read once its key came: rewritten in place.
    await polls.record_response(db, poll.id, response("$u", "@a:x", 1, ["a1"]))
    await moved()
    await polls.record_end(db, poll.id, SeenEnd("$end", "@orga:x", 5, True))
    await moved()
    await polls.forget_event(db, "$end")
    await moved()
    await polls.replace_relations(db, poll.id, [response("$v", "@b:x", 2, ["a2"])], [])
    await moved()
    await polls.forget_event(db, "$v")
    await moved()
    await polls.record_response(db, poll.id, response("$w", "@c:x", 3, ["a2"]))
    await moved()
    # The erasure and the retention write the table without the poll module.
    await privacy.erase(db, "@c:x")
    await moved()
    await polls.record_response(db, poll.id, response("$z", "@d:x", 4, ["a1"]))
    await moved()
    async with db.session() as session:
        await session.execute(delete(PollResponse).where(PollResponse.poll_id == poll.id))
    await moved()
    assert await changes(db, other.id) == 0


async def test_a_tally_counted_before_a_write_is_not_kept(db: Database) -> None:
    poll = await started(db)
    await polls.record_response(db, poll.id, response("$a", "@a:x", 1, ["a1"]))
    counter, _ = (await polls.counted_relations(db, [poll.id]))[poll.id]
    await polls.record_response(db, poll.id, response("$b", "@b:x", 2, ["a2"]))
    await polls.keep_tally(db, poll.id, counter, {"counts": {"a1": 1, "a2": 0}})
    stored = await polls.get(db, poll.id)
    assert stored is not None and stored.tally is None
    # Counted now, it is kept, and it counts both votes.
    result = await tally_of(db, stored)
    assert result.counts == {"a1": 1, "a2": 1}
    kept = await polls.get(db, poll.id)
    assert kept is not None and kept.tally_changes == kept.changes


async def counted_twice(db: Database, poll_id: int) -> Tally:
    """The tally through the kept one (counting it if it is stale), which must equal a count
    from scratch; the poll keeps it afterwards."""
    poll = await polls.get(db, poll_id)
    assert poll is not None
    kept = (await tallies_of(db, [poll]))[poll_id]
    await polls.set_columns(db, poll_id, tally=None, tally_changes=None)
    fresh = await polls.get(db, poll_id)
    assert fresh is not None
    assert (await tallies_of(db, [fresh]))[poll_id] == kept
    again = await polls.get(db, poll_id)
    assert again is not None and again.tally_changes == again.changes
    return kept


async def test_the_kept_tally_follows_changes_redactions_erasure_and_a_restart(
    db: Database,
) -> None:
    poll = await started(db)
    for seen in (
        response("$a1", "@a:x", 10, ["a1"]),
        response("$b1", "@b:x", 11, ["a1"]),
        response("$c1", "@c:x", 12, ["a2"]),
    ):
        await polls.record_response(db, poll.id, seen)
    assert (await counted_twice(db, poll.id)).counts == {"a1": 2, "a2": 1}

    # b changes the vote, a's change is redacted (a's first vote counts again).
    await polls.record_response(db, poll.id, response("$b2", "@b:x", 20, ["a2"]))
    await polls.record_response(db, poll.id, response("$a2", "@a:x", 21, ["a2"]))
    assert (await counted_twice(db, poll.id)).counts == {"a1": 0, "a2": 3}
    await polls.forget_event(db, "$a2")
    assert (await counted_twice(db, poll.id)).counts == {"a1": 1, "a2": 2}

    # A vote that could not be read yet, then read once its key came.
    await polls.record_response(
        db, poll.id, SeenResponse("$d1", "@d:x", 22, {"unreadable": True}), readable=False
    )
    assert (await counted_twice(db, poll.id)).unreadable == 1
    await polls.record_response(db, poll.id, response("$d1", "@d:x", 22, ["a1"]))
    result = await counted_twice(db, poll.id)
    assert (result.counts, result.unreadable, result.voters) == ({"a1": 2, "a2": 2}, 0, 4)

    # The end: a later change does not count; the end redacted, it does.
    await polls.record_end(db, poll.id, SeenEnd("$end", "@orga:x", 30, True))
    await polls.record_response(db, poll.id, response("$c2", "@c:x", 31, ["a1"]))
    assert (await counted_twice(db, poll.id)).ended_at == 30
    assert (await counted_twice(db, poll.id)).counts == {"a1": 2, "a2": 2}
    await polls.forget_event(db, "$end")
    assert (await counted_twice(db, poll.id)).counts == {"a1": 3, "a2": 1}

    # The erasure removes c's votes.
    await privacy.erase(db, "@c:x")
    result = await counted_twice(db, poll.id)
    assert (result.counts, result.voters) == ({"a1": 2, "a2": 1}, 3)

    # After a restart the kept tally is read as it is, and still right.
    # The same database again (`db` is a copy of a migrated one, not `db_url`'s).
    url = db.engine.url.render_as_string(hide_password=False)
    await db.close()
    restarted = await open_database(url)
    try:
        stored = await polls.get(restarted, poll.id)
        assert stored is not None and stored.tally_changes == stored.changes
        kept = (await tallies_of(restarted, [stored]))[poll.id]
        assert kept == result
        # A vote written while the bot was away (the re-read at start) is counted.
        await polls.replace_relations(
            restarted,
            poll.id,
            [
                response(event_id, sender, ts, answers)
                for event_id, sender, ts, answers in (
                    ("$a1", "@a:x", 10, ["a1"]),
                    ("$b1", "@b:x", 11, ["a1"]),
                    ("$b2", "@b:x", 20, ["a2"]),
                    ("$d1", "@d:x", 22, ["a1"]),
                    ("$e1", "@e:x", 40, ["a2"]),
                )
            ],
            [],
        )
        result = await counted_twice(restarted, poll.id)
        assert (result.counts, result.voters) == ({"a1": 2, "a2": 2}, 4)
    finally:
        await restarted.close()


async def test_votes_read_back_after_the_poll_was_loaded_count(db: Database) -> None:
    """As `!ergebnis` after a start: the poll is loaded, then the votes cast while the bot was
    down are read back (the counter moves), then the result is shown from the loaded row."""
    poll = await started(db)
    await polls.record_response(db, poll.id, response("$a", "@a:x", 1, ["a1"]))
    loaded = await polls.get(db, poll.id)
    assert loaded is not None
    assert (await tally_of(db, loaded)).counts == {"a1": 1, "a2": 0}  # kept now
    loaded = await polls.get(db, poll.id)
    assert loaded is not None and loaded.tally_changes == loaded.changes

    await polls.replace_relations(
        db, poll.id, [response("$a", "@a:x", 1, ["a1"]), response("$b", "@b:x", 2, ["a2"])], []
    )

    assert (await tally_of(db, loaded)).counts == {"a1": 1, "a2": 1}
