"""What an event's outbox holds: the kinds of posts, and a planned post before it is stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ANNOUNCE = "announce"
UPDATE = "update"
CANCEL = "cancel"
REMINDER = "reminder"
NUDGE = "nudge"


@dataclass(frozen=True)
class PostPlan:
    kind: str
    # The reminder offset in seconds, or the event's sequence for announcements and changes.
    key: int
    # The room to post in; "" for the round of direct messages.
    room_id: str
    due: dt.datetime
    # A change notice's {field: [before, after]}, in JSON values.
    changes: dict[str, list[object]] | None = field(default=None, compare=False)
