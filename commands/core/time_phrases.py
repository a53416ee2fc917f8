"""Read a German or English time phrase ("morgen 9 Uhr", "next friday 2pm") as one instant in UTC,
and write an instant out in full in a zone so that a wrong reading shows at once."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from commands.core.converters import ConversionError
from commands.core.i18n import Language, Localized

ONE_OFF_EXAMPLES = Localized(
    "Zum Beispiel: „morgen 9 Uhr“, „29.09.2026 10:00“, „nächsten Montag 8 Uhr“, „in 2 Stunden“.",
    "For example: “tomorrow 9am”, “29.09.2026 10:00”, “next monday 8:00”, “in 2 hours”.",
)


def with_examples(head: Localized, examples: Localized) -> Localized:
    return Localized(f"{head.de} {examples.de}", f"{head.en} {examples.en}")


class TimePhraseError(ConversionError):
    """A phrase that does not name exactly one future instant; subclasses say what was wrong."""

    MESSAGE: ClassVar[Localized]

    def __init__(self, **values: object) -> None:
        super().__init__(self.MESSAGE, **values)


class UnreadableTimeError(TimePhraseError):
    MESSAGE = with_examples(
        Localized(
            "„{text}“ kann ich nicht als Zeitpunkt lesen.",
            "I can't read “{text}” as a time.",
        ),
        ONE_OFF_EXAMPLES,
    )


class MissingTimeError(TimePhraseError):
    MESSAGE = Localized(
        "„{text}“ nennt keine Uhrzeit. Bitte gib eine an, z. B. „morgen 9 Uhr“, "
        "„29.09.2026 10:00“ oder „Montag 8:30“.",
        "“{text}” has no time of day. Please add one, e.g. “tomorrow 9am”, "
        "“29.09.2026 10:00” or “monday 8:30”.",
    )


class ImpossibleDateError(TimePhraseError):
    MESSAGE = Localized(
        "Den {date} gibt es nicht im Kalender. Ein Datum schreibst du z. B. so: "
        "„29.09.2026 10:00“ oder „2026-09-29 10:00“.",
        "{date} does not exist in the calendar. Write a date e.g. like “29.09.2026 10:00” "
        "or “2026-09-29 10:00”.",
    )


class ImpossibleTimeError(TimePhraseError):
    MESSAGE = Localized(
        "„{time}“ ist keine gültige Uhrzeit. Möglich ist 0:00 bis 23:59, "
        "z. B. „9 Uhr“, „9:30“, „18:45 Uhr“ oder „2pm“.",
        "“{time}” is not a valid time of day. Use 0:00 to 23:59 or am/pm, "
        "e.g. “9:30”, “18:45”, “9am” or “2pm”.",
    )


class PastTimeError(TimePhraseError):
    MESSAGE = Localized(
        "{when} liegt nicht in der Zukunft (jetzt ist es {now}). Nimm einen späteren "
        "Zeitpunkt, z. B. „morgen 9 Uhr“ oder „in 2 Stunden“.",
        "{when} is not in the future (it is now {now}). Choose a later time, "
        "e.g. “tomorrow 9am” or “in 2 hours”.",
    )


class AmbiguousTimeError(TimePhraseError):
    MESSAGE = Localized(
        "„{text}“ lässt sich verschieden lesen ({readings}). Schreib Datum und Uhrzeit "
        "eindeutig, z. B. „29.09.2026 10:00“.",
        "“{text}” can be read in more than one way ({readings}). Write the date and time "
        "unambiguously, e.g. “29.09.2026 10:00”.",
    )


class BareNumberError(AmbiguousTimeError):
    MESSAGE = Localized(
        "„{text}“ allein ist mehrdeutig. Meinst du eine Uhrzeit? Dann schreib z. B. "
        "„{text} Uhr“, „{text}:00“ oder „morgen um {text}“.",
        "“{text}” alone is ambiguous. If you mean a time of day, write e.g. “{text}:00”, "
        "“{text}am” or “tomorrow at {text}”.",
    )


class WeekdayMismatchError(TimePhraseError):
    MESSAGE = Localized(
        "Der {date} ist ein {actual_de}, kein {given_de}. Prüf das Datum oder lass den "
        "Wochentag weg, z. B. „{date} 9 Uhr“.",
        "{date} is a {actual_en}, not a {given_en}. Check the date or leave out the weekday, "
        "e.g. “{date} 9:00”.",
    )


WEEKDAY_WORDS: dict[str, int] = {
    word: number
    for number, words in enumerate(
        [
            ("montag", "mo", "monday", "mon"),
            ("dienstag", "di", "tuesday", "tue", "tues"),
            ("mittwoch", "mi", "wednesday", "wed"),
            ("donnerstag", "do", "thursday", "thu", "thur", "thurs"),
            ("freitag", "fr", "friday", "fri"),
            ("samstag", "sonnabend", "sa", "saturday", "sat"),
            ("sonntag", "so", "sunday", "sun"),
        ]
    )
    for word in words
}
WEEKDAY_NAMES = (
    Localized("Montag", "Monday"),
    Localized("Dienstag", "Tuesday"),
    Localized("Mittwoch", "Wednesday"),
    Localized("Donnerstag", "Thursday"),
    Localized("Freitag", "Friday"),
    Localized("Samstag", "Saturday"),
    Localized("Sonntag", "Sunday"),
)
_MONTH_WORDS: dict[str, int] = {
    word: number
    for number, words in enumerate(
        [
            ("januar", "jan", "january", "jänner"),
            ("februar", "feb", "february"),
            ("märz", "maerz", "mär", "mrz", "march", "mar"),
            ("april", "apr"),
            ("mai", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "october", "oct"),
            ("november", "nov"),
            ("dezember", "dez", "december", "dec"),
        ],
        start=1,
    )
    for word in words
}
_GERMAN_WEEKDAYS = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")
_ENGLISH_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ENGLISH_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_GERMAN_ZONE_NAMES = {"CET": "MEZ", "CEST": "MESZ"}

_AMOUNT = r"\d{1,4}|eine[mnr]?|ein|an?|one"
_AMOUNT_WORDS = {"ein", "eine", "einem", "einen", "einer", "a", "an", "one"}
DURATION_UNITS = {
    **dict.fromkeys(
        ("s", "sek", "sekunde", "sekunden", "sec", "secs", "second", "seconds"),
        dt.timedelta(seconds=1),
    ),
    **dict.fromkeys(("min", "mins", "minute", "minuten", "minutes"), dt.timedelta(minutes=1)),
    **dict.fromkeys(
        ("h", "std", "stunde", "stunden", "hr", "hrs", "hour", "hours"), dt.timedelta(hours=1)
    ),
    **dict.fromkeys(("tag", "tage", "tagen", "day", "days"), dt.timedelta(days=1)),
    **dict.fromkeys(("woche", "wochen", "week", "weeks"), dt.timedelta(weeks=1)),
}
_RELATIVE_PART = re.compile(rf"(?:(?:und|and)\s+)?(?P<n>{_AMOUNT})\s*(?P<unit>[a-z]+)\s*")

_ISO_DATETIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})[t ](?P<h>\d{1,2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2}))?\s*(?P<offset>z|utc|[+-]\d{2}:?\d{2})?"
)
_NEXT = r"n(?:ä|ae)chste[nrs]?|kommende[nrs]?|next"
_WD = r"(?:(?!(?:am|on|the)\s)(?P<wd>[a-z]+)\.?\s+)?"
_DAY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in [
        ("today", r"heute|today"),
        ("tomorrow", r"morgen|tomorrow"),
        ("day_after", r"(?:ü|ue)bermorgen|(?:the\s+)?day\s+after\s+tomorrow"),
        ("in_days", rf"in\s+(?P<n>{_AMOUNT})\s+(?P<unit>tagen|tage|tag|days?|wochen|woche|weeks?)"),
        ("weekday", rf"(?:(?P<next>{_NEXT})\s+|(?:am|on|this|diesen)\s+)?(?P<wd>[a-z]+)\.?"),
        (
            "date",
            rf"{_WD}(?:am\s+|on\s+)?(?P<d>\d{{1,2}})\.(?P<mo>\d{{1,2}})\.(?P<y>\d{{4}}|\d{{2}})?",
        ),
        ("date", rf"{_WD}(?P<y>\d{{4}})-(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}})"),
        (
            "date",
            rf"{_WD}(?:am\s+|on\s+|the\s+)?(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?:of\s+)?"
            r"(?P<month>[a-zä]+)\.?(?:\s+(?P<y>\d{4}))?",
        ),
        (
            "date",
            rf"{_WD}(?:on\s+)?(?P<month>[a-zä]+)\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
            r"(?:\s+(?P<y>\d{4}))?",
        ),
    ]
)
_CLOCK_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in [
        r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*uhr",
        r"(?P<h>\d{1,2})\s*uhr\s+(?P<m>\d{1,2})",
        r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<meridiem>[ap])\.?m\.?",
        r"(?P<h>\d{1,2})[:.](?P<m>\d{2})",
    ]
)
_BARE_HOUR = re.compile(r"(?P<h>\d{1,2})")
_CLOCK_PREFIX = re.compile(r"(?:um|at)\s+")


@dataclass(frozen=True)
class _Clock:
    """A time of day as written, not yet checked (so that a wrong split is not an error)."""

    raw: str
    hour: int
    minute: int
    meridiem: str | None

    def to_time(self) -> dt.time:
        hour = self.hour
        if self.meridiem is not None:
            if not 1 <= hour <= 12:
                raise ImpossibleTimeError(time=self.raw)
            hour = hour % 12 + (12 if self.meridiem == "p" else 0)
        if not (0 <= hour <= 23 and 0 <= self.minute <= 59):
            raise ImpossibleTimeError(time=self.raw)
        return dt.time(hour, self.minute)


def _match_clock(text: str, *, bare_hour: bool) -> _Clock | None:
    """`bare_hour`: a lone number counts as a full hour (only after a day word or "um"/"at")."""
    prefix = _CLOCK_PREFIX.match(text)
    if prefix:
        text = text[prefix.end() :]
        bare_hour = True
    patterns = (*_CLOCK_PATTERNS, _BARE_HOUR) if bare_hour else _CLOCK_PATTERNS
    for pattern in patterns:
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            return _Clock(
                raw=text,
                hour=int(groups["h"]),
                minute=int(groups.get("m") or 0),
                meridiem=groups.get("meridiem"),
            )
    return None


def read_time_of_day(text: str, *, bare_hour: bool = False) -> dt.time | None:
    """A time of day ("9 Uhr", "9:30", "9.30 Uhr", "14 Uhr 30", "2pm", "um 9") or None if the text
    is not shaped like one; raises ImpossibleTimeError for "24:30" or "9:75"."""
    clock = _match_clock(normalize(text), bare_hour=bare_hour)
    return None if clock is None else clock.to_time()


def normalize(text: str) -> str:
    """Lower case, composed umlauts, commas as spaces, single spaces, "T" of ISO split off."""
    text = unicodedata.normalize("NFC", text).lower().replace(",", " ")
    text = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)", r"\1 ", text)
    return " ".join(text.split())


def local_to_utc(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Turn a naive wall-clock time in `zone` into UTC.

    Daylight saving is decided here for the whole bot: a wall time that does not exist (Berlin, last
    Sunday of March, 02:30) moves forward by the gap (03:30 CEST); a wall time that occurs twice
    (last Sunday of October, 02:30) means its first occurrence (CEST). Both are what `fold=0` gives.
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


@dataclass(frozen=True)
class _Day:
    kind: str
    offset: int = 0
    weekday: int | None = None
    strict: bool = False
    day: int = 0
    month: int = 0
    year: int | None = None


def _amount(text: str) -> int:
    return 1 if text in _AMOUNT_WORDS else int(text)


def _match_day(text: str) -> _Day | None:
    for kind, pattern in _DAY_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        groups = match.groupdict()
        weekday = WEEKDAY_WORDS.get(groups["wd"]) if groups.get("wd") else None
        if groups.get("wd") and weekday is None:
            continue
        if kind in ("today", "tomorrow", "day_after"):
            return _Day("offset", offset=("today", "tomorrow", "day_after").index(kind))
        if kind == "in_days":
            days = DURATION_UNITS[groups["unit"]].days
            return _Day("offset", offset=_amount(groups["n"]) * days)
        if kind == "weekday":
            return _Day("weekday", weekday=weekday, strict=groups["next"] is not None)
        month = int(groups["mo"]) if groups.get("mo") else _MONTH_WORDS.get(groups["month"], 0)
        if not month:
            continue
        year_text = groups["y"]
        year = None if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _Day("date", weekday=weekday, day=int(groups["d"]), month=month, year=year)
    return None


def _relative(phrase: str) -> dt.timedelta | None:
    """`in 2 Stunden`, `in 1 hour and 30 minutes`: an exact span from now."""
    if not phrase.startswith("in "):
        return None
    position, total, parts = 3, dt.timedelta(), 0
    while position < len(phrase):
        match = _RELATIVE_PART.match(phrase, position)
        if match is None or match.group("unit") not in DURATION_UNITS:
            return None
        total += _amount(match.group("n")) * DURATION_UNITS[match.group("unit")]
        position, parts = match.end(), parts + 1
    return total if parts else None


def _wall_text(wall: dt.datetime) -> str:
    return f"{wall.day:02d}.{wall.month:02d}.{wall.year:04d} {wall.hour:02d}:{wall.minute:02d}"


def _future(instant: dt.datetime, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    if instant <= now:
        raise PastTimeError(
            when=_wall_text(instant.astimezone(zone)), now=_wall_text(now.astimezone(zone))
        )
    return instant


def _checked_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ImpossibleDateError(date=f"{day:02d}.{month:02d}.{year:04d}") from exc


def _check_yearless(month: int, day: int, shown_year: int) -> None:
    """A date without a year must exist in some year (29.02. does); the error names the year
    the person meant, not the leap year it was checked against."""
    try:
        dt.date(2000, month, day)
    except ValueError as exc:
        raise ImpossibleDateError(date=f"{day:02d}.{month:02d}.{shown_year:04d}") from exc


def _date_text(date: dt.date) -> str:
    return f"{date.day:02d}.{date.month:02d}.{date.year:04d}"


def _resolve(day: _Day | None, clock: dt.time, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    today = now.astimezone(zone).date()

    def at(date: dt.date) -> dt.datetime:
        return local_to_utc(dt.datetime.combine(date, clock), zone)

    if day is None:
        first = at(today)
        return first if first > now else at(today + dt.timedelta(days=1))
    if day.kind == "offset":
        return _future(at(today + dt.timedelta(days=day.offset)), now, zone)
    if day.kind == "weekday":
        assert day.weekday is not None
        ahead = (day.weekday - today.weekday()) % 7
        if ahead == 0 and (day.strict or at(today) <= now):
            ahead = 7
        return at(today + dt.timedelta(days=ahead))
    if day.year is None:
        _check_yearless(day.month, day.day, today.year)
        date = _next_yearly(day.month, day.day, today, lambda date: at(date) > now)
    else:
        date = _checked_date(day.year, day.month, day.day)
    if day.weekday is not None and day.weekday != date.weekday():
        raise WeekdayMismatchError(
            date=_date_text(date),
            actual_de=WEEKDAY_NAMES[date.weekday()].de,
            actual_en=WEEKDAY_NAMES[date.weekday()].en,
            given_de=WEEKDAY_NAMES[day.weekday].de,
            given_en=WEEKDAY_NAMES[day.weekday].en,
        )
    if date.year < today.year:
        raise PastTimeError(when=_date_text(date), now=_wall_text(now.astimezone(zone)))
    return _future(at(date), now, zone)


def _next_yearly(month: int, day: int, today: dt.date, ahead: Callable[[dt.date], bool]) -> dt.date:
    """This year's date, or the next year's in which it exists and is ahead (29.02. waits for a
    leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if ahead(date):
            return date
    raise ValueError("no such date within eight years")  # only near year 9999


def _readings(phrase: str) -> list[tuple[_Day | None, _Clock | None]]:
    """Every way to split the phrase into a day part and a time part (either order)."""
    words = phrase.split()
    readings: list[tuple[_Day | None, _Clock | None]] = []
    for cut in range(len(words) + 1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        for day_text, clock_text in ((head, tail), (tail, head)):
            day = _match_day(day_text) if day_text else None
            if day_text and day is None:
                continue
            clock = _match_clock(clock_text, bare_hour=day is not None) if clock_text else None
            if (clock_text and clock is None) or (day is None and clock is None):
                continue
            if (day, clock) not in readings:
                readings.append((day, clock))
    return readings


def _iso_instant(match: re.Match[str], zone: ZoneInfo) -> dt.datetime:
    """`2026-09-29T10:00` in `zone`; with an offset (`Z`, `+02:00`) the offset wins."""
    groups = match.groupdict()
    date = _checked_date(int(groups["y"]), int(groups["mo"]), int(groups["d"]))
    raw = match.group(0)[match.start("h") - match.start() :].strip()
    clock = _Clock(raw=raw, hour=int(groups["h"]), minute=int(groups["mi"]), meridiem=None)
    second = int(groups["s"] or 0)
    if second > 59:
        raise ImpossibleTimeError(time=raw)
    wall = dt.datetime.combine(date, clock.to_time().replace(second=second))
    offset = groups["offset"]
    if offset is None:
        return local_to_utc(wall, zone)
    if offset in ("z", "utc"):
        return wall.replace(tzinfo=dt.UTC)
    hours, minutes = int(offset[1:3]), int(offset[-2:])
    if hours > 23 or minutes > 59:
        raise ImpossibleTimeError(time=raw)
    span = dt.timedelta(hours=hours, minutes=minutes)
    return wall.replace(tzinfo=dt.timezone(-span if offset[0] == "-" else span)).astimezone(dt.UTC)


def _require_aware(instant: dt.datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def parse_when(text: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant a phrase names, in UTC and strictly after `now`; wall times are read in `zone`.

    - A time alone ("9 Uhr", "um 9", "2pm") is its next occurrence: today if still ahead, else
      tomorrow. A lone number ("9") is rejected as ambiguous.
    - A date without a year is this year's, or next year's if this year's has passed.
    - A weekday ("Montag 8 Uhr") is today if still ahead, else the next one; "nächsten Montag" /
      "next monday" is always a later day than today.
    - "in 3 Tagen" is exactly 72 hours from now, so across a DST change the wall clock shifts.
    - A day without a time, an impossible date or time, and a time in the past are errors.
    See `local_to_utc` for wall times that daylight saving skips or repeats.
    """
    _require_aware(now, "now")
    phrase = normalize(text)
    if re.fullmatch(r"\d{1,2}", phrase):
        raise BareNumberError(text=phrase)

    iso = _ISO_DATETIME.fullmatch(phrase)
    if iso:
        return _future(_iso_instant(iso, zone), now, zone)

    span = _relative(phrase)
    if span is not None:
        return _future(now.astimezone(dt.UTC) + span, now, zone)

    results: list[dt.datetime] = []
    errors: list[TimePhraseError] = []
    for day, clock in _readings(phrase):
        try:
            if clock is None:
                if day is not None and day.kind == "date" and day.year is not None:
                    _checked_date(day.year, day.month, day.day)
                elif day is not None and day.kind == "date":
                    _check_yearless(day.month, day.day, now.astimezone(zone).year)
                raise MissingTimeError(text=text.strip())
            instant = _resolve(day, clock.to_time(), now, zone)
        except TimePhraseError as error:
            errors.append(error)
        except (ValueError, OverflowError):
            errors.append(UnreadableTimeError(text=text.strip()))
        else:
            if instant not in results:
                results.append(instant)
    if len(results) > 1:
        readings = ", ".join(_wall_text(instant.astimezone(zone)) for instant in results)
        raise AmbiguousTimeError(text=text.strip(), readings=readings)
    if results:
        return results[0]
    if errors:
        raise errors[0]
    raise UnreadableTimeError(text=text.strip())


def format_when(instant: dt.datetime, zone: ZoneInfo, language: Language) -> str:
    """`Mo., 28.09.2026, 09:00 Uhr (MESZ)` or `Mon, 28 Sep 2026, 09:00 (CEST)`; no locale needed."""
    _require_aware(instant, "instant")
    local = instant.astimezone(zone)
    zone_name = local.tzname() or ""
    clock = f"{local.hour:02d}:{local.minute:02d}"
    weekday = local.weekday()
    if language == "en":
        month = _ENGLISH_MONTHS[local.month - 1]
        return (
            f"{_ENGLISH_WEEKDAYS[weekday]}, {local.day} {month} {local.year}, {clock} ({zone_name})"
        )
    zone_name = _GERMAN_ZONE_NAMES.get(zone_name, zone_name)
    date = f"{local.day:02d}.{local.month:02d}.{local.year:04d}"
    return f"{_GERMAN_WEEKDAYS[weekday]}, {date}, {clock} Uhr ({zone_name})"


def format_date(day: dt.date, language: Language) -> str:
    """`15.12.2026` or `15 Dec 2026`."""
    if language == "en":
        return f"{day.day} {_ENGLISH_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


# The note of a post sent late (the bot was down when it was due).
LATE_NOTE = Localized("(verspätet gesendet – geplant war {due})", "(sent late – it was due {due})")
