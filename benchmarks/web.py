"""Render time of the web page's pages on a full database, against a static file as the floor.

    .venv/bin/python benchmarks/web.py [-n 300]

The database holds 1,000 events (200 of them over), 10,000 answers to them (RSVPs) from the
500 people on the roster, and 10 open polls with 10,000 votes between them, all written through
the storage functions the features use. The bot
then runs as it does in production (`python -m bot run`, its default configuration besides the
homeserver, the organiser and a free port) on a local Synapse, in a room with the organiser, who
logs in with a login link as `!web` makes one. Each page is fetched `-n` times in turn with the
others (after a warm-up), one request at a time; the floor is the stylesheet, served by the same
server. Prints p50 and p95 in ms, p95 against the floor's, the bot's CPU time per request (all
its threads, as the kernel's scheduler counts it: other work on the machine stretches the wall
times, not this) and the load average; target: p95 <= 50 ms per page, else exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from nio import AsyncClient, LoginResponse, RoomCreateResponse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.homeserver import LocalSynapse, free_port  # noqa: E402
from commands.events.plan import MAYBE, NO, YES  # noqa: E402
from commands.polls.plan import answer_ids  # noqa: E402
from commands.web import login  # noqa: E402
from storage import events, polls, roster, web  # noqa: E402
from storage.database import Database, open_database  # noqa: E402
from storage.events import NewEvent  # noqa: E402
from storage.models import RosterMember  # noqa: E402
from storage.polls import NewPoll, SeenResponse  # noqa: E402

PASSWORD = "benchmark password"
EVENTS = 1_000
PAST_EVENTS = 200
ANSWERS = 10_000
PEOPLE = 500
POLLS = 10
VOTES = 10_000
WARM_UP = 20
TARGET_MS = 50.0
FLOOR = "/web/static/style.css"
# Path → what it shows; each must answer 200 with the organiser's session.
# (The first upcoming event, with its 10 answers, is number PAST_EVENTS + 1.)
PAGES = {
    "/web/": "overview",
    "/web/events": "events (first 50)",
    f"/web/events/{PAST_EVENTS + 1}": "an event's answers",
    "/web/events/new": "event form",
    "/web/polls": "polls with results",
    "/web/members": "roster (500)",
    "/web/surveys": "needs surveys",
    "/web/announcements": "announcements",
    "/web/topics": "topics and agendas",
    "/web/me": "own data",
}


def person(n: int) -> str:
    return f"@person{n}:localhost"


async def fill(db: Database, room_id: str, organiser: str) -> None:
    """The network after some years, through the storage functions the features use."""
    await roster.put(
        db,
        [
            RosterMember(
                user_id=person(n),
                name=f"Person {n}",
                municipality=f"Kommune {n % 40}",
                cohort=2020 + n % 5,
                role="manager",
            )
            for n in range(PEOPLE)
        ],
    )
    first = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(
        days=PAST_EVENTS
    )
    ids = []
    for n in range(EVENTS):
        starts = first + dt.timedelta(days=n, hours=n % 8)
        new = NewEvent(
            source_event_id=f"$bench{n}",
            created_by=organiser,
            command_room_id=room_id,
            title=f"Workshop {n}: Daten & Dienste",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            timezone="Europe/Berlin",
            place="Potsdam" if n % 2 else None,
            online_link="https://meet.example.org/ws" if n % 3 else None,
            agenda_link=None,
            description=None,
            closed=True,
            room_ids=[room_id],
            reminder_offsets=[],
        )
        ids.append((await events.create(db, new, [])).id)
    choices = (YES, MAYBE, NO)
    for n in range(ANSWERS):
        # Ten different people per event (a person answers an event once).
        event, round_number = n % EVENTS, n // EVENTS
        answerer = person((event + round_number * (PEOPLE // 10)) % PEOPLE)
        await events.set_answer(db, ids[event], answerer, choices[n % 3], None)


async def fill_polls(db: Database, room_id: str, organiser: str) -> None:
    """Open polls whose votes are mirrored as the bot mirrors them after a restart."""
    options = [{"id": option, "text": f"Antwort {option}"} for option in answer_ids(4)]
    per_poll = VOTES // POLLS
    for n in range(POLLS):
        new = NewPoll(f"$poll{n}", organiser, room_id, f"Frage {n}?", options, 1, True, None)
        poll = await polls.create(db, new)
        await polls.set_started(db, poll.id, f"$start{n}")
        votes = [
            SeenResponse(
                f"$vote{n}-{v}",
                person(v % PEOPLE),
                v,
                {"answers": [options[v % len(options)]["id"]]},
            )
            for v in range(per_poll)
        ]
        await polls.replace_relations(db, poll.id, votes, [])


def config(workdir: Path, base_url: str, bot_id: str, organiser: str, port: int) -> Path:
    path = workdir / "config.toml"
    path.write_text(
        f"""[matrix]
homeserver = "{base_url}"
user_id = "{bot_id}"
[bot]
organisers = ["{organiser}"]
[storage]
url = "sqlite+aiosqlite:///{workdir / "bot.db"}"
[http]
listen = "127.0.0.1:{port}"
"""
    )
    return path


async def bot_joined(client: AsyncClient, room_id: str, bot_id: str) -> None:
    async with asyncio.timeout(60):
        while True:
            members = await client.joined_members(room_id)
            if bot_id in {member.user_id for member in getattr(members, "members", [])}:
                return
            await asyncio.sleep(0.2)


def cpu_seconds(pid: int) -> float:
    """The CPU time all of the bot's threads have used (the scheduler's own count, in ns)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that has just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


# Per path: the wall time of each request, and the bot's CPU time during it.
Samples = dict[str, tuple[list[float], list[float]]]


async def measure(base: str, token: str, count: int, pid: int) -> Samples:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(f"{base}/web/login/{token}") as response:
            assert response.status == 200, response.status
        paths = [FLOOR, *PAGES]
        samples: Samples = {path: ([], []) for path in paths}
        for round_number in range(WARM_UP + count):
            for path in paths:
                used = cpu_seconds(pid)
                started = time.perf_counter()
                async with session.get(base + path) as response:
                    await response.read()
                    assert response.status == 200, (path, response.status)
                if round_number >= WARM_UP:
                    samples[path][0].append(time.perf_counter() - started)
                    samples[path][1].append(cpu_seconds(pid) - used)
        return samples


def report(samples: Samples) -> bool:
    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[18] * 1000

    floor = p95(samples[FLOOR][0])
    met = True
    for path, (values, cpu) in samples.items():
        label = "static file (floor)" if path == FLOOR else PAGES[path]
        ours = p95(values)
        met = met and (path == FLOOR or ours <= TARGET_MS)
        print(
            f"{path:<18} {label:<22} n={len(values)}  "
            f"p50 {statistics.median(values) * 1000:6.1f} ms  p95 {ours:6.1f} ms  "
            f"x{ours / floor:5.1f} the floor  "
            f"bot CPU p50 {statistics.median(cpu) * 1000:5.1f} ms"
        )
    print(f"target: p95 <= {TARGET_MS:.0f} ms for every page: {'met' if met else 'MISSED'}")
    # Other work on the machine shows in the tail: say how busy it was.
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return met


async def run(count: int) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="web-bench-"))
    synapse = LocalSynapse(workdir / "synapse")
    await synapse.start()
    process = None
    client = AsyncClient(synapse.base_url)
    try:
        bot_id = await synapse.register_user("alumni-bot", PASSWORD)
        organiser = await synapse.register_user("orga", PASSWORD)
        client = AsyncClient(synapse.base_url, organiser)
        assert isinstance(await client.login(PASSWORD), LoginResponse)
        created = await client.room_create(name="Organisation", invite=[bot_id])
        assert isinstance(created, RoomCreateResponse), created

        started = time.perf_counter()
        db = await open_database(f"sqlite+aiosqlite:///{workdir / 'bot.db'}")
        await fill(db, created.room_id, organiser)
        await fill_polls(db, created.room_id, organiser)
        token = secrets.token_urlsafe(32)
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
        await web.add_login(db, login.token_hash(token), organiser, expires)
        await db.close()
        print(
            f"filled: {EVENTS} events, {ANSWERS} answers, {PEOPLE} on the roster, "
            f"{POLLS} polls with {VOTES} votes "
            f"in {time.perf_counter() - started:.1f} s"
        )

        port = free_port()
        path = config(workdir, synapse.base_url, bot_id, organiser, port)
        with (workdir / "bot.log").open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "bot", "run", "-c", str(path)),
                cwd=REPO,
                env={"ALUMNI_BOT_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        await bot_joined(client, created.room_id, bot_id)
        return report(await measure(f"http://127.0.0.1:{port}", token, count, process.pid))
    finally:
        await client.close()
        if process is not None:
            process.terminate()
            await process.wait()
        await synapse.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="requests per page")
    sys.exit(0 if asyncio.run(run(parser.parse_args().n)) else 1)


if __name__ == "__main__":
    main()
