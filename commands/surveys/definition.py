"""A needs survey as organisers write it in TOML (German or English keys): title, open and close
time, anonymous or named, who it is for (roster roles), and its questions (single or multiple
choice, scale 1–5, free text)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from commands.core.converters import HERE_WORDS, ROOM_ALIAS_RE, ROOM_ID_RE, ConversionError
from commands.core.i18n import Localized
from commands.core.roster_roles import MUNICIPAL_ROLES, ROLE_NAMES, RosterRole, parse_role
from commands.core.time_phrases import format_when, local_to_utc, parse_when

# The scheduler duty that plans a survey's invitations and close.
SURVEY_DUTY = "survey"

Kind = Literal["single", "multiple", "scale", "text"]
KINDS: dict[str, Kind] = {
    "einfach": "single",
    "single": "single",
    "mehrfach": "multiple",
    "multiple": "multiple",
    "skala": "scale",
    "scale": "scale",
    "text": "text",
    "freitext": "text",
}
SCALE = range(1, 6)
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_QUESTION = 500
MAX_OPTION = 200
MAX_OPTIONS = 20
MAX_QUESTIONS = 50
MAX_INVITE_ROOMS = 20

# Each key in German and English; the German one is what the examples show.
SURVEY_KEYS = {
    "titel": "title",
    "title": "title",
    "beschreibung": "description",
    "description": "description",
    "anonym": "anonymous",
    "anonymous": "anonymous",
    "beginn": "opens",
    "opens": "opens",
    "ende": "closes",
    "closes": "closes",
    "einladen": "invite",
    "invite": "invite",
    "zielgruppe": "audience",
    "audience": "audience",
    "frage": "questions",
    "question": "questions",
}
QUESTION_KEYS = {
    "text": "text",
    "art": "kind",
    "kind": "kind",
    "antworten": "options",
    "options": "options",
    "max": "max",
    "von": "low",
    "low": "low",
    "bis": "high",
    "high": "high",
    "pflicht": "required",
    "required": "required",
}

# The help fills in the end date from today (commands.core.example_dates).
EXAMPLE = """titel = "Weitere kommunale Bedarfe"
anonym = true
ende = "{datum+30} 18:00"
einladen = ["#allgemein"]
zielgruppe = ["Smart City Manager:in", "Fachvorgesetzte:r"]

[[frage]]
text = "Wo ist die Rolle angesiedelt?"
art = "einfach"
antworten = ["Fachbereich", "Zentrale Stelle", "Stabsstelle"]

[[frage]]
text = "Wie gut ist die Rolle verankert?"
art = "skala"
von = "gar nicht"
bis = "sehr gut"

[[frage]]
text = "Welche Bedarfe hat deine Kommune? (#tags möglich)"
art = "text\""""

NOT_TOML = Localized(
    "Das ist kein gültiges TOML ({error}). Ein Beispiel zeigt {help}.",
    "That is not valid TOML ({error}). {help} shows an example.",
)
UNKNOWN_KEY = Localized(
    "„{key}“ kenne ich nicht{where}. Möglich: {known}.",
    "I don't know “{key}”{where}. Known: {known}.",
)
IN_QUESTION = Localized(" in Frage {number}", " in question {number}")
MISSING = Localized("Es fehlt „{key}“{where}.", "“{key}” is missing{where}.")
WRONG_TYPE = Localized("„{key}“{where} muss {expected} sein.", "“{key}”{where} must be {expected}.")
TEXT_EXPECTED = Localized("ein Text in Anführungszeichen", "a quoted text")
FLAG_EXPECTED = Localized("true oder false", "true or false")
LIST_EXPECTED = Localized("eine Liste von Texten", "a list of texts")
NUMBER_EXPECTED = Localized("eine ganze Zahl", "a whole number")
TIME_EXPECTED = Localized('eine Zeit wie "15.12.2026 18:00"', 'a time like "2026-12-15 18:00"')
TOO_LONG = Localized(
    "„{key}“{where} ist {length} Zeichen lang, erlaubt sind {limit}.",
    "“{key}”{where} is {length} characters long; the limit is {limit}.",
)
EMPTY = Localized("„{key}“{where} ist leer.", "“{key}”{where} is empty.")
BAD_KIND = Localized(
    "„{kind}“{where} ist keine Fragenart. Möglich: einfach, mehrfach, skala, text.",
    "“{kind}”{where} is not a kind of question. Possible: single, multiple, scale, text.",
)
OPTION_COUNT = Localized(
    "Frage {number} braucht 2 bis {limit} Antworten, hat aber {count}.",
    "Question {number} needs 2 to {limit} answers but has {count}.",
)
DUPLICATE_OPTION = Localized(
    "Die Antwort „{option}“ kommt in Frage {number} zweimal vor.",
    "The answer “{option}” appears twice in question {number}.",
)
NUMERIC_OPTION = Localized(
    "Die Antwort „{option}“ in Frage {number} ist eine Zahl; Zahlen wählen die Antwort mit "
    "dieser Nummer. Schreib sie in Worten.",
    "The answer “{option}” in question {number} is a number; numbers pick the answer with that "
    "number. Write it in words.",
)
NOT_FOR_KIND = Localized(
    "„{key}“ passt nicht zu Frage {number} (Art {kind}).",
    "“{key}” does not fit question {number} (kind {kind}).",
)
BAD_MAX = Localized(
    "„max“ in Frage {number} muss zwischen 1 und {count} liegen.",
    "“max” in question {number} must be between 1 and {count}.",
)
QUESTION_COUNT = Localized(
    "Eine Erhebung braucht 1 bis {limit} Fragen, diese hat {count}.",
    "A survey needs 1 to {limit} questions; this one has {count}.",
)
CLOSES_BEFORE_OPENS = Localized(
    "Das Ende ({closes}) liegt nicht nach dem Beginn ({opens}).",
    "The end ({closes}) is not after the start ({opens}).",
)
CLOSES_IN_PAST = Localized(
    "Das Ende ({closes}) liegt in der Vergangenheit.", "The end ({closes}) is in the past."
)
BAD_ROLE = Localized(
    "„{value}“ in „zielgruppe“ ist keine Rolle des Verzeichnisses. Möglich: {roles}.",
    "“{value}” in “audience” is no role of the roster. Possible: {roles}.",
)
BAD_ROOM = Localized(
    "„{room}“ in „einladen“ ist kein Raum. Schreib #name, #name:server.de oder „hier“.",
    "“{room}” in “invite” is not a room. Write #name, #name:server.org or “here”.",
)


Where = str | Localized


@dataclass(frozen=True)
class Question:
    text: str
    kind: Kind
    options: tuple[str, ...] = ()
    # Multiple choice: at most this many answers (None: as many as there are).
    max_choices: int | None = None
    # Scale: what 1 and 5 mean.
    low_label: str | None = None
    high_label: str | None = None
    required: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "options": list(self.options),
            "max_choices": self.max_choices,
            "low_label": self.low_label,
            "high_label": self.high_label,
            "required": self.required,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Question:
        return cls(
            text=data["text"],
            kind=data["kind"],
            options=tuple(data.get("options") or ()),
            max_choices=data.get("max_choices"),
            low_label=data.get("low_label"),
            high_label=data.get("high_label"),
            required=bool(data.get("required")),
        )


@dataclass(frozen=True)
class SurveyDefinition:
    title: str
    description: str | None
    anonymous: bool
    # None: open from the moment it is created.
    opens_at: dt.datetime | None
    closes_at: dt.datetime
    # Rooms whose members are invited by direct message when the survey opens (as written).
    invite_rooms: tuple[str, ...]
    questions: tuple[Question, ...]
    # The roster roles it is for: nobody else is invited or asked.
    audience: tuple[RosterRole, ...] = MUNICIPAL_ROLES


def parse_toml(
    text: str, now: dt.datetime, zone: ZoneInfo, help_hint: str, *, future: bool = True
) -> SurveyDefinition:
    """Read a survey from TOML text (a pasted ```code block``` is fine); raises ConversionError."""
    text = _strip_code_fence(text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConversionError(NOT_TOML, error=str(exc), help=help_hint) from exc
    return parse_definition(raw, now, zone, future=future)


def _strip_code_fence(text: str) -> str:
    match = re.fullmatch(r"\s*```[a-zA-Z]*\n(.*?)\n?```\s*", text, re.DOTALL)
    return match[1] if match else text


def parse_definition(
    raw: Mapping[str, Any], now: dt.datetime, zone: ZoneInfo, *, future: bool = True
) -> SurveyDefinition:
    """`future`: the end must lie ahead (a new survey); a stored one read again may have ended."""
    table = _keys(raw, SURVEY_KEYS, "")
    title = _text(table, "title", "titel", "", MAX_TITLE)
    description = _optional_text(table, "description", "beschreibung", "", MAX_DESCRIPTION)
    anonymous = _flag(table, "anonymous", "anonym", "", default=True)
    opens_at = _time(table.get("opens"), "beginn", now, zone)
    if "closes" not in table:
        raise ConversionError(MISSING, key="ende", where="")
    closes_at = _time(table["closes"], "ende", now, zone)
    assert closes_at is not None
    if future and closes_at <= now:
        raise ConversionError(CLOSES_IN_PAST, closes=_shown(closes_at, zone))
    if opens_at is not None and closes_at <= opens_at:
        raise ConversionError(
            CLOSES_BEFORE_OPENS, closes=_shown(closes_at, zone), opens=_shown(opens_at, zone)
        )
    invite = _text_list(table, "invite", "einladen", "", MAX_INVITE_ROOMS, MAX_OPTION)
    for room in invite:
        with_server = room if ":" in room else room + ":server"
        known = ROOM_ALIAS_RE.match(with_server) or ROOM_ID_RE.match(room)
        if not known and room.lower() not in HERE_WORDS:
            raise ConversionError(BAD_ROOM, room=room)
    audience = _audience(table)
    questions = table.get("questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
        raise ConversionError(WRONG_TYPE, key="frage", where="", expected="[[frage]] …")
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ConversionError(QUESTION_COUNT, limit=MAX_QUESTIONS, count=len(questions))
    return SurveyDefinition(
        title=title,
        description=description,
        anonymous=anonymous,
        opens_at=opens_at,
        closes_at=closes_at,
        invite_rooms=tuple(invite),
        questions=tuple(_question(q, number) for number, q in enumerate(questions, 1)),
        audience=audience,
    )


def _audience(table: Mapping[str, Any]) -> tuple[RosterRole, ...]:
    """The roles named in `zielgruppe`, in the roster's order; the municipal roles without it."""
    if "audience" not in table:
        return MUNICIPAL_ROLES
    words = _text_list(table, "audience", "zielgruppe", "", len(ROLE_NAMES) * 3, MAX_OPTION)
    if not words:
        raise ConversionError(EMPTY, key="zielgruppe", where="")
    named: set[RosterRole] = set()
    for word in words:
        role = parse_role(word)
        if role is None:
            roles = ", ".join(name.de for name in ROLE_NAMES.values())
            raise ConversionError(BAD_ROLE, value=word, roles=roles)
        named.add(role)
    return tuple(role for role in ROLE_NAMES if role in named)


def _question(raw: Mapping[str, Any], number: int) -> Question:
    where = Localized(
        IN_QUESTION.format("de", number=number), IN_QUESTION.format("en", number=number)
    )
    table = _keys(raw, QUESTION_KEYS, where)
    text = _text(table, "text", "text", where, MAX_QUESTION)
    kind_text = _text(table, "kind", "art", where, 20).strip().lower()
    kind = KINDS.get(kind_text)
    if kind is None:
        raise ConversionError(BAD_KIND, kind=kind_text, where=where)
    required = _flag(table, "required", "pflicht", where, default=False)
    for key, german, kinds in (
        ("options", "antworten", ("single", "multiple")),
        ("max", "max", ("multiple",)),
        ("low", "von", ("scale",)),
        ("high", "bis", ("scale",)),
    ):
        if key in table and kind not in kinds:
            raise ConversionError(NOT_FOR_KIND, key=german, number=number, kind=kind_text)
    if kind in ("single", "multiple"):
        options = _text_list(table, "options", "antworten", where, MAX_OPTIONS + 1, MAX_OPTION)
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise ConversionError(
                OPTION_COUNT, number=number, limit=MAX_OPTIONS, count=len(options)
            )
        seen: set[str] = set()
        for option in options:
            if option.isdigit():
                raise ConversionError(NUMERIC_OPTION, option=option, number=number)
            if option.casefold() in seen:
                raise ConversionError(DUPLICATE_OPTION, option=option, number=number)
            seen.add(option.casefold())
        max_choices = None
        if kind == "multiple" and "max" in table:
            value = table["max"]
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConversionError(WRONG_TYPE, key="max", where=where, expected="1, 2, …")
            if not 1 <= value <= len(options):
                raise ConversionError(BAD_MAX, number=number, count=len(options))
            max_choices = value
        return Question(text, kind, tuple(options), max_choices=max_choices, required=required)
    if kind == "scale":
        return Question(
            text,
            kind,
            low_label=_optional_text(table, "low", "von", where, MAX_OPTION),
            high_label=_optional_text(table, "high", "bis", where, MAX_OPTION),
            required=required,
        )
    return Question(text, kind, required=required)


def _keys(raw: Mapping[str, Any], names: Mapping[str, str], where: Where) -> dict[str, Any]:
    """The table with canonical keys; an unknown key is an error naming the known ones."""
    table: dict[str, Any] = {}
    for key, value in raw.items():
        canonical = names.get(key.lower())
        if canonical is None:
            raise ConversionError(UNKNOWN_KEY, key=key, where=where, known=", ".join(names))
        table[canonical] = value
    return table


def _text(table: Mapping[str, Any], key: str, german: str, where: Where, limit: int) -> str:
    if key not in table:
        raise ConversionError(MISSING, key=german, where=where)
    value = table[key]
    if not isinstance(value, str):
        raise ConversionError(WRONG_TYPE, key=german, where=where, expected=TEXT_EXPECTED)
    value = value.strip()
    if not value:
        raise ConversionError(EMPTY, key=german, where=where)
    if len(value) > limit:
        raise ConversionError(TOO_LONG, key=german, where=where, length=len(value), limit=limit)
    return value


def _optional_text(
    table: Mapping[str, Any], key: str, german: str, where: Where, limit: int
) -> str | None:
    return _text(table, key, german, where, limit) if key in table else None


def _flag(table: Mapping[str, Any], key: str, german: str, where: Where, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConversionError(WRONG_TYPE, key=german, where=where, expected=FLAG_EXPECTED)
    return value


def _text_list(
    table: Mapping[str, Any], key: str, german: str, where: Where, max_items: int, limit: int
) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConversionError(WRONG_TYPE, key=german, where=where, expected=LIST_EXPECTED)
    items = [" ".join(item.split()) for item in value[:max_items]]
    for item in items:
        if not item:
            raise ConversionError(EMPTY, key=german, where=where)
        if len(item) > limit:
            raise ConversionError(TOO_LONG, key=german, where=where, length=len(item), limit=limit)
    return items


ABSOLUTE_TIME_RE = re.compile(
    r"(?:(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2}))[ ,T]+(\d{1,2})[:.](\d{2})"
    r"(?:\s*uhr)?",
    re.IGNORECASE,
)


def _time(value: object, german: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """TOML's own date-times (a local one is read in `zone`), a full date and time (which may
    have passed: a survey read again from a file), or a phrase like "morgen 9:00"."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(dt.UTC)
        return local_to_utc(value, zone)
    if isinstance(value, dt.date):
        return local_to_utc(dt.datetime.combine(value, dt.time()), zone)
    if not isinstance(value, str) or not value.strip():
        raise ConversionError(WRONG_TYPE, key=german, where="", expected=TIME_EXPECTED)
    match = ABSOLUTE_TIME_RE.fullmatch(value.strip())
    if match is None:
        return parse_when(value, now, zone)
    day, month, year = (
        (match[1], match[2], match[3]) if match[1] else (match[6], match[5], match[4])
    )
    try:
        wall = dt.datetime(int(year), int(month), int(day), int(match[7]), int(match[8]))
    except ValueError as exc:
        raise ConversionError(WRONG_TYPE, key=german, where="", expected=TIME_EXPECTED) from exc
    return local_to_utc(wall, zone)


def _shown(instant: dt.datetime, zone: ZoneInfo) -> Localized:
    return Localized(format_when(instant, zone, "de"), format_when(instant, zone, "en"))
