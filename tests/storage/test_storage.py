"""Storage on SQLite and PostgreSQL: migrations, the bot's bookkeeping, settings, time columns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.exc import StatementError

from storage import bot_state, user_settings
from storage.bot_state import StoredLogin
from storage.database import (
    MIGRATIONS,
    SQLITE_BUSY_TIMEOUT_MS,
    Database,
    head_revision,
    open_database,
)
from storage.models import Base, HandledEvent, KeyValue, UTCDateTime

BERLIN_SUMMER = dt.timezone(dt.timedelta(hours=2))
KIRITIMATI = dt.timezone(dt.timedelta(hours=14))


def alembic_head() -> str:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def schema_differences(connection: Connection) -> list[object]:
    return compare_metadata(MigrationContext.configure(connection), Base.metadata)


async def test_migrations_apply_twice(db_url: str) -> None:
    first = await open_database(db_url)
    try:
        await bot_state.set_sync_token(first, "s1_before_restart")
    finally:
        await first.close()

    second = await open_database(db_url)
    try:
        assert await bot_state.get_sync_token(second) == "s1_before_restart"
        async with second.engine.connect() as connection:
            versions = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [alembic_head()]
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert set(Base.metadata.tables) <= tables
    finally:
        await second.close()


async def test_migrations_match_the_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []


async def test_sync_token_set_get_overwrite(db: Database) -> None:
    assert await bot_state.get_sync_token(db) is None

    await bot_state.set_sync_token(db, "s1_a")
    assert await bot_state.get_sync_token(db) == "s1_a"

    await bot_state.set_sync_token(db, "s2_b")
    assert await bot_state.get_sync_token(db) == "s2_b"
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(KeyValue)) == 1


async def test_values_are_kept_per_key(db: Database) -> None:
    await bot_state.set_value(db, "eins", "1")
    await bot_state.set_value(db, "zwei", "2")

    assert await bot_state.get_value(db, "eins") == "1"
    assert await bot_state.get_value(db, "zwei") == "2"
    assert await bot_state.get_value(db, "drei") is None


async def test_value_timestamp_is_aware_utc_and_moves_on_update(db: Database) -> None:
    await bot_state.set_value(db, "k", "1")
    async with db.session() as session:
        first = (await session.get(KeyValue, "k")).updated_at  # type: ignore[union-attr]

    await bot_state.set_value(db, "k", "2")
    async with db.session() as session:
        second = (await session.get(KeyValue, "k")).updated_at  # type: ignore[union-attr]

    assert first.tzinfo == dt.UTC
    assert second.tzinfo == dt.UTC
    assert abs(dt.datetime.now(dt.UTC) - first) < dt.timedelta(minutes=1)
    assert second >= first


async def test_login_save_load_forget(db: Database) -> None:
    bot = "@alumni-bot:example.org"
    other = "@other-bot:example.org"
    assert await bot_state.load_login(db, bot) is None

    first = StoredLogin("https://matrix.example.org", "DEVICE1", "syt_one")
    await bot_state.save_login(db, bot, first)
    await bot_state.save_login(db, other, StoredLogin("https://x.example", "D9", "syt_x"))
    assert await bot_state.load_login(db, bot) == first

    second = StoredLogin("https://matrix2.example.org", "DEVICE2", "syt_two")
    await bot_state.save_login(db, bot, second)
    assert await bot_state.load_login(db, bot) == second

    assert await bot_state.load_login(db, other) == StoredLogin("https://x.example", "D9", "syt_x")


async def test_handled_among_and_mark_handled(db: Database) -> None:
    assert await bot_state.handled_among(db, []) == set()
    assert await bot_state.handled_among(db, ["$a", "$b"]) == set()

    await bot_state.mark_handled(db, "$a", "!raum:example.org")
    await bot_state.mark_handled(db, "$b", "!raum:example.org")
    await bot_state.mark_handled(db, "$a", "!raum:example.org")  # again: no error, no new row

    assert await bot_state.handled_among(db, ["$a", "$c", "$b"]) == {"$a", "$b"}
    assert await bot_state.handled_among(db, ["$c"]) == set()
    async with db.session() as session:
        rows = (await session.scalars(select(HandledEvent))).all()
    assert sorted(row.event_id for row in rows) == ["$a", "$b"]
    assert all(row.handled_at.tzinfo == dt.UTC for row in rows)


async def test_handled_among_takes_a_whole_sync_batch(db: Database) -> None:
    event_ids = [f"$event{index}" for index in range(500)]
    for event_id in event_ids[::50]:
        await bot_state.mark_handled(db, event_id, "!raum:example.org")

    assert await bot_state.handled_among(db, event_ids) == set(event_ids[::50])


async def test_prune_handled_forgets_only_older_events(db: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    async with db.session() as session:
        for event_id, age in (("$alt1", dt.timedelta(days=10)), ("$alt2", dt.timedelta(days=3))):
            session.add(HandledEvent(event_id=event_id, room_id="!r:x", handled_at=now - age))
    await bot_state.mark_handled(db, "$neu", "!r:x")

    assert await bot_state.prune_handled(db, now - dt.timedelta(days=1)) == 2
    assert await bot_state.handled_among(db, ["$alt1", "$alt2", "$neu"]) == {"$neu"}
    assert await bot_state.prune_handled(db, now - dt.timedelta(days=1)) == 0


async def test_prune_handled_compares_instants_not_wall_clocks(db: Database) -> None:
    handled = dt.datetime(2026, 9, 29, 10, 0, tzinfo=dt.UTC)
    async with db.session() as session:
        session.add(HandledEvent(event_id="$e", room_id="!r:x", handled_at=handled))

    # In UTC+14 09:30 UTC reads 23:30 the same day and 10:30 UTC reads 00:30 the next day.
    half_hour_before = dt.datetime(2026, 9, 29, 23, 30, tzinfo=KIRITIMATI)
    half_hour_after = dt.datetime(2026, 9, 30, 0, 30, tzinfo=KIRITIMATI)
    assert await bot_state.prune_handled(db, half_hour_before) == 0
    assert await bot_state.prune_handled(db, half_hour_after) == 1


async def test_joined_rooms(db: Database) -> None:
    assert await bot_state.joined_rooms(db) == {}
    late_2026_ms = 1_790_000_000_000  # beyond a 32-bit integer

    await bot_state.set_joined(db, "!a:example.org", late_2026_ms)
    await bot_state.set_joined(db, "!b:example.org", 5)
    await bot_state.set_joined(db, "!b:example.org", late_2026_ms + 1)

    assert await bot_state.joined_rooms(db) == {
        "!a:example.org": late_2026_ms,
        "!b:example.org": late_2026_ms + 1,
    }
    await bot_state.forget_joined(db, "!a:example.org")
    await bot_state.forget_joined(db, "!gone:example.org")
    assert await bot_state.joined_rooms(db) == {"!b:example.org": late_2026_ms + 1}


async def test_language_setting(db: Database) -> None:
    assert await user_settings.get_language(db, "@anna:example.org") is None

    await user_settings.set_language(db, "@anna:example.org", "en")
    await user_settings.set_language(db, "@ben:example.org", "de")
    await user_settings.set_language(db, "@anna:example.org", "de")
    await user_settings.set_language(db, "@anna:example.org", "en")

    assert await user_settings.get_language(db, "@anna:example.org") == "en"
    assert await user_settings.get_language(db, "@ben:example.org") == "de"
    assert await user_settings.get_language(db, "@carla:example.org") is None


async def test_a_known_language_is_answered_without_a_round_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await user_settings.set_language(db, "@anna:example.org", "en")
    assert await user_settings.get_language(db, "@ben:example.org") is None

    def no_session() -> None:
        raise AssertionError("the database was asked again")

    monkeypatch.setattr(db, "session", no_session)

    assert await user_settings.get_language(db, "@anna:example.org") == "en"
    assert await user_settings.get_language(db, "@ben:example.org") is None
    monkeypatch.undo()
    # !sprache changes it, and the next answer uses the new one.
    await user_settings.set_language(db, "@ben:example.org", "en")
    monkeypatch.setattr(db, "session", no_session)
    assert await user_settings.get_language(db, "@ben:example.org") == "en"


async def test_utc_datetime_returns_aware_utc(db: Database) -> None:
    local = dt.datetime(2026, 9, 29, 10, 0, 0, 123456, tzinfo=BERLIN_SUMMER)
    async with db.session() as session:
        session.add(HandledEvent(event_id="$e", room_id="!r:x", handled_at=local))

    async with db.session() as session:
        stored = await session.scalar(select(HandledEvent.handled_at))

    assert stored is not None
    assert stored.tzinfo == dt.UTC
    assert stored == local
    assert (stored.hour, stored.microsecond) == (8, 123456)


async def test_utc_datetime_rejects_naive_datetimes(db: Database) -> None:
    naive = dt.datetime(2026, 9, 29, 10, 0)

    with pytest.raises(StatementError, match="naive datetime"):
        async with db.session() as session:
            session.add(HandledEvent(event_id="$e", room_id="!r:x", handled_at=naive))

    with pytest.raises(StatementError, match="naive datetime"):
        await bot_state.prune_handled(db, naive)
    assert await bot_state.handled_among(db, ["$e"]) == set()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (
            dt.datetime(2026, 9, 29, 10, 0, tzinfo=BERLIN_SUMMER),
            dt.datetime(2026, 9, 29, 8, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_utc_datetime_bind(value: dt.datetime | None, expected: dt.datetime | None) -> None:
    bound = UTCDateTime().process_bind_param(value, None)  # type: ignore[arg-type]

    assert bound == expected
    assert bound is None or bound.tzinfo == dt.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (dt.datetime(2026, 9, 29, 8, 0), dt.datetime(2026, 9, 29, 8, 0, tzinfo=dt.UTC)),
        (
            dt.datetime(2026, 9, 29, 10, 0, tzinfo=BERLIN_SUMMER),
            dt.datetime(2026, 9, 29, 8, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_utc_datetime_result(value: dt.datetime | None, expected: dt.datetime | None) -> None:
    result = UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]

    assert result == expected
    assert result is None or result.tzinfo == dt.UTC


async def test_sqlite_pragmas_are_in_effect(tmp_path: Path) -> None:
    db = await open_database("sqlite+aiosqlite:///" + str(tmp_path / "nested" / "bot.db"))
    try:
        assert db.engine.dialect.name == "sqlite"
        async with db.session() as session:
            pragmas = {
                name: (await session.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
            "synchronous": 1,  # NORMAL
        }
        assert (tmp_path / "nested" / "bot.db").exists()
    finally:
        await db.close()


def test_head_revision_read_from_the_files_agrees_with_alembic() -> None:
    assert head_revision() == alembic_head()
