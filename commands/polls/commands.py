"""Polls: anyone starts a native Matrix poll (Element shows it and votes on it), sees the
results, and the creator or an organiser ends it."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import ConversionError, Integer, NotAllowed, Rest
from commands.core.i18n import NUMBERED, Localized
from commands.core.registry import Arg, CommandGroup, Role
from commands.core.rendering import BR, Markup, bold, bullet_list, escape
from commands.polls.plan import (
    PARTICIPANTS,
    POLL_DUTY,
    START,
    answer_ids,
    interim_is_private,
    parse_poll,
    render_live,
    render_results,
    start_content,
)
from commands.polls.results import end_poll, tally_of, view_of
from storage import polls
from storage.models import Poll
from storage.polls import NewPoll

group = CommandGroup("umfragen", Localized("Umfragen", "Polls"))

NUMBER = Arg(
    "nr",
    Integer(minimum=1, maximum=2**31 - 1),
    Localized("die Nummer der Umfrage", "the poll's number"),
    name_en="number",
)
POLL_HELP = Localized(
    '"Frage?" "Antwort 1" "Antwort 2" … [--max 2] [--verdeckt] [--zwischenstand] '
    "[--bis {tag+30} 12:00] [--raum #raum]",
    '"Question?" "Answer 1" "Answer 2" … [--max 2] [--hidden] [--live-results] '
    "[--until {datum+30} 12:00] [--room #room]",
)
STARTED = Localized(
    "Umfrage Nr. {id} läuft in {room}. Ergebnis: {results} · beenden: {end}",
    "Poll no. {id} is open in {room}. Results: {results} · end it: {end}",
)
STARTED_HERE = Localized(
    "Umfrage Nr. {id} läuft. Ergebnis: {results} · beenden: {end}",
    "Poll no. {id} is open. Results: {results} · end it: {end}",
)
UNKNOWN = Localized(
    "Eine Umfrage Nr. {id} gibt es nicht. Offene Umfragen: {command}",
    "There is no poll no. {id}. Open polls: {command}",
)
NONE_HERE = Localized(
    "In diesem Raum gibt es keine Umfrage. Eine starten: {command}",
    "There is no poll in this room. Start one: {command}",
)
NONE_OPEN = Localized("Es laufen keine Umfragen.", "No polls are open.")
NONE_OPEN_HERE = Localized(
    "In diesem Raum läuft keine Umfrage, die sich beenden ließe. Offene Umfragen: {command}",
    "There is no open poll in this room to end. Open polls: {command}",
)
ALREADY_ENDED = Localized("Umfrage Nr. {id} ist schon beendet.", "Poll no. {id} has ended already.")
ENDED = Localized(
    "Umfrage Nr. {id} ist beendet; das Ergebnis folgt in {room}.",
    "Poll no. {id} has ended; the result follows in {room}.",
)
NOT_YOURS = Localized(
    "Umfrage Nr. {id} kann nur beenden, wer sie gestartet hat oder ihren Raum organisiert.",
    "Only whoever started poll no. {id} or organises its room can end it.",
)
INTERIM_SENT = Localized(
    "Den Zwischenstand mit den Stimmen je Antwort habe ich dir per Direktnachricht geschickt.",
    "I have sent you the interim result with the votes per answer by direct message.",
)
NOT_YOURS_TO_REMIND = Localized(
    "An Umfrage Nr. {id} erinnert die Organisation ihres Raums.",
    "Reminders for poll no. {id} are sent by the organisers of its room.",
)


@group.command(
    "umfrage",
    aliases=("poll",),
    help=Localized(
        "Startet eine Umfrage, die Element als Umfrage zeigt (abstimmen mit einem Klick).\n"
        'Beispiel: !umfrage "Welche Themen?" "Rolle in der Verwaltung" "Agiles Arbeiten" '
        "--max 2 --bis {tag+30} 12:00\n"
        "--max: so viele Antworten je Person; --verdeckt: Ergebnis erst am Ende; "
        "--zwischenstand: die Zwischenmeldung zeigt allen die Stimmen je Antwort (sonst nur, "
        "wie viele abgestimmt haben); --raum: in einen anderen Raum (Organisation).",
        "Starts a poll that Element shows as a poll (one click to vote).\n"
        'Example: !poll "Which topics?" "Role in the administration" "Agile work" '
        "--max 2 --until {datum+30} 12:00\n"
        "--max: answers per person; --hidden: results only at the end; "
        "--live-results: the live result shows everyone the votes per answer (else only how "
        "many have voted); --room: into another room (organisers).",
    ),
    args=(Arg("angaben", Rest(max_length=6000), POLL_HELP, name_en="details"),),
)
async def start_poll(ctx: CommandContext, angaben: str) -> None:
    # Handled again after a crash: the stored poll is sent (again, deduplicated), not a new one.
    row = await polls.by_source(ctx.db, ctx.event_id)
    if row is None:
        request = parse_poll(angaben, ctx.now(), ZoneInfo(ctx.timezone))
        room_id = await ctx.resolve_room(request.room) if request.room else ctx.room_id
        ids = answer_ids(len(request.answers))
        row = await polls.create(
            ctx.db,
            NewPoll(
                source_event_id=ctx.event_id,
                created_by=ctx.sender,
                room_id=room_id,
                question=request.question,
                answers=[
                    {"id": i, "text": text} for i, text in zip(ids, request.answers, strict=True)
                ],
                max_selections=request.max_selections,
                disclosed=request.disclosed,
                closes_at=request.closes_at,
                live_counts=request.live_counts,
            ),
        )
    if row.start_event_id is None:
        content = start_content(row.question, row.answers, row.max_selections, row.disclosed)
        start_event_id = await ctx.post(row.room_id, START, content, f"poll-start|{row.id}")
        await polls.set_started(ctx.db, row.id, start_event_id)
        await ctx.schedules.changed(POLL_DUTY, row.id)
    hints = {"results": ctx.hint("ergebnis", row.id), "end": ctx.hint("umfrage beenden", row.id)}
    # The poll stands right above the answer when it is in this room: naming the room again (an
    # unnamed room has only its id) would say nothing a person can use.
    if row.room_id == ctx.room_id:
        await ctx.reply(STARTED_HERE.html(ctx.language, id=row.id, **hints))
        return
    await ctx.reply(
        STARTED.html(ctx.language, id=row.id, room=escape(ctx.room_label(row.room_id)), **hints)
    )


async def _poll(ctx: CommandContext, number: int) -> Poll:
    row = await polls.get(ctx.db, number)
    if row is None or row.start_event_id is None:
        raise ConversionError(UNKNOWN, id=number, command=ctx.command_text("umfragen"))
    return row


@group.command(
    "ergebnis",
    de_aliases=("ergebnisse",),
    aliases=("results",),
    help=Localized(
        "Zeigt das Ergebnis einer Umfrage (ohne Nummer: der neuesten in diesem Raum).\n"
        "Solange sie läuft, steht hier nur, wie viele abgestimmt haben: die Stimmen je Antwort "
        "zeigt Element dir, sobald du abgestimmt hast (außer die Umfrage wurde mit "
        "--zwischenstand gestartet). Wer sie gestartet hat und die Organisation ihres Raums "
        "bekommen den Zwischenstand per Direktnachricht.",
        "Shows a poll's results (without a number: the newest poll in this room).\n"
        "While it is open, it says only how many have voted: Element shows you the votes per "
        "answer once you have voted (unless the poll was started with --live-results). Whoever "
        "started it and the organisers of its room get the interim result by direct message.",
    ),
    args=(replace(NUMBER, optional=True),),
)
async def show_results(ctx: CommandContext, nr: int | None) -> None:
    if nr is None:
        row = await polls.latest_in(ctx.db, ctx.room_id)
        if row is None:
            await ctx.reply(NONE_HERE.html(ctx.language, command=ctx.hint("umfrage")))
            return
    else:
        row = await _poll(ctx, nr)
    await ctx.schedules.settled(POLL_DUTY, row.id)
    result = await tally_of(ctx.db, row)
    view = view_of(row, ctx.timezone)
    shown = render_live(view, result, ctx.language)
    manages = ctx.sender == row.created_by or ctx.role_there(row.room_id) >= Role.ORGANISER
    if interim_is_private(view) and manages:
        # Everyone in a room reads the reply: the counts go where only the asker reads them.
        room_id = await ctx.direct_room()
        counts = render_results(view, result, ctx.language)
        if room_id == ctx.room_id:
            shown = counts
        elif room_id is not None:
            await ctx.say(room_id, counts, f"poll-interim|{ctx.event_id}")
            shown += BR + INTERIM_SENT.markup(ctx.language)
    await ctx.reply(shown)


@group.command(
    "umfragen",
    aliases=("polls",),
    help=Localized("Listet die offenen Umfragen.", "Lists the open polls."),
)
async def list_polls(ctx: CommandContext) -> None:
    rows = await polls.open_polls(ctx.db)
    if not rows:
        await ctx.reply(NONE_OPEN.get(ctx.language))
        return
    items = []
    for row in rows:
        await ctx.schedules.settled(POLL_DUTY, row.id)
        result = await tally_of(ctx.db, row)
        items.append(
            Markup("{} – {} – {} – {}").format(
                bold(NUMBERED.format(ctx.language, id=row.id)),
                row.question,
                ctx.room_label(row.room_id),
                PARTICIPANTS.html(ctx.language, result.voters),
            )
        )
    await ctx.reply(bullet_list(items))


@group.command(
    "umfrage beenden",
    aliases=("poll end",),
    help=Localized(
        "Beendet eine Umfrage (ohne Nummer: die neueste offene in diesem Raum). Beenden kann "
        "sie, wer sie gestartet hat, oder jemand aus dem Organisationsteam. Das Ergebnis folgt "
        "im Raum der Umfrage.",
        "Ends a poll (without a number: the newest open poll in this room); whoever started "
        "it and the organisers may do so. The result follows in the poll's room.",
    ),
    args=(replace(NUMBER, optional=True),),
)
async def end_poll_command(ctx: CommandContext, nr: int | None) -> None:
    # Handled again after a crash, the command finds the poll it ended, not the next open one.
    row = await polls.by_end_command(ctx.db, ctx.event_id)
    if row is None and nr is None:
        row = await polls.latest_open_in(ctx.db, ctx.room_id)
        if row is None:
            await ctx.reply(NONE_OPEN_HERE.html(ctx.language, command=ctx.hint("umfragen")))
            return
    elif row is None:
        assert nr is not None
        row = await _poll(ctx, nr)
    if ctx.sender != row.created_by and ctx.role_there(row.room_id) < Role.ORGANISER:
        raise NotAllowed(NOT_YOURS, id=row.id)
    here = row.room_id == ctx.room_id
    if row.status == polls.OPEN:
        # In the poll's room the final result answers this command: one message, not an
        # extra reply. From elsewhere it is a plain post there, and this command gets a reply.
        await polls.set_columns(
            ctx.db, row.id, end_command_event_id=ctx.event_id, ended_by=ctx.sender if here else None
        )
        await end_poll(ctx.db, row, ctx.post, ctx.language, ctx.now())
        await ctx.schedules.changed(POLL_DUTY, row.id)
    elif row.end_command_event_id != ctx.event_id:
        await ctx.reply(ALREADY_ENDED.html(ctx.language, id=row.id))
        return
    if not here:
        await ctx.reply(
            ENDED.html(ctx.language, id=row.id, room=escape(ctx.room_label(row.room_id)))
        )


REMINDING = Localized(
    "Alle im Raum der Umfrage Nr. {id}, die noch nicht abgestimmt haben, bekommen eine "
    "Direktnachricht (außer wer sie mit {off} abgeschaltet hat).",
    "Everyone in the room of poll no. {id} who has not voted yet gets a direct message "
    "(unless they turned them off with {off}).",
)


@group.command(
    "umfrage erinnern",
    aliases=("poll remind",),
    help=Localized(
        "Schickt allen im Raum einer Umfrage, die noch nicht abgestimmt haben, eine "
        "Direktnachricht mit dem Link zur Umfrage.",
        "Sends everyone in a poll's room who has not voted yet a direct message with a link "
        "to the poll.",
    ),
    args=(NUMBER,),
    role=Role.ORGANISER,
)
async def remind_voters(ctx: CommandContext, nr: int) -> None:
    row = await _poll(ctx, nr)
    if ctx.role_there(row.room_id) < Role.ORGANISER:
        raise NotAllowed(NOT_YOURS_TO_REMIND, id=nr)
    if row.status != polls.OPEN:
        await ctx.reply(ALREADY_ENDED.html(ctx.language, id=nr))
        return
    # Keyed by this command: handled again after a crash, it asks for the same round.
    await polls.set_columns(ctx.db, row.id, remind_event_id=ctx.event_id)
    await ctx.schedules.changed(POLL_DUTY, row.id)
    await ctx.reply(REMINDING.html(ctx.language, id=nr, off=ctx.hint("erinnerungen", "aus")))
