"""A web site on a real aiohttp server, the real storage on a temp SQLite file and a homeserver
that is only its rooms: for the pages' rights and forms without Synapse."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from nio import MatrixRoom

from commands.core.i18n import Language
from commands.core.ports import Ports, Settings
from commands.web import login, pages
from storage.database import Database

BOT = "@bot:example.org"
ORGA = "@orga:example.org"
ROOM_ORGA = "@raum:example.org"
MEMBER = "@mitglied:example.org"
ROOM = "!raum:example.org"


@dataclass
class RoomsOnly:
    """The homeserver as the pages read it: its rooms, its user, the room state asked for."""

    rooms: dict[str, MatrixRoom] = field(default_factory=dict)
    user_id: str = BOT
    homeserver: str = "https://example.org"

    async def room_get_state(self, room_id: str) -> Any:
        return None


class Direct:
    prefix = "!"

    def command_text(self, name: str, language: Language, *args: object) -> str:
        return " ".join([f"!{name}", *map(str, args)])


@dataclass
class Links:
    base_url: str = "http://127.0.0.1"
    valid_for: dt.timedelta = dt.timedelta(hours=24)


class Schedules:
    def __init__(self) -> None:
        self.changed_items: list[tuple[str, int]] = []

    async def changed(self, duty: str, ref: int) -> None:
        self.changed_items.append((duty, ref))

    async def settled(self, duty: str, ref: int) -> None:
        return None


def room_with(room_id: str, members: Iterable[str], levels: dict[str, int]) -> MatrixRoom:
    room = MatrixRoom(room_id, BOT)
    for user in [BOT, *members]:
        room.add_member(user, user[1:].split(":")[0], None)
    room.power_levels.users.update({BOT: 100, **levels})
    room.canonical_alias = "#raum:example.org"
    return room


def make_ports(db: Database, rooms: dict[str, MatrixRoom] | None = None) -> Ports:
    unused: Any = None
    return Ports(
        db=db,
        settings=Settings(organisers=(ORGA,), allowed_servers=("example.org",)),
        registry=unused,
        schedules=Schedules(),
        messenger=unused,
        direct=cast(Any, Direct()),
        homeserver=cast(Any, RoomsOnly(rooms if rooms is not None else default_rooms())),
        errors=unused,
        links=cast(Any, Links()),
    )


def default_rooms() -> dict[str, MatrixRoom]:
    """A room the organiser, a room organiser (power 50) and a member have joined."""
    return {ROOM: room_with(ROOM, [ORGA, ROOM_ORGA, MEMBER], {ROOM_ORGA: 50})}


@asynccontextmanager
async def site(ports: Ports) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    await pages.setup(ports)
    app = web.Application()
    app.add_routes(pages.routes(ports))
    async with TestClient(TestServer(app)) as client:
        yield client


async def log_in(client: TestClient[web.Request, web.Application], ports: Ports, user: str) -> str:
    """Log `user` in through a login link; the CSRF token of their session."""
    token = await login.issue(ports.db, user, dt.datetime.now(dt.UTC))
    response = await client.get(f"/web/login/{token}")
    assert response.status == 200, await response.text()
    return csrf_of(await response.text())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found[1]
