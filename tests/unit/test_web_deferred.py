"""The web pages loaded at their first request (commands.web.deferred) answer as their routes
registered at start did; and a starting bot imports neither the pages nor what only the pages,
PostgreSQL, the demo or a local homeserver need."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from commands.web import deferred, pages
from storage.database import Database, open_database
from tests.unit.web_site import make_ports

REPO = Path(__file__).resolve().parents[2]
# Matches, a redirect, static files, path parameters that do and do not fit, wrong methods,
# HEAD, and paths beside and outside the pages.
REQUESTS = (
    ("GET", "/web"),
    ("GET", "/web/"),
    ("HEAD", "/web/"),
    ("GET", "/web/static/style.css"),
    ("HEAD", "/web/static/widget.js"),
    ("GET", "/web/static/missing.css"),
    ("GET", "/web/events/12"),
    ("GET", "/web/events/zwölf"),
    ("POST", "/web/events"),
    ("DELETE", "/web/events/new"),
    ("GET", "/web/logout"),
    ("GET", "/web/login/unknown"),
    ("GET", "/web/surveys/1/chart.png"),
    ("GET", "/web/nowhere"),
    ("GET", "/web//events"),
    ("GET", "/webseite"),
    ("GET", "/"),
)
SHOWN_HEADERS = ("Allow", "Location", "Content-Type")


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database("sqlite+aiosqlite:///" + str(tmp_path / "t.db"))
    yield database
    await database.close()


async def answers(app: web.Application) -> list[tuple[object, ...]]:
    """Status, the headers that say where to and what, and the body of every request."""
    seen: list[tuple[object, ...]] = []
    async with TestClient(TestServer(app)) as client:
        for method, path in REQUESTS:
            response = await client.request(method, path, allow_redirects=False)
            headers = tuple(response.headers.get(name) for name in SHOWN_HEADERS)
            seen.append((method, path, response.status, headers, await response.read()))
    return seen


async def test_the_pages_loaded_at_the_first_request_answer_as_routes_set_up_at_start(
    db: Database,
) -> None:
    at_start = make_ports(db)
    await pages.setup(at_start)
    eager = web.Application()
    eager.add_routes(pages.routes(at_start))

    lazy = web.Application()
    lazy.add_routes(deferred.routes(make_ports(db)))

    expected = await answers(eager)
    assert {status for _m, _p, status, _h, _b in expected} >= {200, 302, 401, 404, 405}
    assert await answers(lazy) == expected


def test_a_starting_bot_leaves_out_what_only_pages_postgresql_or_the_demo_need() -> None:
    shown = "import sys, bot.cli, bot.app; print(*sorted(sys.modules), sep='\\n')"
    run = subprocess.run(
        [sys.executable, "-c", shown], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = set(run.stdout.split())
    assert {"bot.app", "commands.web", "storage.polls", "nio"} <= loaded
    left_out = {
        "commands.web.pages",
        "jinja2",
        "aiohttp_session",
        "nh3",
        "matplotlib",
        "sqlalchemy.dialects.postgresql",
        "asyncpg",
        "bot.demo",
        "bot.homeserver",
    }
    assert not loaded & left_out
