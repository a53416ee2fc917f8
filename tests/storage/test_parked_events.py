"""Events parked until their key arrives: kept once, marked told, given back, removed."""

from __future__ import annotations

from storage import bot_state
from storage.bot_state import ParkedEvent
from storage.database import Database


async def test_a_parked_event_is_kept_once_told_and_removed(db: Database) -> None:
    row = ParkedEvent("$e", "!r:x", "@anna:x", "S", "K", 5.0)
    assert await bot_state.park_event(db, row)
    assert not await bot_state.park_event(db, row)
    await bot_state.set_sync_token(db, "s1")
    assert await bot_state.parked_events(db) == [row]
    await bot_state.set_parked_notified(db, "$e")
    (told,) = await bot_state.parked_events(db)
    assert told.notified
    await bot_state.unpark_event(db, "$e")
    assert await bot_state.parked_events(db) == []
    assert await bot_state.get_sync_token(db) == "s1"
