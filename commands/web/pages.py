"""The web page's routes under `/web/`: login by one-time link, the overview, the events with
their answers and calendar links, and the form that creates an event through the same code as
`!termin neu` (commands.events). Every page checks the viewer's rights; every form its CSRF
token."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from importlib import resources
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web

from commands.core.converters import ConversionError
from commands.core.i18n import parse_language
from commands.core.offsets import format_offsets
from commands.core.ports import Ports
from commands.events.creation import create_announced
from commands.events.plan import details_from_fields
from commands.events.text import describe_reminders
from commands.web import (
    announcement_pages,
    event_edit,
    login,
    members,
    openid,
    own_data,
    poll_pages,
    session,
    space_page,
    survey_pages,
    topic_pages,
)
from commands.web.rights import event_rooms, room_choices, room_label
from commands.web.site import SECURITY_HEADERS, Asked, Site
from commands.web.texts import TEXTS
from commands.web.views import Page, event_answers, event_list, overview, when
from storage import events, user_settings
from storage.models import utc_now

FEATURE_NAME = "web"
# The modules of the pages beyond the overview and the events; each gives its routes.
PAGES = (
    announcement_pages,
    event_edit,
    members,
    own_data,
    poll_pages,
    space_page,
    survey_pages,
    topic_pages,
)
STATIC_TYPES = {"style.css": "text/css", "widget.js": "text/javascript"}
# Link previews (the homeserver's, chat apps') fetch a link to show it; that must not use it up.
PREVIEW_AGENTS = re.compile(r"synapse|bot|preview|crawler|spider|facebookexternalhit", re.I)
FORM_FIELDS = event_edit.FIELDS


async def setup(ports: Ports) -> None:
    base_url = ports.links.base_url.rstrip("/")
    root = urlsplit(base_url).path.rstrip("/")
    storage = await session.cookie_settings(
        ports.db, secure=base_url.startswith("https://"), path=f"{root}/web"
    )
    ports.runtimes[FEATURE_NAME] = Site(ports, storage, base_url, root)


def routes(ports: Ports) -> Sequence[web.RouteDef]:
    site: Site = ports.runtimes[FEATURE_NAME]
    sessions = session.with_sessions(site.storage)
    message = site.message
    logged_in = site.logged_in
    organiser = site.organiser

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

    async def logout(asked: Asked) -> web.Response:
        (await session.get_session(asked.request)).invalidate()
        raise web.HTTPSeeOther(f"{site.root}/web/", headers=SECURITY_HEADERS)

    async def overview_page(asked: Asked) -> web.Response:
        shown = await overview(Page(ports, asked.viewer, asked.language), utc_now())
        return await site.page(asked, "overview.html", "overview", **shown)

    async def events_page(asked: Asked) -> web.Response:
        request, viewer, language = asked.request, asked.viewer, asked.language
        page = Page(ports, viewer, language)
        created = None
        # After the form: what was created ("angelegt") or changed ("geaendert").
        for parameter, key in (("angelegt", "created"), ("geaendert", "changed_notice")):
            number = request.query.get(parameter, "")
            if not (number.isdigit() and len(number) <= 9):
                continue
            row = await events.get(ports.db, int(number))
            if row is not None and viewer.may_manage(row):
                created = TEXTS[key].format(
                    language,
                    id=row.id,
                    title=row.title,
                    when=when(row, language),
                    reminders=describe_reminders(row.reminder_offsets, language),
                    rooms=", ".join(room_label(ports, room) for room in row.room_ids),
                )
        wanted = request.query.get("seite", "")
        page_number = int(wanted) if re.fullmatch(r"[1-9][0-9]{0,3}", wanted) else 1
        shown, more = await event_list(page, utc_now(), site.base_url, page_number)
        return await site.page(
            asked,
            "events.html",
            "events",
            events=shown,
            number=page_number,
            more=more,
            created=created,
            feed=f"{site.base_url}/events.ics",
        )

    async def event_page(asked: Asked) -> web.Response:
        page = Page(ports, asked.viewer, asked.language)
        number = int(asked.request.match_info["number"])
        shown = await event_answers(page, number, site.base_url)
        if shown is None:
            return await message(asked.request, "not_found_title", "not_found", 404, asked.viewer)
        return await site.page(asked, "event.html", "event", event=shown)

    async def new_event_form(
        asked: Asked,
        fields: dict[str, str],
        chosen: Sequence[str] = (),
        error: str | None = None,
    ) -> web.Response:
        rooms = room_choices(ports, await event_rooms(ports, asked.viewer), chosen)
        return await site.page(
            asked,
            "event_new.html",
            "new_event",
            status=400 if error else 200,
            form={name: fields.get(name, "") for name in FORM_FIELDS},
            form_id=fields.get("form_id") or secrets.token_urlsafe(16),
            rooms=rooms,
            error=error,
        )

    async def new_event_page(asked: Asked) -> web.Response:
        # As `!termin neu` without options: the configured reminders, closed to the network.
        defaults = {
            "reminders": format_offsets(list(ports.settings.reminder_offsets)),
            "closed": "yes",
        }
        return await new_event_form(asked, defaults)

    async def create_event(asked: Asked) -> web.Response:
        request, viewer, language, form = asked.request, asked.viewer, asked.language, asked.form
        assert form is not None
        fields = {
            name: value
            for name in (*FORM_FIELDS, "form_id")
            if isinstance(value := form.get(name, ""), str)
        }
        if "reminders" not in form:
            # A form without the field (sent by a script): the configured reminders.
            del fields["reminders"]
        chosen = [room for room in form.getall("rooms", []) if isinstance(room, str)]
        form_id = fields.get("form_id", "")
        if not event_edit.FORM_ID_RE.fullmatch(form_id):
            return await message(request, "csrf_title", "csrf", 403, viewer)
        # The same form sent twice (a double click, a reload) creates one event.
        source = f"web:{form_id}"
        stored = await events.by_source(ports.db, source)
        if stored is not None:
            raise web.HTTPSeeOther(f"{site.root}/web/events?angelegt={stored.id}")
        allowed = await event_rooms(ports, viewer)
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
            return await new_event_form(asked, fields, room_ids, error)
        row = await create_announced(
            ports,
            source=source,
            created_by=viewer.user_id,
            command_room_id=room_ids[0],
            details=details,
            room_ids=room_ids,
            now=now,
            description_html=event_edit.description_html(details.description),
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

    return (
        *(
            web.route(route.method, route.path, sessions(route.handler))
            for page in PAGES
            for route in page.routes(site)
        ),
        web.get("/web", to_overview),
        web.get("/web/", sessions(site.shown(logged_in, overview_page))),
        web.get("/web/login/{token}", sessions(login_page)),
        web.post("/web/openid", sessions(widget_login)),
        web.post("/web/logout", sessions(site.posted(logged_in, logout))),
        web.get("/web/events", sessions(site.shown(logged_in, events_page))),
        web.get("/web/events/new", sessions(site.shown(organiser, new_event_page))),
        web.get(r"/web/events/{number:\d{1,9}}", sessions(site.shown(logged_in, event_page))),
        web.post("/web/events/new", sessions(site.posted(organiser, create_event))),
        web.get("/web/static/{name}", static),
    )
