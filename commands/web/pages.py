"""The web page's paths under `/web/`, registered at start; the handlers behind them
(commands.web.site, with jinja2, aiohttp-session and cryptography) are imported when the first
web request comes, so a bot whose page nobody opens does not carry them (about 9 MB)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from commands.core.ports import Ports
from commands.web import cookie_key

FEATURE_NAME = "web"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Method, path and the name of its handler in commands.web.site.
ROUTES = (
    ("GET", "/web", "to_overview"),
    ("GET", "/web/", "overview"),
    ("GET", "/web/login/{token}", "login"),
    ("POST", "/web/openid", "openid"),
    ("POST", "/web/logout", "logout"),
    ("GET", "/web/events", "events"),
    ("GET", "/web/events/new", "new_event_page"),
    ("POST", "/web/events/new", "create_event"),
    ("GET", "/web/static/{name}", "static"),
)


@dataclass
class Setup:
    """Read from the database at start: the cookie key is made there once and kept."""

    key: bytes
    # Where people reach the server: links and redirects (behind a proxy, with its path).
    base_url: str


async def setup(ports: Ports) -> None:
    key = await cookie_key.load(ports.db)
    ports.runtimes[FEATURE_NAME] = Setup(key, ports.links.base_url.rstrip("/"))


def routes(ports: Ports) -> Sequence[web.RouteDef]:
    started: Setup = ports.runtimes[FEATURE_NAME]
    loaded: dict[str, Handler] = {}

    def on_first_request(name: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            if not loaded:
                # Imported here, not at the top: most requests never come (see the docstring).
                from commands.web import site

                loaded.update(site.handlers(ports, started.key, started.base_url))
            return await loaded[name](request)

        return handle

    return tuple(web.route(method, path, on_first_request(name)) for method, path, name in ROUTES)
