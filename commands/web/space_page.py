"""The space page for the network's organisers: what `!space abgleichen` would change now — a
dry run of the same planning code (commands.space), nothing written or sent."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from commands.core.i18n import Language
from commands.space.commands import NO_SPACE, space_in
from commands.space.plan import describe
from commands.space.text import SpaceReport
from commands.web.site import Asked, Site


def preview_view(report: SpaceReport, language: Language) -> dict[str, Any]:
    """The report of a dry run, shaped for the page."""
    return {
        "created": report.created,
        "adopted": report.adopted,
        "changed": [
            {"room": room, "what": describe(event_type, language)}
            for room, event_type in report.changed
        ],
        "unlinked": report.unlinked,
        "invited": [{"user": user, "room": room} for user, room in report.invited],
        "strangers": [
            {"room": room, "people": ", ".join(people)} for room, people in report.strangers
        ],
        "problems": [problem.get(language) for problem in report.problems],
        "empty": report.empty,
    }


def routes(site: Site) -> list[web.RouteDef]:
    async def space_page(asked: Asked) -> web.Response:
        space = space_in(site.ports)
        if space is None:
            return await site.page(
                asked, "space.html", "space", plan=None, no_space=NO_SPACE.get(asked.language)
            )
        report = await space.preview()
        return await site.page(
            asked, "space.html", "space", plan=preview_view(report, asked.language), no_space=""
        )

    return [web.get("/web/space", site.shown(site.network, space_page))]
