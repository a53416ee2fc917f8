"""The page of one's own data, for everyone who logs in: their answers to the upcoming events,
what the bot stores about them and the files of `!meine-daten` to download — through
commands.privacy's export, and nothing of anyone else."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from commands.core.files import ExportFile
from commands.core.time_phrases import format_when
from commands.privacy import export as export_files
from commands.web.site import Asked, Site, attachment
from commands.web.texts import TEXTS
from commands.web.views import Page, visible_events, when
from storage import events, privacy
from storage.models import utc_now


def routes(site: Site) -> list[web.RouteDef]:
    ports = site.ports

    async def own_page(asked: Asked) -> web.Response:
        language = asked.language
        user = asked.viewer.user_id
        counts = await privacy.export_counts(ports.db, user)
        shown_events = await visible_events(Page(ports, asked.viewer, language), utc_now())
        answer_of = await events.answers_by(ports.db, user, [row.id for row in shown_events])
        answered = [
            {
                "id": row.id,
                "title": row.title,
                "when": when(row, language),
                "answer": TEXTS[answer_of[row.id]].get(language),
            }
            for row in shown_events
            if row.id in answer_of
        ]
        return await site.page(
            asked,
            "own_data.html",
            "own_data",
            answered=answered,
            stored=export_files.count_items(counts, language),
            nothing=export_files.NOTHING.get(language),
        )

    async def download(asked: Asked) -> web.StreamResponse:
        language = asked.language
        user = asked.viewer.user_id
        data = await privacy.export(ports.db, user)
        now = utc_now()
        name = "meine-daten" if language == "de" else "my-data"
        if asked.request.match_info["kind"] == "json":
            made = ExportFile(
                f"{name}.json", export_files.to_json(user, data, now), "application/json"
            )
        else:
            shown = format_when(now, ZoneInfo(ports.settings.timezone), language)
            made = ExportFile(
                f"{name}.md", export_files.to_markdown(user, data, shown, language), "text/markdown"
            )
        return attachment(made)

    viewer = site.logged_in
    return [
        web.get("/web/me", site.shown(viewer, own_page)),
        web.get(r"/web/me/data.{kind:json|md}", site.shown(viewer, download)),
    ]
