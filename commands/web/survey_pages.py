"""The needs survey pages for the network's organisers: every survey with its progress, a
report with its chart, the CSV and Markdown downloads of `!export bedarfe` (an anonymous survey
still open shows only how many answered), and a new survey from a form or a TOML file, checked
line by line and shown before it is saved — through the same code as `!bedarfe liste`,
`!bedarfe auswertung` and `!bedarfe anlegen` (commands.surveys)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from commands.core.converters import ConversionError
from commands.core.i18n import Language
from commands.core.ports import Ports
from commands.core.rendering import Markup
from commands.surveys.commands import create_defined, created_text
from commands.surveys.definition import BAD_ROOM, EXAMPLE, SurveyDefinition, parse_toml
from commands.surveys.needs import export_file, export_paths, material, report_chart
from commands.surveys.report import KIND_NAMES, chart_panels, render_html
from commands.surveys.text import privacy_word, state_text
from commands.web.rights import Viewer, event_rooms, room_choices, room_label
from commands.web.site import SECURITY_HEADERS, Asked, Site, attachment, number
from commands.web.texts import TEXTS
from storage import surveys
from storage.models import utc_now

MAX_DEFINITION = 30000
FORM_FIELDS = (
    "title",
    "description",
    "opens_date",
    "opens_time",
    "closes_date",
    "closes_time",
    "questions",
)
QUESTION_EXAMPLE = EXAMPLE[EXAMPLE.index("[[frage]]") :]
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_RE = re.compile(r"\d{2}:\d{2}")
QUESTION_TABLE_RE = re.compile(r"\s*\[\[\s*(frage|question)\s*\]\]")
FORM_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def toml_of_form(fields: dict[str, str], anonymous: bool, invite: Sequence[str]) -> str:
    """The survey a form describes, written as the TOML `!bedarfe anlegen` reads."""
    lines = [f"titel = {json.dumps(fields.get('title', '').strip(), ensure_ascii=False)}"]
    if fields.get("description", "").strip():
        text = json.dumps(fields["description"].strip(), ensure_ascii=False)
        lines.append(f"beschreibung = {text}")
    lines.append(f"anonym = {'true' if anonymous else 'false'}")
    for key, prefix in (("beginn", "opens"), ("ende", "closes")):
        day, time = fields.get(f"{prefix}_date", ""), fields.get(f"{prefix}_time", "") or "00:00"
        if not day:
            continue
        if DATE_RE.fullmatch(day) and TIME_RE.fullmatch(time):
            lines.append(f"{key} = {day}T{time}:00")
        else:
            lines.append(f"{key} = {json.dumps(f'{day} {time}', ensure_ascii=False)}")
    if invite:
        lines.append(f"einladen = {json.dumps(list(invite), ensure_ascii=False)}")
    return "\n".join(lines) + "\n\n" + fields.get("questions", "").strip() + "\n"


def error_line(text: str, problem: ConversionError) -> int | None:
    """The line of the TOML a problem is about: where the TOML reader stopped, the question it
    names, or the key it names."""
    said = problem.text("de")
    lines = text.splitlines()
    found = re.search(r"at line (\d+)", str(problem.values.get("error", "")))
    if found:
        return int(found[1])
    found = re.search(r"Frage (\d+)", said)
    if found:
        tables = [n for n, line in enumerate(lines, 1) if QUESTION_TABLE_RE.match(line)]
        wanted = int(found[1])
        return tables[wanted - 1] if 0 < wanted <= len(tables) else None
    key = problem.values.get("key")
    if isinstance(key, str):
        for n, line in enumerate(lines, 1):
            if re.match(rf"\s*{re.escape(key)}\s*=", line):
                return n
    # A value it quotes (a time it cannot read, a room it does not know).
    quoted = [v for v in problem.values.values() if isinstance(v, str) and len(v) > 1]
    for n, line in enumerate(lines, 1):
        if "=" in line and any(value in line for value in quoted):
            return n
    return None


async def resolve_invites(ports: Ports, viewer: Viewer, rooms: Sequence[str]) -> tuple[str, ...]:
    """The rooms to invite as ids: a room the viewer may post in, named by id or alias."""
    allowed = {room_id: room_label(ports, room_id) for room_id in await event_rooms(ports, viewer)}
    resolved = []
    for room in rooms:
        match = next(
            (
                room_id
                for room_id, label in allowed.items()
                if room in (room_id, label) or label.split(":")[0] == room
            ),
            None,
        )
        if match is None:
            raise ConversionError(BAD_ROOM, room=room)
        resolved.append(match)
    return tuple(resolved)


def described(definition: SurveyDefinition, language: Language, zone: ZoneInfo) -> dict[str, Any]:
    """A checked survey as the preview shows it."""
    return {
        "title": definition.title,
        "description": definition.description,
        "kind": privacy_word(definition.anonymous, language),
        "opens": definition.opens_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
        if definition.opens_at
        else None,
        "closes": definition.closes_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
        "questions": [
            {
                "text": question.text,
                "kind": KIND_NAMES[question.kind].get(language),
                "options": list(question.options),
            }
            for question in definition.questions
        ],
    }


def routes(site: Site) -> list[web.RouteDef]:
    ports = site.ports
    zone = ZoneInfo(ports.settings.timezone)

    async def list_page(asked: Asked) -> web.Response:
        now = utc_now()
        counts = await surveys.participant_counts(ports.db)
        shown = [
            {
                "id": survey.id,
                "title": survey.title,
                "kind": privacy_word(survey.anonymous, asked.language),
                "state": state_text(
                    survey.opens_at, survey.closes_at, survey.timezone, now, asked.language
                ),
                "count": counts.get(survey.id, 0),
            }
            for survey in await surveys.all_surveys(ports.db)
        ]
        return await site.page(asked, "surveys.html", "surveys", surveys=shown)

    async def survey_of(asked: Asked) -> Any:
        found = number(asked.request.match_info["id"])
        survey = await surveys.get(ports.db, found) if found is not None else None
        if survey is None:
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        return survey

    async def report_page(asked: Asked) -> web.Response:
        survey = await survey_of(asked)
        now = utc_now()
        language = asked.language
        found = await material(ports.db, survey, now)
        note = ports.direct.command_text("bedarf", language)
        # The chat's report, whose user text is escaped where it is made.
        report = render_html(found.state, found.summaries, found.notes, now, language, note)
        files = [path.rsplit("/", 1)[1] for path in export_paths(found, language)]
        return await site.page(
            asked,
            "survey.html",
            "survey_report",
            survey={"id": survey.id, "title": survey.title},
            report=report,
            chart=bool(chart_panels(found.summaries, found.notes, language)),
            files=files,
            created=created_notice(survey, language)
            if asked.request.query.get("angelegt") == "1"
            else None,
        )

    def created_notice(survey: Any, language: Language) -> Markup:
        report = Markup("<code>{}</code>").format(
            ports.direct.command_text("bedarfe auswertung", language, survey.id)
        )
        return created_text(survey, language, lambda room: room_label(ports, room), report)

    async def chart(asked: Asked) -> web.StreamResponse:
        survey = await survey_of(asked)
        now = utc_now()
        png = await report_chart(await material(ports.db, survey, now), now, asked.language)
        if png is None:
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        return web.Response(body=png, content_type="image/png", headers=SECURITY_HEADERS)

    async def download(asked: Asked) -> web.StreamResponse:
        survey = await survey_of(asked)
        name = asked.request.match_info["name"]
        path = f"needs/{asked.language}/{name}"
        made = await export_file(ports.db, path, utc_now(), ports.settings.timezone)
        if made is None or (survey.id != made_survey(name) and name != "notes.csv"):
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        return attachment(made)

    async def form_page(
        asked: Asked,
        status: int = 200,
        fields: dict[str, str] | None = None,
        error: str | None = None,
    ) -> web.Response:
        given = fields or {"questions": QUESTION_EXAMPLE}
        return await site.page(
            asked,
            "survey_new.html",
            "new_survey",
            status,
            form={name: given.get(name, "") for name in FORM_FIELDS},
            anonymous=given.get("anonymous", "yes") == "yes",
            rooms=room_choices(ports, await event_rooms(ports, asked.viewer)),
            error=error,
        )

    async def new_form(asked: Asked) -> web.Response:
        return await form_page(asked)

    async def check(asked: Asked) -> web.StreamResponse:
        assert asked.form is not None
        language = asked.language
        upload = asked.form.get("file")
        if isinstance(upload, web.FileField) and upload.filename:
            data = upload.file.read(MAX_DEFINITION + 1)
            try:
                text = data.decode("utf-8") if len(data) <= MAX_DEFINITION else ""
            except UnicodeDecodeError:
                text = ""
            if not text:
                error = TEXTS["survey_file_unreadable"].get(language)
                return await form_page(asked, 400, error=error)
        elif asked.field("toml"):
            text = asked.field("toml")[:MAX_DEFINITION]
        else:
            fields = {name: asked.field(name) for name in FORM_FIELDS}
            invite = [room for room in asked.form.getall("invite", []) if isinstance(room, str)]
            text = toml_of_form(fields, asked.field("anonymous") == "yes", invite)
        form_id = asked.field("form_id")
        if not FORM_ID_RE.fullmatch(form_id):
            form_id = secrets.token_urlsafe(16)
        now = utc_now()
        problem = None
        definition = None
        try:
            definition = parse_toml(text, now, zone, TEXTS["survey_help"].get(language))
            rooms = await resolve_invites(ports, asked.viewer, definition.invite_rooms)
            definition = replace(definition, invite_rooms=rooms)
        except ConversionError as error:
            problem = error
        if definition is not None and problem is None and asked.field("confirm") == "yes":
            survey = await create_defined(
                ports, definition, f"web:{form_id}", asked.viewer.user_id, now
            )
            raise site.redirect(f"surveys/{survey.id}?angelegt=1")
        marked = error_line(text, problem) if problem is not None else None
        return await site.page(
            asked,
            "survey_preview.html",
            "survey_preview",
            400 if problem else 200,
            lines=[
                {"number": n, "text": line, "wrong": n == marked}
                for n, line in enumerate(text.splitlines(), 1)
            ],
            error=problem.text(language) if problem else None,
            error_line=marked,
            survey=described(definition, language, zone) if definition and not problem else None,
            toml=text,
            form_id=form_id,
        )

    network = site.network
    return [
        web.get("/web/surveys", site.shown(network, list_page)),
        web.get("/web/surveys/new", site.shown(network, new_form)),
        web.post("/web/surveys/new", site.posted(network, check)),
        web.get(r"/web/surveys/{id:\d+}", site.shown(network, report_page)),
        web.get(r"/web/surveys/{id:\d+}/chart.png", site.shown(network, chart)),
        web.get(r"/web/surveys/{id:\d+}/files/{name}", site.shown(network, download)),
    ]


def made_survey(name: str) -> int | None:
    """The survey a file of an export belongs to, by its name."""
    found = re.search(r"-(\d+)\.", name)
    return int(found[1]) if found else None
