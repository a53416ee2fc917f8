"""End-to-end test harness: real users on the real Synapse, and the bot as a real process."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    JoinResponse,
    LoginResponse,
    MemoryDownloadResponse,
    MessageDirection,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomRedactResponse,
    RoomSendResponse,
    SyncResponse,
)
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.homeserver import LocalSynapse, free_port
from tests.migrated import PostgresTemplate, SqliteTemplate
from tests.postgres import PostgresServer

PASSWORD = "correct horse battery staple"
WAIT_SECONDS = 20.0
STORAGE_ENV = "ALUMNI_BOT_E2E_STORAGE"
DATABASE_PREFIX = "alumni_bot_e2e_"
_counter = itertools.count()

Event = dict[str, Any]


class BotStorage:
    """Where the bots of a test run keep their data: an SQLite file in each bot's working
    directory, or with ALUMNI_BOT_E2E_STORAGE=postgresql a fresh PostgreSQL database per bot,
    made at its first start and dropped when the test ends (conftest). Both are copies of a
    database migrated once per run (tests/migrated.py, set up by the conftest): the bot finds
    it at head, as at any later start."""

    def __init__(self, backend: str) -> None:
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"{STORAGE_ENV} is sqlite or postgresql, not {backend!r}")
        self.backend = backend
        self.postgres: PostgresServer | None = None
        self.sqlite_template: SqliteTemplate | None = None
        self.postgres_template: PostgresTemplate | None = None

    def url_for(self, workdir: Path) -> str:
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{workdir / 'bot.db'}"
        assert self.postgres is not None, "the e2e conftest connects to PostgreSQL first"
        return self.postgres.new_url(DATABASE_PREFIX)

    async def ensure(self, url: str) -> None:
        """Makes the database of `url` unless it is there."""
        if url.startswith("sqlite"):
            if self.sqlite_template is not None:
                await self.sqlite_template.copy_to(Path(make_url(url).database or ""))
        elif self.postgres_template is not None:
            await self.postgres_template.create(url)


STORAGE = BotStorage(os.environ.get(STORAGE_ENV, "sqlite"))


def unique(localpart: str) -> str:
    return f"{localpart}-{os.getpid()}-{next(_counter)}"


class MatrixUser:
    """A logged-in test user whose sync runs in the background and collects every timeline event."""

    def __init__(self, synapse: LocalSynapse, user_id: str) -> None:
        self.synapse = synapse
        self.user_id = user_id
        self.client = AsyncClient(synapse.base_url, user_id)
        self.events: list[tuple[str, Event]] = []
        self.memberships: dict[tuple[str, str], str] = {}
        self.invites: set[str] = set()
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def create(cls, synapse: LocalSynapse, localpart: str) -> MatrixUser:
        user_id = await synapse.register_user(unique(localpart), PASSWORD)
        return await cls.create_login(synapse, user_id)

    @classmethod
    async def create_login(cls, synapse: LocalSynapse, user_id: str) -> MatrixUser:
        user = cls(synapse, user_id)
        response = await user.client.login(PASSWORD, device_name="e2e")
        assert isinstance(response, LoginResponse), response
        first = await user.client.sync(timeout=0)
        assert isinstance(first, SyncResponse), first
        user._task = asyncio.create_task(user._sync_forever(first.next_batch))
        return user

    async def _sync_forever(self, since: str) -> None:
        while True:
            response = await self.client.sync(timeout=5000, since=since)
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            since = response.next_batch
            self.invites |= set(response.rooms.invite)
            for room_id, room in response.rooms.join.items():
                for event in room.timeline.events:
                    self._note(room_id, event.source)
            async with self._changed:
                self._changed.notify_all()

    def _note(self, room_id: str, event: Event) -> None:
        self.events.append((room_id, event))
        if event.get("type") == "m.room.member":
            membership = event.get("content", {}).get("membership", "")
            self.memberships[(room_id, event.get("state_key", ""))] = membership

    async def wait_for(self, predicate: Callable[[], Any], within: float = WAIT_SECONDS) -> Any:
        """Wait until `predicate()` returns something truthy; a sync callback wakes us."""
        async with asyncio.timeout(within), self._changed:
            while not (result := predicate()):
                await self._changed.wait()
            return result

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def send_text(self, room_id: str, body: str, **extra: Any) -> str:
        content = {"msgtype": "m.text", "body": body, **extra}
        response = await self.client.room_send(room_id, "m.room.message", content)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def create_room(self, invite: list[str], **options: Any) -> str:
        response = await self.client.room_create(invite=invite, **options)
        assert isinstance(response, RoomCreateResponse), response
        return response.room_id

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        response = await self.client.room_send(room_id, "m.reaction", content)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def redact(self, room_id: str, event_id: str) -> None:
        response = await self.client.room_redact(room_id, event_id)
        assert isinstance(response, RoomRedactResponse), response

    async def download(self, mxc: str) -> bytes:
        response = await self.client.download(mxc)
        assert isinstance(response, MemoryDownloadResponse), response
        return response.body

    async def join(self, room_id: str) -> None:
        response = await self.client.join(room_id)
        assert isinstance(response, JoinResponse), response

    def reply_to(self, event_id: str, sender: str) -> Event | None:
        found = self.replies_to(event_id, sender)
        return found[0] if found else None

    def replies_to(self, event_id: str, sender: str) -> list[Event]:
        """Every answer `sender` gave to the event so far, in the order they came."""
        return [
            event
            for _room, event in self.events
            if event.get("sender") == sender
            and event.get("content", {})
            .get("m.relates_to", {})
            .get("m.in_reply_to", {})
            .get("event_id")
            == event_id
        ]

    async def wait_reply(self, event_id: str, bot_id: str, within: float = WAIT_SECONDS) -> Event:
        return await self.wait_for(lambda: self.reply_to(event_id, bot_id), within)

    async def wait_membership(self, room_id: str, user_id: str, membership: str) -> None:
        await self.wait_for(lambda: self.memberships.get((room_id, user_id)) == membership)

    async def room_history(self, room_id: str) -> list[Event]:
        """Every event in the room as the server has it (not what our sync happened to see)."""
        events: list[Event] = []
        start = ""
        while True:
            response = await self.client.room_messages(
                room_id, start=start, direction=MessageDirection.back, limit=100
            )
            assert isinstance(response, RoomMessagesResponse), response
            events.extend(event.source for event in response.chunk)
            if not response.chunk or not response.end:
                return events
            start = response.end

    async def count_replies(self, room_id: str, event_id: str, bot_id: str) -> int:
        history = await self.room_history(room_id)
        return sum(
            1
            for event in history
            if event.get("sender") == bot_id
            and event.get("content", {})
            .get("m.relates_to", {})
            .get("m.in_reply_to", {})
            .get("event_id")
            == event_id
        )


async def notifications(user: MatrixUser, *, highlight: bool = False) -> list[Event]:
    """What Synapse notified `user` of, newest first, as its default push rules (the ones
    Element relies on) decided (element.md §9); with `highlight` only mentions. No pusher is
    needed: Synapse records them for every local member."""
    url = f"{user.synapse.base_url}/_matrix/client/v3/notifications"
    params = {"limit": "100"} | ({"only": "highlight"} if highlight else {})
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, params=params, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        return list((await response.json())["notifications"])


def highlighted(notification: Event) -> bool:
    """A notification that Element shows as a mention (red badge, sound)."""
    return any(
        isinstance(action, dict)
        and action.get("set_tweak") == "highlight"
        and action.get("value", True) is True
        for action in notification["actions"]
    )


async def notified(user: MatrixUser, *, highlight: bool = False) -> set[str]:
    """The ids of the events `user` was notified of (with `highlight`: as a mention)."""
    return {item["event"]["event_id"] for item in await notifications(user, highlight=highlight)}


async def wait_notified(user: MatrixUser, event_id: str, *, highlight: bool = False) -> Event:
    """`user`'s notification of one event. Push actions are written a moment after the event
    reaches the sync: asked again until it is there."""
    for _ in range(60):
        for item in await notifications(user, highlight=highlight):
            if item["event"]["event_id"] == event_id:
                return item
        await asyncio.sleep(0.2)
    raise AssertionError(f"{user.user_id} was not notified of {event_id}")


def toml_value(value: object) -> str:
    """A TOML value: JSON for strings and numbers, inline tables for dicts."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value)


def faketime_library() -> Path:
    """Debian's libfaketime (package faketime, which .ci/run installs)."""
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    assert found, "libfaketime is missing: apt-get install faketime"
    return found[0]


# Every bot's log, so that a failed test can show what the bots it ran wrote (conftest).
LOGS: list[Path] = []


class BotProcess:
    """The bot as `python -m bot run`, so tests can stop it, kill it hard and start it again."""

    def __init__(
        self,
        synapse: LocalSynapse,
        workdir: Path,
        user_id: str,
        organisers: list[str],
        allowed_servers: list[str],
        matrix_settings: dict[str, object] | None = None,
        bot_settings: dict[str, object] | None = None,
        space: dict[str, object] | None = None,
        extra_tables: dict[str, dict[str, object]] | None = None,
        shares: BotProcess | None = None,
        http_settings: dict[str, object] | None = None,
    ) -> None:
        """The bot's database is the run's (`STORAGE`); `shares`: another bot whose database
        and crypto store this one uses."""
        self.synapse = synapse
        self.workdir = workdir
        self.user_id = user_id
        self.http_port = free_port()
        self.config_path = workdir / "config.toml"
        self.log_path = workdir / "bot.log"
        workdir.mkdir(parents=True, exist_ok=True)
        LOGS.append(self.log_path)
        self.process: asyncio.subprocess.Process | None = None
        # Where the bot keeps its crypto store by default: beside an SQLite file, else in data/.
        self.storage_url = shares.storage_url if shares else STORAGE.url_for(workdir)
        beside = workdir if self.storage_url.startswith("sqlite") else workdir / "data"
        self.crypto_store = shares.crypto_store if shares else beside / "crypto-store"
        matrix = {
            "homeserver": synapse.base_url,
            "user_id": user_id,
            "send_rate_per_second": 100,
            "send_burst": 100,
            "crypto_store": str(self.crypto_store) if shares else None,
            **(matrix_settings or {}),
        }
        # None leaves a key out: the bot's own default.
        matrix = {key: value for key, value in matrix.items() if value is not None}
        bot = {"organisers": organisers, "allowed_servers": allowed_servers, **(bot_settings or {})}
        tables = {
            "matrix": matrix,
            "bot": bot,
            "storage": {"url": self.storage_url},
            "http": {"listen": f"127.0.0.1:{self.http_port}", **(http_settings or {})},
        }
        if space is not None:
            tables["space"] = space
        tables.update(extra_tables or {})
        self.config_path.write_text(
            "".join(
                f"[{table}]\n"
                + "".join(f"{key} = {toml_value(value)}\n" for key, value in items.items())
                for table, items in tables.items()
            )
        )

    async def start(
        self,
        fault: str | None = None,
        wait_healthy: bool = True,
        clock: str | None = None,
        args: tuple[str, ...] = (),
        extra_env: dict[str, str] | None = None,
    ) -> None:
        """`clock` ("2026-10-25 01:58:00", UTC) starts the bot with its clock shifted there
        (Debian's faketime; the clock then runs on); `args` go after `run`."""
        await STORAGE.ensure(self.storage_url)
        env = {**os.environ, "ALUMNI_BOT_PASSWORD": PASSWORD, **(extra_env or {})}
        env.pop("ALUMNI_BOT_FAULT", None)
        if fault is not None:
            env["ALUMNI_BOT_FAULT"] = fault
        if clock is not None:
            # libfaketime preloaded into the bot itself (not the `faketime` wrapper, which
            # would stand between a signal and the bot); wall clock only: timeouts and the
            # event loop keep real monotonic time.
            env |= {
                "LD_PRELOAD": str(faketime_library()),
                "FAKETIME": f"@{clock}",
                "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                "TZ": "UTC",
            }
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "bot", "run", "-c", str(self.config_path), *args),
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait_healthy:
            try:
                await self.wait_healthy()
            except BaseException:
                # A bot that did not come up (or a run interrupted meanwhile) is not left behind.
                if self.process.returncode is None:
                    self.process.kill()
                raise

    async def health(self) -> int:
        """The status /healthz answers now."""
        url = f"http://127.0.0.1:{self.http_port}/healthz"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status

    async def wait_healthy(self, within: float = 30.0) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.http_port}/healthz"
        async with asyncio.timeout(within), aiohttp.ClientSession() as session:
            while True:
                self._assert_alive()
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(url) as response:
                        if response.status == 200:
                            return await response.json()
                await asyncio.sleep(0.05)

    def _assert_alive(self) -> None:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(f"bot exited with {self.process.returncode}:\n{self.log_tail()}")

    async def wait_exit(self, within: float = WAIT_SECONDS) -> int:
        assert self.process is not None
        async with asyncio.timeout(within):
            return await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await self.wait_exit()

    async def query(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        """The rows of `sql` on the bot's database, on whichever backend it runs."""
        engine = create_async_engine(self.storage_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(sql), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    async def tables(self) -> dict[str, list[str]]:
        """The tables of the bot's database with their columns."""
        engine = create_async_engine(self.storage_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: {
                        table: [column["name"] for column in inspect(sync).get_columns(table)]
                        for table in inspect(sync).get_table_names()
                    }
                )
        finally:
            await engine.dispose()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


async def start_bot(
    synapse: LocalSynapse,
    workdir: Path,
    organiser: MatrixUser,
    space: dict[str, object] | None = None,
    extra_tables: dict[str, dict[str, object]] | None = None,
    http_settings: dict[str, object] | None = None,
    fault: str | None = None,
    **bot_settings: object,
) -> BotProcess:
    """A running bot with a fresh account; `organiser` is its configured organiser; `fault`:
    one of `commands.core.faults`, to test what the bot does when it strikes."""
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(
        synapse,
        workdir,
        bot_id,
        [organiser.user_id],
        [synapse.server_name],
        bot_settings=bot_settings,
        space=space,
        extra_tables=extra_tables,
        http_settings=http_settings,
    )
    await bot.start(fault=fault)
    return bot
