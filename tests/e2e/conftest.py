"""Fixtures for end-to-end tests: one Synapse per session; fresh users, rooms and bots per test.

The bots run on SQLite, or on PostgreSQL with ALUMNI_BOT_E2E_STORAGE=postgresql (see
`harness.BotStorage`); a test that needs SQLite itself carries `@pytest.mark.sqlite_only(why)`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.homeserver import LocalSynapse
from tests.e2e.harness import LOGS, PASSWORD, STORAGE, BotProcess, MatrixUser, unique
from tests.migrated import PostgresTemplate, SqliteTemplate
from tests.postgres import PostgresServer, Unreachable, connect_postgres


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if STORAGE.backend == "sqlite":
        return
    for item in items:
        if (marker := item.get_closest_marker("sqlite_only")) is not None:
            reason = marker.args[0] if marker.args else ""
            assert reason, f"{item.nodeid}: sqlite_only needs a reason"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test's report carries the end of the log of each bot that wrote during it: the
    bots' logs are in a temporary directory that is gone once the run ends (they hold no
    message text)."""
    report = yield
    if report.failed:
        started = item.stash.get(STARTED, 0.0)
        for path in LOGS:
            if path.exists() and path.stat().st_mtime >= started:
                tail = path.read_text(errors="replace").splitlines()[-60:]
                report.sections.append((f"bot log {path.parent.name}", "\n".join(tail)))
    return report


STARTED = pytest.StashKey[float]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[STARTED] = time.time()


@pytest_asyncio.fixture(scope="session")
async def postgres() -> AsyncIterator[PostgresServer | Unreachable | None]:
    """With the bots on PostgreSQL, the server their databases are made on (None on SQLite)."""
    if STORAGE.backend == "sqlite":
        yield None
        return
    server = await connect_postgres()
    if isinstance(server, Unreachable):
        yield server
        return
    STORAGE.postgres = server
    STORAGE.postgres_template = PostgresTemplate(server)
    yield server
    await STORAGE.postgres_template.drop()
    STORAGE.postgres_template = None
    STORAGE.postgres = None
    await server.close()


@pytest_asyncio.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    """The bots' SQLite files are copies of one migrated once (harness.BotStorage)."""
    STORAGE.sqlite_template = SqliteTemplate(tmp_path_factory.mktemp("template"))
    yield
    STORAGE.sqlite_template = None


@pytest_asyncio.fixture(autouse=True)
async def bot_databases(
    postgres: PostgresServer | Unreachable | None, sqlite_template: None
) -> AsyncIterator[None]:
    """Without the PostgreSQL asked for, a test is skipped with the reason (or fails, in CI);
    with it, the databases its own bots made are dropped when it ends, after they have stopped.
    A bot of a wider fixture (a module's, set up before this one) keeps its database until the
    session ends."""
    if isinstance(postgres, Unreachable):
        postgres.skip_or_fail()
    before = set(postgres.created) if isinstance(postgres, PostgresServer) else set()
    yield
    if isinstance(postgres, PostgresServer):
        for name in postgres.created - before:
            await postgres.drop_database(name)


@pytest_asyncio.fixture(scope="session")
async def synapse(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def orga(synapse: LocalSynapse) -> AsyncIterator[MatrixUser]:
    user = await MatrixUser.create(synapse, "orga")
    yield user
    await user.close()


@pytest_asyncio.fixture
async def member(synapse: LocalSynapse) -> AsyncIterator[MatrixUser]:
    user = await MatrixUser.create(synapse, "mitglied")
    yield user
    await user.close()


@pytest_asyncio.fixture
async def bot(synapse: LocalSynapse, orga: MatrixUser, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """A bot process with its own account and database; `orga` is its configured organiser."""
    user_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    process = BotProcess(
        synapse,
        tmp_path,
        user_id,
        organisers=[orga.user_id],
        allowed_servers=[synapse.server_name],
    )
    await process.start()
    yield process
    await process.stop()


@dataclass
class Room:
    room_id: str
    bot: BotProcess
    orga: MatrixUser
    member: MatrixUser


@pytest_asyncio.fixture
async def room(bot: BotProcess, orga: MatrixUser, member: MatrixUser) -> Room:
    return await room_with(bot, orga, member)


async def room_with(bot: BotProcess, orga: MatrixUser, member: MatrixUser) -> Room:
    """The organiser's room with the bot (joined on the organiser's invite) and a member."""
    room_id = await orga.create_room(invite=[bot.user_id, member.user_id])
    await member.join(room_id)
    await orga.wait_membership(room_id, bot.user_id, "join")
    await member.wait_membership(room_id, bot.user_id, "join")
    return Room(room_id, bot, orga, member)
