"""Announcements for organisers: schedule one-off or recurring posts into rooms, list, show,
change, pause, resume and cancel them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from commands.announcements.plan import (
    ANNOUNCEMENT_DUTY,
    check_text,
    parse_request,
    schedule_columns,
    schedule_from,
)
from commands.announcements.reach import describe_shortfalls, shortfalls, wants_room_mention
from commands.core.context import CommandContext
from commands.core.converters import ConversionError, Integer, Rest
from commands.core.formatted_text import argument_html, plain_to_html, sanitize
from commands.core.i18n import NUMBERED, Language, Localized
from commands.core.ports import Ports
from commands.core.recurrence import Schedule, describe, next_occurrence, parse_schedule
from commands.core.registry import Arg, CommandGroup, Role
from commands.core.rendering import Markup, bold, bullet_list, escape, paragraph
from commands.core.rooms import is_creator, person_pill
from commands.core.time_phrases import format_when
from storage import announcements
from storage.announcements import NewAnnouncement
from storage.models import Announcement

group = CommandGroup("ankuendigungen", Localized("Ankündigungen", "Announcements"))

NUMBER = Arg(
    "nr",
    Integer(minimum=1, maximum=2**31 - 1),
    Localized("die Nummer der Ankündigung", "the announcement's number"),
    name_en="number",
)
SCHEDULED = Localized(
    "Ankündigung Nr. {id} geplant: {schedule}. Zuerst: <b>{first}</b>. Räume: {rooms}.",
    "Announcement no. {id} scheduled: {schedule}. First: <b>{first}</b>. Rooms: {rooms}.",
)
# A post that goes out once: its time is said once.
SCHEDULED_ONCE = Localized(
    "Ankündigung Nr. {id} geplant: <b>{first}</b>. Räume: {rooms}.",
    "Announcement no. {id} scheduled: <b>{first}</b>. Rooms: {rooms}.",
)
UNKNOWN_NUMBER = Localized(
    "Eine Ankündigung Nr. {id} gibt es nicht (mehr). Alle: {command}",
    "There is no (longer an) announcement no. {id}. All of them: {command}",
)
NONE = Localized("Es sind keine Ankündigungen geplant.", "No announcements are scheduled.")
PAUSED = Localized("pausiert", "paused")
# One message stays far below the 64 KiB event limit.
LIST_LIMIT = 50
MORE_ROWS = Localized("… und {count} weitere", "… and {count} more")
CHANGED = Localized(
    "Ankündigung Nr. {id} geändert. Nächster Termin: <b>{next}</b>.",
    "Announcement no. {id} changed. Next: <b>{next}</b>.",
)
PAUSED_NOW = Localized(
    "Ankündigung Nr. {id} ist pausiert. Weiter mit {command}.",
    "Announcement no. {id} is paused. Resume with {command}.",
)
CANCELLED_NOW = Localized(
    "Ankündigung Nr. {id} ist gelöscht.", "Announcement no. {id} is cancelled."
)
NOTHING_AHEAD = Localized(
    "Nach dieser Angabe gäbe es keinen Termin mehr in der Zukunft.",
    "With this, no occurrence would be left in the future.",
)
DETAILS = (
    Localized("Zeitplan: {schedule}", "Schedule: {schedule}"),
    Localized("Nächster Termin: {next}", "Next: {next}"),
    Localized("Räume: {rooms}", "Rooms: {rooms}"),
    Localized("Angelegt von {creator}", "Created by {creator}"),
)
PLAN_HELP = Localized(
    "Zeitpunkt, Räume und Text: <wann> in #raum [#raum2]: <text>",
    "time, rooms and text: <when> in #room [#room2]: <text>",
)


def shown_text(row: Announcement) -> Markup:
    """The post's text as the organiser formatted it (sanitised), else the plain text."""
    return sanitize(row.html) if row.html else plain_to_html(row.text)


def schedule_text(row: Announcement, language: Language) -> str:
    return describe(schedule_from(row.cron, row.once_at), ZoneInfo(row.timezone), language)


def next_text(row: Announcement, language: Language) -> str:
    if row.next_due is None:
        return "–"
    return format_when(row.next_due, ZoneInfo(row.timezone), language)


def _rooms_text(ctx: CommandContext, room_ids: list[str]) -> Markup:
    return Markup(", ").join(ctx.room_label(room_id) for room_id in room_ids)


def _manages(ctx: CommandContext, row: Announcement) -> bool:
    """Whoever scheduled it, and the organisers of its rooms: organising some other room is
    not enough."""
    return ctx.sender == row.created_by or any(
        ctx.role_there(room_id) >= Role.ORGANISER for room_id in row.room_ids
    )


async def _find(ctx: CommandContext, number: int) -> Announcement | None:
    row = await announcements.get(ctx.db, number)
    listed = (announcements.ACTIVE, announcements.PAUSED)
    # Someone else's is answered as unknown: its text and rooms are not theirs to read.
    if row is None or row.status not in listed or not _manages(ctx, row):
        command = ctx.hint("ankuendigungen")
        await ctx.reply(UNKNOWN_NUMBER.html(ctx.language, id=number, command=command))
        return None
    return row


def _first_due(schedule: Schedule, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    first = next_occurrence(schedule, now, zone)
    if first is None:
        raise ConversionError(NOTHING_AHEAD)
    return first


@group.command(
    "ankuendigung",
    de_aliases=("ankündigung",),
    aliases=("announce",),
    help=Localized(
        "Plant eine Ankündigung, einmalig oder wiederkehrend, in einen oder mehrere Räume. "
        "Formatierung (fett, Listen, Links) bleibt erhalten; @room aus der Vorschlagsliste "
        "benachrichtigt alle im Raum, wenn der Bot dort die Berechtigung dazu hat. Schreib den "
        "Befehl dann im Organisationsraum: das @room im Befehl benachrichtigt sonst schon alle "
        "in dem Raum, in dem du ihn schreibst.\n"
        "Beispiele: !ankuendigung morgen 9 Uhr in #allgemein #workshop: Der Workshop beginnt.\n"
        "!ankuendigung jeden Montag 9 Uhr in #allgemein: Wochenstart – was steht an?\n"
        "Zeiten: {datum+30} 10:00, {tag+30} 10 Uhr, in 2 Stunden, übermorgen 18 Uhr, "
        "täglich 8:30, am 1. jedes Monats 9 Uhr, cron 0 9 * * 1.",
        "Schedules an announcement, once or recurring, into one or more rooms. Formatting "
        "(bold, lists, links) is kept; @room picked from the suggestions notifies everyone in "
        "the room where the bot has the power for it. Then write the command in the organisers' "
        "room: the @room in the command itself already notifies everyone in the room you write "
        "it in.\n"
        "Examples: !announce tomorrow 9am in #general: The workshop starts.\n"
        "!announce every monday 9:00 in #general: New week – what is coming up?\n"
        "Times: {datum+30} 10:00, in 2 hours, next friday 14:00, daily 8:30, "
        "on the 1st of every month 9:00, cron 0 9 * * 1.",
    ),
    args=(Arg("angaben", Rest(max_length=2400), PLAN_HELP, name_en="details"),),
    role=Role.ORGANISER,
)
async def announce(ctx: CommandContext, angaben: str) -> None:
    # A command handled again after a crash answers from what it stored the first time (its
    # relative time, read now, would name another moment).
    row = await announcements.by_source(ctx.db, ctx.event_id)
    if row is not None:
        await _confirm(ctx, row, row.next_due or row.once_at)
        return
    request = parse_request(angaben)
    cron, once_at, first = timing(request.when, ctx.now(), ZoneInfo(ctx.timezone))
    room_ids = list(dict.fromkeys([await ctx.resolve_room(room) for room in request.rooms]))
    html = argument_html(ctx.content, request.text)
    row = await store_announcement(
        ctx.ports,
        NewAnnouncement(
            source_event_id=ctx.event_id,
            created_by=ctx.sender,
            command_room_id=ctx.room_id,
            room_ids=room_ids,
            text=request.text,
            html=str(html) if html is not None else None,
            room_mention=wants_room_mention(ctx.content, request.text),
            cron=cron,
            once_at=once_at,
            timezone=ctx.timezone,
            next_due=first,
        ),
    )
    await _confirm(ctx, row, first)


def timing(
    when: str, now: dt.datetime, zone: ZoneInfo
) -> tuple[str | None, dt.datetime | None, dt.datetime]:
    """(cron, once_at, first post) of a time phrase; ConversionError for one that cannot be
    read or leaves nothing ahead."""
    schedule = parse_schedule(when, now, zone)
    first = _first_due(schedule, now, zone)
    cron, once_at = schedule_columns(schedule)
    return cron, once_at, first


async def store_announcement(ports: Ports, new: NewAnnouncement) -> Announcement:
    """Store it (once per source) and plan its first post."""
    row = await announcements.create(ports.db, new)
    await ports.schedules.changed(ANNOUNCEMENT_DUTY, row.id)
    return row


async def _confirm(ctx: CommandContext, row: Announcement, first: dt.datetime | None) -> None:
    zone = ZoneInfo(row.timezone)
    scheduled = (SCHEDULED_ONCE if row.cron is None else SCHEDULED).html(
        ctx.language,
        id=row.id,
        schedule=schedule_text(row, ctx.language),
        first=format_when(first, zone, ctx.language) if first else "–",
        rooms=_rooms_text(ctx, row.room_ids),
    )
    await ctx.reply(paragraph(scheduled) + await _room_mention_note(ctx, row))


async def _room_mention_note(ctx: CommandContext, row: Announcement) -> Markup:
    """Where the post cannot notify the whole room as asked: which rooms, which levels (HTML)."""
    if not row.room_mention:
        return Markup()
    homeserver = ctx.ports.homeserver
    created = [
        room_id
        for room_id in row.room_ids
        if await is_creator(homeserver, room_id, homeserver.user_id, ctx.ports.creators)
    ]
    gaps = shortfalls(homeserver.rooms, row.room_ids, homeserver.user_id, created)
    if not gaps:
        return Markup()
    labels = {gap.room_id: ctx.room_label(gap.room_id) for gap in gaps}
    return describe_shortfalls(gaps, labels, ctx.language)


@group.command(
    "ankuendigungen",
    de_aliases=("ankündigungen",),
    aliases=("announcements",),
    help=Localized(
        "Listet die geplanten Ankündigungen mit ihrem nächsten Termin.",
        "Lists the scheduled announcements with their next time.",
    ),
    role=Role.ORGANISER,
)
async def list_announcements(ctx: CommandContext) -> None:
    rows = [row for row in await announcements.listed(ctx.db) if _manages(ctx, row)]
    if not rows:
        await ctx.reply(NONE.get(ctx.language))
        return
    items = []
    for row in rows[:LIST_LIMIT]:
        preview = row.text if len(row.text) <= 60 else row.text[:57] + "…"
        state = (
            Markup(" <i>({})</i>").format(PAUSED.markup(ctx.language))
            if row.status == announcements.PAUSED
            else ""
        )
        number = NUMBERED.format(ctx.language, id=row.id)
        items.append(
            Markup("{} – {} – {} – {} – „{}“{}").format(
                bold(number),
                next_text(row, ctx.language),
                schedule_text(row, ctx.language),
                _rooms_text(ctx, row.room_ids),
                preview,
                state,
            )
        )
    if len(rows) > LIST_LIMIT:
        items.append(MORE_ROWS.format(ctx.language, count=len(rows) - LIST_LIMIT))
    await ctx.reply(bullet_list(items))


@group.command(
    "ankuendigung zeigen",
    de_aliases=("ankündigung zeigen",),
    aliases=("announcement show",),
    help=Localized("Zeigt eine Ankündigung ganz.", "Shows one announcement in full."),
    args=(NUMBER,),
    role=Role.ORGANISER,
)
async def show_announcement(ctx: CommandContext, nr: int) -> None:
    row = await _find(ctx, nr)
    if row is None:
        return
    values = {
        "schedule": schedule_text(row, ctx.language),
        "next": next_text(row, ctx.language),
        "rooms": _rooms_text(ctx, row.room_ids),
        "creator": person_pill(ctx.ports.homeserver, [*row.room_ids, ctx.room_id], row.created_by),
    }
    details = [line.html(ctx.language, **values) for line in DETAILS]
    if row.status == announcements.PAUSED:
        details.append(PAUSED.markup(ctx.language))
    text = shown_text(row)
    number = NUMBERED.format(ctx.language, id=row.id)
    await ctx.reply(
        Markup("<p><b>{}</b></p><blockquote>{}</blockquote>{}").format(
            number, text, bullet_list(details)
        )
    )


@group.command(
    "ankuendigung text",
    de_aliases=("ankündigung text",),
    aliases=("announcement text",),
    help=Localized("Ersetzt den Text einer Ankündigung.", "Replaces an announcement's text."),
    args=(NUMBER, Arg("text", Rest(max_length=2400), Localized("der neue Text", "the new text"))),
    role=Role.ORGANISER,
)
async def change_text(ctx: CommandContext, nr: int, text: str) -> None:
    row = await _find(ctx, nr)
    if row is None:
        return
    text = check_text(text)
    html = argument_html(ctx.content, text)
    changed = await announcements.update(
        ctx.db,
        nr,
        text=text,
        html=str(html) if html is not None else None,
        room_mention=wants_room_mention(ctx.content, text),
    )
    note = await _room_mention_note(ctx, changed or row)
    upcoming = next_text(row, ctx.language)
    await ctx.reply(paragraph(CHANGED.html(ctx.language, id=nr, next=upcoming)) + note)


@group.command(
    "ankuendigung zeit",
    de_aliases=("ankündigung zeit",),
    aliases=("announcement time",),
    help=Localized(
        "Legt einen neuen Zeitpunkt oder Rhythmus fest, z. B. „täglich 8:30“.",
        "Sets a new time or rhythm, e.g. “daily 8:30”.",
    ),
    args=(
        NUMBER,
        Arg("wann", Rest(max_length=200), Localized("neue Zeit", "new time"), name_en="when"),
    ),
    role=Role.ORGANISER,
)
async def change_time(ctx: CommandContext, nr: int, wann: str) -> None:
    row = await _find(ctx, nr)
    if row is None:
        return
    zone = ZoneInfo(ctx.timezone)
    now = ctx.now()
    schedule = parse_schedule(wann, now, zone)
    first = _first_due(schedule, now, zone)
    cron, once_at = schedule_columns(schedule)
    await announcements.update(
        ctx.db, nr, cron=cron, once_at=once_at, timezone=ctx.timezone, next_due=first
    )
    await ctx.schedules.changed(ANNOUNCEMENT_DUTY, nr)
    await ctx.reply(
        CHANGED.html(ctx.language, id=nr, next=escape(format_when(first, zone, ctx.language)))
    )


@group.command(
    "ankuendigung pausieren",
    de_aliases=("ankündigung pausieren",),
    aliases=("announcement pause",),
    help=Localized("Hält eine Ankündigung an.", "Pauses an announcement."),
    args=(NUMBER,),
    role=Role.ORGANISER,
)
async def pause(ctx: CommandContext, nr: int) -> None:
    if await _find(ctx, nr) is None:
        return
    await pause_announcement(ctx.ports, nr)
    resume_command = ctx.hint("ankuendigung fortsetzen", nr)
    await ctx.reply(PAUSED_NOW.html(ctx.language, id=nr, command=resume_command))


@group.command(
    "ankuendigung fortsetzen",
    de_aliases=("ankündigung fortsetzen",),
    aliases=("announcement resume",),
    help=Localized(
        "Setzt eine pausierte Ankündigung fort; verpasste Termine werden übersprungen.",
        "Resumes a paused announcement; occurrences missed meanwhile are skipped.",
    ),
    args=(NUMBER,),
    role=Role.ORGANISER,
)
async def resume(ctx: CommandContext, nr: int) -> None:
    row = await _find(ctx, nr)
    if row is None:
        return
    zone = ZoneInfo(row.timezone)
    upcoming = await resume_announcement(ctx.ports, row, ctx.now())
    await ctx.reply(
        CHANGED.html(ctx.language, id=nr, next=escape(format_when(upcoming, zone, ctx.language)))
    )


@group.command(
    "ankuendigung loeschen",
    de_aliases=("ankündigung löschen", "ankuendigung löschen", "ankündigung loeschen"),
    aliases=("announcement cancel",),
    help=Localized("Löscht eine Ankündigung.", "Cancels an announcement."),
    args=(NUMBER,),
    role=Role.ORGANISER,
)
async def cancel(ctx: CommandContext, nr: int) -> None:
    if await _find(ctx, nr) is None:
        return
    await cancel_announcement(ctx.ports, nr)
    await ctx.reply(CANCELLED_NOW.html(ctx.language, id=nr))


async def pause_announcement(ports: Ports, nr: int) -> None:
    await announcements.update(ports.db, nr, status=announcements.PAUSED)
    await ports.schedules.changed(ANNOUNCEMENT_DUTY, nr)


async def resume_announcement(ports: Ports, row: Announcement, now: dt.datetime) -> dt.datetime:
    """Active again from its next occurrence (those missed meanwhile are skipped)."""
    upcoming = _first_due(schedule_from(row.cron, row.once_at), now, ZoneInfo(row.timezone))
    await announcements.update(ports.db, row.id, status=announcements.ACTIVE, next_due=upcoming)
    await ports.schedules.changed(ANNOUNCEMENT_DUTY, row.id)
    return upcoming


async def cancel_announcement(ports: Ports, nr: int) -> None:
    await announcements.update(ports.db, nr, status=announcements.CANCELLED, next_due=None)
    await ports.schedules.changed(ANNOUNCEMENT_DUTY, nr)
