"""The roster, the rooms of the space and pending knocks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select, update

from storage.database import Database
from storage.models import Knock, RosterMember, SpaceRoom


async def members(db: Database) -> list[RosterMember]:
    async with db.session() as session:
        return list(await session.scalars(select(RosterMember).order_by(RosterMember.name)))


# (user id, name, municipality, cohort, role)
MemberValues = tuple[str, str, str, int | None, str]


async def member_values(db: Database) -> list[MemberValues]:
    """The roster as plain values, by name: for its lists (500 ORM objects cost three times
    as much to read)."""
    async with db.session() as session:
        rows = await session.execute(
            select(
                RosterMember.user_id,
                RosterMember.name,
                RosterMember.municipality,
                RosterMember.cohort,
                RosterMember.role,
            ).order_by(RosterMember.name)
        )
        return [(user_id, name, town, cohort, role) for user_id, name, town, cohort, role in rows]


async def on_roster(db: Database, user_ids: Iterable[str]) -> set[str]:
    """Those among `user_ids` on the roster; all of them while the roster is empty (a bot that
    runs no space: the people of a room are its roster)."""
    wanted = set(user_ids)
    async with db.session() as session:
        if await session.scalar(select(RosterMember.user_id).limit(1)) is None:
            return wanted
        found = await session.scalars(
            select(RosterMember.user_id).where(RosterMember.user_id.in_(wanted))
        )
        return set(found)


async def roles_of(db: Database, user_ids: Iterable[str]) -> dict[str, str] | None:
    """The roster role of each of `user_ids` on it; None while the roster is empty (a bot
    that runs no space knows no roles)."""
    wanted = set(user_ids)
    async with db.session() as session:
        if await session.scalar(select(RosterMember.user_id).limit(1)) is None:
            return None
        rows = await session.execute(
            select(RosterMember.user_id, RosterMember.role).where(RosterMember.user_id.in_(wanted))
        )
        return {user_id: role for user_id, role in rows}


async def names(db: Database) -> dict[str, str]:
    """Matrix id → name of everyone on the roster."""
    return {row.user_id: row.name for row in await members(db)}


async def get(db: Database, user_id: str) -> RosterMember | None:
    async with db.session() as session:
        return await session.get(RosterMember, user_id)


async def put(db: Database, rows: Sequence[RosterMember]) -> None:
    """Add or update (by Matrix id), keeping whether the welcome went out."""
    async with db.session() as session:
        for row in rows:
            stored = await session.get(RosterMember, row.user_id)
            if stored is None:
                session.add(row)
                continue
            stored.name = row.name
            stored.municipality = row.municipality
            stored.cohort = row.cohort
            stored.role = row.role


async def remove(db: Database, user_id: str) -> bool:
    async with db.session() as session:
        result = await session.execute(delete(RosterMember).where(RosterMember.user_id == user_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_welcomed(db: Database, user_id: str) -> bool:
    """Once: says whether this call marked it (and so the welcome is due)."""
    async with db.session() as session:
        result = await session.execute(
            update(RosterMember)
            .where(RosterMember.user_id == user_id, RosterMember.welcomed.is_(False))
            .values(welcomed=True)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def rooms(db: Database) -> list[SpaceRoom]:
    async with db.session() as session:
        return list(await session.scalars(select(SpaceRoom).order_by(SpaceRoom.key)))


async def set_room(db: Database, key: str, room_id: str, linked: bool = True) -> None:
    """The room of a key; a room known under another key (renamed in the config) moves."""
    async with db.session() as session:
        await session.execute(
            delete(SpaceRoom).where(SpaceRoom.room_id == room_id, SpaceRoom.key != key)
        )
        await session.merge(SpaceRoom(key=key, room_id=room_id, linked=linked))


async def note_knock(db: Database, knock: Knock) -> bool:
    """A knock not yet pending; says whether it is new (the organisers are told once)."""
    async with db.session() as session:
        if await session.get(Knock, knock.user_id) is not None:
            return False
        session.add(knock)
        return True


async def knock_of(db: Database, user_id: str) -> Knock | None:
    async with db.session() as session:
        return await session.get(Knock, user_id)


async def forget_knock(db: Database, user_id: str) -> None:
    async with db.session() as session:
        await session.execute(delete(Knock).where(Knock.user_id == user_id))
