"""The network's needs: anyone notes one with `!bedarf <text> #tag` from any room; organisers see
the aggregates (`!bedarfe auswertung`, with a chart) and export them (`!export bedarfe`) as CSV
for Excel and Markdown, as files in their direct chat and as links to the bot's HTTP server.
An anonymous survey shows no breakdown of fewer answers than `min_group_size` of the [privacy]
table (commands.privacy declares it; read here from the settings, without importing it)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, replace

from commands.core.bar_chart import chart_png
from commands.core.context import CommandContext
from commands.core.converters import ConversionError, Integer, Rest, visible
from commands.core.files import CSV_TYPE, MARKDOWN_TYPE, ExportFile
from commands.core.hashtags import TAG_RE
from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural
from commands.core.ports import Settings
from commands.core.registry import Arg, CommandGroup, Role
from commands.core.rendering import BR, Markup, link
from commands.core.time_phrases import format_date
from commands.surveys.commands import NO_DIRECT_ROOM, UNKNOWN, questions_of, view_of
from commands.surveys.flow import valid_answers
from commands.surveys.report import (
    ANSWERS_AXIS,
    RESPONSES,
    WITHHELD,
    NeedNote,
    QuestionSummary,
    SubmittedResponse,
    SurveyState,
    chart_panels,
    needs_csv,
    protect_small_groups,
    render_html,
    render_markdown,
    summarise,
    suppressed_questions,
    survey_csv,
    tags_in,
)
from storage import needs, surveys
from storage.database import Database
from storage.models import Survey

log = logging.getLogger(__name__)

group = CommandGroup("bedarfe", Localized("Bedarfe", "Needs"))

MAX_NEED = 2000
PATH_RE = re.compile(r"needs/(de|en)/(survey-(\d{1,9})\.csv|notes\.csv|report(?:-(\d{1,9}))?\.md)")

NUMBER = Arg(
    "nr",
    Integer(minimum=1, maximum=2**31 - 1),
    Localized("die Nummer der Erhebung (ohne: die neueste)", "the survey's number (none: newest)"),
    name_en="number",
    optional=True,
)
NOTED = Localized(
    "Danke! Bedarf Nr. {id} ist notiert{tags}. Die Organisation sieht ihn in der Auswertung.",
    "Thank you! Need no. {id} is noted{tags}. The organisers see it in the report.",
)
WITH_TAGS = Localized(" (Tags: {tags})", " (tags: {tags})")
NO_SUCH_NEED = Localized("Einen Bedarf Nr. {id} gibt es nicht.", "There is no need no. {id}.")
NOT_YOUR_NEED = Localized(
    "Bedarf Nr. {id} können nur, wer ihn notiert hat, und die Organisation löschen.",
    "Only whoever noted need no. {id} and the organisers may delete it.",
)
DELETED = Localized("Bedarf Nr. {id} ist gelöscht.", "Need no. {id} is deleted.")
EXPORTED = Plural(
    Localized(
        "Export{what}: {count} Datei in unserem Direktchat. Zum Herunterladen (24 Stunden gültig, "
        "nicht weitergeben): {links}",
        "Export{what}: {count} file in our direct chat. To download (valid for 24 hours, do not "
        "share): {links}",
    ),
    Localized(
        "Export{what}: {count} Dateien in unserem Direktchat. Zum Herunterladen (24 Stunden "
        "gültig, nicht weitergeben): {links}",
        "Export{what}: {count} files in our direct chat. To download (valid for 24 hours, do not "
        "share): {links}",
    ),
)
OF_SURVEY = Localized(" von Erhebung Nr. {id}", " of survey no. {id}")
SENT_TO_CHAT = Plural(
    Localized(
        "Der Export ({count} Datei, mit Link zum Herunterladen) ist in unserem Direktchat.",
        "The export ({count} file, with a link to download it) is in our direct chat.",
    ),
    Localized(
        "Der Export ({count} Dateien, mit Links zum Herunterladen) ist in unserem Direktchat.",
        "The export ({count} files, with links to download them) is in our direct chat.",
    ),
)
ONLY_TAGS = Localized(
    "Was ist der Bedarf? Beschreib ihn in Worten; #tags ordnen ihn nur ein.",
    "What is the need? Describe it in words; #tags only sort it.",
)
CHART_FOOTER = Localized("Stand {when}", "As of {when}")


@group.command(
    "bedarf",
    aliases=("need",),
    help=Localized(
        "Notiert einen Bedarf deiner Kommune, aus jedem Raum; #tags ordnen ihn ein.\n"
        "Beispiel: !bedarf Schulungen zu agilem Arbeiten für die Verwaltung #personal #agil",
        "Notes a need of your municipality, from any room; #tags sort it.\n"
        "Example: !need Training in agile work for the administration #staff #agile",
    ),
    args=(
        Arg(
            "text",
            Rest(max_length=MAX_NEED),
            Localized("der Bedarf, mit #tags", "the need, with #tags"),
        ),
    ),
    network_only=True,
)
async def note_need(ctx: CommandContext, text: str) -> None:
    if not visible(TAG_RE.sub("", text)):
        raise ConversionError(ONLY_TAGS)
    need = await needs.add(
        ctx.db,
        needs.NewNeed(
            source_event_id=ctx.event_id,
            author=ctx.sender,
            room_id=ctx.room_id,
            room_label=ctx.room_label(ctx.room_id)[:255],
            text=text.strip(),
            tags=tags_in(text),
        ),
    )
    tags = ""
    if need.tags:
        shown = " ".join(f"#{tag}" for tag in need.tags)
        tags = WITH_TAGS.format(ctx.language, tags=shown)
    await ctx.reply(NOTED.html(ctx.language, id=need.id, tags=tags))


@group.command(
    "bedarf löschen",
    de_aliases=("bedarf loeschen",),
    aliases=("need delete",),
    help=Localized(
        "Löscht einen notierten Bedarf (wer ihn notiert hat, oder die Organisation).",
        "Deletes a noted need (whoever noted it, or the organisers).",
    ),
    args=(replace(NUMBER, optional=False, help=Localized("seine Nummer", "its number")),),
)
async def delete_need(ctx: CommandContext, nr: int) -> None:
    need = await needs.get(ctx.db, nr)
    if need is None:
        raise ConversionError(NO_SUCH_NEED, id=nr)
    if need.author != ctx.sender and ctx.role < Role.NETWORK:
        raise ConversionError(NOT_YOUR_NEED, id=nr)
    await needs.remove(ctx.db, nr)
    await ctx.reply(DELETED.html(ctx.language, id=nr))


@dataclass(frozen=True)
class Material:
    """Everything a report or an export shows."""

    survey: Survey | None
    state: SurveyState | None
    responses: list[SubmittedResponse]
    summaries: list[QuestionSummary]
    notes: list[NeedNote]


# The smallest group an anonymous survey's answers are broken down to: [privacy]
# min_group_size, taken at the feature's set-up, for the download links too (they have no
# settings of their own).
DEFAULT_MIN_GROUP_SIZE = 5
SMALL_GROUPS = {"min_size": DEFAULT_MIN_GROUP_SIZE}


def min_group_size(settings: Settings) -> int:
    size = getattr(settings.sections.get("privacy"), "min_group_size", DEFAULT_MIN_GROUP_SIZE)
    return size if isinstance(size, int) and size >= 1 else DEFAULT_MIN_GROUP_SIZE


def take_min_group_size(settings: Settings) -> None:
    SMALL_GROUPS["min_size"] = min_group_size(settings)


async def material(db: Database, survey: Survey | None, now: dt.datetime) -> Material:
    """What a report or an export shows now; an anonymous survey's answers only once it ended,
    and none of a question fewer than the smallest group answered."""
    notes = [
        NeedNote(n.id, n.text, tuple(n.tags), n.author, n.room_label, n.created_at)
        for n in await needs.all_needs(db)
    ]
    if survey is None:
        return Material(None, None, [], [], notes)
    questions = questions_of(survey)
    rows = await surveys.responses(db, survey.id)
    withheld = survey.anonymous and now < survey.closes_at
    responses = [
        SubmittedResponse(valid_answers(questions, row.answers), row.respondent, row.submitted_at)
        for row in ([] if withheld else rows)
    ]
    size = SMALL_GROUPS["min_size"]
    state = SurveyState(view_of(survey), survey.opens_at, len(rows), withheld, size)
    summaries = [] if withheld else summarise(questions, responses)
    if survey.anonymous:
        summaries = protect_small_groups(summaries, size)
    return Material(survey, state, responses, summaries, notes)


async def _survey(ctx: CommandContext, number: int | None) -> Survey | None:
    if number is None:
        return await surveys.latest(ctx.db)
    survey = await surveys.get(ctx.db, number)
    if survey is None:
        raise ConversionError(UNKNOWN, id=number, command=ctx.command_text("bedarfe liste"))
    return survey


@group.command(
    "bedarfe auswertung",
    aliases=("needs report",),
    help=Localized(
        "Zeigt die Auswertung einer Erhebung (Anzahl je Antwort, Durchschnitt der Skalen, "
        "Freitexte nach #tags) und die notierten Bedarfe, mit einem Diagramm.",
        "Shows a survey's report (count per answer, scale averages, free texts by #tag) and "
        "the noted needs, with a chart.",
    ),
    args=(NUMBER,),
    role=Role.NETWORK,
)
async def report(ctx: CommandContext, nr: int | None) -> None:
    now = ctx.now()
    found = await material(ctx.db, await _survey(ctx, nr), now)
    html = render_html(
        found.state,
        found.summaries,
        found.notes,
        now,
        ctx.language,
        ctx.command_text("bedarf"),
    )
    await ctx.reply(html)
    png = await report_chart(found, now, ctx.language)
    if png is not None:
        await ctx.reply_file("bedarfe-auswertung.png", png, "image/png")


async def report_chart(found: Material, now: dt.datetime, language: Language) -> bytes | None:
    """The report's chart as PNG; None when it has nothing to draw or could not be drawn."""
    panels = chart_panels(found.summaries, found.notes, language)
    if not panels:
        return None
    footer = CHART_FOOTER.format(language, when=format_date(now.date(), language))
    if found.state is not None:
        footer += " · " + RESPONSES.format(language, count=found.state.responses)
    try:
        return await chart_png(panels, ANSWERS_AXIS.get(language), footer)
    except RuntimeError:
        # The table carries every figure; the picture is a bonus.
        log.exception("no chart for the needs report")
        return None


def export_paths(found: Material, language: Language) -> list[str]:
    """The files an export of this material holds (a withheld survey has no answers file)."""
    survey_id = found.survey.id if found.survey is not None else None
    paths = []
    shown = found.state is not None and not found.state.withheld
    if found.survey is not None and found.survey.anonymous and found.state is not None:
        # One line per response: in a group too small, the line is the person.
        shown = shown and found.state.responses >= found.state.min_group_size
    if survey_id is not None and shown:
        paths.append(f"needs/{language}/survey-{survey_id}.csv")
    if found.notes:
        paths.append(f"needs/{language}/notes.csv")
    report_name = f"report-{survey_id}.md" if survey_id is not None else "report.md"
    paths.append(f"needs/{language}/{report_name}")
    return paths


async def export_file(
    db: Database, path: str, now: dt.datetime, timezone: str
) -> ExportFile | None:
    """The file an export path names, made from the data as it is now (the download links);
    None if there is no such file (now)."""
    match = PATH_RE.fullmatch(path)
    if match is None:
        return None
    number = match[3] or match[4]
    survey = await surveys.get(db, int(number)) if number else None
    if number and survey is None:
        return None
    found = await material(db, survey, now)
    if path not in export_paths(found, "en" if match[1] == "en" else "de"):
        return None
    return make_file(found, path, now, timezone)


def make_file(found: Material, path: str, now: dt.datetime, timezone: str) -> ExportFile:
    """One of `export_paths(found, …)` as a file."""
    language: Language = "en" if path.startswith("needs/en/") else "de"
    name = path.rsplit("/", 1)[1]
    if name == "notes.csv":
        return ExportFile(
            "bedarfe-notiert.csv", needs_csv(found.notes, language, timezone), CSV_TYPE
        )
    survey = found.survey
    if survey is not None and name.endswith(".csv"):
        data = survey_csv(
            questions_of(survey),
            found.responses,
            survey.anonymous,
            language,
            timezone,
            suppressed_questions(found.summaries),
        )
        return ExportFile(f"bedarfe-erhebung-{survey.id}.csv", data, CSV_TYPE)
    markdown = render_markdown(found.state, found.summaries, found.notes, now, language, timezone)
    filename = f"bedarfe-{survey.id}.md" if survey is not None else "bedarfe.md"
    return ExportFile(filename, markdown.encode("utf-8"), MARKDOWN_TYPE)


@group.command(
    "export bedarfe",
    aliases=("export needs",),
    help=Localized(
        "Exportiert eine Erhebung (ohne Nummer: die neueste) und die notierten Bedarfe als "
        "CSV für Excel und als Markdown: als Dateien in unseren Direktchat und als Links.",
        "Exports a survey (without a number: the newest) and the noted needs as CSV for Excel "
        "and as Markdown: as files into our direct chat and as links.",
    ),
    args=(NUMBER,),
    role=Role.NETWORK,
)
async def export(ctx: CommandContext, nr: int | None) -> None:
    now = ctx.now()
    found = await material(ctx.db, await _survey(ctx, nr), now)
    room_id = await ctx.direct_room()
    if room_id is None:
        await ctx.reply(
            NO_DIRECT_ROOM.html(ctx.language, command=ctx.hint("export bedarfe", nr or ""))
        )
        return
    links = []
    paths = export_paths(found, ctx.language)
    for path in paths:
        made = make_file(found, path, now, ctx.timezone)
        await ctx.send_file(
            room_id, made.filename, made.data, made.mimetype, f"export|{ctx.event_id}|{path}"
        )
        url = ctx.download_link(path)
        links.append(link(url, made.filename))
    survey_id = found.survey.id if found.survey is not None else None
    what = OF_SURVEY.html(ctx.language, id=survey_id) if survey_id is not None else ""
    html = EXPORTED.html(ctx.language, what=what, count=len(paths), links=Markup(" · ").join(links))
    if found.state is not None and found.state.withheld:
        html += BR + WITHHELD.markup(ctx.language)
    if room_id == ctx.room_id:
        await ctx.reply(html)
        return
    # The links are the right to read: they go where only the organiser reads.
    await ctx.say(room_id, html, f"export-links|{ctx.event_id}")
    await ctx.reply(SENT_TO_CHAT.html(ctx.language, count=len(paths)))
