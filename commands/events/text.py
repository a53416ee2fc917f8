"""The messages about events, as safe HTML: the event card, the change notice (before → after),
cancellations, reminders, the direct message to those who have not answered, and the time span
in the event's zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from commands.core.formatted_text import sanitize
from commands.core.i18n import Language, Localized
from commands.core.mentions import pills
from commands.core.rendering import BR, Markup, code, escape, link, paragraph
from commands.core.time_phrases import LATE_NOTE, format_when
from commands.core.unasked import opt_out_line
from commands.events.plan import (
    CHANGE_FIELDS,
    MAYBE,
    NO,
    REACTION_OF,
    YES,
    countdown,
    describe_offset,
)
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
CHANGED = Localized("✏️ Geändert: Termin Nr. {id} „{title}“", "✏️ Changed: event no. {id} “{title}”")
CHANGE_LINE = Localized("{label}: {before} → {after}", "{label}: {before} → {after}")
CHANGE_LABELS = {
    "title": Localized("Titel", "Title"),
    "time": Localized("Zeit", "Time"),
    "place": Localized("Ort", "Place"),
    "online_link": Localized("Online", "Online"),
    "agenda_link": Localized("Agenda", "Agenda"),
    "description": Localized("Beschreibung", "Description"),
    "closed": Localized("Zugang", "Access"),
    "reminder_offsets": Localized("Erinnerungen", "Reminders"),
}
NOT_SET = Localized("keine Angabe", "none")
DESCRIPTION_CHANGED = Localized(
    "Beschreibung: neu gefasst (siehe Ankündigung)",
    "Description: rewritten (see the announcement)",
)
DESCRIPTION_REMOVED = Localized("Beschreibung: entfernt", "Description: removed")
ACCESS = {
    True: Localized("nur für das Alumni-Netzwerk", "alumni network only"),
    False: Localized("offen für alle", "open to all"),
}
NO_REMINDERS = Localized("keine", "none")
BEFORE = Localized("{offsets} vorher", "{offsets} before")
FOR_ATTENTION = Localized("Zur Kenntnis: {people}", "For your attention: {people}")
CANCELLED = Localized(
    "❌ Abgesagt: Termin Nr. {id} „{title}“ am {when} findet nicht statt.",
    "❌ Cancelled: event no. {id} “{title}” on {when} will not take place.",
)
REASON = Localized("Grund: {reason}", "Reason: {reason}")
REMINDER = Localized(
    "⏰ Erinnerung: <b>{title}</b> {countdown}.", "⏰ Reminder: <b>{title}</b> {countdown}."
)
COMING = Localized("Zugesagt: {people}", "Coming: {people}")
MAYBE_COMING = Localized("Vielleicht: {people}", "Maybe: {people}")
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


def _link(url: str) -> Markup:
    return link(url, url)


def answer_command(prefix: str, event_id: int, answer: str, language: Language) -> Markup:
    name = "teilnahme" if language == "de" else "rsvp"
    return code(f"{prefix}{name} {event_id} {ANSWER_WORDS[language][answer]}")


def _where_and_when(event: Event, language: Language) -> list[Markup]:
    zone = ZoneInfo(event.timezone)
    lines = [escape("🕘 " + format_span(event.starts_at, event.ends_at, zone, language))]
    if event.place:
        lines.append(PLACE.html(language, place=event.place))
    if event.online_link:
        lines.append(ONLINE.html(language, link=_link(event.online_link)))
    if event.agenda_link:
        lines.append(AGENDA.html(language, link=_link(event.agenda_link)))
    return lines


def render_card(event: Event, prefix: str, language: Language) -> Markup:
    lines = [
        Markup("<b>{}</b>").format(CARD_TITLE.html(language, id=event.id, title=event.title)),
        *_where_and_when(event, language),
        (CLOSED if event.closed else OPEN).markup(language),
    ]
    html = BR.join(lines)
    if event.description_html:
        html += _block(sanitize(event.description_html))
    elif event.description:
        html += paragraph(BR.join(event.description.split("\n")))
    else:
        html += BR
    command = answer_command(prefix, event.id, YES, language)
    return html + HOW_TO_ANSWER.html(language, command=command)


_BLOCK_STARTS = ("<p", "<ul", "<ol", "<blockquote", "<pre", "<h", "<table", "<div", "<details")


def _block(html: Markup) -> Markup:
    """The organiser's HTML as a block of its own: a single paragraph comes without `<p>`."""
    return html if html.lstrip().startswith(_BLOCK_STARTS) else paragraph(html)


Person = tuple[str, str | None]
"""(user id, display name if known): someone to mention by pill."""


def describe_reminders(offsets: Sequence[int], language: Language) -> str:
    """`7 Tage, 1 Tag vorher`, or `keine`."""
    if not offsets:
        return NO_REMINDERS.get(language)
    parts = [describe_offset(offset, language) for offset in offsets]
    return BEFORE.format(language, offsets=", ".join(parts))


def _span_of(value: object, zone: ZoneInfo, language: Language) -> str:
    starts_at, ends_at = (dt.datetime.fromisoformat(str(point)) for point in value)  # type: ignore[attr-defined]
    return format_span(starts_at, ends_at, zone, language)


def _value(name: str, value: object, language: Language) -> Markup:
    if value is None or value == "":
        return escape(NOT_SET.get(language))
    if name in ("online_link", "agenda_link"):
        return _link(str(value))
    if name == "closed":
        return escape(ACCESS[bool(value)].get(language))
    if name == "reminder_offsets":
        offsets = [int(offset) for offset in value]  # type: ignore[attr-defined]
        return escape(describe_reminders(offsets, language))
    return escape(str(value))


def change_lines(
    changes: Mapping[str, Sequence[object]], timezone: str, language: Language
) -> list[Markup]:
    """`Zeit: Di., 29.09.2026, 10:00 Uhr → Mi., 30.09.2026, 14:00 Uhr (MESZ)`, `Ort: Potsdam →
    Cottbus`: one line per changed field, user text escaped."""
    lines: list[Markup] = []
    template = CHANGE_LINE.markup(language)
    for name in CHANGE_FIELDS:
        if name not in changes:
            continue
        before, after = changes[name]
        label = CHANGE_LABELS[name].get(language)
        if name == "description":
            done = DESCRIPTION_REMOVED if not after else DESCRIPTION_CHANGED
            lines.append(escape(done.get(language)))
        elif name == "time":
            zone = ZoneInfo(timezone)
            old, new = _span_of(before, zone, language), _span_of(after, zone, language)
            # One zone named once at the end when both sides share it.
            zone_name = new[new.rfind(" (") :] if new.endswith(")") else ""
            if zone_name and old.endswith(zone_name) and old.count(zone_name) == 1:
                old = old[: -len(zone_name)]
            lines.append(template.format(label=label, before=old, after=new))
        else:
            lines.append(
                template.format(
                    label=label,
                    before=_value(name, before, language),
                    after=_value(name, after, language),
                )
            )
    return lines


def render_change(
    event: Event,
    changes: Mapping[str, Sequence[object]],
    people: Sequence[Person],
    prefix: str,
    language: Language,
) -> Markup:
    """The one notice about a change: what changed, before → after, with a pill for everyone
    who said yes or maybe (they are mentioned, so notified)."""
    head = Markup("<b>{}</b>").format(CHANGED.format(language, id=event.id, title=event.title))
    lines = [head, *change_lines(changes, event.timezone, language)]
    if people:
        lines.append(_for_attention(people, language))
    command = answer_command(prefix, event.id, YES, language)
    lines.append(HOW_TO_ANSWER.html(language, command=command))
    return BR.join(lines)


def render_cancel(event: Event, language: Language, people: Sequence[Person] = ()) -> Markup:
    when = format_span(event.starts_at, event.ends_at, ZoneInfo(event.timezone), language)
    html = CANCELLED.html(language, id=event.id, title=event.title, when=when)
    if event.cancel_reason:
        html += BR + REASON.html(language, reason=event.cancel_reason)
    if people:
        html += BR + _for_attention(people, language)
    return html


def _for_attention(people: Sequence[Person], language: Language) -> Markup:
    return escape(FOR_ATTENTION.get(language)).format(people=pills(people))


def render_reminder(
    event: Event,
    coming: Sequence[Person],
    now: dt.datetime,
    late_due: dt.datetime | None,
    prefix: str,
    language: Language,
    maybe: Sequence[Person] = (),
) -> Markup:
    """`coming` said yes, `maybe` maybe; all of them are mentioned by pill."""
    zone = ZoneInfo(event.timezone)
    left = countdown(event.starts_at, event.ends_at, now, language)
    lines = [
        REMINDER.html(language, title=event.title, countdown=left),
        *_where_and_when(event, language),
    ]
    if coming:
        lines.append(COMING.html(language, people=pills(coming)))
    else:
        lines.append(NOBODY_YET.markup(language))
    if maybe:
        lines.append(MAYBE_COMING.html(language, people=pills(maybe)))
    lines.append(
        HOW_TO_ANSWER.html(language, command=answer_command(prefix, event.id, YES, language))
    )
    if late_due is not None:
        lines.append(
            Markup("<i>{}</i>").format(
                LATE_NOTE.html(language, due=format_when(late_due, zone, language))
            )
        )
    return BR.join(lines)


def render_nudge(event: Event, now: dt.datetime, prefix: str, language: Language) -> Markup:
    zone = ZoneInfo(event.timezone)
    answers = {
        answer: answer_command(prefix, event.id, answer, language) for answer in (YES, NO, MAYBE)
    }
    place = f" ({event.place})" if event.place else ""
    html = NUDGE.html(
        language,
        title=event.title,
        countdown=countdown(event.starts_at, event.ends_at, now, language),
        when=format_span(event.starts_at, event.ends_at, zone, language),
        place=place,
        **answers,
    )
    return html + BR + opt_out_line(prefix, language)


def render_missed_reminder(
    event: Event, offset: int, due: dt.datetime, language: Language
) -> Markup:
    zone = ZoneInfo(event.timezone)
    return MISSED_REMINDER.html(
        language,
        offset=describe_offset(offset, language),
        id=event.id,
        title=event.title,
        due=format_when(due, zone, language),
    )


def reaction_keys() -> tuple[str, ...]:
    """The reactions the bot puts under an event card, so people answer with one click."""
    return tuple(REACTION_OF[answer] for answer in (YES, NO, MAYBE))
