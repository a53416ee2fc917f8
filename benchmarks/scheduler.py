"""Announcement scheduler: rebuild time at start, and lateness of sends that fall due together.

    .venv/bin/python benchmarks/scheduler.py [--stored 10000] [--burst 200]

1. Rebuild: `--stored` active announcements in a fresh SQLite database; the time
   Scheduler.start() takes to plan them all (target <= 1 s), against reading the same
   rows alone (the floor).
2. Burst: `--burst` one-off announcements due in the same second, sent by the scheduler to a
   local Synapse (rate limits relaxed, bot pacing off); lateness of each delivery
   (origin_server_ts - due), p50/p95 (target p95 <= 200 ms plus what rate limits impose),
   against the same number of plain nio sends started at the due time (the floor). Prints what
   the homeserver's default limit (0.2/s, burst 10) would impose on the same burst.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from nio import AsyncClient, LoginResponse, RoomCreateResponse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.app import make_ports  # noqa: E402
from bot.download_links import load_links  # noqa: E402
from bot.homeserver import LocalSynapse  # noqa: E402
from bot.metrics import Metrics  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.sender import Sender  # noqa: E402
from commands.announcements.duty import AnnouncementDuty  # noqa: E402
from commands.announcements.plan import render_announcement  # noqa: E402
from commands.core.content import message_content  # noqa: E402
from commands.core.pacing import TokenBucket  # noqa: E402
from commands.core.ports import Settings  # noqa: E402
from storage import announcements  # noqa: E402
from storage.database import Database, open_database  # noqa: E402
from storage.models import Announcement  # noqa: E402

PASSWORD = "benchmark password"
BERLIN = ZoneInfo("Europe/Berlin")
SYNAPSE_DEFAULT_RATE, SYNAPSE_DEFAULT_BURST = 0.2, 10


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def store(db: Database, count: int, room_id: str, due: dt.datetime, spread: bool) -> None:
    async with db.session() as session:
        session.add_all(
            Announcement(
                source_event_id=f"$bench-{n}",
                created_by="@orga:localhost",
                command_room_id=room_id,
                room_ids=[room_id],
                text=f"Ankündigung {n}",
                once_at=due + dt.timedelta(minutes=n if spread else 0),
                cron=None,
                timezone="Europe/Berlin",
                status=announcements.ACTIVE,
                next_due=due + dt.timedelta(minutes=n if spread else 0),
            )
            for n in range(count)
        )


async def rebuild(workdir: Path, count: int) -> None:
    db = await open_database(f"sqlite+aiosqlite:///{workdir / 'rebuild.db'}")
    await store(db, count, "!room:localhost", dt.datetime.now(dt.UTC) + dt.timedelta(days=1), True)
    started = time.perf_counter()
    rows = await announcements.due_schedule(db)
    floor = time.perf_counter() - started
    sender = Sender(AsyncClient(""), Metrics(), TokenBucket(1, 1))
    scheduler = Scheduler([], Metrics())
    settings = Settings(missed_grace=dt.timedelta(0))
    links = await load_links(db, "http://127.0.0.1")
    duty = AnnouncementDuty(
        make_ports(db, AsyncClient(""), sender, Metrics(), settings, links, scheduler)
    )
    scheduler.add([duty])
    started = time.perf_counter()
    planned = (await scheduler.start())[duty.name]
    took = time.perf_counter() - started
    scheduler.shutdown()
    await db.close()
    assert planned == len(rows) == count
    print(
        f"rebuild: {count} stored announcements planned in {took * 1000:.0f} ms "
        f"(target <= 1000 ms); reading the rows alone {floor * 1000:.0f} ms; "
        f"ratio {took / floor:.1f}"
    )


async def login(base_url: str, user_id: str) -> AsyncClient:
    client = AsyncClient(base_url, user_id)
    response = await client.login(PASSWORD)
    assert isinstance(response, LoginResponse), response
    return client


async def origin_times(client: AsyncClient, room_id: str, count: int) -> list[int]:
    """origin_server_ts of the newest `count` messages in the room."""
    times: list[int] = []
    start = ""
    while len(times) < count:
        response = await client.room_messages(room_id, start=start, limit=100)
        times.extend(
            event.source["origin_server_ts"]
            for event in response.chunk
            if event.source.get("type") == "m.room.message"
        )
        if not response.end or not response.chunk:
            break
        start = response.end
    return times[:count]


async def until_all_sent(db: Database) -> None:
    """Poll the table the scheduler writes to: the benchmark must not hook into its internals."""
    for _ in range(600):
        if not any(row.status == announcements.ACTIVE for row in await announcements.listed(db)):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the burst was not delivered within 60 s")


async def burst(workdir: Path, count: int) -> None:
    synapse = LocalSynapse(workdir / "synapse")
    await synapse.start()
    try:
        bot_id = await synapse.register_user("alumni-bot", PASSWORD)
        bot = await login(synapse.base_url, bot_id)
        rooms = []
        for _ in range(2):
            created = await bot.room_create()
            assert isinstance(created, RoomCreateResponse), created
            rooms.append(created.room_id)
        ours_room, floor_room = rooms

        due = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=3)
        db = await open_database(f"sqlite+aiosqlite:///{workdir / 'burst.db'}")
        await store(db, count, ours_room, due, spread=False)
        metrics = Metrics()
        sender = Sender(bot, metrics, TokenBucket(10_000, 10_000))
        scheduler = Scheduler([], metrics)
        links = await load_links(db, "http://127.0.0.1")
        ports = make_ports(db, bot, sender, metrics, Settings(), links, scheduler)
        duty = AnnouncementDuty(ports)
        scheduler.add([duty])
        await scheduler.start()
        await asyncio.sleep(max(0.0, (due - dt.datetime.now(dt.UTC)).total_seconds()))
        await until_all_sent(db)
        scheduler.shutdown()
        await db.close()
        due_ms = due.timestamp() * 1000
        ours = [ts - due_ms for ts in await origin_times(bot, ours_room, count)]

        floor_due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        await asyncio.sleep((floor_due - dt.datetime.now(dt.UTC)).total_seconds())
        # The floor sends what the scheduler sends: the same content, one message each.
        await asyncio.gather(
            *(
                bot.room_send(
                    floor_room,
                    "m.room.message",
                    message_content(
                        render_announcement(f"Ankündigung {n}", due, False, BERLIN, "de")
                    ),
                )
                for n in range(count)
            )
        )
        floor_ms = floor_due.timestamp() * 1000
        floor = [ts - floor_ms for ts in await origin_times(bot, floor_room, count)]
        await bot.close()
    finally:
        await synapse.stop()

    assert len(ours) == count, f"only {len(ours)} of {count} delivered"
    for name, values in (("scheduler", ours), ("plain nio", floor)):
        print(
            f"burst {name:>9}: n={len(values)}  lateness p50 {percentile(values, 0.5):6.0f} ms  "
            f"p95 {percentile(values, 0.95):6.0f} ms  max {max(values):6.0f} ms  "
            f"mean {statistics.fmean(values):6.0f} ms"
        )
    over = percentile(ours, 0.95) - percentile(floor, 0.95)
    print(
        f"       ratio: p50 {percentile(ours, 0.5) / max(1.0, percentile(floor, 0.5)):.2f}  "
        f"p95 {percentile(ours, 0.95) / max(1.0, percentile(floor, 0.95)):.2f};  "
        f"p95 over what the homeserver imposes (the floor): {over:+.0f} ms (target <= 200 ms)"
    )
    imposed = [
        max(0.0, (n + 1 - SYNAPSE_DEFAULT_BURST) / SYNAPSE_DEFAULT_RATE) for n in range(count)
    ]
    print(
        f"rate limit: Synapse's default rc_message ({SYNAPSE_DEFAULT_RATE}/s, burst "
        f"{SYNAPSE_DEFAULT_BURST}) would impose p50 {percentile(imposed, 0.5):.0f} s, "
        f"p95 {percentile(imposed, 0.95):.0f} s on this burst; the bot paces to it by default"
    )


async def run(stored: int, burst_size: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="scheduler-bench-"))
    await rebuild(workdir, stored)
    await burst(workdir, burst_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.stored, args.burst))


if __name__ == "__main__":
    main()
