"""Poll votes: the tally after the last response, and the re-tally after downtime.

    .venv/bin/python benchmarks/votes.py [--voters 200] [--changes 5] [--stored 10000]

1. Live: `--voters` people change their vote `--changes` times (1,000 responses) on one poll,
   mirrored one by one the way the router does (one insert each, SQLite). Time from the last
   response arriving (its insert) to the correct tally (target <= 100 ms), against the pure
   tally of the same responses held in memory (the floor), median of 20 rounds.
2. Re-tally: `--stored` responses cast on a real local Synapse; the time PollDuty takes to read
   them back via /relations (paginated), replace the mirror and tally (target <= 3 s), against
   fetching the pages alone (the floor). Synapse on SQLite gets its table statistics first
   (`LocalSynapse.analyze`, as at each start of the bot's local homeserver): without them the
   homeserver alone needs ~20 s for the pages.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nio import AsyncClient, LoginResponse, RoomCreateResponse, RoomSendResponse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.app import make_ports  # noqa: E402
from bot.download_links import load_links  # noqa: E402
from bot.homeserver import LocalSynapse  # noqa: E402
from bot.metrics import Metrics  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.sender import Sender  # noqa: E402
from commands.core.pacing import TokenBucket  # noqa: E402
from commands.core.ports import Settings  # noqa: E402
from commands.polls.duty import PollDuty  # noqa: E402
from commands.polls.plan import RESPONSE, START, answer_ids, start_content  # noqa: E402
from commands.polls.results import tally_of  # noqa: E402
from commands.polls.tally import Response, tally  # noqa: E402
from storage import polls  # noqa: E402
from storage.database import Database, open_database  # noqa: E402
from storage.models import Poll  # noqa: E402
from storage.polls import NewPoll, SeenResponse  # noqa: E402

PASSWORD = "benchmark password"
ANSWERS = [{"id": answer_id, "text": f"Antwort {answer_id}"} for answer_id in answer_ids(5)]
ROUNDS = 20


async def new_poll(db: Database, source: str, room_id: str, start_event_id: str) -> Poll:
    poll = await polls.create(
        db, NewPoll(source, "@orga:localhost", room_id, "Welche Bedarfe?", ANSWERS, 1, True, None)
    )
    await polls.set_started(db, poll.id, start_event_id)
    started = await polls.get(db, poll.id)
    assert started is not None
    return started


async def live(workdir: Path, voters: int, changes: int) -> None:
    db = await open_database(f"sqlite+aiosqlite:///{workdir / 'live.db'}")
    rng = random.Random(7)
    ids = [answer["id"] for answer in ANSWERS]
    ours, floors = [], []
    for round_number in range(ROUNDS):
        poll = await new_poll(db, f"$cmd{round_number}", "!r:localhost", f"$start{round_number}")
        seen = [
            SeenResponse(
                f"$r{round_number}-{n}",
                f"@v{n % voters}:localhost",
                n,
                {"answers": [rng.choice(ids)]},
            )
            for n in range(voters * changes)
        ]
        for response in seen[:-1]:
            await polls.record_response(db, poll.id, response)
        started = time.perf_counter()
        await polls.record_response(db, poll.id, seen[-1])
        result = await tally_of(db, poll)
        ours.append(time.perf_counter() - started)
        in_memory = [
            Response(r.event_id, r.sender, r.origin_server_ts, r.raw["answers"], n)
            for n, r in enumerate(seen)
        ]
        started = time.perf_counter()
        expected = tally(ids, 1, in_memory, [])
        floors.append(time.perf_counter() - started)
        assert result == expected, (result, expected)
        assert result.voters == voters
    await db.close()
    ours_ms, floor_ms = statistics.median(ours) * 1000, statistics.median(floors) * 1000
    print(
        f"live: {voters} voters x {changes} changes = {voters * changes} responses; last "
        f"response stored -> correct tally: median {ours_ms:.1f} ms, max {max(ours) * 1000:.1f} "
        f"ms (target <= 100 ms); the pure tally alone {floor_ms:.1f} ms; "
        f"ratio {ours_ms / floor_ms:.1f}"
    )


async def login(base_url: str, user_id: str) -> AsyncClient:
    client = AsyncClient(base_url, user_id)
    response = await client.login(PASSWORD, device_name="bench")
    assert isinstance(response, LoginResponse), response
    return client


async def retally(workdir: Path, stored: int) -> None:
    synapse = LocalSynapse(workdir / "synapse")
    await synapse.start()
    clients: list[AsyncClient] = []
    try:
        bot_id = await synapse.register_user("alumni-bot", PASSWORD)
        bot = await login(synapse.base_url, bot_id)
        clients.append(bot)
        voter_count = 50
        voters = []
        for n in range(voter_count):
            voter_id = await synapse.register_user(f"voter{n}", PASSWORD)
            voters.append(await login(synapse.base_url, voter_id))
        clients += voters
        created = await bot.room_create(invite=[v.user_id for v in voters])
        assert isinstance(created, RoomCreateResponse), created
        room_id = created.room_id
        for voter in voters:
            await voter.join(room_id)
        start = await bot.room_send(
            room_id, START, start_content("Welche Bedarfe?", ANSWERS, 1, True)
        )
        assert isinstance(start, RoomSendResponse), start
        ids = [answer["id"] for answer in ANSWERS]

        async def cast(voter: AsyncClient, count: int) -> None:
            for n in range(count):
                content = {
                    "m.relates_to": {"rel_type": "m.reference", "event_id": start.event_id},
                    RESPONSE: {"answers": [ids[n % len(ids)]]},
                }
                sent = await voter.room_send(room_id, RESPONSE, content)
                assert isinstance(sent, RoomSendResponse), sent

        began = time.perf_counter()
        share = stored // voter_count
        await asyncio.gather(*(cast(voter, share) for voter in voters))
        cast_seconds = time.perf_counter() - began
        # As at every start of a local homeserver: SQLite's statistics for the room as it is.
        synapse.analyze()
        await bot.sync(timeout=0, full_state=True)

        db = await open_database(f"sqlite+aiosqlite:///{workdir / 'retally.db'}")
        poll = await new_poll(db, "$cmd", room_id, start.event_id)
        sender = Sender(bot, Metrics(), TokenBucket(1, 1))
        links = await load_links(db, "http://127.0.0.1")
        settings = Settings(language="de", timezone="UTC")
        ports = make_ports(db, bot, sender, Metrics(), settings, links, Scheduler([], Metrics()))
        duty = PollDuty(ports)
        started = time.perf_counter()
        pages = await duty.relations(room_id, start.event_id)
        floor = time.perf_counter() - started
        started = time.perf_counter()
        await duty.reread(poll)
        result = await tally_of(db, poll)
        took = time.perf_counter() - started
        await db.close()
        assert len(pages) == share * voter_count, len(pages)
        assert result.voters == voter_count, result
        print(
            f"re-tally: {len(pages)} responses ({voter_count} voters, cast in "
            f"{cast_seconds:.0f} s) read back via /relations, mirrored and tallied in "
            f"{took * 1000:.0f} ms (target <= 3000 ms); fetching the pages alone "
            f"{floor * 1000:.0f} ms; ratio {took / floor:.2f}"
        )
    finally:
        for client in clients:
            await client.close()
        await synapse.stop()


async def run(voters: int, changes: int, stored: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="votes-bench-"))
    await live(workdir, voters, changes)
    await retally(workdir, stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--stored", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(run(args.voters, args.changes, args.stored))


if __name__ == "__main__":
    main()
