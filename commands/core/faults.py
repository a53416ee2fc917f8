"""Named crash points for the crash-recovery tests: the process dies there when told to."""

from __future__ import annotations

import logging
import os

FAULT_ENV = "ALUMNI_BOT_FAULT"
BEFORE_REPLY = "before-reply"
AFTER_SEND = "after-send"
AFTER_ANNOUNCEMENT = "after-announcement"

log = logging.getLogger(__name__)


def crash_point(name: str) -> None:
    """Exit at once, like a SIGKILL, if ALUMNI_BOT_FAULT names this point; otherwise do nothing."""
    if os.environ.get(FAULT_ENV) == name:
        log.critical("fault injection: dying at %s", name)
        logging.shutdown()
        os._exit(137)
