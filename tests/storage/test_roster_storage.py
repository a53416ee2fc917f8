"""The roster, the rooms of the space and knocks on SQLite and PostgreSQL."""

from __future__ import annotations

from storage import roster
from storage.database import Database
from storage.models import Knock, RosterMember


def member(user_id: str, name: str = "Anna", cohort: int | None = 1) -> RosterMember:
    return RosterMember(
        user_id=user_id, name=name, municipality="Potsdam", cohort=cohort, role="manager",
        welcomed=False,
    )  # fmt: skip


async def test_members_are_added_updated_welcomed_once_and_removed(db: Database) -> None:
    await roster.put(db, [member("@a:x"), member("@b:x", "Ben", 2)])
    assert await roster.mark_welcomed(db, "@a:x")
    assert not await roster.mark_welcomed(db, "@a:x")
    await roster.put(db, [member("@a:x", "Anna Neu", None)])
    stored = await roster.get(db, "@a:x")
    assert stored is not None
    assert (stored.name, stored.cohort, stored.welcomed) == ("Anna Neu", None, True)
    assert [m.name for m in await roster.members(db)] == ["Anna Neu", "Ben"]
    assert await roster.member_values(db) == [
        ("@a:x", "Anna Neu", "Potsdam", None, "manager"),
        ("@b:x", "Ben", "Potsdam", 2, "manager"),
    ]
    assert await roster.remove(db, "@b:x") and not await roster.remove(db, "@b:x")


async def test_rooms_of_the_space_by_key(db: Database) -> None:
    await roster.set_room(db, "space", "!s:x")
    await roster.set_room(db, "allgemein", "!a:x")
    await roster.set_room(db, "allgemein", "!a:x", linked=False)
    assert [(r.key, r.room_id, r.linked) for r in await roster.rooms(db)] == [
        ("allgemein", "!a:x", False),
        ("space", "!s:x", True),
    ]


async def test_a_knock_is_noted_once(db: Database) -> None:
    assert await roster.note_knock(db, Knock(user_id="@k:x", display_name="K", reason="KTS"))
    assert not await roster.note_knock(db, Knock(user_id="@k:x", display_name="K", reason="x"))
    knock = await roster.knock_of(db, "@k:x")
    assert knock is not None and knock.reason == "KTS"
    await roster.forget_knock(db, "@k:x")
    assert await roster.knock_of(db, "@k:x") is None


async def test_unasked_messages_go_to_the_roster_once_there_is_one(db: Database) -> None:
    people = {"@a:x", "@stranger:x"}
    assert await roster.on_roster(db, people) == people
    await roster.put(db, [member("@a:x")])
    assert await roster.on_roster(db, people) == {"@a:x"}


async def test_a_room_renamed_in_the_config_moves_to_its_new_key(db: Database) -> None:
    await roster.set_room(db, "allgemein", "!a:x")
    await roster.set_room(db, "plaudern", "!a:x")
    assert [(r.key, r.room_id) for r in await roster.rooms(db)] == [("plaudern", "!a:x")]
