"""Needs surveys (Bedarfserhebungen): organisers define one in TOML (by command or in a file the
configuration names); members answer it question by question in their direct chat with the bot."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import ConversionError, Integer, Rest
from commands.core.i18n import LANGUAGES, Language, Localized
from commands.core.plurals import Plural
from commands.core.ports import Ports
from commands.core.registry import Arg, CommandGroup, Role
from commands.core.rendering import BR, Markup, bullet_list, escape, link
from commands.core.roster_roles import MUNICIPAL_ROLES
from commands.core.time_phrases import format_when
from commands.surveys.audience import not_for_you, outside
from commands.surveys.definition import EXAMPLE, SURVEY_DUTY, Question, SurveyDefinition, parse_toml
from commands.surveys.flow import Conversation, step, valid_answers
from commands.surveys.text import (
    CANCELLED,
    CANCELLED_KEPT,
    CLOSED_MEANWHILE,
    THANKS_ANONYMOUS,
    THANKS_NAMED,
    SurveyView,
    privacy_word,
    render_intro,
    render_position,
    state_text,
)
from storage import surveys
from storage.database import Database
from storage.models import Survey, SurveySession
from storage.surveys import AlreadyTookPart, NewSession, NewSurvey, Progress

REDACTION_REASON = "anonyme Erhebung / anonymous survey"

group = CommandGroup("erhebungen", Localized("Bedarfserhebungen", "Needs surveys"))

NUMBER = Arg(
    "nr",
    Integer(minimum=1, maximum=2**31 - 1),
    Localized("die Nummer der Erhebung", "the survey's number"),
    name_en="number",
)
NONE_OPEN = Localized(
    "Zurzeit läuft keine Erhebung. Einen Bedarf kannst du jederzeit notieren: {command}",
    "No survey is open right now. You can note a need at any time: {command}",
)
WHICH = Localized(
    "Es laufen mehrere Erhebungen; welche möchtest du beantworten?",
    "Several surveys are open; which one would you like to answer?",
)
UNKNOWN = Localized(
    "Eine Erhebung Nr. {id} gibt es nicht. Die Erhebungen: {command}",
    "There is no survey no. {id}. The surveys: {command}",
)
NOT_YET = Localized("Erhebung Nr. {id} beginnt erst {when}.", "Survey no. {id} only opens {when}.")
CLOSED = Localized(
    "Erhebung Nr. {id} ist seit {when} geschlossen.", "Survey no. {id} closed {when}."
)
ALREADY = Localized(
    "Bei Erhebung Nr. {id} hast du schon mitgemacht – danke! Sie ist anonym, daher lassen "
    "sich die Antworten nicht mehr ändern: Sie sind mit niemandem mehr verbunden.",
    "You have taken part in survey no. {id} already – thank you! It is anonymous, so the "
    "answers cannot be changed: they are linked to nobody any more.",
)
BUSY = Localized(
    "Du beantwortest gerade Erhebung Nr. {id} (in unserem Direktchat). Schließ sie dort mit "
    "„absenden“ ab oder beende sie mit „abbrechen“.",
    "You are answering survey no. {id} right now (in our direct chat). Finish it there with "
    "“submit” or end it with “cancel”.",
)
# The link is the sentence's own words, so that the plain body reads as a sentence too.
WROTE_YOU = Localized(
    "Ich habe dir die Fragen in {link} geschrieben.",
    "I have sent you the questions in {link}.",
)
TO_THE_CHAT = Localized("unseren Direktchat", "our direct chat")
NO_DIRECT_ROOM = Localized(
    "Ich konnte keinen Direktchat mit dir öffnen. Lade mich in einen Chat nur mit dir ein und "
    "schreib dort {command}.",
    "I could not open a direct chat with you. Invite me to a chat with just you and write "
    "{command} there.",
)
CHANGING = Localized(
    "Deine Antworten von {when} – ändern kannst du sie bis {closes}:",
    "Your answers of {when} – you can change them until {closes}:",
)
CREATED = Plural(
    Localized(
        "Erhebung Nr. {id} „{title}“ ist angelegt: {count} Frage, {kind}, offen {opens} bis "
        "{closes}.{invite} Auswertung: {report}",
        "Survey no. {id} “{title}” is set up: {count} question, {kind}, open {opens} until "
        "{closes}.{invite} Report: {report}",
    ),
    Localized(
        "Erhebung Nr. {id} „{title}“ ist angelegt: {count} Fragen, {kind}, offen {opens} bis "
        "{closes}.{invite} Auswertung: {report}",
        "Survey no. {id} “{title}” is set up: {count} questions, {kind}, open {opens} until "
        "{closes}.{invite} Report: {report}",
    ),
)
FROM_NOW = Localized("ab jetzt", "from now")
INVITES = Localized(
    " Zum Beginn lade ich die Mitglieder von {rooms} per Direktnachricht ein.",
    " At the start I invite the members of {rooms} by direct message.",
)
LIST_LINE = Plural(
    Localized(
        "<b>Nr. {id}</b> – {title} – {kind} – {state} – {count} Teilnahme",
        "<b>No. {id}</b> – {title} – {kind} – {state} – {count} response",
    ),
    Localized(
        "<b>Nr. {id}</b> – {title} – {kind} – {state} – {count} Teilnahmen",
        "<b>No. {id}</b> – {title} – {kind} – {state} – {count} responses",
    ),
)
NO_SURVEYS = Localized(
    "Es gibt noch keine Erhebung. Anlegen: {command}",
    "There is no survey yet. Set one up: {command}",
)
CLOSED_NOW = Localized(
    "Erhebung Nr. {id} ist geschlossen. Auswertung: {report}",
    "Survey no. {id} is closed. Report: {report}",
)
ALREADY_CLOSED = Localized(
    "Erhebung Nr. {id} ist schon geschlossen.", "Survey no. {id} is closed already."
)

DEFINITION_HELP = Localized(
    "Die Erhebung in TOML, z. B. (in einer Nachricht mit mehreren Zeilen):\n" + EXAMPLE,
    "The survey in TOML, e.g. (in one message of several lines; English keys work too):\n"
    + EXAMPLE,
)


def view_of(survey: Survey) -> SurveyView:
    return SurveyView(
        id=survey.id,
        title=survey.title,
        description=survey.description,
        anonymous=survey.anonymous,
        closes_at=survey.closes_at,
        timezone=survey.timezone,
        questions=questions_of(survey),
    )


def questions_of(survey: Survey) -> tuple[Question, ...]:
    return tuple(Question.from_json(question) for question in survey.questions)


def new_survey(
    definition: SurveyDefinition, source: str, created_by: str, now: dt.datetime, timezone: str
) -> NewSurvey:
    questions = [question.to_json() for question in definition.questions]
    return NewSurvey(
        source=source,
        definition_hash=definition_hash(definition),
        created_by=created_by,
        title=definition.title,
        description=definition.description,
        anonymous=definition.anonymous,
        questions=questions,
        opens_at=definition.opens_at or now,
        closes_at=definition.closes_at,
        timezone=timezone,
        invite_rooms=list(definition.invite_rooms),
        audience=list(definition.audience),
    )


def definition_hash(definition: SurveyDefinition) -> str:
    """What a survey file says, so a start can tell whether the file changed."""
    data = {
        "title": definition.title,
        "description": definition.description,
        "anonymous": definition.anonymous,
        "opens": definition.opens_at.isoformat() if definition.opens_at else None,
        "closes": definition.closes_at.isoformat(),
        "invite": list(definition.invite_rooms),
        "questions": [question.to_json() for question in definition.questions],
    }
    # Only a survey for other roles than the default changes the hash of a file made before.
    if definition.audience != MUNICIPAL_ROLES:
        data["audience"] = list(definition.audience)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@group.command(
    "bedarfe",
    aliases=("needs", "survey"),
    help=Localized(
        "Beantwortet die laufende Bedarfserhebung: Ich stelle dir die Fragen einzeln in "
        "unserem Direktchat. Antworte mit der Nummer oder dem Text; „zurück“, „überspringen“, "
        "„übersicht“ und „abbrechen“ gehen jederzeit, „absenden“ am Ende.",
        "Answers the open needs survey: I ask you the questions one by one in our direct "
        "chat. Answer with the number or the text; “back”, “skip”, “overview” and “cancel” "
        "work at any time, “submit” at the end.",
    ),
    args=(replace(NUMBER, optional=True),),
    network_only=True,
)
async def answer_survey(ctx: CommandContext, nr: int | None) -> None:
    now = ctx.now()
    survey = await _chosen(ctx, nr, now)
    if survey is None:
        return
    current = await surveys.session_of(ctx.db, ctx.sender)
    if current is not None and current.survey_id != survey.id:
        other = await surveys.get(ctx.db, current.survey_id)
        if other is not None and other.closes_at > now:
            await ctx.reply(BUSY.html(ctx.language, id=other.id))
            return
    resuming = current is not None and current.survey_id == survey.id
    if current is not None and resuming:
        conversation = _conversation(survey, current)
        changing = current.changing
        earlier = list(current.message_ids)
        intro = Markup()
    else:
        opened = await _open_conversation(ctx, survey)
        if opened is None:
            return
        conversation, changing, intro = opened
        earlier = []
    room_id = await ctx.direct_room()
    if room_id is None:
        await ctx.reply(NO_DIRECT_ROOM.html(ctx.language, command=ctx.hint("bedarfe", survey.id)))
        return
    # Begun (again) in the language of this command, with what was answered so far.
    progress = Progress(conversation.position, conversation.reviewing, conversation.answers)
    new = NewSession(survey.id, ctx.sender, room_id, ctx.language, changing)
    await surveys.start_session(ctx.db, new, progress, earlier)
    html = intro + render_position(view_of(survey), conversation, ctx.language, changing=changing)
    if room_id == ctx.room_id:
        shown = await ctx.reply(html)
        await surveys.add_messages(ctx.db, ctx.sender, [ctx.event_id, shown])
        return
    shown = await ctx.say(room_id, html, f"survey-start|{ctx.event_id}", notify=True)
    await surveys.add_messages(ctx.db, ctx.sender, [shown])
    to_chat = link(f"https://matrix.to/#/{room_id}", TO_THE_CHAT.markup(ctx.language))
    await ctx.reply(WROTE_YOU.html(ctx.language, link=to_chat))


async def _chosen(ctx: CommandContext, number: int | None, now: dt.datetime) -> Survey | None:
    """The survey to answer: the one named, or the only open one; None once the user is told."""
    if number is not None:
        survey = await surveys.get(ctx.db, number)
        if survey is None:
            raise ConversionError(UNKNOWN, id=number, command=ctx.command_text("bedarfe"))
        zone = ZoneInfo(survey.timezone)
        if now < survey.opens_at:
            when = format_when(survey.opens_at, zone, ctx.language)
            await ctx.reply(NOT_YET.html(ctx.language, id=number, when=escape(when)))
            return None
        if now >= survey.closes_at:
            when = format_when(survey.closes_at, zone, ctx.language)
            await ctx.reply(CLOSED.html(ctx.language, id=number, when=escape(when)))
            return None
        return await _for_the_asker(ctx, [survey])
    open_now = await surveys.open_now(ctx.db, now)
    if not open_now:
        await ctx.reply(NONE_OPEN.html(ctx.language, command=ctx.hint("bedarf")))
        return None
    if not (open_now := await _meant_for(ctx, open_now)):
        return None
    if len(open_now) > 1:
        items = [
            Markup("{} – {}").format(ctx.hint("bedarfe", survey.id), survey.title)
            for survey in open_now
        ]
        await ctx.reply(WHICH.markup(ctx.language) + bullet_list(items))
        return None
    return open_now[0]


async def _meant_for(ctx: CommandContext, candidates: list[Survey]) -> list[Survey]:
    """The surveys among `candidates` that are meant for the asker's roster role; none once
    the asker is told politely that the (first) survey is not for them."""
    fitting = [
        survey
        for survey in candidates
        if ctx.sender not in await outside(ctx.db, survey, [ctx.sender])
    ]
    if not fitting:
        role = (await outside(ctx.db, candidates[0], [ctx.sender]))[ctx.sender]
        await ctx.reply(not_for_you(candidates[0], role, ctx.language))
    return fitting


async def _for_the_asker(ctx: CommandContext, candidates: list[Survey]) -> Survey | None:
    fitting = await _meant_for(ctx, candidates)
    return fitting[0] if fitting else None


async def _open_conversation(
    ctx: CommandContext, survey: Survey
) -> tuple[Conversation, bool, Markup] | None:
    """A new conversation: from the start, or (named, answered before) at the overview."""
    if not await surveys.took_part(ctx.db, survey.id, ctx.sender):
        return Conversation(), False, render_intro(view_of(survey), ctx.language) + BR + BR
    if survey.anonymous:
        await ctx.reply(ALREADY.html(ctx.language, id=survey.id))
        return None
    stored = await surveys.named_response(ctx.db, survey.id, ctx.sender)
    answers = valid_answers(questions_of(survey), stored.answers if stored else {})
    count = len(survey.questions)
    zone = ZoneInfo(survey.timezone)
    when = (
        format_when(stored.submitted_at, zone, ctx.language)
        if stored and stored.submitted_at
        else "–"
    )
    closes = format_when(survey.closes_at, zone, ctx.language)
    head = CHANGING.html(ctx.language, when=when, closes=closes)
    return Conversation(count, answers, reviewing=True), True, head + BR


def _conversation(survey: Survey, session: SurveySession) -> Conversation:
    questions = questions_of(survey)
    return Conversation(
        position=min(session.position, len(questions)),
        answers=valid_answers(questions, session.answers),
        reviewing=session.reviewing,
        cancelling=session.cancelling,
    )


async def converse(ctx: CommandContext, text: str) -> bool:
    """A message in a room where someone talks with the bot alone: their next answer, if they
    are answering a survey there. Returns whether it was one."""
    session = await surveys.session_of(ctx.db, ctx.sender)
    if session is None or session.room_id != ctx.room_id:
        # Handled again after a crash: the answers were stored, the thanks may not have gone out.
        sent = await surveys.submitted_by(ctx.db, ctx.sender, ctx.event_id)
        if sent is not None:
            await _thank(ctx, sent)
        return sent is not None
    survey = await surveys.get(ctx.db, session.survey_id)
    if survey is None:
        return False
    if ctx.preferred_language is None and session.language in LANGUAGES:
        # Asked in the language the conversation began in.
        ctx.language = session.language  # type: ignore[assignment]
    if ctx.now() >= survey.closes_at:
        # Told first: handled again after a crash, the person still hears why.
        await ctx.reply(CLOSED_MEANWHILE.html(ctx.language, id=survey.id))
        await surveys.end_session(ctx.db, ctx.sender)
        return True
    conversation = _conversation(survey, session)
    view = view_of(survey)
    if session.last_event_id == ctx.event_id:
        # Applied before a crash; say again where the person is.
        await ctx.reply(
            render_position(view, conversation, ctx.language, changing=session.changing)
        )
        return True
    result = step(view.questions, conversation, text)
    if result.action == "cancel":
        if session.changing:
            await ctx.reply(CANCELLED_KEPT.get(ctx.language))
        else:
            await ctx.reply(CANCELLED.html(ctx.language, command=ctx.hint("bedarfe", survey.id)))
        await surveys.end_session(ctx.db, ctx.sender)
        return True
    if result.action == "submit":
        await _submit(ctx, survey, conversation)
        return True
    # The reply goes first, the new state after it: handled again after a crash, the same
    # step gives the same reply (sent once) and is saved then.
    moved = result.conversation
    html = render_position(view, moved, ctx.language, changing=session.changing)
    if result.problem is not None:
        problem = result.problem.format(ctx.language, **result.values)
        html = Markup("⚠️ {}<br><br>{}").format(problem, html)
    shown = await ctx.reply(html)
    progress = Progress(moved.position, moved.reviewing, dict(moved.answers), moved.cancelling)
    await surveys.save_progress(ctx.db, ctx.sender, progress, ctx.event_id, [ctx.event_id, shown])
    return True


async def _submit(ctx: CommandContext, survey: Survey, conversation: Conversation) -> None:
    answers = dict(conversation.answers)
    try:
        messages = await surveys.submit(
            ctx.db, survey, ctx.sender, answers, ctx.event_id, ctx.now()
        )
    except AlreadyTookPart:
        await ctx.reply(ALREADY.html(ctx.language, id=survey.id))
        await surveys.end_session(ctx.db, ctx.sender)
        return
    if survey.anonymous:
        # The chat would still tell who answered what: the conversation goes, as far as the
        # bot may remove it.
        await ctx.redact(ctx.room_id, [*messages, ctx.event_id], REDACTION_REASON)
    await _thank(ctx, survey)


async def _thank(ctx: CommandContext, survey: Survey) -> None:
    if survey.anonymous:
        await ctx.reply(THANKS_ANONYMOUS.get(ctx.language))
        return
    closes = view_of(survey).closes(ctx.language)
    await ctx.reply(
        THANKS_NAMED.html(
            ctx.language, closes=escape(closes), command=ctx.hint("bedarfe", survey.id)
        )
    )


@group.command(
    "bedarfe anlegen",
    aliases=("needs create", "survey create"),
    help=Localized(
        "Legt eine Bedarfserhebung an, beschrieben in TOML in derselben Nachricht (Titel, "
        "Ende, anonym oder mit Namen, Fragen: einfach, mehrfach, skala 1–5 oder text).",
        "Sets up a needs survey, described in TOML in the same message (title, end, anonymous "
        "or named, questions: single, multiple, scale 1–5 or text).",
    ),
    args=(Arg("toml", Rest(max_length=30000), DEFINITION_HELP),),
    role=Role.NETWORK,
)
async def create_survey(ctx: CommandContext, toml: str) -> None:
    source = f"event:{ctx.event_id}"
    survey = await surveys.by_source(ctx.db, source)
    if survey is None:
        zone = ZoneInfo(ctx.timezone)
        definition = parse_toml(toml, ctx.now(), zone, ctx.command_text("hilfe", "bedarfe anlegen"))
        # Rooms to invite are checked now, so a typo is told at once, not at the opening.
        rooms = [await ctx.resolve_room(room) for room in definition.invite_rooms]
        definition = replace(definition, invite_rooms=tuple(rooms))
        survey = await create_defined(ctx.ports, definition, source, ctx.sender, ctx.now())
    await ctx.reply(
        created_text(
            survey, ctx.language, ctx.room_label, ctx.hint("bedarfe auswertung", survey.id)
        )
    )


async def create_defined(
    ports: Ports, definition: SurveyDefinition, source: str, created_by: str, now: dt.datetime
) -> Survey:
    """Store a checked survey (its invite rooms resolved) once per source and plan it."""
    existing = await surveys.by_source(ports.db, source)
    if existing is not None:
        return existing
    new = new_survey(definition, source, created_by, now, ports.settings.timezone)
    survey = await surveys.create(ports.db, new)
    await ports.schedules.changed(SURVEY_DUTY, survey.id)
    return survey


def created_text(
    survey: Survey, language: Language, room_label: Callable[[str], str], report: Markup
) -> Markup:
    """What was set up: questions, kind, when it is open, whom it invites."""
    zone = ZoneInfo(survey.timezone)
    opens = (
        FROM_NOW.get(language)
        if survey.opens_at <= survey.created_at
        else format_when(survey.opens_at, zone, language)
    )
    invite = Markup()
    if survey.invite_rooms:
        rooms = Markup(", ").join(room_label(room) for room in survey.invite_rooms)
        invite = INVITES.html(language, rooms=rooms)
    return CREATED.html(
        language,
        id=survey.id,
        title=survey.title,
        count=len(survey.questions),
        kind=privacy_word(survey.anonymous, language),
        opens=opens,
        closes=format_when(survey.closes_at, zone, language),
        invite=invite,
        report=report,
    )


@group.command(
    "bedarfe liste",
    aliases=("needs list", "surveys"),
    help=Localized(
        "Listet alle Bedarfserhebungen mit Stand und Zahl der Teilnahmen.",
        "Lists every needs survey with its state and number of responses.",
    ),
    role=Role.NETWORK,
)
async def list_surveys(ctx: CommandContext) -> None:
    rows = await surveys.all_surveys(ctx.db)
    if not rows:
        await ctx.reply(NO_SURVEYS.html(ctx.language, command=ctx.hint("bedarfe anlegen")))
        return
    counts = await surveys.participant_counts(ctx.db)
    now = ctx.now()
    items = []
    for survey in rows:
        state = state_text(survey.opens_at, survey.closes_at, survey.timezone, now, ctx.language)
        items.append(
            LIST_LINE.html(
                ctx.language,
                id=survey.id,
                title=survey.title,
                kind=privacy_word(survey.anonymous, ctx.language),
                state=state,
                count=counts.get(survey.id, 0),
            )
        )
    await ctx.reply(bullet_list(items))


@group.command(
    "bedarfe schließen",
    de_aliases=("bedarfe schliessen",),
    aliases=("needs close", "survey close"),
    help=Localized(
        "Schließt eine Erhebung sofort; laufende Gespräche enden, nicht Abgesendetes wird "
        "verworfen.",
        "Closes a survey now; conversations in progress end, answers not sent are discarded.",
    ),
    args=(NUMBER,),
    role=Role.NETWORK,
)
async def close_survey(ctx: CommandContext, nr: int) -> None:
    survey = await surveys.get(ctx.db, nr)
    if survey is None:
        raise ConversionError(UNKNOWN, id=nr, command=ctx.command_text("bedarfe liste"))
    if survey.closes_at <= ctx.now():
        await ctx.reply(ALREADY_CLOSED.html(ctx.language, id=nr))
        return
    await surveys.set_columns(ctx.db, nr, closes_at=ctx.now())
    await ctx.schedules.changed(SURVEY_DUTY, nr)
    await ctx.reply(CLOSED_NOW.html(ctx.language, id=nr, report=ctx.hint("bedarfe auswertung", nr)))


async def load_file(
    db: Database, path: Path, text: str, created_by: str, now: dt.datetime, timezone: str
) -> str:
    """Create, or update, the survey a TOML file named in the configuration describes (`text`
    is its content); says what it did, for the log. A file changed after people answered
    keeps the stored survey."""
    definition = parse_toml(text, now, ZoneInfo(timezone), str(path), future=False)
    source = f"file:{path}"
    new = new_survey(definition, source, created_by, now, timezone)
    existing = await surveys.by_source(db, source)
    if existing is None:
        if definition.closes_at <= now:
            return f"{path}: ended before it was ever loaded; not created"
        created = await surveys.create(db, new)
        return f"{path}: survey no. {created.id} created"
    if existing.definition_hash == new.definition_hash:
        return f"{path}: survey no. {existing.id} unchanged"
    kept_start = replace(new, opens_at=definition.opens_at or existing.opens_at)
    if await surveys.redefine(db, existing.id, kept_start):
        return f"{path}: survey no. {existing.id} updated from the changed file"
    return (
        f"{path}: the file changed, but people have answered survey no. {existing.id} "
        "already; the stored survey stays as it was (set up a new one for new questions)"
    )
