"""Changing an event on the web page: its form, filled with what it is now, changes what
`!termin ändern` can (title, time, place, links, description, rooms, reminders, closed or open)
through the same code (commands.events): the card is edited in place, a change notice goes to
its rooms, rooms new to it get the card, and the reminders are planned anew — once per form."""

from __future__ import annotations

import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from commands.core.converters import ConversionError
from commands.core.markdown_text import markdown_html
from commands.core.offsets import format_offsets
from commands.events.creation import change_announced
from commands.events.plan import details_from_fields
from commands.web.rights import event_rooms, room_choices
from commands.web.site import SECURITY_HEADERS, Asked, Site, number
from commands.web.texts import TEXTS
from commands.web.views import when
from storage import events
from storage.models import Event, utc_now

FIELDS = (
    "title",
    "date",
    "start",
    "end",
    "place",
    "online_link",
    "agenda_link",
    "description",
    "reminders",
    "closed",
)
FORM_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def fields_of(row: Event) -> dict[str, str]:
    """The form's fields as the event is now, in its time zone."""
    zone = ZoneInfo(row.timezone)
    starts, ends = row.starts_at.astimezone(zone), row.ends_at.astimezone(zone)
    return {
        "title": row.title,
        "date": starts.date().isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M") if ends.date() == starts.date() else "",
        "place": row.place or "",
        "online_link": row.online_link or "",
        "agenda_link": row.agenda_link or "",
        "description": row.description or "",
        "reminders": format_offsets(row.reminder_offsets),
        "closed": "yes" if row.closed else "",
    }


def description_html(description: str | None) -> str | None:
    """The description formatted as Element would have sent it, as the command keeps it."""
    html = markdown_html(description) if description else None
    return str(html) if html is not None else None


def routes(site: Site) -> list[web.RouteDef]:
    ports = site.ports

    async def managed(asked: Asked) -> Event:
        """An active event the viewer may change (as `!termin ändern`); else not found."""
        found = number(asked.request.match_info["id"])
        row = await events.get(ports.db, found) if found is not None else None
        if (
            row is None
            or row.status != events.ACTIVE
            or row.ends_at <= utc_now()
            or not asked.viewer.may_manage(row)
        ):
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        return row

    async def offered(asked: Asked, row: Event) -> list[str]:
        """The rooms to choose from: where the viewer may announce, and the event's own."""
        allowed = await event_rooms(ports, asked.viewer)
        return [*row.room_ids, *(room for room in allowed if room not in row.room_ids)]

    async def form(
        asked: Asked,
        row: Event,
        fields: dict[str, str],
        error: str | None = None,
        chosen: list[str] | None = None,
    ) -> web.Response:
        rooms = room_choices(ports, await offered(asked, row), chosen or row.room_ids)
        values: dict[str, Any] = {
            "event": {"id": row.id, "title": row.title, "when": when(row, asked.language)},
            "form": {name: fields.get(name, "") for name in FIELDS},
            "rooms": rooms,
            "form_id": fields.get("form_id") or secrets.token_urlsafe(16),
            "error": error,
        }
        return await site.page(
            asked, "event_edit.html", "edit_event", 400 if error else 200, **values
        )

    async def edit_page(asked: Asked) -> web.Response:
        row = await managed(asked)
        return await form(asked, row, fields_of(row))

    async def change(asked: Asked) -> web.Response:
        row = await managed(asked)
        fields = {name: asked.field(name) for name in (*FIELDS, "form_id")}
        if not FORM_ID_RE.fullmatch(fields["form_id"]):
            return await site.message(asked.request, "csrf_title", "csrf", 403, asked.viewer)
        source = f"web:{fields['form_id']}"
        if row.last_change_event_id == source:
            raise site.redirect(f"events?geaendert={row.id}#termin-{row.id}")
        assert asked.form is not None
        chosen = list(
            dict.fromkeys(room for room in asked.form.getall("rooms", []) if isinstance(room, str))
        )
        now = utc_now()
        try:
            if not chosen:
                raise ConversionError(TEXTS["rooms_missing"])
            if not set(chosen) <= set(await offered(asked, row)):
                raise ConversionError(TEXTS["room_not_yours"])
            details = details_from_fields(
                fields, now, ZoneInfo(row.timezone), editing=True, unchanged=fields_of(row)
            )
        except ConversionError as problem:
            return await form(asked, row, fields, problem.text(asked.language), chosen)
        if set(chosen) != set(row.room_ids):
            details.rooms = chosen
        if details.offsets == row.reminder_offsets:
            details.offsets = None  # as given: not planned anew
        changed = await change_announced(
            ports, row, details, chosen, source, now, description_html(details.description)
        )
        if changed is None:
            # Changed or cancelled meanwhile: the form would undo what someone else did.
            return await form(
                asked, row, fields_of(row), TEXTS["changed_meanwhile"].get(asked.language)
            )
        raise site.redirect(f"events?geaendert={row.id}#termin-{row.id}")

    organiser = site.organiser
    return [
        web.get(r"/web/events/{id:\d+}/edit", site.shown(organiser, edit_page)),
        web.post(r"/web/events/{id:\d+}/edit", site.posted(organiser, change)),
    ]
