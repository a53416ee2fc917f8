"""Pure announcement logic: reading `<when> in <rooms>: <text>`, what to do when an occurrence is
due (send, send late, report as missed), and the messages that result."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from commands.announcements.reach import ROOM_MENTION
from commands.core.converters import HERE_WORDS, ConversionError
from commands.core.formatted_text import plain_to_html, sanitize
from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural
from commands.core.recurrence import Interval, OneOff, Recurring, Schedule, next_occurrence
from commands.core.rendering import Markup, escape
from commands.core.time_phrases import LATE_NOTE, format_when

# The scheduler duty that plans scheduled posts.
ANNOUNCEMENT_DUTY = "announcement"

MAX_TEXT = 2000
# Sent within this long after the due time, an occurrence is on time; later it carries a note
# (exactly a minute late is still on time).
ON_TIME = dt.timedelta(minutes=1)
# Past this many missed occurrences, the rest are counted, not listed one by one.
MAX_MISSED_WALK = 10_000

ROOMS_START = re.compile(r"\s+in\s+(?=[#!]|(?:hier|here)\b)", re.IGNORECASE)

NO_ROOMS = Localized(
    "Es fehlen die Räume. So geht es: <wann> in #raum [#raum2]: <text>, "
    "z. B. „morgen 9 Uhr in #allgemein: Workshop beginnt“.",
    "The rooms are missing. Write: <when> in #room [#room2]: <text>, "
    "e.g. “tomorrow 9am in #general: workshop starts”.",
)
NO_COLON = Localized(
    "Nach den Räumen fehlt der Doppelpunkt vor dem Text, z. B. „in #allgemein: Text“.",
    "A colon must follow the rooms, before the text, e.g. “in #general: text”.",
)
NO_TEXT = Localized("Der Text der Ankündigung fehlt.", "The announcement's text is missing.")
TOO_LONG = Localized(
    "Der Text ist {length} Zeichen lang; erlaubt sind {limit}.",
    "The text is {length} characters long; the limit is {limit}.",
)
MISSED = Plural(
    Localized(
        "Die Ankündigung Nr. {id} wurde einmal nicht gesendet, weil der Bot nicht lief "
        "(geplant: {first}{last}). Nächster Termin: {next}.",
        "Announcement no. {id} was not sent once because the bot was not running (due: "
        "{first}{last}). Next: {next}.",
    ),
    Localized(
        "Die Ankündigung Nr. {id} wurde {count}-mal nicht gesendet, weil der Bot nicht lief "
        "(geplant: {first}{last}). Nächster Termin: {next}.",
        "Announcement no. {id} was not sent {count} times because the bot was not running (due: "
        "{first}{last}). Next: {next}.",
    ),
)
NONE_LEFT = Localized("keiner", "none")


EVERY = "@every "


def schedule_columns(schedule: Schedule) -> tuple[str | None, dt.datetime | None]:
    """How a schedule is stored: (cron, once_at). An interval is "@every <seconds>" from once_at."""
    if isinstance(schedule, Recurring):
        return schedule.cron, None
    if isinstance(schedule, Interval):
        return f"{EVERY}{schedule.seconds}", schedule.start
    return None, schedule.at


def schedule_from(cron: str | None, once_at: dt.datetime | None) -> Schedule:
    """The schedule as stored (see `schedule_columns`)."""
    if cron is not None and cron.startswith(EVERY) and once_at is not None:
        return Interval(int(cron.removeprefix(EVERY)), once_at)
    if cron is not None:
        return Recurring(cron)
    if once_at is None:
        raise ValueError("an announcement needs a cron expression or a time")
    return OneOff(once_at)


@dataclass(frozen=True)
class AnnouncementRequest:
    when: str
    rooms: list[str]
    text: str


def parse_request(text: str) -> AnnouncementRequest:
    """Split `<when> in <room> [<room>…]: <text>`; rooms are returned as typed."""
    match = ROOMS_START.search(text)
    if match is None:
        raise ConversionError(NO_ROOMS)
    when = text[: match.start()].strip()
    rest = text[match.end() :]
    rooms: list[str] = []
    position = 0
    for token in re.finditer(r"\S+", rest):
        word = token.group()
        if word == ":":
            position = token.end()
            break
        is_room = word[0] in "#!" or word.rstrip(":,").lower() in HERE_WORDS
        if not is_room:
            raise ConversionError(NO_COLON)
        rooms.append(word.rstrip(":,"))
        position = token.end()
        if word.endswith(":"):
            break
    else:
        raise ConversionError(NO_COLON)
    return AnnouncementRequest(when, rooms, check_text(rest[position:]))


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ConversionError(NO_TEXT)
    if len(text) > MAX_TEXT:
        raise ConversionError(TOO_LONG, length=len(text), limit=MAX_TEXT)
    return text


@dataclass(frozen=True)
class Firing:
    """What to do now for an announcement whose occurrence `due` has come."""

    send: dt.datetime | None
    late: bool
    next_due: dt.datetime | None
    missed: list[dt.datetime] = field(default_factory=list)
    missed_count: int = 0


def plan_firing(
    schedule: Schedule, due: dt.datetime, now: dt.datetime, zone: ZoneInfo, grace: dt.timedelta
) -> Firing:
    """Occurrences older than `grace` are missed (reported, never sent); the newest one within
    grace is sent, late if more than a minute has passed; then comes the next one."""
    missed: list[dt.datetime] = []
    count = 0
    current: dt.datetime | None = due
    while current is not None and now - current > grace:
        count += 1
        if len(missed) < 2:
            missed.append(current)
        else:
            missed[1] = current
        if count >= MAX_MISSED_WALK:
            current = next_occurrence(schedule, now - grace, zone)
            break
        current = next_occurrence(schedule, current, zone)
    if current is None or current > now:
        return Firing(None, False, current, missed, count)
    return Firing(
        send=current,
        late=now - current > ON_TIME,
        next_due=next_occurrence(schedule, current, zone),
        missed=missed,
        missed_count=count,
    )


@dataclass(frozen=True)
class Post:
    """An announcement as sent: its HTML and its plain `body`."""

    html: Markup
    body: str


def render_post(
    text: str,
    html: str | None,
    due: dt.datetime,
    late: bool,
    zone: ZoneInfo,
    language: Language,
    *,
    room_mention: bool = False,
) -> Post:
    """The organiser's formatting (`html`, sanitised again here) or else the escaped text; the
    body is the text as typed, as Element sends Markdown. With `room_mention` "@room" stands in
    the body, as the notification needs; sent late, a note says when it was due."""
    formatted = sanitize(html) if html else plain_to_html(text)
    body = text
    if room_mention and ROOM_MENTION not in text:
        formatted = Markup("{} ").format(ROOM_MENTION) + formatted
        body = f"{ROOM_MENTION} {body}"
    if late:
        note = LATE_NOTE.format(language, due=format_when(due, zone, language))
        formatted += Markup("<br><i>{}</i>").format(note)
        body += f"\n{note}"
    return Post(formatted, body)


def render_announcement(
    text: str, due: dt.datetime, late: bool, zone: ZoneInfo, language: Language
) -> Markup:
    """The HTML of a plain-text announcement (see `render_post`)."""
    return render_post(text, None, due, late, zone, language).html


def render_missed(
    announcement_id: int, firing: Firing, zone: ZoneInfo, language: Language
) -> Markup:
    first = format_when(firing.missed[0], zone, language)
    last = " … " + format_when(firing.missed[-1], zone, language) if firing.missed_count > 1 else ""
    upcoming = (
        format_when(firing.send or firing.next_due, zone, language)
        if (firing.send or firing.next_due)
        else NONE_LEFT.get(language)
    )
    return escape(
        MISSED.format(
            language,
            id=announcement_id,
            count=firing.missed_count,
            first=first,
            last=last,
            next=upcoming,
        )
    )
