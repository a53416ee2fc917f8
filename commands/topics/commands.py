"""Discussion topics: anyone proposes and supports them; replies in a topic's thread, notes,
decisions and action items are its log; organisers set the status, order an event's agenda,
merge and rename; `!protokoll` makes the minutes; `!suche` finds what was said.

Uses commands.events: an agenda and the minutes belong to an event, and who may set them is who
may manage the event."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import (
    USER_ID_RE,
    ConversionError,
    Integer,
    NotAllowed,
    Rest,
    number_in,
)
from commands.core.files import MARKDOWN_TYPE, ExportFile
from commands.core.formatted_text import argument_html, sanitize
from commands.core.i18n import NUMBERED, Language, Localized
from commands.core.plurals import Plural
from commands.core.ports import Schedules
from commands.core.registry import Arg, CommandGroup, Role
from commands.core.rendering import BR, Markup, bold, bullet_list, escape, link
from commands.core.rooms import display_name, person_pill
from commands.events.commands import may_manage
from commands.events.plan import YES
from commands.topics.minutes import MinutesView, render_markdown, render_summary
from commands.topics.plan import (
    ACTION_DUTY,
    KIND_NAMES,
    NO_OWNER,
    STATUS_NAMES,
    STATUSES,
    EntryView,
    TopicView,
    checked_text,
    command_rest,
    due_text,
    entry_line,
    parse_action,
    parse_order,
    parse_proposal,
    parse_status,
    ranked,
    render_topic,
    render_topic_message,
    topic_line,
)
from storage import events, roster, topics
from storage.database import Database
from storage.models import Event, Topic, TopicEntry
from storage.topics import NewEntry, NewTopic

group = CommandGroup("themen", Localized("Themen, Agenda und Protokoll", "Topics, agenda, minutes"))

NUMBER = Arg(
    "nr",
    Integer(minimum=1, maximum=2**31 - 1),
    Localized("die Themennummer", "the topic's number"),
    name_en="number",
)
EVENT = Arg(
    "termin",
    Integer(minimum=1, maximum=2**31 - 1),
    Localized("die Nummer des Termins", "the event's number"),
    name_en="event",
)
MINUTES_PATH_RE = re.compile(r"minutes/(de|en)/(\d{1,9})\.md")

UNKNOWN_TOPIC = Localized(
    "Ein Thema Nr. {id} gibt es nicht. Die offenen Themen: {command}",
    "There is no topic no. {id}. The open topics: {command}",
)
UNKNOWN_EVENT = Localized(
    "Einen Termin Nr. {id} gibt es nicht. Die Termine: {command}",
    "There is no event no. {id}. The events: {command}",
)
NOT_YOURS = Localized(
    "Das darf nur, wer den Raum von Thema Nr. {id} organisiert.",
    "Only the organisers of the room of topic no. {id} may do that.",
)
NOT_YOUR_EVENT = Localized(
    "Die Agenda von Termin Nr. {id} festlegen und sein Protokoll erstellen kann nur, wer den "
    "Termin angelegt hat oder seine Räume organisiert. Die Agenda sehen alle mit {agenda}.",
    "Only whoever created event no. {id} or organises its rooms can set its agenda and make its "
    "minutes. Everyone sees the agenda with {agenda}.",
)
MERGED_ALREADY = Localized(
    "Thema Nr. {id} ist mit Nr. {into} zusammengeführt; schreib bitte dort.",
    "Topic no. {id} was merged into no. {into}; please write there.",
)
SUPPORTED = Plural(
    Localized(
        "Du unterstützt Thema Nr. {id} ({count} unterstützende Person).",
        "You support topic no. {id} ({count} supporter).",
    ),
    Localized(
        "Du unterstützt Thema Nr. {id} ({count} Unterstützende).",
        "You support topic no. {id} ({count} supporters).",
    ),
)
SUPPORTED_ALREADY = Localized(
    "Du unterstützt Thema Nr. {id} schon; eine Stimme je Person.",
    "You support topic no. {id} already; one vote per person.",
)
WITHDRAWN = Localized(
    "Du unterstützt Thema Nr. {id} nicht mehr.", "You no longer support topic no. {id}."
)
NOT_SUPPORTED = Localized(
    "Du hattest Thema Nr. {id} nicht unterstützt.", "You had not supported topic no. {id}."
)
NO_TOPICS = Localized(
    "Keine Themen gefunden. Eins vorschlagen: {command}",
    "No topics found. Propose one: {command}",
)
STATUS_SET = Localized("Thema Nr. {id}: {line}", "Topic no. {id}: {line}")
RENAMED = Localized("Thema Nr. {id} heißt jetzt „{title}“.", "Topic no. {id} is now “{title}”.")
SAME_TOPIC = Localized(
    "Ein Thema lässt sich nicht mit sich selbst zusammenführen.",
    "A topic cannot be merged into itself.",
)
MERGED = Localized(
    "Thema Nr. {id} ist in Nr. {into} aufgegangen: Unterstützung und Notizen sind dort.",
    "Topic no. {id} is merged into no. {into}: support and notes are there.",
)
LOGGED = Localized("{kind} zu Thema Nr. {id} festgehalten.", "{kind} for topic no. {id} recorded.")
ACTION_LOGGED = Localized(
    "Aufgabe A{entry} zu Thema Nr. {id} für {owner}{due} festgehalten. Erledigt: {done}",
    "Action item A{entry} for topic no. {id} assigned to {owner}{due}. Done: {done}",
)
UNKNOWN_ACTION = Localized("Eine Aufgabe A{id} gibt es nicht.", "There is no action item A{id}.")
NOT_YOUR_ACTION = Localized(
    "Aufgabe A{id} hakt ab, wer sie übernommen oder vergeben hat, oder die Organisation.",
    "Action item A{id} is ticked off by its owner, whoever assigned it, or the organisers.",
)
ACTION_DONE = Localized("Aufgabe A{id} ist erledigt.", "Action item A{id} is done.")
AGENDA_HEAD = Localized("Agenda von Termin Nr. {id}: {title}", "Agenda of event no. {id}: {title}")
AGENDA_EMPTY = Localized(
    "Die Agenda ist leer. Setzen: {command}", "The agenda is empty. Set it: {command}"
)
AGENDA_SET_WORDS = frozenset({"setzen", "set"})
TAKEN_OFF = Localized(
    "Von der Agenda genommen (wieder vorgeschlagen): {ids}",
    "Taken off the agenda (proposed again): {ids}",
)
CLOSED_TOPIC = Localized(
    "Thema Nr. {id} ist {status}; auf die Agenda kommt es so nicht.",
    "Topic no. {id} is {status}; it does not go on an agenda like that.",
)
AGENDA_USAGE = Localized(
    "Nach der Terminnummer: nichts (zeigen) oder „setzen 3 1 5“.",
    "After the event number: nothing (show) or “set 3 1 5”.",
)
SEARCH_NOTHING = Localized(
    "Zu „{words}“ habe ich nichts gefunden.", "I found nothing for “{words}”."
)
SEARCH_TOPICS = Localized("Themen", "Topics")
SEARCH_ENTRIES = Localized("In Notizen, Beschlüssen und Aufgaben", "In notes, decisions, actions")
FILTER_WORDS_ALL = frozenset({"alle", "all"})
BAD_FILTER = Localized(
    "„{word}“ verstehe ich hier nicht. Möglich: #tag, termin 3, ein Stand (vorgeschlagen, "
    "agenda, besprochen, erledigt, abgelehnt) oder alle.",
    "I don't understand “{word}” here. Possible: #tag, event 3, a status (proposed, agenda, "
    "discussed, done, rejected) or all.",
)


def view(topic: Topic, supporters: int) -> TopicView:
    return TopicView(
        id=topic.id,
        title=topic.title,
        tags=list(topic.tags),
        status=topic.status,
        supporters=supporters,
        event_id=topic.event_id,
        reason=topic.reason,
        merged_into=topic.merged_into,
        title_html=topic.title_html,
    )


def entry_view(entry: TopicEntry) -> EntryView:
    return EntryView(
        id=entry.id,
        kind=entry.kind,
        author=entry.author,
        text=entry.text,
        created_at=entry.created_at,
        owner=entry.owner,
        due=entry.due,
        done=entry.done,
        html=entry.html,
    )


def _html(ctx: CommandContext, text: str) -> str | None:
    """The sanitised HTML of `text` where it ends the command as formatted in Element; None
    where the command had no formatting or `text` is not its end (tags or a date follow)."""
    html = argument_html(ctx.content, text)
    return str(html) if html is not None else None


async def _topic(ctx: CommandContext, number: int) -> Topic:
    """A topic the sender may see: one of a room they are in (organisers see all)."""
    row = await topics.get(ctx.db, number)
    if row is None or row.message_event_id is None or not _visible(ctx, row):
        raise ConversionError(UNKNOWN_TOPIC, id=number, command=ctx.command_text("themen"))
    return row


def _visible(ctx: CommandContext, topic: Topic) -> bool:
    return ctx.role >= Role.NETWORK or ctx.can_see(topic.room_id)


async def _kept(ctx: CommandContext, number: int) -> Topic:
    """The topic, or the one it was merged into (support and notes live there)."""
    row = await _topic(ctx, number)
    return await _topic(ctx, row.merged_into) if row.merged_into is not None else row


async def _open_topic(ctx: CommandContext, number: int) -> Topic:
    row = await _topic(ctx, number)
    if row.merged_into is not None:
        raise ConversionError(MERGED_ALREADY, id=number, into=row.merged_into)
    return row


def _manage(ctx: CommandContext, topic: Topic) -> None:
    if ctx.role_there(topic.room_id) < Role.ORGANISER:
        raise NotAllowed(NOT_YOURS, id=topic.id)


async def _event(ctx: CommandContext, number: int) -> Event:
    row = await events.get(ctx.db, number)
    if row is None:
        raise ConversionError(UNKNOWN_EVENT, id=number, command=ctx.command_text("termine"))
    return row


@group.command(
    "thema",
    aliases=("topic",),
    help=Localized(
        "Schlägt ein Thema vor (mit #tags und termin <nr>) – oder zeigt mit einer Nummer eines "
        "mit seinen Notizen. Unterstützen: 👍 an der Nachricht des Themas. Ein Titel, der mit "
        "status, umbenennen oder zusammenführen beginnt, gehört in Anführungszeichen.\n"
        "Beispiel: !thema Verankerung der Rolle in der Verwaltung #rolle termin 1",
        "Proposes a topic (with #tags and event <number>) – or, with a number, shows one with its "
        "notes. Support: 👍 on the topic's message. Quote a title that starts with status, "
        "rename or merge.\n"
        "Example: !topic Anchoring the role in the administration #role event 1",
    ),
    args=(
        Arg(
            "text",
            Rest(max_length=600),
            Localized("der Titel (oder eine Themennummer)", "the title (or a topic number)"),
        ),
    ),
)
async def topic_command(ctx: CommandContext, text: str) -> None:
    number = number_in(text)
    if number is not None:
        await _show(ctx, number)
        return
    proposal = parse_proposal(text)
    if proposal.event_number is not None:
        await _event(ctx, proposal.event_number)
    row = await topics.create(
        ctx.db,
        NewTopic(
            source_event_id=ctx.event_id,
            room_id=ctx.room_id,
            title=proposal.title,
            tags=proposal.tags,
            event_id=proposal.event_number,
            created_by=ctx.sender,
            title_html=_html(ctx, proposal.title),
        ),
    )
    # The reply is the topic's message: people react to it and discuss in its thread. Handled
    # again after a crash, the same reply comes back (one transaction id) and is kept.
    # Outside any thread the command was given in: a thread message cannot start a thread.
    message_id = await ctx.reply(render_topic_message(view(row, 0), ctx.language), in_thread=False)
    if row.message_event_id is None:
        await topics.set_columns(ctx.db, row.id, message_event_id=message_id)


async def _names(ctx: CommandContext, entries: list[EntryView]) -> dict[str, str]:
    """How the authors and owners of `entries` are shown: by their name on the roster, else
    by their display name here."""
    names = await roster.names(ctx.db)
    for user in {e.author for e in entries} | {e.owner for e in entries if e.owner}:
        if user not in names and (name := display_name(ctx.ports.homeserver, ctx.room_id, user)):
            names[user] = name
    return names


async def _show(ctx: CommandContext, number: int) -> None:
    row = await _topic(ctx, number)
    supporters = len(await topics.supporters(ctx.db, row.id))
    entries = [entry_view(e) for e in await topics.entries(ctx.db, [row.id])]
    html = render_topic(
        view(row, supporters),
        entries,
        ZoneInfo(ctx.timezone),
        ctx.language,
        await _names(ctx, entries),
    )
    await ctx.reply(html)


@group.command(
    "thema +1",
    aliases=("topic +1",),
    help=Localized(
        "Unterstützt ein Thema (wie 👍 an seiner Nachricht); eine Stimme je Person.",
        "Supports a topic (like 👍 on its message); one vote per person.",
    ),
    args=(NUMBER,),
)
async def support(ctx: CommandContext, nr: int) -> None:
    row = await _kept(ctx, nr)
    if not await topics.support(ctx.db, row.id, ctx.sender):
        await ctx.reply(SUPPORTED_ALREADY.html(ctx.language, id=row.id))
        return
    count = len(await topics.supporters(ctx.db, row.id))
    await ctx.reply(SUPPORTED.html(ctx.language, id=row.id, count=count))


@group.command(
    "thema -1",
    aliases=("topic -1",),
    help=Localized("Nimmt die Unterstützung zurück.", "Withdraws your support."),
    args=(NUMBER,),
)
async def withdraw(ctx: CommandContext, nr: int) -> None:
    row = await _kept(ctx, nr)
    done = await topics.withdraw(ctx.db, row.id, ctx.sender)
    await ctx.reply((WITHDRAWN if done else NOT_SUPPORTED).html(ctx.language, id=row.id))


@group.command(
    "themen",
    aliases=("topics",),
    help=Localized(
        "Listet die offenen Themen nach Unterstützung; filtern mit #tag, termin <nr>, einem "
        "Stand (vorgeschlagen, agenda, besprochen, erledigt, abgelehnt) oder alle.",
        "Lists the open topics by support; filter with #tag, event <number>, a status (proposed, "
        "agenda, discussed, done, rejected) or all.",
    ),
    args=(
        Arg(
            "auswahl",
            Rest(max_length=200),
            Localized(
                "#tag, termin <nr>, ein Stand oder alle", "#tag, event <number>, a status or all"
            ),
            name_en="filter",
            optional=True,
        ),
    ),
)
async def list_topics(ctx: CommandContext, auswahl: str | None) -> None:
    statuses, tag, event_id = _filters(auswahl or "")
    rows = [
        row
        for row in await topics.listing(ctx.db, statuses, tag, event_id)
        if _visible(ctx, row[0])
    ]
    if not rows:
        await ctx.reply(NO_TOPICS.html(ctx.language, command=ctx.hint("thema")))
        return
    by_id = {row.id: (row, count) for row, count in rows}
    lines = [
        topic_line(view(*by_id[topic_id]), ctx.language)
        for topic_id, _ in ranked([(row.id, count) for row, count in rows])
    ]
    await ctx.reply(bullet_list(lines[:50]))


def _filters(text: str) -> tuple[tuple[str, ...], str | None, int | None]:
    statuses: tuple[str, ...] = topics.OPEN
    tag = event_id = None
    words = text.split()
    index = 0
    while index < len(words):
        word = words[index].lower()
        if word.startswith("#") and len(word) > 1:
            tag = word[1:]
        elif (
            word in {"termin", "event"}
            and index + 1 < len(words)
            and (number := number_in(words[index + 1])) is not None
        ):
            event_id = number
            index += 1
        elif word in FILTER_WORDS_ALL:
            statuses = (*STATUS_VALUES, topics.MERGED)
        elif word in STATUSES:
            statuses = (STATUSES[word],)
        else:
            raise ConversionError(BAD_FILTER, word=words[index])
        index += 1
    return statuses, tag, event_id


STATUS_VALUES = tuple(dict.fromkeys(STATUSES.values()))


@group.command(
    "thema status",
    aliases=("topic status",),
    help=Localized(
        "Setzt den Stand eines Themas: vorgeschlagen, agenda, besprochen, erledigt oder "
        "abgelehnt <Grund> (Organisation).",
        "Sets a topic's status: proposed, agenda, discussed, done or rejected <reason> "
        "(organisers).",
    ),
    args=(
        NUMBER,
        Arg("stand", Rest(max_length=500), Localized("der Stand", "the status"), name_en="status"),
    ),
    listed_for=Role.ORGANISER,
)
async def set_status(ctx: CommandContext, nr: int, stand: str) -> None:
    row = await _open_topic(ctx, nr)
    _manage(ctx, row)
    status, reason = parse_status(stand)
    values: dict[str, object] = {"status": status, "reason": reason}
    if status in (topics.PROPOSED, topics.REJECTED):
        # Not (or no longer) to be discussed: off any agenda.
        values["agenda_position"] = None
    await topics.set_columns(ctx.db, nr, **values)
    changed = replace(
        view(row, len(await topics.supporters(ctx.db, nr))), status=status, reason=reason
    )
    await ctx.reply(STATUS_SET.html(ctx.language, id=nr, line=topic_line(changed, ctx.language)))


@group.command(
    "thema umbenennen",
    aliases=("topic rename",),
    help=Localized(
        "Gibt einem Thema einen neuen Titel (wer es vorgeschlagen hat, oder die Organisation).",
        "Gives a topic a new title (whoever proposed it, or the organisers).",
    ),
    args=(
        NUMBER,
        Arg(
            "titel",
            Rest(max_length=600),
            Localized("der neue Titel", "the new title"),
            name_en="title",
        ),
    ),
)
async def rename(ctx: CommandContext, nr: int, titel: str) -> None:
    row = await _open_topic(ctx, nr)
    if ctx.sender != row.created_by:
        _manage(ctx, row)
    title = parse_proposal(titel).title
    html = _html(ctx, title)
    await topics.set_columns(ctx.db, nr, title=title, title_html=html)
    shown = sanitize(html) if html else escape(title)
    await ctx.reply(RENAMED.html(ctx.language, id=nr, title=shown))


@group.command(
    "thema zusammenführen",
    de_aliases=("thema zusammenfuehren",),
    aliases=("topic merge",),
    help=Localized(
        "Führt ein doppeltes Thema mit einem anderen zusammen: Unterstützung und Notizen wandern "
        "dorthin (Organisation).\nBeispiel: !thema zusammenführen 7 3",
        "Merges a duplicate topic into another: support and notes move there (organisers).\n"
        "Example: !topic merge 7 3",
    ),
    args=(
        NUMBER,
        replace(
            NUMBER,
            name="ziel",
            name_en="into",
            help=Localized("das Thema, das bleibt", "the topic that stays"),
        ),
    ),
    listed_for=Role.ORGANISER,
)
async def merge(ctx: CommandContext, nr: int, ziel: int) -> None:
    into = ziel
    if into == nr:
        raise ConversionError(SAME_TOPIC)
    duplicate, kept = await _open_topic(ctx, nr), await _open_topic(ctx, into)
    _manage(ctx, duplicate)
    _manage(ctx, kept)
    await topics.merge(ctx.db, duplicate.id, kept.id)
    await ctx.reply(MERGED.html(ctx.language, id=nr, into=into))


async def _log(ctx: CommandContext, nr: int, kind: str, text: str) -> None:
    row = await _open_topic(ctx, nr)
    checked = checked_text(text)
    await topics.add_entry(
        ctx.db,
        NewEntry(row.id, kind, ctx.event_id, True, ctx.sender, checked, html=_html(ctx, checked)),
    )
    name = KIND_NAMES[kind].get(ctx.language)
    await ctx.reply(LOGGED.html(ctx.language, kind=name[:1].upper() + name[1:], id=nr))


ENTRY_TEXT = Arg("text", Rest(max_length=20000), Localized("der Text", "the text"))


@group.command(
    "notiz",
    aliases=("note",),
    help=Localized(
        "Hält eine Notiz zu einem Thema fest (wie eine Antwort im Thread des Themas).",
        "Records a note on a topic (like a reply in the topic's thread).",
    ),
    args=(NUMBER, ENTRY_TEXT),
)
async def note(ctx: CommandContext, nr: int, text: str) -> None:
    await _log(ctx, nr, topics.NOTE, text)


@group.command(
    "beschluss",
    aliases=("decision",),
    help=Localized("Hält einen Beschluss zu einem Thema fest.", "Records a decision on a topic."),
    args=(NUMBER, ENTRY_TEXT),
)
async def decision(ctx: CommandContext, nr: int, text: str) -> None:
    await _log(ctx, nr, topics.DECISION, text)


@group.command(
    "aufgabe",
    aliases=("action",),
    help=Localized(
        "Vergibt eine Aufgabe zu einem Thema; am Fälligkeitstag erinnere ich die Person per "
        "Direktnachricht.\nBeispiel: !aufgabe 3 @anna:example.org Leitfaden entwerfen bis "
        "{datum+14}",
        "Assigns an action item on a topic; on its due date I remind the owner by direct "
        "message.\nExample: !action 3 @anna:example.org draft the guide until {datum+14}",
    ),
    args=(
        NUMBER,
        Arg(
            "angaben",
            Rest(max_length=20000),
            Localized("@person Text [bis DATUM]", "@person text [until DATE]"),
            name_en="details",
        ),
    ),
)
async def action(ctx: CommandContext, nr: int, angaben: str) -> None:
    row = await _open_topic(ctx, nr)
    today = ctx.now().astimezone(ZoneInfo(ctx.timezone)).date()
    parsed = parse_action(angaben, today)
    owner = await ctx.person(parsed.owner)
    entry = await topics.add_entry(
        ctx.db,
        NewEntry(
            row.id,
            topics.ACTION,
            ctx.event_id,
            True,
            ctx.sender,
            parsed.text,
            owner,
            parsed.due,
            html=_html(ctx, parsed.text),
        ),
    )
    await ctx.schedules.changed(ACTION_DUTY, entry.id)
    due = ", " + due_text(parsed.due, ctx.language) if parsed.due else ""
    await ctx.reply(
        ACTION_LOGGED.html(
            ctx.language,
            entry=entry.id,
            id=nr,
            owner=person_pill(ctx.ports.homeserver, [ctx.room_id], owner),
            due=due,
            done=ctx.hint("aufgabe erledigt", entry.id),
        ),
        mentions=[owner],
    )


@group.command(
    "aufgabe erledigt",
    aliases=("action done",),
    help=Localized("Hakt eine Aufgabe ab.", "Ticks an action item off."),
    args=(
        Arg(
            "nr",
            Integer(minimum=1),
            Localized("die Aufgabennummer (A12 → 12)", "its number"),
            name_en="number",
        ),
    ),
)
async def action_done(ctx: CommandContext, nr: int) -> None:
    entry = await topics.get_entry(ctx.db, nr)
    if entry is None or entry.kind != topics.ACTION:
        raise ConversionError(UNKNOWN_ACTION, id=nr)
    topic = await topics.get(ctx.db, entry.topic_id)
    allowed = ctx.sender in (entry.owner, entry.author) or (
        topic is not None and ctx.role_there(topic.room_id) >= Role.ORGANISER
    )
    if not allowed:
        raise NotAllowed(NOT_YOUR_ACTION, id=nr)
    await topics.set_entry(ctx.db, nr, done=True)
    await ctx.schedules.changed(ACTION_DUTY, nr)
    await ctx.reply(ACTION_DONE.html(ctx.language, id=nr))


@group.command(
    "agenda",
    help=Localized(
        "Zeigt die Agenda eines Termins; mit „setzen 3 1 5“ legt die Organisation Themen und "
        "Reihenfolge fest.",
        "Shows an event's agenda; with “set 3 1 5” the organisers choose its topics and order.",
    ),
    args=(
        EVENT,
        Arg(
            "setzen",
            Rest(max_length=300),
            Localized("setzen <Themennummern>", "set <topic numbers>"),
            name_en="set",
            optional=True,
        ),
    ),
)
async def agenda(ctx: CommandContext, termin: int, setzen: str | None) -> None:
    event = await _event(ctx, termin)
    if setzen is not None:
        word, _, order = setzen.strip().partition(" ")
        if word.lower() not in AGENDA_SET_WORDS:
            raise ConversionError(AGENDA_USAGE)
        if not may_manage(ctx, event):
            raise NotAllowed(NOT_YOUR_EVENT, id=termin, agenda=ctx.command_text("agenda", termin))
        numbers = parse_order(order)
        for number in numbers:
            row = await _open_topic(ctx, number)
            _manage(ctx, row)
            if row.status == topics.REJECTED:
                raise ConversionError(CLOSED_TOPIC, id=number, status=STATUS_NAMES[row.status])
        removed = await topics.set_agenda(ctx.db, termin, numbers)
    else:
        removed = []
    rows = await topics.agenda(ctx.db, termin)
    head = AGENDA_HEAD.format(ctx.language, id=termin, title=event.title)
    if not rows:
        command = ctx.hint("agenda", termin, "setzen" if ctx.language == "de" else "set", "3 1 5")
        await ctx.reply(bold(head) + BR + AGENDA_EMPTY.html(ctx.language, command=command))
        return
    counts = {row.id: len(await topics.supporters(ctx.db, row.id)) for row in rows}
    items = Markup("").join(
        Markup("<li>{}</li>").format(
            topic_line(view(row, counts[row.id]), ctx.language, with_event=False)
        )
        for row in rows
    )
    html = Markup("<b>{}</b><ol>{}</ol>").format(head, items)
    if removed:
        html += TAKEN_OFF.html(
            ctx.language, ids=", ".join(NUMBERED.format(ctx.language, id=i) for i in removed)
        )
    await ctx.reply(html)


async def minutes_of(db: Database, event: Event) -> MinutesView:
    agenda_rows = await topics.agenda(db, event.id)
    all_entries = await topics.entries(db, [row.id for row in agenda_rows])
    answers = await events.answers(db, event.id)
    agenda_items = []
    for row in agenda_rows:
        supporters = len(await topics.supporters(db, row.id))
        mine = [entry_view(e) for e in all_entries if e.topic_id == row.id]
        agenda_items.append((view(row, supporters), mine))
    return MinutesView(
        event_id=event.id,
        title=event.title,
        starts_at=event.starts_at,
        place=event.place,
        timezone=event.timezone,
        agenda=agenda_items,
        participants=sorted(user for user, answer in answers.items() if answer == YES),
        names=await roster.names(db),
    )


@group.command(
    "protokoll",
    aliases=("minutes",),
    help=Localized(
        "Erstellt das Protokoll eines Termins: Agenda, je Thema Notizen, Beschlüsse und Aufgaben, "
        "Teilnehmende – als Markdown-Datei und als Übersicht.",
        "Makes the minutes of an event: agenda, per topic notes, decisions and action items, "
        "participants – as a Markdown file and a summary.",
    ),
    args=(EVENT,),
    listed_for=Role.ORGANISER,
)
async def minutes(ctx: CommandContext, termin: int) -> None:
    event = await _event(ctx, termin)
    if not may_manage(ctx, event):
        raise NotAllowed(NOT_YOUR_EVENT, id=termin, agenda=ctx.command_text("agenda", termin))
    made = await minutes_export(ctx.db, event, ctx.language)
    await ctx.reply_file(made.filename, made.data, made.mimetype)
    link_url = ctx.download_link(f"minutes/{ctx.language}/{termin}.md")
    file_link = link(link_url, made.filename)
    await ctx.reply(render_summary(await minutes_of(ctx.db, event), ctx.language, file_link))


async def minutes_export(db: Database, event: Event, language: Language) -> ExportFile:
    text = render_markdown(await minutes_of(db, event), language)
    return ExportFile(f"protokoll-termin-{event.id}.md", text.encode("utf-8"), MARKDOWN_TYPE)


async def minutes_file(
    db: Database, path: str, now: dt.datetime, timezone: str
) -> ExportFile | None:
    """The minutes behind a download link, as they are now."""
    found = MINUTES_PATH_RE.fullmatch(path)
    if found is None:
        return None
    event = await events.get(db, int(found[2]))
    if event is None:
        return None
    return await minutes_export(db, event, "en" if found[1] == "en" else "de")


@group.command(
    "suche",
    aliases=("search",),
    help=Localized(
        "Sucht in Themen, Notizen, Beschlüssen und Aufgaben.",
        "Searches topics, notes, decisions and action items.",
    ),
    args=(
        Arg(
            "wörter", Rest(max_length=200), Localized("Suchwörter", "search words"), name_en="words"
        ),
    ),
)
async def search(ctx: CommandContext, wörter: str) -> None:
    found_topics, found_entries = await topics.search(ctx.db, wörter)
    found_topics = [row for row in found_topics if _visible(ctx, row)]
    rooms = {row.id: row for row in found_topics}
    for entry in found_entries:
        if entry.topic_id not in rooms:
            topic = await topics.get(ctx.db, entry.topic_id)
            if topic is not None:
                rooms[topic.id] = topic
    found_entries = [e for e in found_entries if _visible(ctx, rooms[e.topic_id])]
    if not found_topics and not found_entries:
        await ctx.reply(SEARCH_NOTHING.html(ctx.language, words=escape(wörter)))
        return
    html = Markup()
    if found_topics:
        lines = [
            topic_line(view(row, len(await topics.supporters(ctx.db, row.id))), ctx.language)
            for row in found_topics
        ]
        html += bold(SEARCH_TOPICS.markup(ctx.language)) + bullet_list(lines)
    if found_entries:
        views = [entry_view(e) for e in found_entries]
        zone, people = ZoneInfo(ctx.timezone), await _names(ctx, views)
        entry_lines = [
            Markup("{}: {}").format(
                NUMBERED.format(ctx.language, id=e.topic_id),
                entry_line(v, zone, ctx.language, people),
            )
            for e, v in zip(found_entries, views, strict=True)
        ]
        html += bold(SEARCH_ENTRIES.markup(ctx.language)) + bullet_list(entry_lines)
    await ctx.reply(html)


# --- messages that are not commands -------------------------------------------------------------


async def log_thread_reply(ctx: CommandContext, text: str, *, root_event_id: str) -> bool:
    """A reply in a topic's thread is a note of it; says whether the thread was a topic's."""
    row = await topics.by_message(ctx.db, root_event_id)
    if row is None:
        return False
    try:
        checked = checked_text(text)
    except ConversionError as exc:
        await ctx.reply(escape(exc.text(ctx.language)))
        return True
    topic_id = row.merged_into or row.id
    await topics.add_entry(
        ctx.db, NewEntry(topic_id, topics.NOTE, ctx.event_id, False, ctx.sender, checked)
    )
    return True


async def apply_edit(
    db: Database,
    schedules: Schedules,
    *,
    sender: str,
    edit_event_id: str,
    target: str,
    body: str,
    now: dt.datetime,
    timezone: str,
    command_body: str | None = None,
    person: Callable[[str], Awaitable[str]] | None = None,
) -> bool:
    """An edit of a logged message changes its entry (only its author's edit counts). An edit
    that no longer reads as an entry (too long, no owner…) removes it: the log keeps nothing
    its author took back. A command's edit is read as the command was (`command_body`, pills
    as IDs); `person` resolves an owner named by display name."""
    entry = await topics.entry_of(db, target)
    if entry is None or entry.author != sender:
        return False
    text = command_rest(command_body or body) if entry.from_command else body
    try:
        if entry.kind == topics.ACTION:
            parsed = parse_action(text, now.astimezone(ZoneInfo(timezone)).date())
            owner = parsed.owner
            if not USER_ID_RE.match(owner):
                if person is None:
                    raise ConversionError(NO_OWNER)
                owner = await person(owner)
            values: dict[str, object] = {"text": parsed.text, "owner": owner, "html": None}
            if (parsed.due, owner) != (entry.due, entry.owner):
                values |= {"due": parsed.due, "reminded": False}
        else:
            values = {"text": checked_text(text), "html": None}
    except ConversionError:
        await topics.remove_entry(db, entry.id)
        return True
    await topics.edit_entry(db, entry.id, edit_event_id, **values)
    if entry.kind == topics.ACTION:
        await schedules.changed(ACTION_DUTY, entry.id)
    return True
