"""Pending jobs survive in the database, once per key, oldest first, until finished."""

from __future__ import annotations

from storage import jobs
from storage.database import Database, open_database


async def test_jobs_are_queued_once_per_key_and_read_oldest_first(db: Database) -> None:
    assert await jobs.add(db, "space.member", "$a", {"room_id": "!r", "n": 1})
    assert await jobs.add(db, "space.member", "$b", {"room_id": "!r", "n": 2})
    assert not await jobs.add(db, "space.member", "$a", {"room_id": "!r", "n": 3})

    queued = await jobs.oldest(db, 10)

    assert [(job.key, job.payload["n"]) for job in queued] == [("$a", 1), ("$b", 2)]
    await jobs.finish(db, queued[0].id)
    assert [job.key for job in await jobs.oldest(db, 10)] == ["$b"]
    assert await jobs.count(db) == 1


async def test_a_queued_job_outlives_the_process(db_url: str) -> None:
    first = await open_database(db_url)
    await jobs.add(first, "space.member", "$a", {"event": {"type": "m.room.member"}})
    await first.close()

    second = await open_database(db_url)
    try:
        (job,) = await jobs.oldest(second, 10)
        assert job.payload == {"event": {"type": "m.room.member"}}
    finally:
        await second.close()
