"""One active bot per database: an exclusive lock that is released when its process dies, however
it dies — a lock file beside the SQLite database (flock; the operating system drops it with the
process), a session-level advisory lock on a PostgreSQL connection of its own (the server drops
it with the connection)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# "alumni" in ASCII: the advisory lock key every instance of the bot asks for.
ADVISORY_LOCK_KEY = 0x616C756D6E69


class InstanceLock(Protocol):
    where: str

    async def try_acquire(self) -> bool:
        """True once this process holds the lock (and then on every further call)."""

    async def still_held(self) -> bool:
        """False when the lock was lost under us (PostgreSQL dropped its connection)."""

    async def release(self) -> None: ...


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"lock file {path}"
        self._fd: int | None = None
        self._held = False

    async def try_acquire(self) -> bool:
        if self._held:
            return True
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._held = True
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())
        return True

    async def still_held(self) -> bool:
        return self._held

    async def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
        self._fd = None
        self._held = False


class AdvisoryLock:
    def __init__(self, url: str) -> None:
        self.where = "PostgreSQL advisory lock"
        self._engine = create_async_engine(url, poolclass=NullPool)
        self._connection: AsyncConnection | None = None
        self._held = False

    async def try_acquire(self) -> bool:
        if self._held:
            return True
        try:
            if self._connection is None:
                connection = await self._engine.connect()
                self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await self._connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
            self._held = bool(result.scalar())
        except (OSError, SQLAlchemyError) as exc:
            log.warning("could not ask PostgreSQL for the instance lock: %s", exc)
            await self._drop_connection()
            return False
        return self._held

    async def still_held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
        except (OSError, SQLAlchemyError) as exc:
            log.critical("the connection holding the instance lock is gone: %s", exc)
            await self._drop_connection()
            return False
        return True

    async def backend_pid(self) -> int | None:
        if self._connection is None:
            return None
        return (await self._connection.execute(text("SELECT pg_backend_pid()"))).scalar()

    async def release(self) -> None:
        await self._drop_connection()
        await self._engine.dispose()

    async def _drop_connection(self) -> None:
        # Closing the session releases a session-level advisory lock.
        if self._connection is not None:
            with contextlib.suppress(OSError, SQLAlchemyError):
                await self._connection.close()
        self._connection = None
        self._held = False


def instance_lock_for(url: str) -> InstanceLock:
    """The lock that guards the database at `url`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise ValueError("an in-memory SQLite database cannot be shared, nor locked")
        return FileLock(Path(database + ".lock").resolve())
    return AdvisoryLock(url)
