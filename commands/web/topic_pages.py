"""The topics page: the open topics of one's rooms ranked by support, the agenda of each
upcoming event, and the minutes to download for those who manage the event — through the same
code as `!themen`, `!agenda` and `!protokoll` (commands.topics)."""

from __future__ import annotations

from aiohttp import web

from commands.topics.commands import minutes_export, view
from commands.topics.plan import ranked, topic_line
from commands.web.site import SECURITY_HEADERS, Asked, Site, attachment, number
from commands.web.views import Page, visible_events, when
from storage import events, topics
from storage.models import Event, utc_now

# As `!themen`: the fifty best supported.
TOPIC_LIMIT = 50


def routes(site: Site) -> list[web.RouteDef]:
    ports = site.ports

    async def topics_page(asked: Asked) -> web.Response:
        language = asked.language
        viewer = asked.viewer
        rows = [
            (row, count)
            for row, count in await topics.listing(ports.db, topics.OPEN, None, None)
            if viewer.network or viewer.sees_room(row.room_id)
        ]
        by_id = {row.id: (row, count) for row, count in rows}
        lines = [
            topic_line(view(*by_id[topic_id]), language)
            for topic_id, _ in ranked([(row.id, count) for row, count in rows])
        ][:TOPIC_LIMIT]
        shown_events = await visible_events_of(asked)
        agenda_of = await topics.agendas(ports.db, [event.id for event in shown_events])
        support = await topics.support_counts(
            ports.db, [row.id for rows in agenda_of.values() for row in rows]
        )
        agendas = [
            {
                "id": event.id,
                "title": event.title,
                "when": when(event, language),
                "topics": [
                    topic_line(view(row, support[row.id]), language, with_event=False)
                    for row in agenda_of[event.id]
                ],
                "minutes": viewer.may_manage(event),
            }
            for event in shown_events
        ]
        return await site.page(asked, "topics.html", "topics", topics=lines, agendas=agendas)

    async def visible_events_of(asked: Asked) -> list[Event]:
        return await visible_events(Page(ports, asked.viewer, asked.language), utc_now())

    async def minutes(asked: Asked) -> web.StreamResponse:
        found = number(asked.request.match_info["id"])
        event = await events.get(ports.db, found) if found is not None else None
        if event is None or not asked.viewer.may_manage(event):
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        return attachment(await minutes_export(ports.db, event, asked.language))

    viewer = site.logged_in
    return [
        web.get("/web/topics", site.shown(viewer, topics_page)),
        web.get(r"/web/events/{id:\d+}/minutes.md", site.shown(viewer, minutes)),
    ]
