"""What every page of the web site shares: the rendered template with the viewer's language
and CSRF token, the checks who is logged in and may see an organiser page, the checked form,
and the answers for refusals. The feature's page modules build their routes on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from commands.core.files import ExportFile
from commands.core.i18n import Language, parse_language
from commands.core.ports import Ports
from commands.core.rooms import name_in_rooms
from commands.web import session
from commands.web.rights import Viewer, viewer_of
from commands.web.texts import TEXTS, texts
from storage import user_settings

if TYPE_CHECKING:
    import jinja2

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The page may be an Element widget (an iframe); scripts and styles only from here.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'"
    ),
}
Form = MultiDictProxy[Any]


@dataclass(frozen=True)
class Asked:
    """A request from someone the page lets in, in their language; a POST's checked form."""

    request: web.Request
    viewer: Viewer
    language: Language
    form: Form | None = None

    def field(self, name: str) -> str:
        return field(self.form, name) if self.form is not None else ""


Gate = Callable[[web.Request], Awaitable[Viewer | web.Response]]
Page = Callable[[Asked], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Site:
    """What the routes share, set up once at start."""

    ports: Ports
    storage: Any
    # Where people reach the server: links and redirects (behind a proxy, with its path).
    base_url: str
    root: str
    _templates: jinja2.Environment | None = None

    @property
    def templates(self) -> jinja2.Environment:
        """Made by the first page shown, not at start: a bot whose web page nobody opens need
        not hold jinja2 in memory (issue 13's RSS budget)."""
        if self._templates is None:
            from commands.web.template_env import environment

            self._templates = environment()
        return self._templates

    async def render(
        self,
        request: web.Request,
        name: str,
        title_key: str,
        viewer: Viewer | None,
        language: Language,
        status: int = 200,
        **values: Any,
    ) -> web.Response:
        values = {
            "lang": language,
            "t": texts(language),
            "root": self.root,
            "page": title_key,
            "page_title": TEXTS[title_key].get(language),
            "user": shown_name(self.ports, viewer) if viewer else None,
            "organiser": bool(viewer and viewer.organiser),
            "network": bool(viewer and viewer.network),
            "csrf": await session.csrf_token(request) if viewer else "",
            **values,
        }
        # Rendered at once: the templates await nothing, and async rendering took twice as long.
        html = self.templates.get_template(name).render(values)
        return web.Response(
            text=html, status=status, content_type="text/html", headers=SECURITY_HEADERS
        )

    async def language_for(self, request: web.Request, user_id: str | None) -> Language:
        default = self.ports.settings.language
        if user_id is not None:
            stored = await user_settings.get_language(self.ports.db, user_id)
            default = parse_language(stored or "") or default
        return await session.language_of(request, default)

    async def message(
        self,
        request: web.Request,
        title_key: str,
        text_key: str,
        status: int,
        viewer: Viewer | None,
        widget: bool = False,
    ) -> web.Response:
        language = await self.language_for(request, viewer.user_id if viewer else None)
        command = self.ports.direct.command_text("web", language)
        return await self.render(
            request,
            "message.html",
            title_key,
            viewer,
            language,
            status=status,
            message=TEXTS[text_key].format(language, command=command),
            widget=widget,
        )

    async def logged_in(self, request: web.Request) -> Viewer | web.Response:
        user_id = await session.user_of(request)
        if user_id is None:
            return await self.message(
                request, "login_needed_title", "login_needed", 401, None, widget=True
            )
        return await viewer_of(self.ports, user_id)

    async def organiser(self, request: web.Request) -> Viewer | web.Response:
        """The viewer of a page for organisers of some room or of the network."""
        viewer = await self.logged_in(request)
        if isinstance(viewer, Viewer) and not viewer.organiser:
            return await self.message(request, "forbidden_title", "forbidden", 403, viewer)
        return viewer

    async def network(self, request: web.Request) -> Viewer | web.Response:
        """The viewer of a page whose commands only the network's organisers may give."""
        viewer = await self.logged_in(request)
        if isinstance(viewer, Viewer) and not viewer.network:
            return await self.message(request, "forbidden_title", "forbidden_network", 403, viewer)
        return viewer

    async def form_checked(self, request: web.Request, viewer: Viewer) -> Form | web.Response:
        """The posted form, if it carries the session's CSRF token."""
        form = await request.post()
        sent = form.get(session.CSRF_FIELD)
        if not await session.check_csrf(request, sent if isinstance(sent, str) else None):
            return await self.message(request, "csrf_title", "csrf", 403, viewer)
        return form

    def shown(self, gate: Gate, page: Page) -> Handler:
        """A GET handler: `page` runs for whom `gate` lets in."""

        async def handle(request: web.Request) -> web.StreamResponse:
            viewer = await gate(request)
            if not isinstance(viewer, Viewer):
                return viewer
            return await page(
                Asked(request, viewer, await self.language_for(request, viewer.user_id))
            )

        return handle

    def posted(self, gate: Gate, page: Page) -> Handler:
        """A POST handler: `page` runs for whom `gate` lets in, with a form that carries the
        session's CSRF token."""

        async def handle(request: web.Request) -> web.StreamResponse:
            viewer = await gate(request)
            if not isinstance(viewer, Viewer):
                return viewer
            form = await self.form_checked(request, viewer)
            if isinstance(form, web.Response):
                return form
            language = await self.language_for(request, viewer.user_id)
            return await page(Asked(request, viewer, language, form))

        return handle

    async def page(
        self, asked: Asked, name: str, title_key: str, status: int = 200, **values: Any
    ) -> web.Response:
        """`render` for the one who asked."""
        return await self.render(
            asked.request, name, title_key, asked.viewer, asked.language, status, **values
        )

    def redirect(self, path: str) -> web.HTTPSeeOther:
        return web.HTTPSeeOther(f"{self.root}/web/{path}", headers=SECURITY_HEADERS)


def shown_name(ports: Ports, viewer: Viewer) -> str:
    """The viewer as the chat shows them: their display name (in their rooms, sorted so the
    same one is picked each time); the Matrix id only when no room knows a name."""
    return name_in_rooms(ports.homeserver, sorted(viewer.joined), viewer.user_id) or viewer.user_id


def attachment(made: ExportFile) -> web.Response:
    """A file to download (an export, minutes)."""
    return web.Response(
        body=made.data,
        headers={
            **SECURITY_HEADERS,
            "Content-Type": f"{made.mimetype}; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{made.filename}"',
        },
    )


def field(form: Form, name: str) -> str:
    """A text field of a form ('' when missing or a file)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def number(text: str) -> int | None:
    """A row number from a URL or a form; None for anything else."""
    return int(text) if text.isdigit() and len(text) <= 9 else None
