"""How a feature declares itself, in one object in its package's `__init__.py`: its command
groups, the room signals it handles, its scheduled duties, its configuration table, the files
behind its download links, its HTTP routes, the slow work it queues, and what it does at start."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from commands.core.files import ExportFile
from commands.core.ports import Ports, Settings
from commands.core.registry import CommandGroup
from storage.database import Database

if TYPE_CHECKING:
    from aiohttp import web

    from commands.core.context import CommandContext


class Duty(Protocol):
    """One kind of scheduled work, whose items are rows of the feature's tables."""

    name: str

    async def schedule(self) -> list[tuple[int, dt.datetime]]:
        """(item id, due) of everything to plan at start."""

    async def replan(self, ref: int) -> list[tuple[int, dt.datetime | None]]:
        """After a change to `ref`: its items and their due times (None: no longer planned)."""

    async def deliver(self, item_id: int) -> dt.datetime | None:
        """Do what is due; returns the item's next due time, if it has one."""


class Settling(Protocol):
    """A duty with catching up to do before its data is shown (`Schedules.settled`)."""

    async def settle(self, ref: int) -> None: ...


# Returns True when it took the signal (a survey answer, say), so no fallback answers it too.
SignalHandler = Callable[["CommandContext", Any], Awaitable[bool | None]]
# Whether a signal is the feature's at all; one that no feature accepts is not even recorded
# as handled (nothing of the chat is kept that no feature needs).
Accepts = Callable[[Ports, str, Any], Awaitable[bool]]
# Runs one queued job (`Ports.jobs`) from its stored payload; RetryLater keeps it queued.
JobHandler = Callable[[Ports, dict[str, Any]], Awaitable[None]]
# The file a download path names (data as it is now), or None.
DownloadMaker = Callable[[Database, str, dt.datetime, str], Awaitable[ExportFile | None]]


@dataclass(frozen=True)
class On:
    """A handler for one kind of signal."""

    signal: type
    handle: SignalHandler
    accepts: Accepts | None = None
    # Counted from whoever sent it (poll votes, memberships), not only from allowed servers.
    from_anyone: bool = False
    # Runs only when no other handler took the signal (a friendly answer in a direct chat).
    fallback: bool = False


@dataclass(frozen=True)
class ConfigTable:
    """A table of the configuration file that belongs to a feature."""

    name: str
    # Raises ValueError with a message that names the key.
    parse: Callable[[dict[str, Any]], Any]
    # Makes the files it names absolute (relative to the configuration file); ValueError if
    # one is missing.
    resolve: Callable[[Any, Path], Any] | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    groups: tuple[CommandGroup, ...] = ()
    signals: tuple[On, ...] = ()
    duties: Callable[[Ports], Sequence[Duty]] | None = None
    config: ConfigTable | None = None
    # Checks what the configuration names for the feature (files, say); ValueError if wrong.
    check: Callable[[Settings], None] | None = None
    # Before the first sync (load files, set up a runtime in `ports.runtimes`).
    setup: Callable[[Ports], Awaitable[None]] | None = None
    # In the background once the first sync has brought the rooms.
    after_first_sync: Callable[[Ports], Awaitable[None]] | None = None
    # Download path prefix → the file behind it.
    downloads: Mapping[str, DownloadMaker] = field(default_factory=dict)
    routes: Callable[[Ports], Sequence[web.AbstractRouteDef]] | None = None
    # Job kind → its handler, for the work the feature queues beside the sync loop.
    jobs: Mapping[str, JobHandler] = field(default_factory=dict)
