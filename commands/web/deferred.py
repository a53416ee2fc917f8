"""The web page's routes, registered at start without loading the pages: everything under `/web`
goes to one resource that, at the first request, imports the pages (commands.web.pages and the
modules it shows, about 3 MB that a bot whose page nobody opens never needs), sets them up and
from then on resolves each request among their routes, as the app's own router did before —
the same matches, the same 404 and 405."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

from aiohttp import web
from yarl import URL

from commands.core.ports import Ports

PREFIX = "/web"
# A match (or None: the app's router goes on) and the methods allowed where none matched.
Resolved = tuple[web.UrlMappingMatchInfo | None, set[str]]


class DeferredPages(web.AbstractResource):
    """Every path under PREFIX; the pages' own router behind it, made at the first request."""

    def __init__(self, ports: Ports) -> None:
        super().__init__()
        self._ports = ports
        self._router: web.UrlDispatcher | None = None
        self._loading = asyncio.Lock()

    async def _pages(self) -> web.UrlDispatcher:
        async with self._loading:
            if self._router is None:
                from commands.web import pages

                await pages.setup(self._ports)
                router = web.UrlDispatcher()
                router.add_routes(pages.routes(self._ports))
                router.freeze()
                self._router = router
        return self._router

    async def resolve(self, request: web.Request) -> Resolved:
        router = self._router or await self._pages()
        match = await router.resolve(request)
        error = match.http_exception
        if error is None:
            return match, set()
        # No page matched: the app's router answers 404, or 405 with the methods a page allows.
        if isinstance(error, web.HTTPMethodNotAllowed):
            return None, set(error.allowed_methods)
        return None, set()

    @property
    def canonical(self) -> str:
        return PREFIX

    def url_for(self, **kwargs: str) -> URL:
        raise RuntimeError("the web pages are resolved on their first request, not named")

    def add_prefix(self, prefix: str) -> None:
        raise RuntimeError("the web pages are not a sub-application")

    def get_info(self) -> dict[str, Any]:
        return {"prefix": PREFIX, "loaded": self._router is not None}

    def raw_match(self, path: str) -> bool:
        return False

    def __len__(self) -> int:
        return len(self._router.routes()) if self._router is not None else 0

    def __iter__(self) -> Iterator[web.AbstractRoute]:
        return iter(self._router.routes()) if self._router is not None else iter(())


class DeferredPagesDef(web.AbstractRouteDef):
    """Registers DeferredPages with the app's router, as a route table entry."""

    def __init__(self, ports: Ports) -> None:
        self._ports = ports

    def register(self, router: web.UrlDispatcher) -> list[web.AbstractRoute]:
        router.register_resource(DeferredPages(self._ports))
        return []


def routes(ports: Ports) -> Sequence[web.AbstractRouteDef]:
    return (DeferredPagesDef(ports),)
