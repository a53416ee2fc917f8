"""What a command handler receives: who asks, where, in which language and role, how to answer."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from commands.i18n import Language
from storage.database import Database

if TYPE_CHECKING:
    from commands.registry import Registry, Role


class RetryLater(Exception):
    """The homeserver cannot be reached right now; the command will be handled again later."""


@dataclass(frozen=True)
class BotStatus:
    version: str
    started_at: dt.datetime
    rooms: int
    commands_handled: int
    last_sync_age_seconds: float | None


@dataclass
class CommandContext(ABC):
    """Implemented by the Matrix side (`bot/`); handlers only use what is declared here."""

    sender: str
    room_id: str
    event_id: str
    role: Role
    prefix: str
    timezone: str
    registry: Registry
    db: Database
    default_language: Language
    preferred_language: Language | None = None
    language: Language = field(init=False)

    def __post_init__(self) -> None:
        self.language = self.preferred_language or self.default_language

    @abstractmethod
    async def reply(self, html: str, *, mentions: Sequence[str] = ()) -> None:
        """Answer the command message with one notice; user text in `html` is already escaped."""

    @abstractmethod
    def bot_status(self) -> BotStatus:
        """How the bot itself is doing, for organisers."""
