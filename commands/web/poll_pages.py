"""The polls page: the polls of the rooms one is in, each with its result as `!ergebnis` shows
it and the chart the final result posts (hidden results stay hidden until the end) — through
the tally and chart code of commands.polls."""

from __future__ import annotations

import logging

from aiohttp import web

from commands.polls.plan import POLL_DUTY, render_results
from commands.polls.results import result_chart, tallies_of, tally_of, view_of
from commands.web.rights import room_label
from commands.web.site import SECURITY_HEADERS, Asked, Site, number
from storage import polls
from storage.models import Poll

log = logging.getLogger(__name__)
# The page shows the newest polls; older ones stay in their rooms.
POLL_LIMIT = 50


def shows_counts(poll: Poll) -> bool:
    """Counts are shown while open only for a disclosed poll (as Element and `!ergebnis`)."""
    return poll.disclosed or poll.status == polls.ENDED


def routes(site: Site) -> list[web.RouteDef]:
    ports = site.ports

    async def list_page(asked: Asked) -> web.Response:
        seen = [
            poll
            for poll in await polls.recent(ports.db, POLL_LIMIT)
            if asked.viewer.sees_room(poll.room_id)
        ]
        for poll in seen:
            await ports.schedules.settled(POLL_DUTY, poll.id)
        results = await tallies_of(ports.db, seen)
        shown = [
            {
                "id": poll.id,
                "room": room_label(ports, poll.room_id),
                # The chat's result, whose user text is escaped where it is made.
                "result": render_results(
                    view_of(poll, ports.settings.timezone), results[poll.id], asked.language
                ),
                "chart": shows_counts(poll),
            }
            for poll in seen
        ]
        return await site.page(asked, "polls.html", "polls", polls=shown)

    async def chart(asked: Asked) -> web.StreamResponse:
        found = number(asked.request.match_info["id"])
        poll = await polls.get(ports.db, found) if found is not None else None
        if poll is None or poll.start_event_id is None or not asked.viewer.sees_room(poll.room_id):
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        if not shows_counts(poll):
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        await ports.schedules.settled(POLL_DUTY, poll.id)
        try:
            png = await result_chart(poll, await tally_of(ports.db, poll), asked.language)
        except RuntimeError:
            # The table carries every figure; the picture is a bonus.
            log.exception("poll %s: no chart for the web page", poll.id)
            raise web.HTTPNotFound(headers=SECURITY_HEADERS) from None
        return web.Response(body=png, content_type="image/png", headers=SECURITY_HEADERS)

    viewer = site.logged_in
    return [
        web.get("/web/polls", site.shown(viewer, list_page)),
        web.get(r"/web/polls/{id:\d+}/chart.png", site.shown(viewer, chart)),
    ]
