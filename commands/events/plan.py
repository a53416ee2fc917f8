"""Pure event logic: reading `"Titel" <wann> ort … räume …` into event details, the reminder
offsets, which posts an event needs when, what a change changes, and how long until it starts."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from commands.core.converters import ConversionError
from commands.core.emoji import reaction_key
from commands.core.i18n import Language, Localized
from commands.core.offsets import NONE_WORDS, parse_offsets
from commands.core.plurals import Plural
from commands.core.registry import tokens_of
from commands.core.time_phrases import format_when, local_to_utc, parse_when, read_time_of_day
from storage.models import Event
from storage.outbox import NUDGE, REMINDER, PostPlan

# The scheduler duty that plans an event's posts, reminders and direct messages.
EVENT_DUTY = "event"

DEFAULT_DURATION = dt.timedelta(hours=1)
MAX_TITLE = 200
MAX_PLACE = 200
MAX_DESCRIPTION = 2000
MAX_URL = 1000


YES = "yes"
NO = "no"
MAYBE = "maybe"
ANSWERS = (YES, NO, MAYBE)
ANSWER_WORDS = {
    "ja": YES,
    "yes": YES,
    "y": YES,
    "zusage": YES,
    "nein": NO,
    "no": NO,
    "n": NO,
    "absage": NO,
    "vielleicht": MAYBE,
    "maybe": MAYBE,
    "evtl": MAYBE,
    "evtl.": MAYBE,
}
# ✅ ❌ ❔ as the announcement offers them, and the look-alikes people pick from an emoji menu.
# Keys as commands.core.emoji.reaction_key leaves them: without variation selectors.
REACTION_ANSWERS = {
    "✅": YES,
    "✔": YES,
    "👍": YES,
    "❌": NO,
    "✖": NO,
    "👎": NO,
    "❔": MAYBE,
    "❓": MAYBE,
    "🤔": MAYBE,
}
REACTION_OF = {YES: "✅", NO: "❌", MAYBE: "❔"}

# Option words and the field they set; "" marks a flag without value.
OPTION_WORDS = {
    "ort": "place",
    "place": "place",
    "location": "place",
    "online": "online_link",
    "link": "online_link",
    "agenda": "agenda_link",
    "beschreibung": "description",
    "description": "description",
    "räume": "rooms",
    "raeume": "rooms",
    "raum": "rooms",
    "rooms": "rooms",
    "room": "rooms",
    "erinnerungen": "offsets",
    "reminders": "offsets",
    "zeit": "when",
    "time": "when",
    "titel": "title",
    "title": "title",
    "geschlossen": "closed",
    "closed": "closed",
    "offen": "open",
    "open": "open",
}
FLAGS = {"closed", "open"}
URL_RE = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
TIME_RANGE_RE = re.compile(
    r"^(?P<day>.*?)\s*(?:von\s+|from\s+)?(?P<start>\d{1,2}(?:[:.]\d{2})?)\s*(?:uhr\s*)?(?:-|–|—|bis|to|until)\s*"
    r"(?P<end>\d{1,2}(?:[:.]\d{2})?)\s*(?:uhr)?$",
    re.IGNORECASE,
)
SPAN_SPLIT_RE = re.compile(r"\s+(?:-|–|—|bis|to|until)\s+", re.IGNORECASE)

TITLE_MISSING = Localized(
    'Es fehlt der Titel. So geht es: !termin neu "Titel" 29.09.2026 10:00-16:00 ort "Potsdam"',
    'The title is missing. Write: !event new "Title" 29.09.2026 10:00-16:00 place "Potsdam"',
)
WHEN_MISSING = Localized(
    "Es fehlt, wann der Termin ist, z. B. 29.09.2026 10:00-16:00 oder morgen 14-16 Uhr. "
    "Ein Titel aus mehreren Wörtern gehört in Anführungszeichen.",
    "When is the event? E.g. 29.09.2026 10:00-16:00 or tomorrow 14-16. "
    "Put a title of several words in quotation marks.",
)
END_BEFORE_START = Localized(
    "Das Ende ({end}) liegt nicht nach dem Beginn ({start}).",
    "The end ({end}) is not after the start ({start}).",
)
TOO_LONG_FIELD = Localized(
    "{field_de} ist {length} Zeichen lang; erlaubt sind {limit}.",
    "{field_en} is {length} characters long; the limit is {limit}.",
)
EMPTY_VALUE = Localized("Nach „{word}“ fehlt die Angabe.", "A value must follow “{word}”.")
BAD_URL = Localized(
    "„{value}“ ist kein Link; erwartet wird https://…",
    "“{value}” is not a link; expected https://…",
)
URL_TOO_LONG = Localized(
    "Der Link ist {length} Zeichen lang; erlaubt sind {limit}.",
    "The link is {length} characters long; the limit is {limit}.",
)
BOTH_FLAGS = Localized(
    "Ein Termin ist entweder offen oder geschlossen, nicht beides.",
    "An event is either open or closed, not both.",
)
UNKNOWN_WORD = Localized(
    "„{word}“ verstehe ich hier nicht. Möglich: ort, online, agenda, beschreibung, räume, "
    "erinnerungen, geschlossen, offen (und beim Ändern: titel, zeit).",
    "I don't understand “{word}” here. Possible: place, online, agenda, description, rooms, "
    "reminders, closed, open (and when editing: title, time).",
)
NOTHING_TO_CHANGE = Localized(
    "Was soll sich ändern? Z. B. zeit 30.09.2026 10:00-16:00, ort „Cottbus“, titel „…“.",
    "What should change? E.g. time 30.09.2026 10:00-16:00, place “Cottbus”, title “…”.",
)
FIELD_NAMES = {
    "title": Localized("Der Titel", "The title"),
    "place": Localized("Der Ort", "The place"),
    "description": Localized("Die Beschreibung", "The description"),
}


@dataclass(frozen=True)
class Span:
    starts_at: dt.datetime
    ends_at: dt.datetime
    # Only a start was given: a new event lasts DEFAULT_DURATION, a changed one keeps its length.
    start_only: bool = field(default=False, compare=False)

    def keeping(self, duration: dt.timedelta) -> Span:
        """This span as a change of an event that lasts `duration`."""
        if not self.start_only:
            return self
        return Span(self.starts_at, self.starts_at + duration)


@dataclass
class EventDetails:
    """What a command says about an event; None: not given (keep as is, or the default)."""

    title: str | None = None
    span: Span | None = None
    place: str | None = None
    online_link: str | None = None
    agenda_link: str | None = None
    description: str | None = None
    rooms: list[str] = field(default_factory=list)
    offsets: list[int] | None = None
    closed: bool | None = None
    # Fields given as "keine"/"none": to be cleared when editing.
    cleared: set[str] = field(default_factory=set)

    def is_empty(self) -> bool:
        return self == EventDetails()


def _option(token: tuple[str, bool]) -> str | None:
    value, quoted = token
    return None if quoted else OPTION_WORDS.get(unicodedata.normalize("NFC", value).lower())


def parse_span(text: str, now: dt.datetime, zone: ZoneInfo) -> Span:
    """`29.09.2026 10:00-16:00`, `morgen 14-16 Uhr`, `29.09. 10 Uhr bis 30.09. 16 Uhr`, or a start
    alone (the event then lasts DEFAULT_DURATION)."""
    text = " ".join(text.split())
    ranged = TIME_RANGE_RE.match(text)
    if ranged and ranged["day"]:
        start_clock = ranged["start"] if ":" in ranged["start"] else f"{ranged['start']} Uhr"
        start = parse_when(f"{ranged['day']} {start_clock}", now, zone)
        end_time = read_time_of_day(ranged["end"], bare_hour=True)
        if end_time is None:
            raise ConversionError(
                Localized("„{value}“ ist keine Uhrzeit.", "“{value}” is not a time."),
                value=ranged["end"],
            )
        local_start = start.astimezone(zone)
        end = local_to_utc(dt.datetime.combine(local_start.date(), end_time), zone)
        return _checked_span(start, end, zone)
    parts = SPAN_SPLIT_RE.split(text, maxsplit=1)
    start = parse_when(parts[0], now, zone)
    if len(parts) == 1:
        return Span(start, start + DEFAULT_DURATION, start_only=True)
    end_clock = read_time_of_day(parts[1], bare_hour=True)
    if end_clock is not None:
        wall = dt.datetime.combine(start.astimezone(zone).date(), end_clock)
        return _checked_span(start, local_to_utc(wall, zone), zone)
    return _checked_span(start, parse_when(parts[1], now, zone), zone)


def _when_in_both(instant: dt.datetime, zone: ZoneInfo) -> Localized:
    return Localized(format_when(instant, zone, "de"), format_when(instant, zone, "en"))


def _checked_span(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> Span:
    if end <= start:
        raise ConversionError(
            END_BEFORE_START,
            start=_when_in_both(start, zone),
            end=_when_in_both(end, zone),
        )
    return Span(start, end)


def parse_details(text: str, now: dt.datetime, zone: ZoneInfo, *, new: bool) -> EventDetails:
    """A new event: `"Titel" <wann> [optionen]`; a change: `[optionen]` including titel and zeit."""
    tokens = tokens_of(text)
    details = EventDetails()
    index = 0
    if new:
        if not tokens or _option(tokens[0]) is not None:
            raise ConversionError(TITLE_MISSING)
        details.title = _limited(tokens[0][0], "title", MAX_TITLE)
        index = 1
        end = index
        while end < len(tokens) and _option(tokens[end]) is None:
            end += 1
        if end == index:
            raise ConversionError(WHEN_MISSING)
        details.span = parse_span(" ".join(value for value, _ in tokens[index:end]), now, zone)
        index = end
    while index < len(tokens):
        word = tokens[index][0]
        name = _option(tokens[index])
        if name is None or (new and name in ("title", "when")):
            raise ConversionError(UNKNOWN_WORD, word=word)
        index += 1
        if name in FLAGS:
            closed = name == "closed"
            if details.closed is not None and details.closed != closed:
                raise ConversionError(BOTH_FLAGS)
            details.closed = closed
            continue
        end = index
        if name == "description" and index < len(tokens) and not tokens[index][1]:
            # Free text: words like "offen" or "ort" in it are text, not options.
            end = len(tokens)
        while end < len(tokens) and _option(tokens[end]) is None:
            end += 1
        values = [value for value, _ in tokens[index:end]]
        index = end
        if not values or not " ".join(values).strip():
            raise ConversionError(EMPTY_VALUE, word=word)
        _apply(details, name, values, now, zone)
    return details


def _apply(
    details: EventDetails, name: str, values: list[str], now: dt.datetime, zone: ZoneInfo
) -> None:
    joined = " ".join(values).strip()
    if name == "rooms":
        details.rooms = values
    elif name == "offsets":
        details.offsets = parse_offsets(values)
    elif name == "when":
        details.span = parse_span(joined, now, zone)
    elif name == "title":
        details.title = _limited(joined, "title", MAX_TITLE)
    elif joined.lower() in NONE_WORDS:
        details.cleared.add(name)
    elif name in ("online_link", "agenda_link"):
        if not URL_RE.match(joined):
            raise ConversionError(BAD_URL, value=joined)
        if len(joined) > MAX_URL:
            raise ConversionError(URL_TOO_LONG, length=len(joined), limit=MAX_URL)
        setattr(details, name, joined)
    else:
        limit = MAX_PLACE if name == "place" else MAX_DESCRIPTION
        setattr(details, name, _limited(joined, name, limit))


def _limited(value: str, name: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise ConversionError(TITLE_MISSING)
    if len(value) > limit:
        field_name = FIELD_NAMES[name]
        raise ConversionError(
            TOO_LONG_FIELD,
            field_de=field_name.de,
            field_en=field_name.en,
            length=len(value),
            limit=limit,
        )
    return value


def parse_answer(word: str) -> str | None:
    return ANSWER_WORDS.get(word.strip().lower())


def reaction_answer(key: str) -> str | None:
    """The answer a reaction gives; variation selector and skin tone do not matter."""
    return REACTION_ANSWERS.get(reaction_key(key))


def reminder_due(starts_at: dt.datetime, offset: int, zone: ZoneInfo) -> dt.datetime:
    """When a reminder `offset` seconds before the start goes out: whole days (and weeks) are
    counted on the wall clock, so "1 Tag vorher" is at the start's local time across a DST
    change; hours and minutes are exact."""
    if offset % 86400:
        return starts_at - dt.timedelta(seconds=offset)
    wall = starts_at.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=offset // 86400)
    return local_to_utc(wall, zone)


def plan_reminders(
    starts_at: dt.datetime,
    offsets: list[int],
    room_ids: list[str],
    now: dt.datetime,
    zone: ZoneInfo,
) -> list[PostPlan]:
    """A reminder into every room and one round of direct messages per offset still ahead;
    offsets already past when the event is planned are left out, not sent late."""
    plans = []
    for offset in offsets:
        due = reminder_due(starts_at, offset, zone)
        if due <= now:
            continue
        plans += [PostPlan(REMINDER, offset, room_id, due) for room_id in room_ids]
        plans.append(PostPlan(NUDGE, offset, "", due))
    return plans


def plan_notices(kind: str, sequence: int, room_ids: list[str], now: dt.datetime) -> list[PostPlan]:
    """The announcement, change or cancellation into every room of the event, due at once."""
    return [PostPlan(kind, sequence, room_id, now) for room_id in room_ids]


def _unit(one_de: str, other_de: str, one_en: str, other_en: str) -> Plural:
    return Plural(
        Localized(f"{{count}} {one_de}", f"{{count}} {one_en}"),
        Localized(f"{{count}} {other_de}", f"{{count}} {other_en}"),
    )


@dataclass(frozen=True)
class Unit:
    """A unit of time, counted as "7 Tage" and, after "in", as "in 7 Tagen" (dative)."""

    seconds: int
    amount: Plural
    dative: Plural


UNITS = (
    Unit(
        7 * 86400,
        _unit("Woche", "Wochen", "week", "weeks"),
        _unit("Woche", "Wochen", "week", "weeks"),
    ),
    Unit(86400, _unit("Tag", "Tage", "day", "days"), _unit("Tag", "Tagen", "day", "days")),
    Unit(
        3600,
        _unit("Stunde", "Stunden", "hour", "hours"),
        _unit("Stunde", "Stunden", "hour", "hours"),
    ),
    Unit(
        60,
        _unit("Minute", "Minuten", "minute", "minutes"),
        _unit("Minute", "Minuten", "minute", "minutes"),
    ),
)
STARTS_IN = Localized("beginnt in {left}", "starts in {left}")
RUNNING = Localized("läuft gerade, endet in {left}", "is on now, ends in {left}")
OVER = Localized("ist vorbei", "is over")
AND = Localized(" und ", " and ")


def _amount(count: int, unit: Unit, language: Language, *, dative: bool) -> str:
    return (unit.dative if dative else unit.amount).format(language, count)


def countdown(
    starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime, language: Language
) -> str:
    """`beginnt in 3 Tagen und 4 Stunden`: the two largest units, rounded down."""
    if now >= ends_at:
        return OVER.get(language)
    if now >= starts_at:
        return RUNNING.format(language, left=_duration(ends_at - now, language))
    return STARTS_IN.format(language, left=_duration(starts_at - now, language))


def _duration(span: dt.timedelta, language: Language) -> str:
    # To the nearest minute: a reminder sent 0.2 s after its due time still says "1 Tag".
    seconds = round(span.total_seconds() / 60) * 60
    parts = []
    for unit in UNITS[1:]:
        count, seconds = divmod(seconds, unit.seconds)
        if count:
            parts.append(_amount(count, unit, language, dative=True))
        elif parts:
            break
        if len(parts) == 2:
            break
    return AND.get(language).join(parts) or _amount(1, UNITS[-1], language, dative=True)


def describe_offset(seconds: int, language: Language) -> str:
    """`7 Tage`, `1 Stunde`, `90 Minuten`: in the largest unit that divides it."""
    unit = next(unit for unit in UNITS if seconds % unit.seconds == 0)
    return _amount(seconds // unit.seconds, unit, language, dative=False)


# What a change notice reports, in this order; "time" stands for starts_at and ends_at.
CHANGE_FIELDS = (
    "title",
    "time",
    "place",
    "online_link",
    "agenda_link",
    "description",
    "closed",
    "reminder_offsets",
)


def what_changed(before: Event, values: Mapping[str, object]) -> dict[str, list[object]]:
    """{field: [before, after]} for each field of CHANGE_FIELDS that `values` really changes,
    in JSON values (times as ISO strings), so the change notice can say before → after."""
    changes: dict[str, list[object]] = {}
    if "starts_at" in values or "ends_at" in values:
        old = [before.starts_at.isoformat(), before.ends_at.isoformat()]
        starts_at = values.get("starts_at", before.starts_at)
        ends_at = values.get("ends_at", before.ends_at)
        assert isinstance(starts_at, dt.datetime) and isinstance(ends_at, dt.datetime)
        new = [starts_at.isoformat(), ends_at.isoformat()]
        if old != new:
            changes["time"] = [old, new]
    for name in CHANGE_FIELDS:
        if name == "time" or name not in values:
            continue
        old_value, new_value = getattr(before, name), values[name]
        if old_value != new_value:
            changes[name] = [old_value, new_value]
    return {name: changes[name] for name in CHANGE_FIELDS if name in changes}


DATE_MISSING = Localized("Es fehlt das Datum des Termins.", "The date of the event is missing.")
START_MISSING = Localized(
    "Es fehlt die Uhrzeit, zu der der Termin beginnt.", "The event's start time is missing."
)


# A form's optional text fields; when changing an event, an emptied one is removed.
FORM_TEXT_FIELDS = ("place", "online_link", "agenda_link", "description")


def details_from_fields(
    fields: Mapping[str, str],
    now: dt.datetime,
    zone: ZoneInfo,
    *,
    editing: bool = False,
    unchanged: Mapping[str, str] | None = None,
) -> EventDetails:
    """An event from a form's separate fields (title, date `2026-09-29`, start and end
    `10:00`, place, online and agenda links, description, reminders `7d 1d`, `closed`
    `yes` or not), checked by the same rules and messages as `!termin neu` and
    `!termin ändern`. The form shows every field, so when `editing` an empty one is removed;
    `reminders` and `closed` are read only when the form has them.

    `unchanged`: the form's fields as the event is now. A field sent back as it was is left
    alone: the time of an event that has begun (a time in the past would be refused), a
    several-day event's end (the form shows no end then), a description's formatting as sent
    from Element."""
    kept = unchanged or {}
    details = EventDetails()
    details.title = _limited(fields.get("title", ""), "title", MAX_TITLE)
    date = fields.get("date", "").strip()
    start = fields.get("start", "").strip()
    end = fields.get("end", "").strip()
    if not date:
        raise ConversionError(DATE_MISSING)
    if not start:
        raise ConversionError(START_MISSING)
    if (date, start, end) != tuple(kept.get(name) for name in ("date", "start", "end")):
        details.span = parse_span(f"{date} {start}-{end}" if end else f"{date} {start}", now, zone)
    for name in FORM_TEXT_FIELDS:
        value = fields.get(name, "").strip()
        if name in kept and value == kept[name].strip():
            continue
        if value:
            _apply(details, name, [value], now, zone)
        elif editing:
            details.cleared.add(name)
    if "reminders" in fields:
        details.offsets = parse_offsets(fields["reminders"].split())
    if "closed" in fields:
        details.closed = fields["closed"] == "yes"
    return details
