"""What a command handler receives: who asks, where, in which language and role, the ports,
and how to answer."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from commands.core.converters import person_named
from commands.core.i18n import Language
from commands.core.ports import Ports, Schedules
from commands.core.rendering import Markup, code
from storage.database import Database

if TYPE_CHECKING:
    from commands.core.registry import Registry, Role


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
    ports: Ports
    preferred_language: Language | None = None
    # The thread the command was given in (the answer stays there), the message it replies to.
    thread_root: str | None = None
    replied_to: str | None = None
    # The message's content as sent (for its formatted body and `m.mentions`).
    content: Mapping[str, Any] = field(default_factory=dict)
    language: Language = field(init=False)

    def __post_init__(self) -> None:
        self.language = self.preferred_language or self.ports.settings.language

    @property
    def db(self) -> Database:
        return self.ports.db

    @property
    def prefix(self) -> str:
        return self.ports.settings.prefix

    @property
    def timezone(self) -> str:
        return self.ports.settings.timezone

    @property
    def registry(self) -> Registry:
        return self.ports.registry

    @property
    def schedules(self) -> Schedules:
        return self.ports.schedules

    @property
    def default_language(self) -> Language:
        return self.ports.settings.language

    @property
    def default_reminders(self) -> tuple[int, ...]:
        """Seconds before an event's start at which reminders go out, unless it says otherwise."""
        return self.ports.settings.reminder_offsets

    @property
    def allowed_servers(self) -> tuple[str, ...]:
        return self.ports.settings.allowed_servers

    async def in_network(self) -> bool:
        """Whether the sender belongs to the network: its organisers, or on its roster."""
        if self.sender in self.ports.network_organisers():
            return True
        return self.sender in await self.ports.in_network([self.sender])

    def command_text(self, name: str, *args: object) -> str:
        """A command as the user would type it in their language (plain text)."""
        command = self.registry.find(name)
        shown = command.display_name(self.language) if command else name
        return " ".join([self.prefix + shown, *map(str, args)])

    async def person(self, reference: str) -> str:
        """The user ID a command argument names: a Matrix ID (or a pill, read as one), or the
        display name of one person in this room. Raises ConversionError saying how to name
        them if nobody or several people here are called so."""
        return person_named(reference, self.room_members())

    def room_members(self) -> Mapping[str, str | None]:
        """Who is in this room (user ID → display name); the Matrix side knows them."""
        return {}

    def hint(self, name: str, *args: object) -> Markup:
        """`command_text` as code, for hints in HTML replies."""
        return code(self.command_text(name, *args))

    @abstractmethod
    def role_there(self, room_id: str) -> Role:
        """The sender's role in another room (organisers act on events of rooms they run)."""

    @abstractmethod
    async def reply(
        self, html: Markup, *, mentions: Sequence[str] = (), in_thread: bool = True
    ) -> str:
        """Answer the command message with one notice (`html` is HTML by type).
        A command given in a thread is answered in it, unless not `in_thread`. Returns the
        event id."""

    @abstractmethod
    def can_see(self, room_id: str) -> bool:
        """Whether the sender may read what was said in a room (they are in it)."""

    @abstractmethod
    async def post(self, room_id: str, event_type: str, content: dict[str, Any], key: str) -> str:
        """Send an event that is not a reply (e.g. a poll); `key` names it uniquely in our data,
        so sending it again after a crash posts it once. Returns the event id."""

    @abstractmethod
    async def reply_file(self, filename: str, data: bytes, mimetype: str) -> None:
        """Answer the command message with a file (uploaded to the homeserver); a PNG is sent
        as an image."""

    @abstractmethod
    async def say(self, room_id: str, html: Markup, key: str, *, notify: bool = False) -> str:
        """A message that answers no command message (m.notice; m.text if it should notify),
        sent once per `key`, which names it in our data. Returns the event id."""

    @abstractmethod
    async def send_file(
        self, room_id: str, filename: str, data: bytes, mimetype: str, key: str
    ) -> None:
        """A file that answers no command message, sent once per `key`."""

    @abstractmethod
    async def direct_room(self) -> str | None:
        """The room where the sender talks with the bot alone: this one if it is such a room,
        else their direct chat (opened if there is none); None if none could be opened."""

    @abstractmethod
    async def redact(self, room_id: str, event_ids: Sequence[str], reason: str) -> None:
        """Remove these events' content from the room (as far as the bot may); best effort."""

    @abstractmethod
    async def replied_file(self, limit: int) -> bytes | None:
        """The file of the message this command replies to (at most `limit` bytes), if any."""

    @abstractmethod
    def download_link(self, path: str) -> str:
        """A link to the bot's HTTP server that serves `path` to whoever holds it, for a day."""

    @abstractmethod
    def bot_status(self) -> BotStatus:
        """How the bot itself is doing, for organisers."""

    @abstractmethod
    def now(self) -> dt.datetime:
        """The current time, aware UTC."""

    @abstractmethod
    async def resolve_room(self, reference: str) -> str:
        """The id of a room the bot is in, from `#alias[:server]`, `!id:server` or "hier"/"here".

        Raises ConversionError (a clear message for the user) otherwise.
        """

    @abstractmethod
    def room_label(self, room_id: str) -> str:
        """How to show a room to people: its alias or name, else its id."""
