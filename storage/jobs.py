"""Pending jobs: queued once per key, read oldest first, deleted when done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from storage.database import Database
from storage.models import PendingJob


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]


async def add(db: Database, kind: str, key: str, payload: dict[str, Any]) -> bool:
    """Queue a job; False when one with this key is queued already."""
    async with db.session() as session:
        found = await session.scalar(select(PendingJob.id).where(PendingJob.key == key))
        if found is not None:
            return False
        session.add(PendingJob(kind=kind, key=key, payload=payload))
    return True


async def oldest(db: Database, limit: int) -> list[Job]:
    async with db.session() as session:
        rows = await session.scalars(select(PendingJob).order_by(PendingJob.id).limit(limit))
        return [Job(row.id, row.kind, row.key, row.payload) for row in rows]


async def finish(db: Database, job_id: int) -> None:
    async with db.session() as session:
        await session.execute(delete(PendingJob).where(PendingJob.id == job_id))


async def count(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(PendingJob)) or 0)


async def queued_keys(db: Database, keys: list[str]) -> set[str]:
    """Those of `keys` whose job is still queued (not yet done)."""
    if not keys:
        return set()
    async with db.session() as session:
        return set(await session.scalars(select(PendingJob.key).where(PendingJob.key.in_(keys))))
