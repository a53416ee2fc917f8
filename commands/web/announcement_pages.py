"""The announcements page for organisers: the scheduled posts they manage, a new one (a time
phrase as in chat, the rooms, the text), pause, resume and cancel — through the same code and
rights as `!ankuendigung` and its commands (commands.announcements)."""

from __future__ import annotations

import re
import secrets
from zoneinfo import ZoneInfo

from aiohttp import web

from commands.announcements.commands import (
    CANCELLED_NOW,
    NONE,
    PAUSED,
    PAUSED_NOW,
    SCHEDULED,
    cancel_announcement,
    next_text,
    pause_announcement,
    resume_announcement,
    schedule_text,
    shown_text,
    store_announcement,
    timing,
)
from commands.announcements.plan import check_text
from commands.core.converters import ConversionError
from commands.core.markdown_text import markdown_html
from commands.core.rendering import Markup
from commands.core.time_phrases import format_when
from commands.web.rights import Viewer, event_rooms, room_choices, room_label
from commands.web.site import SECURITY_HEADERS, Asked, Site, number
from commands.web.texts import TEXTS
from storage import announcements
from storage.announcements import NewAnnouncement
from storage.models import Announcement, utc_now

FORM_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
ACTIONS = ("pause", "resume", "cancel")


def manages(viewer: Viewer, row: Announcement) -> bool:
    """As the commands: whoever scheduled it, and the organisers of its rooms (the network's
    organise every room)."""
    return (
        viewer.network
        or row.created_by == viewer.user_id
        or any(room in viewer.organised for room in row.room_ids)
    )


def routes(site: Site) -> list[web.RouteDef]:
    ports = site.ports

    def rooms_text(room_ids: list[str]) -> str:
        return ", ".join(room_label(ports, room) for room in room_ids)

    async def listing(
        asked: Asked,
        status: int = 200,
        notice: str | Markup | None = None,
        error: str | None = None,
        form: dict[str, str] | None = None,
        chosen: tuple[str, ...] = (),
    ) -> web.Response:
        language = asked.language
        rows = [row for row in await announcements.listed(ports.db) if manages(asked.viewer, row)]
        return await site.page(
            asked,
            "announcements.html",
            "announcements",
            status,
            announcements=[
                {
                    "id": row.id,
                    "next": next_text(row, language),
                    "schedule": schedule_text(row, language),
                    "rooms": rooms_text(row.room_ids),
                    "text": shown_text(row),
                    "paused": row.status == announcements.PAUSED,
                }
                for row in rows
            ],
            nothing_planned=NONE.get(language),
            paused_word=PAUSED.get(language),
            rooms=room_choices(ports, await event_rooms(ports, asked.viewer), chosen),
            form=form or {"when": "", "text": "", "form_id": secrets.token_urlsafe(16)},
            notice=notice,
            error=error,
        )

    async def list_page(asked: Asked) -> web.Response:
        return await listing(asked)

    async def create(asked: Asked) -> web.Response:
        assert asked.form is not None
        language = asked.language
        form = {name: asked.field(name) for name in ("when", "text", "form_id")}
        if not FORM_ID_RE.fullmatch(form["form_id"]):
            return await site.message(asked.request, "csrf_title", "csrf", 403, asked.viewer)
        source = f"web:{form['form_id']}"
        chosen = tuple(
            dict.fromkeys(room for room in asked.form.getall("rooms", []) if isinstance(room, str))
        )
        row = await announcements.by_source(ports.db, source)
        if row is None:
            allowed = await event_rooms(ports, asked.viewer)
            try:
                if not chosen:
                    raise ConversionError(TEXTS["rooms_missing"])
                if any(room not in allowed for room in chosen):
                    raise ConversionError(TEXTS["room_not_yours_announce"])
                text = check_text(form["text"])
                # Kept as typed (the body) and formatted as Element would have sent it.
                html = markdown_html(text)
                zone = ZoneInfo(ports.settings.timezone)
                cron, once_at, first = timing(form["when"], utc_now(), zone)
            except ConversionError as problem:
                return await listing(
                    asked, 400, error=problem.text(language), form=form, chosen=chosen
                )
            row = await store_announcement(
                ports,
                NewAnnouncement(
                    source_event_id=source,
                    created_by=asked.viewer.user_id,
                    command_room_id=chosen[0],
                    room_ids=list(chosen),
                    text=text,
                    html=str(html) if html is not None else None,
                    once_at=once_at,
                    cron=cron,
                    timezone=ports.settings.timezone,
                    next_due=first,
                ),
            )
        scheduled = SCHEDULED.html(
            language,
            id=row.id,
            schedule=schedule_text(row, language),
            first=next_text(row, language),
            rooms=rooms_text(row.room_ids),
        )
        return await listing(asked, notice=scheduled)

    async def act(asked: Asked) -> web.Response:
        language = asked.language
        action = asked.request.match_info["action"]
        found = number(asked.request.match_info["id"])
        row = await announcements.get(ports.db, found) if found is not None else None
        listed = (announcements.ACTIVE, announcements.PAUSED)
        # Someone else's is as unknown as one that is not there.
        if row is None or row.status not in listed or not manages(asked.viewer, row):
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        if action == "pause":
            await pause_announcement(ports, row.id)
            command = ports.direct.command_text("ankuendigung fortsetzen", language, row.id)
            notice = PAUSED_NOW.format(language, id=row.id, command=command)
        elif action == "resume":
            try:
                upcoming = await resume_announcement(ports, row, utc_now())
            except ConversionError as problem:
                return await listing(asked, 400, error=problem.text(language))
            when = format_when(upcoming, ZoneInfo(row.timezone), language)
            notice = TEXTS["resumed"].format(language, id=row.id, next=when)
        else:
            await cancel_announcement(ports, row.id)
            notice = CANCELLED_NOW.format(language, id=row.id)
        return await listing(asked, notice=notice)

    organiser = site.organiser
    return [
        web.get("/web/announcements", site.shown(organiser, list_page)),
        web.post("/web/announcements/new", site.posted(organiser, create)),
        web.post(
            r"/web/announcements/{id:\d+}/{action:pause|resume|cancel}",
            site.posted(organiser, act),
        ),
    ]
