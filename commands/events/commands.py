"""Events: organisers create, change and cancel them; everyone lists them, sees one in full with
a countdown, answers yes / no / maybe, and gets them as a calendar file."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import ConversionError, Integer, NotAllowed, Rest, Word
from commands.core.formatted_text import argument_html
from commands.core.i18n import NUMBERED, Language, Localized
from commands.core.mentions import pills
from commands.core.registry import Arg, CommandGroup, Role
from commands.core.rendering import BR, Markup, bold, bullet_list, escape, paragraph
from commands.core.rooms import name_in_rooms
from commands.core.unasked import dm_switch
from commands.events import calendar as event_calendar
from commands.events.answer_reactions import retire, still_shown
from commands.events.creation import change_announced, create_announced
from commands.events.plan import (
    ANSWERS,
    EVENT_DUTY,
    MAYBE,
    NO,
    NOTHING_TO_CHANGE,
    YES,
    countdown,
    parse_answer,
    parse_details,
    plan_notices,
)
from commands.events.text import ANSWER_WORDS, describe_reminders, format_span, render_card
from storage import events, user_settings
from storage.models import Event
from storage.outbox import CANCEL

group = CommandGroup("termine", Localized("Termine", "Events"))

NUMBER = Arg(
    "nr",
    Integer(minimum=1, maximum=2**31 - 1),
    Localized("die Nummer des Termins", "the event's number"),
    name_en="number",
)
DETAILS_HELP = Localized(
    '"Titel" <wann> [ort …] [online https://…] [agenda https://…] [räume #raum …] '
    "[erinnerungen 7d 1d 1h] [geschlossen|offen] [beschreibung … (ohne Anführungszeichen: "
    "der Rest der Zeile)]",
    '"Title" <when> [place …] [online https://…] [agenda https://…] [rooms #room …] '
    "[reminders 7d 1d 1h] [closed|open] [description … (without quotes: the rest of the "
    "line)]",
)
CHANGE_HELP = Localized(
    "was sich ändert: titel …, zeit …, ort …, online …, agenda …, beschreibung …, räume …, "
    "erinnerungen …, geschlossen|offen (mit „keine“ entfernen)",
    "what changes: title …, time …, place …, online …, agenda …, description …, rooms …, "
    "reminders …, closed|open (remove with “none”)",
)
CREATED = Localized(
    "Termin Nr. {id} angelegt: <b>{title}</b>, {when}. Erinnerungen: {reminders}. "
    "Angekündigt in: {rooms}.",
    "Event no. {id} created: <b>{title}</b>, {when}. Reminders: {reminders}. "
    "Announced in: {rooms}.",
)
CHANGED = Localized(
    "Termin Nr. {id} geändert: <b>{title}</b>, {when}. Erinnerungen: {reminders}. "
    "Die Änderung geht in: {rooms}.",
    "Event no. {id} changed: <b>{title}</b>, {when}. Reminders: {reminders}. "
    "The change is posted in: {rooms}.",
)
CANCELLED = Localized(
    "Termin Nr. {id} „{title}“ ist abgesagt; die Absage geht in: {rooms}.",
    "Event no. {id} “{title}” is cancelled; the cancellation is posted in: {rooms}.",
)
UNKNOWN = Localized(
    "Einen Termin Nr. {id} gibt es nicht, oder er ist abgesagt oder vorbei. Alle: {command}",
    "There is no event no. {id}, or it is cancelled or over. All of them: {command}",
)
NOT_YOURS = Localized(
    "Termin Nr. {id} darfst du nicht ändern. Das kann nur, wer ihn angelegt hat, oder wer "
    "seine Räume organisiert.",
    "You may not change event no. {id}: its creator and the organisers of its rooms may.",
)
NONE = Localized("Es stehen keine Termine an.", "There are no upcoming events.")
ANSWERED = Localized(
    "Danke! Deine Antwort zu Termin Nr. {id} „{title}“: <b>{answer}</b>.",
    "Thanks! Your answer to event no. {id} “{title}”: <b>{answer}</b>.",
)
BAD_ANSWER = Localized(
    "„{value}“ verstehe ich nicht als Antwort. Möglich: ja, nein, vielleicht.",
    "I don't understand “{value}” as an answer. Possible: yes, no, maybe.",
)
COUNTS = Localized(
    "✅ {yes} ja · ❔ {maybe} vielleicht · ❌ {no} nein",
    "✅ {yes} yes · ❔ {maybe} maybe · ❌ {no} no",
)
YOUR_ANSWER = Localized("Deine Antwort: {answer}", "Your answer: {answer}")
NOT_ANSWERED = Localized("Du hast noch nicht geantwortet.", "You have not answered yet.")
REMINDERS_LINE = Localized("Erinnerungen: {reminders}", "Reminders: {reminders}")
ROOMS_LINE = Localized("Räume: {rooms}", "Rooms: {rooms}")
ANSWER_HEADINGS = {
    YES: Localized("Zugesagt", "Yes"),
    MAYBE: Localized("Vielleicht", "Maybe"),
    NO: Localized("Abgesagt", "No"),
}
NOBODY = Localized("niemand", "nobody")
DMS_ON = Localized(
    "Ich schicke dir wieder Direktnachrichten zu Terminen, auf die du noch nicht geantwortet hast.",
    "I will send you direct messages again about events you have not answered.",
)
DMS_OFF = Localized(
    "Ich schicke dir keine Direktnachrichten mehr zu Terminen. Wieder an: {command}",
    "I will send you no more direct messages about events. Back on: {command}",
)
ON_OFF_HELP = Localized("an oder aus", "on or off")
BAD_ON_OFF = Localized("„{value}“: bitte „an“ oder „aus“.", "“{value}”: please “on” or “off”.")
ON_WORDS = {"an": True, "ein": True, "on": True, "aus": False, "off": False}
LIST_LIMIT = 25


async def _managed(ctx: CommandContext, number: int) -> Event:
    """An active event the sender may change: they created it, or they are an organiser in one
    of its rooms (being an organiser of some room of their own is not enough)."""
    row = await _active(ctx, number)
    if not may_manage(ctx, row):
        raise NotAllowed(NOT_YOURS, id=number)
    return row


def may_manage(ctx: CommandContext, row: Event) -> bool:
    """Whoever created the event, and the organisers of its rooms."""
    rooms = [*row.room_ids, row.command_room_id]
    return ctx.sender == row.created_by or any(
        ctx.role_there(room) >= Role.ORGANISER for room in rooms
    )


async def _active(ctx: CommandContext, number: int) -> Event:
    row = await events.get(ctx.db, number)
    if row is None or row.status != events.ACTIVE or row.ends_at <= ctx.now():
        raise ConversionError(UNKNOWN, id=number, command=ctx.command_text("termine"))
    return row


def _when(row: Event, language: Language) -> Markup:
    return escape(format_span(row.starts_at, row.ends_at, ZoneInfo(row.timezone), language))


def _reminders(offsets: list[int], language: Language) -> str:
    return describe_reminders(offsets, language)


def _description_html(ctx: CommandContext, description: str | None) -> str | None:
    """The description as the organiser formatted it (sanitised), if the command had HTML."""
    if not description:
        return None
    html = argument_html(ctx.content, description)
    return str(html) if html is not None else None


def _rooms(ctx: CommandContext, room_ids: list[str]) -> Markup:
    return Markup(", ").join(ctx.room_label(room_id) for room_id in room_ids)


async def _resolve_rooms(ctx: CommandContext, references: list[str]) -> list[str]:
    return list(dict.fromkeys([await ctx.resolve_room(reference) for reference in references]))


@group.command(
    "termin neu",
    de_aliases=("termin anlegen",),
    aliases=("event new", "event create"),
    help=Localized(
        "Legt einen Termin an und kündigt ihn in seinen Räumen an (ohne „räume“: hier).\n"
        'Beispiel: !termin neu "2. Transfer-Workshop Smart City Manager:in" '
        '{datum+30} 10:00-16:00 ort "Potsdam" agenda https://… erinnerungen 7d 1d 1h\n'
        "Zeit: {datum+30} 10:00-16:00, morgen 14-16 Uhr, {tag+30} 10 Uhr bis {tag+31} 16 Uhr; "
        "ohne Ende dauert er eine Stunde.",
        "Creates an event and announces it in its rooms (without “rooms”: here).\n"
        'Example: !event new "2. Transfer-Workshop Smart City Manager:in" '
        '{datum+30} 10:00-16:00 place "Potsdam" agenda https://… reminders 7d 1d 1h\n'
        "Time: {datum+30} 10:00-16:00, tomorrow 14-16, {datum+30} 10:00 to {datum+31} 16:00; "
        "without an end it lasts an hour.",
    ),
    args=(Arg("angaben", Rest(max_length=3000), DETAILS_HELP, name_en="details"),),
    role=Role.ORGANISER,
)
async def create_event(ctx: CommandContext, angaben: str) -> None:
    stored = await events.by_source(ctx.db, ctx.event_id)
    if stored is not None:
        # Handled again after a crash: its relative time, read now, would name another moment.
        await _confirm(ctx, CREATED, stored)
        return
    now = ctx.now()
    details = parse_details(angaben, now, ZoneInfo(ctx.timezone), new=True)
    room_ids = await _resolve_rooms(ctx, details.rooms or ["hier"])
    row = await create_announced(
        ctx.ports,
        source=ctx.event_id,
        created_by=ctx.sender,
        command_room_id=ctx.room_id,
        details=details,
        room_ids=room_ids,
        now=now,
        description_html=_description_html(ctx, details.description),
    )
    await _confirm(ctx, CREATED, row)


async def _confirm(ctx: CommandContext, template: Localized, row: Event) -> None:
    await ctx.reply(
        template.html(
            ctx.language,
            id=row.id,
            title=row.title,
            when=_when(row, ctx.language),
            reminders=_reminders(row.reminder_offsets, ctx.language),
            rooms=_rooms(ctx, row.room_ids),
        )
    )


@group.command(
    "termin ändern",
    de_aliases=("termin aendern", "termin bearbeiten"),
    aliases=("event edit", "event change"),
    help=Localized(
        "Ändert einen Termin; die Änderung wird in seinen Räumen angekündigt, die Erinnerungen "
        "neu geplant.\nBeispiel: !termin ändern 3 zeit {datum+31} 10:00-16:00 ort „Cottbus“",
        "Changes an event; the change is posted in its rooms and the reminders are planned "
        "anew.\nExample: !event edit 3 time {datum+31} 10:00-16:00 place “Cottbus”",
    ),
    args=(NUMBER, Arg("angaben", Rest(max_length=3000), CHANGE_HELP, name_en="changes")),
    role=Role.ORGANISER,
)
async def change_event(ctx: CommandContext, nr: int, angaben: str) -> None:
    row = await events.get(ctx.db, nr)
    if row is not None and row.last_change_event_id == ctx.event_id:
        await _confirm(ctx, CHANGED, row)
        return
    row = await _managed(ctx, nr)
    now = ctx.now()
    zone = ZoneInfo(row.timezone)
    details = parse_details(angaben, now, zone, new=False)
    if details.is_empty():
        raise ConversionError(NOTHING_TO_CHANGE)
    if details.span is not None:
        # "zeit 16.01. 10:00" moves the event; it does not shorten it to an hour.
        details.span = details.span.keeping(row.ends_at - row.starts_at)
    room_ids = await _resolve_rooms(ctx, details.rooms) if details.rooms else row.room_ids
    description_html = _description_html(ctx, details.description)
    changed = await change_announced(
        ctx.ports, row, details, room_ids, ctx.event_id, now, description_html
    )
    if changed is None:
        raise ConversionError(UNKNOWN, id=nr, command=ctx.command_text("termine"))
    await _confirm(ctx, CHANGED, changed)


@group.command(
    "termin absagen",
    aliases=("event cancel",),
    help=Localized(
        "Sagt einen Termin ab: die Absage geht in seine Räume und an alle, die zu- oder "
        "vielleicht zugesagt haben; Kalender tragen ihn aus.",
        "Cancels an event: the cancellation is posted in its rooms and mentions everyone who "
        "said yes or maybe; calendars drop it.",
    ),
    args=(
        NUMBER,
        Arg(
            "grund",
            Rest(max_length=500),
            Localized("warum (freiwillig)", "why (optional)"),
            name_en="reason",
            optional=True,
        ),
    ),
    role=Role.ORGANISER,
)
async def cancel_event(ctx: CommandContext, nr: int, grund: str | None) -> None:
    row = await events.get(ctx.db, nr)
    if row is None or row.last_change_event_id != ctx.event_id:
        row = await _managed(ctx, nr)
        cancelled = await events.change(
            ctx.db,
            nr,
            {
                "status": events.CANCELLED,
                "cancel_reason": grund,
                "last_change_event_id": ctx.event_id,
            },
            [],
            plan_notices(CANCEL, 0, row.room_ids, ctx.now()),
            expected_sequence=row.sequence,
        )
        if cancelled is None:
            raise ConversionError(UNKNOWN, id=nr, command=ctx.command_text("termine"))
        row = cancelled
        await ctx.schedules.changed(EVENT_DUTY, nr)
    await ctx.reply(
        CANCELLED.html(ctx.language, id=row.id, title=row.title, rooms=_rooms(ctx, row.room_ids))
    )


@group.command(
    "termine",
    aliases=("events",),
    help=Localized(
        "Zeigt die kommenden Termine mit ihren Antworten.",
        "Shows the upcoming events with their answers.",
    ),
)
async def list_events(ctx: CommandContext) -> None:
    rows = await events.upcoming(ctx.db, ctx.now(), LIST_LIMIT)
    if not rows:
        await ctx.reply(NONE.get(ctx.language))
        return
    counts = await events.answer_counts(ctx.db, [row.id for row in rows])
    items = []
    for row in rows:
        place = f" – {row.place}" if row.place else ""
        number = NUMBERED.format(ctx.language, id=row.id)
        items.append(
            Markup("{} – {} – {}{} – {}").format(
                bold(number),
                _when(row, ctx.language),
                row.title,
                place,
                _counts(counts.get(row.id, {}), ctx.language),
            )
        )
    one = ONE_IN_FULL.html(ctx.language, command=ctx.hint("termin", rows[0].id))
    await ctx.reply(bullet_list(items) + paragraph(one))


ONE_IN_FULL = Localized(
    "Einen Termin ganz, mit Countdown und den Antworten: {command}",
    "One event in full, with a countdown and the answers: {command}",
)


def _counts(counts: dict[str, int], language: Language) -> Markup:
    return COUNTS.html(language, **{answer: counts.get(answer, 0) for answer in ANSWERS})


@group.command(
    "termin",
    aliases=("event",),
    help=Localized(
        "Zeigt einen Termin ganz, mit Countdown, den Antworten und deiner eigenen.",
        "Shows one event in full, with a countdown, the answers and your own.",
    ),
    args=(NUMBER,),
)
async def show_event(ctx: CommandContext, nr: int) -> None:
    row = await _active(ctx, nr)
    answers = await events.answers(ctx.db, nr)
    tally: dict[str, int] = {}
    for answer in answers.values():
        tally[answer] = tally.get(answer, 0) + 1
    own = answers.get(ctx.sender)
    lines = [
        escape("⏳ " + countdown(row.starts_at, row.ends_at, ctx.now(), ctx.language)),
        _counts(tally, ctx.language),
        YOUR_ANSWER.html(ctx.language, answer=ANSWER_WORDS[ctx.language][own])
        if own
        else NOT_ANSWERED.markup(ctx.language),
        REMINDERS_LINE.html(ctx.language, reminders=_reminders(row.reminder_offsets, ctx.language)),
        ROOMS_LINE.html(ctx.language, rooms=_rooms(ctx, row.room_ids)),
    ]
    card = render_card(row, ctx.prefix, ctx.language)
    reply_id = await ctx.reply(card + BR + BR + BR.join(lines))
    # Its card invites ✅ ❌ ❔, so a reaction to this answer counts like one to the card.
    await events.record_message(ctx.db, nr, reply_id)


@group.command(
    "termin antworten",
    aliases=("event answers",),
    help=Localized(
        "Zeigt, wer zu einem Termin ja, vielleicht oder nein gesagt hat.",
        "Shows who said yes, maybe or no to an event.",
    ),
    args=(NUMBER,),
    role=Role.ORGANISER,
)
async def event_answers(ctx: CommandContext, nr: int) -> None:
    row = await _managed(ctx, nr)
    answers = await events.answers(ctx.db, nr)
    lines = [Markup("<b>{}</b> – {}").format(row.title, _when(row, ctx.language))]
    rooms = [*row.room_ids, ctx.room_id]
    for answer in (YES, MAYBE, NO):
        people = sorted(
            (
                (user, name_in_rooms(ctx.ports.homeserver, rooms, user))
                for user, given in answers.items()
                if given == answer
            ),
            key=lambda person: (person[1] or person[0]).casefold(),
        )
        shown = pills(people) or NOBODY.get(ctx.language)
        lines.append(
            Markup("{} ({}): {}").format(
                ANSWER_HEADINGS[answer].get(ctx.language), len(people), shown
            )
        )
    await ctx.reply(BR.join(lines))


@group.command(
    "teilnahme",
    aliases=("rsvp",),
    help=Localized(
        "Sagt einem Termin zu, ab oder vielleicht; eine neue Antwort ersetzt die alte.\n"
        "Beispiel: !teilnahme 3 ja – oder reagiere auf eine Nachricht zum Termin mit ✅ ❌ ❔.",
        "Answers an event with yes, no or maybe; a new answer replaces the old one.\n"
        "Example: !rsvp 3 yes – or react to a message about the event with ✅ ❌ ❔.",
    ),
    args=(
        NUMBER,
        Arg(
            "antwort",
            Word(max_length=40),
            Localized("ja, nein oder vielleicht", "yes, no or maybe"),
            name_en="answer",
            shown=Localized("ja|nein|vielleicht", "yes|no|maybe"),
        ),
    ),
)
async def answer_event(ctx: CommandContext, nr: int, antwort: str) -> None:
    answer = parse_answer(antwort)
    if answer is None:
        raise ConversionError(BAD_ANSWER, value=antwort)
    row = await _active(ctx, nr)
    earlier = await events.set_answer(ctx.db, nr, ctx.sender, answer, None)
    html = ANSWERED.html(
        ctx.language, id=nr, title=row.title, answer=ANSWER_WORDS[ctx.language][answer]
    )
    if earlier is not None and await retire(ctx, nr, earlier):
        html += BR + await still_shown(ctx, earlier, ctx.language)
    await ctx.reply(html)


@group.command(
    "erinnerungen",
    aliases=("reminders",),
    help=Localized(
        "Schaltet meine Direktnachrichten zu Terminen, auf die du nicht geantwortet hast, an "
        "oder aus. Beispiel: !erinnerungen aus",
        "Turns my direct messages about events you have not answered on or off. "
        "Example: !reminders off",
    ),
    args=(
        Arg(
            "schalter",
            Word(max_length=10),
            ON_OFF_HELP,
            name_en="switch",
            shown=Localized("an|aus", "on|off"),
        ),
    ),
)
async def event_dms(ctx: CommandContext, schalter: str) -> None:
    allowed = ON_WORDS.get(schalter.strip().lower())
    if allowed is None:
        raise ConversionError(BAD_ON_OFF, value=schalter)
    await user_settings.set_event_dms(ctx.db, ctx.sender, allowed)
    if allowed:
        await ctx.reply(DMS_ON.get(ctx.language))
    else:
        command = dm_switch(ctx.prefix, ctx.language, on=True)
        await ctx.reply(DMS_OFF.html(ctx.language, command=command))


@group.command(
    "kalender",
    aliases=("calendar",),
    help=Localized(
        "Schickt die kommenden Termine als Kalenderdatei (.ics, für Outlook, Thunderbird und "
        "Co.); mit Nummer nur diesen einen Termin (ein abgesagter trägt ihn aus).",
        "Sends the upcoming events as a calendar file (.ics, for Outlook, Thunderbird and "
        "others); with a number only that one event (a cancelled one removes it).",
    ),
    args=(replace(NUMBER, optional=True),),
)
async def calendar_file(ctx: CommandContext, nr: int | None) -> None:
    now = ctx.now()
    if nr is None:
        data = event_calendar.feed(await events.for_calendar(ctx.db, now), now)
        await ctx.reply_file(event_calendar.FEED_FILENAME, data, event_calendar.MIMETYPE)
        return
    row = await events.get(ctx.db, nr)
    if row is None:
        raise ConversionError(UNKNOWN, id=nr, command=ctx.command_text("termine"))
    data = event_calendar.single(row, now)
    await ctx.reply_file(f"termin-{nr}.ics", data, event_calendar.MIMETYPE)
