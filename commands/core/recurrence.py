"""Schedules that repeat ("jeden Montag 9 Uhr", cron), computed on the wall clock of a zone so that
"Monday 9:00" stays 9:00 local across daylight saving changes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural
from commands.core.time_phrases import (
    DURATION_UNITS,
    WEEKDAY_NAMES,
    WEEKDAY_WORDS,
    TimePhraseError,
    format_when,
    local_to_utc,
    normalize,
    parse_when,
    read_time_of_day,
    with_examples,
)


@dataclass(frozen=True)
class OneOff:
    at: dt.datetime  # aware, UTC


@dataclass(frozen=True)
class Recurring:
    """`cron`: minute hour day month day-of-week, read as standard crontab (0 and 7 = Sunday,
    1 = Monday). `parse_schedule` writes days of the week as names (`mon-fri`)."""

    cron: str


@dataclass(frozen=True)
class Interval:
    """Every `seconds`, starting at `start` (UTC): "alle 2 Stunden", "every 30 minutes"."""

    seconds: int
    start: dt.datetime


Schedule = OneOff | Recurring | Interval

_INTERVAL = re.compile(r"(?:alle|every)\s+(?P<n>\d{1,6})\s*(?P<unit>[a-zä]+)")

REPEAT_EXAMPLES = Localized(
    "Zum Beispiel: „jeden Montag 9 Uhr“, „täglich 8:30“, „werktags 8 Uhr“, "
    "„am 1. jedes Monats 9 Uhr“ oder Cron: „0 9 * * 1“.",
    "For example: “every monday 9:00”, “daily 8:30”, “weekdays 8am”, "
    "“on the 1st of every month 9:00” or cron: “0 9 * * 1”.",
)
CRON_EXAMPLES = Localized(
    "Ein Cron-Ausdruck hat 5 Felder – Minute Stunde Tag Monat Wochentag –, z. B. „0 9 * * 1“ "
    "(montags 9:00) oder „30 8 * * 1-5“ (werktags 8:30).",
    "A cron expression has 5 fields – minute hour day month weekday –, e.g. “0 9 * * 1” "
    "(Mondays 9:00) or “30 8 * * 1-5” (weekdays 8:30).",
)


class ScheduleError(TimePhraseError):
    """A repeating schedule that cannot be used; subclasses say what was wrong."""


class MissingRepeatTimeError(ScheduleError):
    MESSAGE = with_examples(
        Localized("„{text}“ nennt keine Uhrzeit.", "“{text}” has no time of day."),
        REPEAT_EXAMPLES,
    )


class UnreadableRepeatError(ScheduleError):
    MESSAGE = with_examples(
        Localized(
            "„{text}“ kann ich nicht als Wiederholung lesen.",
            "I can't read “{text}” as a repeating time.",
        ),
        REPEAT_EXAMPLES,
    )


class MonthDayError(ScheduleError):
    MESSAGE = Localized(
        "Einen {day}. gibt es in keinem Monat. Möglich ist der 1. bis 28., "
        "z. B. „am 1. jedes Monats 9 Uhr“.",
        "No month has a day {day}. Choose the 1st to the 28th, "
        "e.g. “on the 1st of every month 9:00”.",
    )


class ShortMonthDayError(ScheduleError):
    MESSAGE = Localized(
        "Den {day}. gibt es nicht in jedem Monat, die Ankündigung fiele in kürzeren Monaten aus. "
        "Wähle den 1. bis 28., z. B. „am 28. jedes Monats 9 Uhr“, oder schreib Cron, wenn das "
        "gewollt ist: „cron 0 9 {day} * *“.",
        "Not every month has a day {day}, so shorter months would be skipped. Choose the 1st to "
        "the 28th, e.g. “on the 28th of every month 9:00”, or use cron if that is what you want: "
        "“cron 0 9 {day} * *”.",
    )


class CronExpressionError(ScheduleError):
    """A cron expression that is malformed or never fires; the message quotes it."""


class CronFieldCountError(CronExpressionError):
    MESSAGE = with_examples(
        Localized(
            "„{expr}“ ist kein gültiger Cron-Ausdruck: er hat {count} Felder statt 5.",
            "“{expr}” is not a valid cron expression: it has {count} fields instead of 5.",
        ),
        CRON_EXAMPLES,
    )


class CronFieldError(CronExpressionError):
    MESSAGE = with_examples(
        Localized(
            "„{expr}“ ist kein gültiger Cron-Ausdruck: das Feld {field_de} „{value}“ "
            "verstehe ich nicht.",
            "“{expr}” is not a valid cron expression: I can't read the {field_en} field “{value}”.",
        ),
        CRON_EXAMPLES,
    )


class CronDayConflictError(CronExpressionError):
    MESSAGE = Localized(
        "„{expr}“ nennt Tag im Monat und Wochentag zugleich; Cron liest das als „oder“, was selten "
        "gemeint ist. Nimm eins von beiden, z. B. „0 9 1 * *“ (am 1. jedes Monats) oder "
        "„0 9 * * 1“ (montags).",
        "“{expr}” sets both a day of the month and a weekday; cron reads that as “or”, which is "
        "rarely meant. Use one of them, e.g. “0 9 1 * *” (the 1st of every month) or "
        "“0 9 * * 1” (Mondays).",
    )


class CronNeverFiresError(CronExpressionError):
    MESSAGE = with_examples(
        Localized(
            "„{expr}“ trifft nie zu (etwa ein 30. Februar).",
            "“{expr}” never fires (like a 30th of February).",
        ),
        CRON_EXAMPLES,
    )


_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
_FIELD_NAMES = {
    "minute": Localized("Minute", "minute"),
    "hour": Localized("Stunde", "hour"),
    "day": Localized("Tag", "day"),
    "month": Localized("Monat", "month"),
    "day_of_week": Localized("Wochentag", "weekday"),
}
_FIELD_SHAPES = {
    "minute": re.compile(r"[0-9*/,\-]+"),
    "hour": re.compile(r"[0-9*/,\-]+"),
    "day": re.compile(r"[0-9*/,\-]+"),
    "month": re.compile(r"[0-9a-z*/,\-]+"),
}
_CRON_WORD = re.compile(r"[0-9a-z*/,\-]+")
_CRON_DAY_NUMBERS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler's, Monday first
_WEEKDAY_ITEM = re.compile(r"(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?")

_ADVERBS = {
    word: number
    for number, words in enumerate(
        [
            ("montags", "mondays"),
            ("dienstags", "tuesdays"),
            ("mittwochs", "wednesdays"),
            ("donnerstags", "thursdays"),
            ("freitags", "fridays"),
            ("samstags", "sonnabends", "saturdays"),
            ("sonntags", "sundays"),
        ]
    )
    for word in words
}
_ORDINAL = r"(?P<d>\d{1,2})(?:\.|st|nd|rd|th)?"
_REPEAT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in [
        ("daily", r"t(?:ä|ae)glich|jeden\s+tag|(?:every|each)\s+day|daily"),
        (
            "weekdays",
            r"(?:werktags|an\s+werktagen|jeden\s+werktag|montags\s+bis\s+freitags"
            r"|(?:on\s+)?weekdays|(?:every|each)\s+weekday)"
            r"(?:\s+\((?:mo\.?|mon)\s*[–-]\s*(?:fr\.?|fri)\))?",  # as `describe` writes it
        ),
        (
            "weekly",
            r"(?:jeden|jede|every|each|(?:w(?:ö|oe)chentlich|weekly)\s+(?:am|on))\s+"
            r"(?P<wd>[a-z]+)\.?",
        ),
        ("weekly", r"(?:on\s+)?(?P<adverb>[a-z]+)"),
        ("monthly", rf"am\s+{_ORDINAL}\s+(?:jedes|jeden|des)\s+monats"),
        ("monthly", rf"(?:(?:jeden|jedes)\s+monat|monatlich)\s+am\s+{_ORDINAL}"),
        ("monthly", rf"(?:on\s+)?the\s+{_ORDINAL}\s+of\s+(?:every|each|the)\s+month"),
        ("monthly", rf"(?:monthly|(?:every|each)\s+month)\s+on\s+the\s+{_ORDINAL}"),
    ]
)

# Longer than any clock change, far shorter than the time between two of them.
_LOOKAROUND = dt.timedelta(hours=3)


def _cron_weekdays(field: str) -> frozenset[int]:
    """Days (0 = Monday) of a standard crontab day-of-week field: 0 and 7 are Sunday."""

    def number(word: str) -> int:
        if word.isdigit() and int(word) <= 7:
            return int(word)
        if word in _CRON_DAY_NUMBERS:
            return _CRON_DAY_NUMBERS[word]
        raise ValueError(word)

    days: set[int] = set()
    for item in field.split(","):
        match = _WEEKDAY_ITEM.fullmatch(item)
        if match is None:
            raise ValueError(item)
        base, step = match[1], int(match[2] or 1)
        if base == "*":
            low, high = 0, 6
        elif "-" in base:
            first, last = base.split("-")
            low, high = number(first), number(last)
        elif match[2] is None:
            low = high = number(base)
        else:
            raise ValueError(item)  # "1/2" means different things to different crons
        if step < 1 or low > high:
            raise ValueError(item)
        days.update((day - 1) % 7 for day in range(low, high + 1, step))
    return frozenset(days)


def _weekday_field(days: frozenset[int]) -> str:
    """Names, Monday first, runs of three or more as a range (`mon-fri`, `tue,thu,sat,sun`).
    A range never reaches Sunday: `fri-sun` would read as 5-0, backwards, to standard cron."""
    if len(days) == 7:
        return "*"
    parts: list[str] = []
    run: list[int] = []
    for day in [*sorted(days), None]:
        if day is not None and run and day == run[-1] + 1 and day != 6:
            run.append(day)
            continue
        if len(run) >= 3:
            parts.append(f"{_DAY_NAMES[run[0]]}-{_DAY_NAMES[run[-1]]}")
        else:
            parts.extend(_DAY_NAMES[d] for d in run)
        run = [] if day is None else [day]
    return ",".join(parts)


def normalize_cron(expr: str) -> str:
    """Check a five-field crontab expression and give it with days of the week as names, which
    standard cron and APScheduler 3 read alike (APScheduler 3 counts 0 as Monday, cron Sunday)."""
    expr = " ".join(expr.split())
    fields = expr.lower().split()
    if len(fields) != 5:
        raise CronFieldCountError(expr=expr, count=len(fields))

    def bad(field: str, value: str) -> CronFieldError:
        name = _FIELD_NAMES[field]
        return CronFieldError(expr=expr, field_de=name.de, field_en=name.en, value=value)

    for field, value in zip(_FIELDS[:4], fields, strict=False):
        if not _FIELD_SHAPES[field].fullmatch(value):
            raise bad(field, value)
        try:
            CronTrigger(**{field: value}, timezone=dt.UTC)
        except ValueError as exc:
            raise bad(field, value) from exc
    try:
        weekdays = _weekday_field(_cron_weekdays(fields[4]))
    except ValueError as exc:
        raise bad("day_of_week", fields[4]) from exc
    # Standard cron fires when the day of month OR the weekday matches; APScheduler needs both.
    if not fields[2].startswith("*") and not fields[4].startswith("*"):
        raise CronDayConflictError(expr=expr)
    return " ".join([*fields[:4], weekdays])


@lru_cache(maxsize=16384)
def _wall_clock_trigger(cron: str) -> tuple[CronTrigger, bool]:
    """A trigger over naive wall-clock times (carried as UTC), and whether the cron runs around the
    clock (hour `*`): such a cron fires in both passes of the hour that October repeats."""
    normalized = normalize_cron(cron)
    return CronTrigger.from_crontab(normalized, timezone=dt.UTC), normalized.split()[1][0] == "*"


def _next_wall(trigger: CronTrigger, wall: dt.datetime) -> dt.datetime | None:
    start = (wall + dt.timedelta(microseconds=1)).replace(tzinfo=dt.UTC)
    found = trigger.get_next_fire_time(None, start)
    return None if found is None else found.replace(tzinfo=None)


def _offset(moment: dt.datetime) -> dt.timedelta:
    offset = moment.utcoffset()
    assert offset is not None
    return offset


def _is_plain(wall: dt.datetime, zone: ZoneInfo) -> bool:
    """Neither skipped nor repeated by a clock change."""
    return _offset(wall.replace(tzinfo=zone, fold=0)) == _offset(wall.replace(tzinfo=zone, fold=1))


def _instants(wall: dt.datetime, zone: ZoneInfo, twice: bool) -> list[dt.datetime]:
    """The UTC instants a wall time stands for: one, or two in the repeated hour if `twice`.
    A wall time skipped by the spring gap moves forward by the gap, like `local_to_utc`."""
    first = local_to_utc(wall, zone)
    if _is_plain(wall, zone) or first.astimezone(zone).replace(tzinfo=None) != wall:
        return [first]
    return [first, wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)] if twice else [first]


def next_occurrence(schedule: Schedule, after: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The first occurrence strictly after `after` (aware), in UTC; None if there is none.

    Recurring times are wall-clock times in `zone`. On the spring change a time in the skipped
    hour (02:30) fires once, moved forward by the gap (03:30 CEST); on the autumn change a time in
    the repeated hour fires once, in its first pass (CEST) — unless the cron's hour is `*`, then it
    fires in both passes, keeping its rhythm in real time. (APScheduler's CronTrigger alone fires
    02:30 twice in October: hand it these instants, not the cron.)
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    if isinstance(schedule, OneOff):
        return schedule.at if schedule.at > after else None
    if isinstance(schedule, Interval):
        if after < schedule.start:
            return schedule.start
        step = dt.timedelta(seconds=schedule.seconds)
        return schedule.start + ((after - schedule.start) // step + 1) * step
    trigger, twice = _wall_clock_trigger(schedule.cron)
    offset_before = _offset((after - _LOOKAROUND).astimezone(zone))
    offset_later = _offset((after + _LOOKAROUND).astimezone(zone))
    if offset_before == offset_later:
        wall = _next_wall(trigger, after.astimezone(zone).replace(tzinfo=None))
        if wall is None:
            return None
        if _is_plain(wall, zone):
            return local_to_utc(wall, zone)
        offsets = {
            offset_before,
            _offset(wall.replace(tzinfo=zone, fold=0)),
            _offset(wall.replace(tzinfo=zone, fold=1)),
        }
    else:
        offsets = {offset_before, offset_later}
    return _search(trigger, twice, after, zone, max(offsets) - min(offsets))


def _search(
    trigger: CronTrigger, twice: bool, after: dt.datetime, zone: ZoneInfo, jump: dt.timedelta
) -> dt.datetime | None:
    """Near a clock change, wall order and real order differ by up to `jump`: look at every wall
    time from `jump` before `after` until `jump` past the best instant found."""
    best: dt.datetime | None = None
    best_wall = dt.datetime.min
    wall: dt.datetime | None = after.astimezone(zone).replace(tzinfo=None) - jump
    while (wall := _next_wall(trigger, wall)) is not None:
        if best is not None and wall > best_wall + jump:
            break
        for instant in _instants(wall, zone, twice):
            if instant > after and (best is None or instant < best):
                best = instant
                best_wall = instant.astimezone(zone).replace(tzinfo=None)
    return best


def _looks_like_cron(phrase: str) -> bool:
    """Bare cron fields: digits and cron signs only, starting with a number or `*`, and a `*` or
    exactly five of them (so "9 Uhr" or "14 Uhr 30" stay time phrases)."""
    words = phrase.split()
    return (
        bool(words)
        and all(_CRON_WORD.fullmatch(word) for word in words)
        and _FIELD_SHAPES["minute"].fullmatch(words[0]) is not None
        and (len(words) == 5 or any("*" in word for word in words))
    )


@dataclass(frozen=True)
class _Repeat:
    kind: str
    weekday: int | None = None
    day: int | None = None


def _match_repeat(text: str) -> _Repeat | None:
    for kind, pattern in _REPEAT_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        groups = match.groupdict()
        if "adverb" in groups:
            if groups["adverb"] not in _ADVERBS:
                continue
            return _Repeat(kind, weekday=_ADVERBS[groups["adverb"]])
        if "wd" in groups:
            if groups["wd"] not in WEEKDAY_WORDS:
                continue
            return _Repeat(kind, weekday=WEEKDAY_WORDS[groups["wd"]])
        if "d" in groups:
            day = int(groups["d"])
            if not 1 <= day <= 31:
                raise MonthDayError(day=day)
            if day > 28:
                raise ShortMonthDayError(day=day)
            return _Repeat(kind, day=day)
        return _Repeat(kind)
    return None


def _repeat_cron(repeat: _Repeat, clock: dt.time) -> str:
    day, weekday = "*", "*"
    if repeat.kind == "weekdays":
        weekday = "mon-fri"
    elif repeat.kind == "weekly":
        assert repeat.weekday is not None
        weekday = _DAY_NAMES[repeat.weekday]
    elif repeat.kind == "monthly":
        day = str(repeat.day)
    return f"{clock.minute} {clock.hour} {day} * {weekday}"


def _read_repeat(phrase: str, text: str) -> Recurring | None:
    """A repeat word and a time in either order; None if the phrase has no repeat word."""
    words = phrase.split()
    matched_alone = matched_part = False
    for cut in range(1, len(words) + 1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        for repeat_text, clock_text in ((head, tail), (tail, head)):
            repeat = _match_repeat(repeat_text) if repeat_text else None
            if repeat is None:
                continue
            if not clock_text:
                matched_alone = True
                continue
            matched_part = True
            clock = read_time_of_day(clock_text, bare_hour=True)
            if clock is not None:
                return Recurring(_repeat_cron(repeat, clock))
    if matched_alone:
        raise MissingRepeatTimeError(text=text)
    if matched_part:
        raise UnreadableRepeatError(text=text)
    return None


def parse_schedule(text: str, now: dt.datetime, zone: ZoneInfo) -> Schedule:
    """A repeating schedule ("jeden Montag 9 Uhr", "täglich 8:30", "werktags 8 Uhr",
    "am 1. jedes Monats 9 Uhr", "every monday 9:00", "cron 0 9 * * 1" or bare "0 9 * * 1"),
    else a one-off time read by `parse_when`, whose errors pass through.
    Werktags / weekdays means Monday to Friday."""
    text = " ".join(text.split())
    raw = text.lower()
    if raw == "cron":
        raise CronFieldCountError(expr=text, count=0)
    if raw.startswith("cron "):
        return _checked_cron(text[5:], now, zone)
    if _looks_like_cron(raw):
        return _checked_cron(text, now, zone)
    interval = _INTERVAL.fullmatch(normalize(text))
    # Days and weeks are wall-clock rhythms (DST would shift a fixed count of seconds): those
    # are said as "täglich 8:30" or "jeden Montag 9 Uhr".
    if (
        interval is not None
        and interval["unit"] in DURATION_UNITS
        and DURATION_UNITS[interval["unit"]] < dt.timedelta(days=1)
        and int(interval["n"]) > 0
    ):
        seconds = int(interval["n"]) * int(DURATION_UNITS[interval["unit"]].total_seconds())
        return Interval(seconds, now + dt.timedelta(seconds=seconds))
    return _read_repeat(normalize(text), text) or OneOff(parse_when(text, now, zone))


def _checked_cron(expr: str, now: dt.datetime, zone: ZoneInfo) -> Recurring:
    schedule = Recurring(normalize_cron(expr))
    if next_occurrence(schedule, now, zone) is None:
        raise CronNeverFiresError(expr=expr)
    return schedule


_DAILY = Localized("täglich um {clock} Uhr", "daily at {clock}")
_WEEKLY = Localized("jeden {weekday_de} um {clock} Uhr", "every {weekday_en} at {clock}")
_WEEKDAYS = Localized("werktags (Mo.–Fr.) um {clock} Uhr", "on weekdays (Mon–Fri) at {clock}")
_MONTHLY = Localized(
    "am {day}. jedes Monats um {clock} Uhr", "on the {ordinal} of every month at {clock}"
)
_CRON = Localized("nach Cron-Ausdruck „{cron}“", "by cron expression “{cron}”")


_EVERY = Localized("alle {span}", "every {span}")
_SPANS = (
    (
        604800,
        Plural(
            Localized("{count} Woche", "{count} week"), Localized("{count} Wochen", "{count} weeks")
        ),
    ),
    (
        86400,
        Plural(Localized("{count} Tag", "{count} day"), Localized("{count} Tage", "{count} days")),
    ),
    (
        3600,
        Plural(
            Localized("{count} Stunde", "{count} hour"),
            Localized("{count} Stunden", "{count} hours"),
        ),
    ),
    (
        60,
        Plural(
            Localized("{count} Minute", "{count} minute"),
            Localized("{count} Minuten", "{count} minutes"),
        ),
    ),
    (
        1,
        Plural(
            Localized("{count} Sekunde", "{count} second"),
            Localized("{count} Sekunden", "{count} seconds"),
        ),
    ),
)


def _span(seconds: int, language: Language) -> str:
    """The largest unit that divides the interval: 7200 → "2 Stunden" / "2 hours"."""
    for size, amount in _SPANS:
        if seconds % size == 0:
            return amount.format(language, seconds // size)
    raise AssertionError("every interval is a whole number of seconds")


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def describe(schedule: Schedule, zone: ZoneInfo, language: Language) -> str:
    """The schedule in words: "jeden Montag um 09:00 Uhr" / "every Monday at 09:00"; a cron
    expression with one of the phrase shapes reads the same, any other is quoted; a one-off time
    is written out in full (`format_when`)."""
    if isinstance(schedule, OneOff):
        return format_when(schedule.at, zone, language)
    if isinstance(schedule, Interval):
        return _EVERY.format(language, span=_span(schedule.seconds, language))
    cron = normalize_cron(schedule.cron)
    minute, hour, day, month, weekday = cron.split()
    if minute.isdigit() and hour.isdigit() and month == "*":
        clock = f"{int(hour):02d}:{int(minute):02d}"
        if day == "*" and weekday == "*":
            return _DAILY.format(language, clock=clock)
        if day == "*" and weekday == "mon-fri":
            return _WEEKDAYS.format(language, clock=clock)
        if day == "*" and weekday in _DAY_NAMES:
            name = WEEKDAY_NAMES[_DAY_NAMES.index(weekday)]
            return _WEEKLY.format(language, clock=clock, weekday_de=name.de, weekday_en=name.en)
        if day.isdigit() and weekday == "*":
            number = int(day)
            return _MONTHLY.format(language, clock=clock, day=number, ordinal=_ordinal(number))
    return _CRON.format(language, cron=cron)
