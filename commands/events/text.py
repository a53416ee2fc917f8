"""The messages about events, as safe HTML: the event card, changes, cancellations, reminders,
the direct message to those who have not answered, and the time span in the event's zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from commands.core.i18n import Language, Localized
from commands.core.rendering import code, escape
from commands.core.time_phrases import LATE_NOTE, format_when
from commands.core.unasked import opt_out_line
from commands.events.plan import MAYBE, NO, REACTION_OF, YES, countdown, describe_offset
from storage.models import Event

CARD_TITLE = Localized("📅 Termin Nr. {id}: {title}", "📅 Event no. {id}: {title}")
PLACE = Localized("📍 Ort: {place}", "📍 Place: {place}")
ONLINE = Localized("💻 Online: {link}", "💻 Online: {link}")
AGENDA = Localized("📋 Agenda: {link}", "📋 Agenda: {link}")
CLOSED = Localized(
    "🔒 Geschlossene Veranstaltung – nur für das Alumni-Netzwerk.",
    "🔒 Closed event – for the alumni network only.",
)
OPEN = Localized("🔓 Offene Veranstaltung.", "🔓 Open event.")
HOW_TO_ANSWER = Localized(
    "Dabei? Reagiere mit ✅ (ja), ❌ (nein) oder ❔ (vielleicht) – oder schreibe {command}.",
    "Coming? React with ✅ (yes), ❌ (no) or ❔ (maybe) – or write {command}.",
)
CHANGED = Localized("✏️ Geändert:", "✏️ Changed:")
CANCELLED = Localized(
    "❌ Abgesagt: Termin Nr. {id} „{title}“ am {when} findet nicht statt.",
    "❌ Cancelled: event no. {id} “{title}” on {when} will not take place.",
)
REASON = Localized("Grund: {reason}", "Reason: {reason}")
REMINDER = Localized(
    "⏰ Erinnerung: <b>{title}</b> {countdown}.", "⏰ Reminder: <b>{title}</b> {countdown}."
)
COMING = Localized("Zugesagt: {people}", "Coming: {people}")
NOBODY_YET = Localized("Noch keine Zusagen.", "Nobody has said yes yet.")
NUDGE = Localized(
    "Hallo! <b>{title}</b> {countdown}: {when}{place}. Kommst du? Antworte hier mit {yes}, "
    "{no} oder {maybe}.",
    "Hello! <b>{title}</b> {countdown}: {when}{place}. Are you coming? Answer here with {yes}, "
    "{no} or {maybe}.",
)
MISSED_REMINDER = Localized(
    "Die Erinnerung {offset} vorher an Termin Nr. {id} „{title}“ wurde nicht gesendet, weil der "
    "Bot nicht lief (geplant: {due}).",
    "The reminder {offset} before event no. {id} “{title}” was not sent because the bot was not "
    "running (due: {due}).",
)
ANSWER_WORDS = {
    "de": {YES: "ja", NO: "nein", MAYBE: "vielleicht"},
    "en": {YES: "yes", NO: "no", MAYBE: "maybe"},
}


def format_span(
    starts_at: dt.datetime, ends_at: dt.datetime, zone: ZoneInfo, language: Language
) -> str:
    """`Di., 29.09.2026, 10:00–16:00 Uhr (MESZ)` on one day, else both ends in full."""
    start = format_when(starts_at, zone, language)
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if local_start.date() != local_end.date():
        return f"{start} – {format_when(ends_at, zone, language)}"
    clock = f"{local_start:%H:%M}"
    end_clock = f"{local_end:%H:%M}"
    if local_start.tzname() != local_end.tzname():
        return f"{start} – {format_when(ends_at, zone, language)}"
    return start.replace(clock, f"{clock}–{end_clock}", 1)


def _link(url: str) -> str:
    return f'<a href="{escape(url)}">{escape(url)}</a>'


def answer_command(prefix: str, event_id: int, answer: str, language: Language) -> str:
    name = "teilnahme" if language == "de" else "rsvp"
    return code(f"{prefix}{name} {event_id} {ANSWER_WORDS[language][answer]}")


def _where_and_when(event: Event, language: Language) -> list[str]:
    zone = ZoneInfo(event.timezone)
    lines = ["🕘 " + escape(format_span(event.starts_at, event.ends_at, zone, language))]
    if event.place:
        lines.append(PLACE.format(language, place=escape(event.place)))
    if event.online_link:
        lines.append(ONLINE.format(language, link=_link(event.online_link)))
    if event.agenda_link:
        lines.append(AGENDA.format(language, link=_link(event.agenda_link)))
    return lines


def render_card(event: Event, prefix: str, language: Language) -> str:
    lines = [
        "<b>" + CARD_TITLE.format(language, id=event.id, title=escape(event.title)) + "</b>",
        *_where_and_when(event, language),
        (CLOSED if event.closed else OPEN).get(language),
    ]
    html = "<br>".join(lines)
    if event.description:
        html += "<p>" + escape(event.description).replace("\n", "<br>") + "</p>"
    else:
        html += "<br>"
    command = answer_command(prefix, event.id, YES, language)
    return html + HOW_TO_ANSWER.format(language, command=command)


def render_update(event: Event, prefix: str, language: Language) -> str:
    return f"<b>{CHANGED.get(language)}</b><br>" + render_card(event, prefix, language)


def render_cancel(event: Event, language: Language) -> str:
    when = format_span(event.starts_at, event.ends_at, ZoneInfo(event.timezone), language)
    html = CANCELLED.format(language, id=event.id, title=escape(event.title), when=escape(when))
    if event.cancel_reason:
        html += "<br>" + REASON.format(language, reason=escape(event.cancel_reason))
    return html


def pill(user_id: str, label: str) -> str:
    return f'<a href="https://matrix.to/#/{escape(user_id)}">{escape(label)}</a>'


def render_reminder(
    event: Event,
    coming: Sequence[tuple[str, str]],
    now: dt.datetime,
    late_due: dt.datetime | None,
    prefix: str,
    language: Language,
) -> str:
    """`coming`: (user id, name) of those who said yes; they are mentioned by pill."""
    zone = ZoneInfo(event.timezone)
    left = countdown(event.starts_at, event.ends_at, now, language)
    lines = [
        REMINDER.format(language, title=escape(event.title), countdown=escape(left)),
        *_where_and_when(event, language),
    ]
    if coming:
        people = ", ".join(pill(user_id, label) for user_id, label in coming)
        lines.append(COMING.format(language, people=people))
    else:
        lines.append(NOBODY_YET.get(language))
    lines.append(
        HOW_TO_ANSWER.format(language, command=answer_command(prefix, event.id, YES, language))
    )
    if late_due is not None:
        lines.append(
            "<i>"
            + LATE_NOTE.format(language, due=escape(format_when(late_due, zone, language)))
            + "</i>"
        )
    return "<br>".join(lines)


def render_nudge(event: Event, now: dt.datetime, prefix: str, language: Language) -> str:
    zone = ZoneInfo(event.timezone)
    answers = {
        answer: answer_command(prefix, event.id, answer, language) for answer in (YES, NO, MAYBE)
    }
    place = f" ({escape(event.place)})" if event.place else ""
    html = NUDGE.format(
        language,
        title=escape(event.title),
        countdown=escape(countdown(event.starts_at, event.ends_at, now, language)),
        when=escape(format_span(event.starts_at, event.ends_at, zone, language)),
        place=place,
        **answers,
    )
    return html + "<br>" + opt_out_line(prefix, language)


def render_missed_reminder(event: Event, offset: int, due: dt.datetime, language: Language) -> str:
    zone = ZoneInfo(event.timezone)
    return MISSED_REMINDER.format(
        language,
        offset=escape(describe_offset(offset, language)),
        id=event.id,
        title=escape(event.title),
        due=escape(format_when(due, zone, language)),
    )


def reaction_keys() -> tuple[str, ...]:
    """The reactions the bot puts under an event card, so people answer with one click."""
    return tuple(REACTION_OF[answer] for answer in (YES, NO, MAYBE))
