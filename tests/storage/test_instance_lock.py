"""One instance per database: a second holder is refused until the first lets go or dies."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage.instance_lock import AdvisoryLock, InstanceLock, instance_lock_for

REPO = Path(__file__).resolve().parents[2]
HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from storage.instance_lock import instance_lock_for

    async def main(url):
        lock = instance_lock_for(url)
        assert await lock.try_acquire()
        print("held", flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main(sys.argv[1]))
    """
)


async def acquired_within(lock: InstanceLock, seconds: float) -> bool:
    for _ in range(int(seconds * 10)):
        if await lock.try_acquire():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_second_instance_waits_until_the_first_lets_go(db_url: str) -> None:
    first, second = instance_lock_for(db_url), instance_lock_for(db_url)
    try:
        assert await first.try_acquire()
        assert await first.try_acquire()  # asking again keeps it
        assert not await second.try_acquire()
        assert not await second.try_acquire()

        await first.release()

        assert await second.try_acquire()
        assert not await first.try_acquire()
    finally:
        await first.release()
        await second.release()


async def test_the_lock_dies_with_its_process(db_url: str) -> None:
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-c", HOLDER, db_url),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    lock = instance_lock_for(db_url)
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"held\n"
        assert not await lock.try_acquire()

        holder.send_signal(signal.SIGKILL)
        await holder.wait()

        assert await acquired_within(lock, 10)
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
        await lock.release()


async def test_a_lock_lost_with_its_connection_is_noticed(db_url: str, postgres: Any) -> None:
    lock = instance_lock_for(db_url)
    try:
        assert await lock.try_acquire()
        assert await lock.still_held()
        if not isinstance(lock, AdvisoryLock):
            return  # a lock file is held until the process ends
        # The database exists, so the session's PostgreSQL server was reached.
        pid = await lock.backend_pid()
        async with postgres.admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        assert not await lock.still_held()
        other = instance_lock_for(db_url)
        assert await acquired_within(other, 10)
        await other.release()
    finally:
        await lock.release()
