"""Named crash points for the crash-recovery tests: the process dies there when told to; and
slow points, where it dawdles (work that waits out a rate limit, without the homeserver's)."""

from __future__ import annotations

import asyncio
import logging
import os

FAULT_ENV = "ALUMNI_BOT_FAULT"
BEFORE_REPLY = "before-reply"
AFTER_SEND = "after-send"
AFTER_ANNOUNCEMENT = "after-announcement"
SLOW_SPACE_MEMBER = "slow-space-member"
SLOW_COMMAND = "slow-command"
SLOW_SECONDS = 60.0

log = logging.getLogger(__name__)


def crash_point(name: str) -> None:
    """Exit at once, like a SIGKILL, if ALUMNI_BOT_FAULT names this point; otherwise do nothing."""
    if os.environ.get(FAULT_ENV) == name:
        log.critical("fault injection: dying at %s", name)
        logging.shutdown()
        os._exit(137)


async def slow_point(name: str) -> None:
    """Wait SLOW_SECONDS if ALUMNI_BOT_FAULT names this point; otherwise do nothing."""
    if os.environ.get(FAULT_ENV) == name:
        log.critical("fault injection: slow at %s", name)
        await asyncio.sleep(SLOW_SECONDS)
