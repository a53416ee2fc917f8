"""The web page's handlers under `/web/`: login by one-time link, the overview, the events with
their answers and calendar links, and the form that creates an event through the same code as
`!termin neu` (commands.events). Every page checks the viewer's rights; every form its CSRF
token. Imported by commands.web.pages when the first web request comes."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from commands.core.converters import ConversionError
from commands.core.i18n import Language, parse_language
from commands.core.ports import Ports
from commands.events.creation import create_announced
from commands.events.plan import details_from_fields
from commands.events.text import describe_reminders
from commands.web import login, openid, session
from commands.web.rights import Viewer, event_rooms, room_label, viewer_of
from commands.web.session import Handler
from commands.web.texts import TEXTS, texts
from commands.web.views import Page, event_list, overview, when
from storage import events, user_settings
from storage.models import utc_now

STATIC_TYPES = {"style.css": "text/css", "widget.js": "text/javascript"}
# Link previews (the homeserver's, chat apps') fetch a link to show it; that must not use it up.
PREVIEW_AGENTS = re.compile(r"synapse|bot|preview|crawler|spider|facebookexternalhit", re.I)
FORM_FIELDS = ("title", "date", "start", "end", "place", "online_link")
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


def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("commands.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=True,
        undefined=jinja2.StrictUndefined,
    )


@dataclass
class Web:
    """What the handlers share, made once by the first request."""

    templates: jinja2.Environment
    # Where people reach the server: links and redirects (behind a proxy, with its path).
    base_url: str
    root: str


def handlers(ports: Ports, key: bytes, base_url: str) -> dict[str, Handler]:
    """The page's handlers by name (commands.web.pages.ROUTES says which path each serves)."""
    root = urlsplit(base_url).path.rstrip("/")
    site = Web(templates(), base_url, root)
    secure = base_url.startswith("https://")
    sessions = session.with_sessions(session.cookie_storage(key, secure=secure, path=f"{root}/web"))

    async def render(
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
            "root": site.root,
            "page": title_key,
            "page_title": TEXTS[title_key].get(language),
            "user": viewer.user_id if viewer else None,
            "organiser": bool(viewer and viewer.organiser),
            "csrf": await session.csrf_token(request) if viewer else "",
            **values,
        }
        html = await site.templates.get_template(name).render_async(values)
        return web.Response(
            text=html, status=status, content_type="text/html", headers=SECURITY_HEADERS
        )

    async def language_for(request: web.Request, user_id: str | None) -> Language:
        default = ports.settings.language
        if user_id is not None:
            stored = await user_settings.get_language(ports.db, user_id)
            default = parse_language(stored or "") or default
        return await session.language_of(request, default)

    async def message(
        request: web.Request,
        title_key: str,
        text_key: str,
        status: int,
        viewer: Viewer | None,
        widget: bool = False,
    ) -> web.Response:
        language = await language_for(request, viewer.user_id if viewer else None)
        command = ports.direct.command_text("web", language)
        return await render(
            request,
            "message.html",
            title_key,
            viewer,
            language,
            status=status,
            message=TEXTS[text_key].format(language, command=command),
            widget=widget,
        )

    async def logged_in(request: web.Request) -> Viewer | web.Response:
        user_id = await session.user_of(request)
        if user_id is None:
            return await message(
                request, "login_needed_title", "login_needed", 401, None, widget=True
            )
        return await viewer_of(ports, user_id)

    async def organiser(request: web.Request) -> Viewer | web.Response:
        viewer = await logged_in(request)
        if isinstance(viewer, Viewer) and not viewer.organiser:
            return await message(request, "forbidden_title", "forbidden", 403, viewer)
        return viewer

    async def form_checked(request: web.Request, viewer: Viewer) -> Any:
        form = await request.post()
        sent = form.get(session.CSRF_FIELD)
        if not await session.check_csrf(request, sent if isinstance(sent, str) else None):
            return await message(request, "csrf_title", "csrf", 403, viewer)
        return form

    async def login_page(request: web.Request) -> web.Response:
        if PREVIEW_AGENTS.search(request.headers.get("User-Agent", "")):
            return web.Response(text="alumni-bot", headers=SECURITY_HEADERS)
        user_id = await login.redeem(ports.db, request.match_info["token"], utc_now())
        if user_id is None:
            return await message(request, "link_refused_title", "link_refused", 403, None)
        language = parse_language(await user_settings.get_language(ports.db, user_id) or "")
        await session.log_in(request, user_id, language)
        raise web.HTTPSeeOther(f"{site.root}/web/", headers=SECURITY_HEADERS)

    async def widget_login(request: web.Request) -> web.Response:
        # JSON only: a form on another site cannot send it without the browser asking first.
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType()
        try:
            sent = await request.json()
        except ValueError:
            raise web.HTTPBadRequest() from None
        token = sent.get("access_token") if isinstance(sent, dict) else None
        user_id = None
        if isinstance(token, str):
            # Only the configured homeserver is asked, never a server the request names.
            user_id = await openid.user_of_token(ports.homeserver.homeserver, token)
        if user_id is None:
            return web.json_response({"ok": False}, status=403, headers=SECURITY_HEADERS)
        language = parse_language(await user_settings.get_language(ports.db, user_id) or "")
        await session.log_in(request, user_id, language)
        return web.json_response({"ok": True}, headers=SECURITY_HEADERS)

    async def logout(request: web.Request) -> web.Response:
        viewer = await logged_in(request)
        if not isinstance(viewer, Viewer):
            return viewer
        form = await form_checked(request, viewer)
        if isinstance(form, web.Response):
            return form
        (await session.get_session(request)).invalidate()
        raise web.HTTPSeeOther(f"{site.root}/web/", headers=SECURITY_HEADERS)

    async def overview_page(request: web.Request) -> web.Response:
        viewer = await logged_in(request)
        if not isinstance(viewer, Viewer):
            return viewer
        language = await language_for(request, viewer.user_id)
        shown = await overview(Page(ports, viewer, language), utc_now())
        return await render(request, "overview.html", "overview", viewer, language, **shown)

    async def events_page(request: web.Request) -> web.Response:
        viewer = await logged_in(request)
        if not isinstance(viewer, Viewer):
            return viewer
        language = await language_for(request, viewer.user_id)
        page = Page(ports, viewer, language)
        created = None
        number = request.query.get("angelegt", "")
        if number.isdigit() and len(number) <= 9:
            row = await events.get(ports.db, int(number))
            if row is not None and viewer.may_manage(row):
                created = TEXTS["created"].format(
                    language,
                    id=row.id,
                    title=row.title,
                    when=when(row, language),
                    reminders=describe_reminders(row.reminder_offsets, language),
                    rooms=", ".join(room_label(ports, room) for room in row.room_ids),
                )
        return await render(
            request,
            "events.html",
            "events",
            viewer,
            language,
            events=await event_list(page, utc_now(), site.base_url),
            created=created,
            feed=f"{site.base_url}/events.ics",
        )

    async def new_event_form(
        request: web.Request,
        viewer: Viewer,
        language: Language,
        fields: dict[str, str],
        chosen: Sequence[str] = (),
        error: str | None = None,
    ) -> web.Response:
        rooms = [
            {"id": room_id, "label": room_label(ports, room_id), "checked": room_id in chosen}
            for room_id in event_rooms(ports, viewer)
        ]
        return await render(
            request,
            "event_new.html",
            "new_event",
            viewer,
            language,
            status=400 if error else 200,
            form={name: fields.get(name, "") for name in FORM_FIELDS},
            form_id=fields.get("form_id") or secrets.token_urlsafe(16),
            rooms=rooms,
            error=error,
        )

    async def new_event_page(request: web.Request) -> web.Response:
        viewer = await organiser(request)
        if not isinstance(viewer, Viewer):
            return viewer
        language = await language_for(request, viewer.user_id)
        return await new_event_form(request, viewer, language, {})

    async def create_event(request: web.Request) -> web.Response:
        viewer = await organiser(request)
        if not isinstance(viewer, Viewer):
            return viewer
        form = await form_checked(request, viewer)
        if isinstance(form, web.Response):
            return form
        language = await language_for(request, viewer.user_id)
        fields = {
            name: value
            for name in (*FORM_FIELDS, "form_id")
            if isinstance(value := form.get(name, ""), str)
        }
        chosen = [room for room in form.getall("rooms", []) if isinstance(room, str)]
        form_id = fields.get("form_id", "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", form_id):
            return await message(request, "csrf_title", "csrf", 403, viewer)
        # The same form sent twice (a double click, a reload) creates one event.
        source = f"web:{form_id}"
        stored = await events.by_source(ports.db, source)
        if stored is not None:
            raise web.HTTPSeeOther(f"{site.root}/web/events?angelegt={stored.id}")
        allowed = event_rooms(ports, viewer)
        room_ids = list(dict.fromkeys(chosen))
        error = None
        if not room_ids:
            error = TEXTS["rooms_missing"].get(language)
        elif any(room not in allowed for room in room_ids):
            error = TEXTS["room_not_yours"].get(language)
        now = utc_now()
        try:
            details = details_from_fields(fields, now, ZoneInfo(ports.settings.timezone))
        except ConversionError as problem:
            error = problem.text(language)
        if error is not None:
            return await new_event_form(request, viewer, language, fields, room_ids, error)
        row = await create_announced(
            ports,
            source=source,
            created_by=viewer.user_id,
            command_room_id=room_ids[0],
            details=details,
            room_ids=room_ids,
            now=now,
        )
        raise web.HTTPSeeOther(f"{site.root}/web/events?angelegt={row.id}")

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC_TYPES:
            raise web.HTTPNotFound()
        data = resources.files("commands.web").joinpath("static", name).read_bytes()
        return web.Response(
            body=data,
            headers={
                "Content-Type": f"{STATIC_TYPES[name]}; charset=utf-8",
                "Cache-Control": "max-age=3600",
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def to_overview(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{site.root}/web/")

    return {
        "to_overview": to_overview,
        "overview": sessions(overview_page),
        "login": sessions(login_page),
        "openid": sessions(widget_login),
        "logout": sessions(logout),
        "events": sessions(events_page),
        "new_event_page": sessions(new_event_page),
        "create_event": sessions(create_event),
        "static": static,
    }
