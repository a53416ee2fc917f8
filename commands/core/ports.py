"""The ports: what features need from the Matrix side, declared as protocols that `bot/`
implements — sending, direct messages, the homeserver's operations (uploads, rooms, state),
scheduling, error counts and download links — and the settings every feature reads.

A feature receives them bundled in one `Ports` object, at its set-up and in every context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from commands.core.i18n import Language
from commands.core.rendering import Markup
from storage.database import Database

if TYPE_CHECKING:
    from commands.core.registry import Registry

# Seconds before an event's start at which reminders go out by default: 7 days, 1 day, 1 hour.
DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (7 * 86400, 86400, 3600)


class RetryLater(Exception):
    """The homeserver cannot be reached right now; the work will be done again later."""


class SendRefused(RuntimeError):
    """The homeserver refused the message for good (e.g. no permission to post in the room)."""


class Pacer(Protocol):
    """The bot's own pace for sends; waits out what the homeserver asked for."""

    async def acquire(self) -> None: ...

    def pause(self, seconds: float, asked_at: float | None = None) -> None: ...


class Jobs(Protocol):
    """Slow work beside the sync loop: stored at once (so a crash loses none; a key is queued
    only once, however often a batch is replayed), run in order by a background task."""

    async def enqueue(self, kind: str, key: str, payload: dict[str, Any]) -> None: ...


class Messenger(Protocol):
    """The one send path: idempotent per transaction id, paced, retried."""

    bucket: Pacer

    async def send(
        self,
        room_id: str,
        content: dict[str, Any],
        *,
        txn_id: str,
        event_type: str = "m.room.message",
    ) -> str:
        """Send once and return the event id (RetryLater / SendRefused otherwise)."""


class Homeserver(Protocol):
    """The homeserver operations features use, as matrix-nio's `AsyncClient` offers them
    (responses are nio's response types): the rooms and members of the last sync, uploads,
    creating rooms and setting their state, invites, kicks, aliases."""

    user_id: str
    homeserver: str
    access_token: str
    rooms: Mapping[str, Any]

    async def upload(self, *args: Any, **kwargs: Any) -> Any: ...

    async def download(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_create(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_put_state(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_get_state(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_get_event(self, *args: Any, **kwargs: Any) -> Any: ...

    async def joined_rooms(self) -> Any: ...

    async def join(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_invite(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_kick(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_redact(self, *args: Any, **kwargs: Any) -> Any: ...

    async def room_resolve_alias(self, *args: Any, **kwargs: Any) -> Any: ...


class Relations(Protocol):
    """Events that relate to one event, read back from the room."""

    async def of(self, room_id: str, event_id: str, rel_type: str) -> list[dict[str, Any]]:
        """Every event relating to `event_id` with `rel_type`, all pages, oldest or newest
        first as the homeserver gives them; encrypted ones decrypted where the bot holds the
        key (else left as `m.room.encrypted`)."""


# Those among some people who belong to the network (the space: those on its roster).
NetworkFilter = Callable[[Database, Iterable[str]], Awaitable[set[str]]]


class DirectMessages(Protocol):
    """Messages to one person in their direct chat with the bot."""

    prefix: str

    def command_text(self, name: str, language: Language, *args: object) -> str:
        """A command as the person would type it in their language (plain text)."""

    def command(self, name: str, language: Language, *args: object) -> Markup:
        """`command_text` as HTML code."""

    def people_in(self, room_ids: Iterable[str]) -> set[str]:
        """Who has joined these rooms, the bot left out."""

    async def willing(self, user_ids: Iterable[str]) -> list[str]:
        """Those who may get a message unasked (on the roster, not opted out), sorted."""

    async def language_of(self, user_id: str) -> Language: ...

    async def send(self, user_id: str, html: Markup, kind: str, key: str) -> tuple[str, str] | None:
        """Send once per (kind, key); (room id, event id), or None if it could not go out."""

    async def room_for(self, user_id: str) -> str | None:
        """The direct chat with a person, opened when there is none."""


class Schedules(Protocol):
    """What handlers tell the scheduler about the rows its duties plan."""

    async def changed(self, duty: str, ref: int) -> None:
        """A stored schedule changed: the duty's items for `ref` are planned again."""

    async def settled(self, duty: str, ref: int) -> None:
        """Before `ref` is shown: whatever the duty still had to catch up on is done (under the
        same lock as its deliveries)."""


class Errors(Protocol):
    """Counts errors by where they happened (`/metrics`)."""

    def count(self, place: str) -> None: ...


class Links(Protocol):
    """Signed links to the bot's HTTP server, valid for `valid_for` from when they are made."""

    # Where people reach the HTTP server (`http.public_url`), without a trailing slash.
    base_url: str
    valid_for: dt.timedelta

    def link(self, path: str, now: dt.datetime) -> str: ...


@dataclass(frozen=True)
class Settings:
    """What the configuration says that features read."""

    prefix: str = "!"
    language: Language = "de"
    timezone: str = "Europe/Berlin"
    organisers: tuple[str, ...] = ()
    allowed_servers: tuple[str, ...] = ()
    missed_grace: dt.timedelta = dt.timedelta(hours=6)
    reminder_offsets: tuple[int, ...] = DEFAULT_REMINDER_OFFSETS
    survey_files: tuple[Path, ...] = ()
    # Parsed feature tables of the configuration (e.g. "space"), by table name.
    sections: Mapping[str, Any] = field(default_factory=dict)
    # The operator's cap on the send pace (None: follow the homeserver alone); the space keeps
    # its own pace apart from the replies.
    send_rate_per_second: float | None = None
    send_burst: int = 10


@dataclass
class Ports:
    """Everything a feature reaches beyond its own package, in one object."""

    db: Database
    settings: Settings
    registry: Registry
    schedules: Schedules
    messenger: Messenger
    direct: DirectMessages
    homeserver: Homeserver
    errors: Errors
    links: Links
    # Relations read back from rooms; None only where no homeserver is (unit tests).
    relations: Relations | None = None
    # What features set up at start (e.g. the space's keeper), by feature name.
    runtimes: dict[str, Any] = field(default_factory=dict)
    # The queue of slow work; None: it runs where it is asked for (tests without the bot).
    jobs: Jobs | None = None
    # Who organises the whole network beyond `settings.organisers` (e.g. from the roster).
    network_organiser_sources: list[Callable[[], Iterable[str]]] = field(default_factory=list)
    # Who belongs to the network: nobody else gets a message unasked or a network-only
    # answer. No filter: everyone of the allowed servers.
    network_filters: list[NetworkFilter] = field(default_factory=list)
    # Which rooms make their organisers organisers to the bot (the space: its rooms). No
    # predicate: every room but a direct chat.
    organised_rooms: list[Callable[[str], bool]] = field(default_factory=list)
    # The creators of rooms, as far as asked (`rooms.is_creator`): nio does not keep them.
    creators: dict[str, frozenset[str]] = field(default_factory=dict)

    def network_organisers(self) -> set[str]:
        found = set(self.settings.organisers)
        for source in self.network_organiser_sources:
            found |= set(source())
        return found

    async def in_network(self, user_ids: Iterable[str]) -> set[str]:
        """Those among `user_ids` who belong to the network."""
        found = set(user_ids)
        for narrow in self.network_filters:
            found = await narrow(self.db, found)
        return found

    def grants_roles(self, room_id: str) -> bool:
        return not self.organised_rooms or any(rule(room_id) for rule in self.organised_rooms)
