"""The typed signals the router makes of raw room events, for the features that declared them:
reactions, redactions, edits, thread replies, references (poll votes and ends), memberships,
and plain messages to the bot in a direct chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reaction:
    """Someone's annotation (an emoji reaction) of `target`."""

    target: str
    key: str


@dataclass(frozen=True)
class Redaction:
    """Someone removed an event of theirs (a reaction taken back, a message deleted)."""

    redacts: str


@dataclass(frozen=True)
class Edit:
    """Someone changed a message of theirs; `body` is its new text, `command_body` that text
    with its pills as the IDs they stand for (as a command is read), if it has any."""

    target: str
    body: str
    command_body: str | None = None


@dataclass(frozen=True)
class ThreadReply:
    """A message in a thread."""

    root: str
    body: str


@dataclass(frozen=True)
class Reference:
    """An event (raw JSON) that references `target` (`m.reference`), whoever sent it: a poll's
    responses and ends. An encrypted one keeps only its relation readable."""

    target: str
    event: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class Membership:
    """Someone's membership in a room changed (joined, knocked, left…)."""

    user_id: str
    membership: str
    event: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class StateChange:
    """Someone set a room's state (other than a membership): its join rule, power levels…"""

    event_type: str
    state_key: str
    content: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class DirectText:
    """A message that is no command, in a room where the sender talks with the bot alone."""

    body: str


Signal = (
    Reaction | Redaction | Edit | ThreadReply | Reference | Membership | StateChange | DirectText
)
