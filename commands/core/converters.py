"""Typed argument converters: each turns one word of a command (or the rest of it) into a value."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from commands.core.i18n import Language, Localized, parse_language
from commands.core.mentions import members_named
from commands.core.plurals import Plural

if TYPE_CHECKING:
    from commands.core.context import CommandContext

USER_ID_RE = re.compile(r"^@[a-z0-9._=/+\-]+:[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
ROOM_ALIAS_RE = re.compile(r"^#[^:\s]+:[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
# From room version 12 on a room id is "!" and a hash, without a server name.
ROOM_ID_RE = re.compile(r"^![^:\s]+(:[A-Za-z0-9.\-]+(:[0-9]{1,5})?)?$")
GERMAN_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class ConversionError(ValueError):
    """A word could not be read as the argument's type; `message` says why, in both languages."""

    def __init__(self, message: Localized | Plural, **values: object) -> None:
        super().__init__(message.format("de", **values))
        self.message = message
        self.values = values

    def text(self, language: Language) -> str:
        return self.message.format(language, **self.values)


class NotAllowed(ConversionError):
    """The asker lacks the right for this item (not their event, poll, topic …): the answer
    says who may, and leaves out how to type the command, which was typed right."""


class Converter(Protocol):
    """`kind` is shown in help; `greedy` converters take the rest of the line as one string.

    A converter whose value needs the room (a display name) also has `async resolve(ctx,
    value)`, called with the command's context before the handler runs.
    """

    kind: Localized
    greedy: bool

    def convert(self, text: str) -> Any: ...


EMPTY_TEXT = Localized("Der Text ist leer.", "The text is empty.")


def visible(text: str) -> str:
    """What of `text` can be seen: no whitespace, no invisible format characters (zero-width
    spaces and joiners, bidi controls, byte order marks)."""
    return "".join(
        char for char in text if not char.isspace() and unicodedata.category(char) != "Cf"
    )


@dataclass(frozen=True)
class Word:
    max_length: int = 200
    kind: Localized = Localized("Text", "text")
    greedy: bool = False

    def convert(self, text: str) -> str:
        if not visible(text):
            raise ConversionError(EMPTY_TEXT)
        if len(text) > self.max_length:
            raise ConversionError(
                Localized(
                    "Der Text ist {length} Zeichen lang, erlaubt sind {limit}.",
                    "The text is {length} characters long; the limit is {limit}.",
                ),
                length=len(text),
                limit=self.max_length,
            )
        return text


@dataclass(frozen=True)
class Rest(Word):
    """Everything after the previous arguments, as typed (quotes kept)."""

    max_length: int = 4000
    greedy: bool = True


# Every number is range-checked to this before it reaches storage: any id column holds it on
# every backend.
NUMBER_MAX = 2**31 - 1
OUT_OF_RANGE = Localized(
    "{value} liegt nicht zwischen {low} und {high}.", "{value} is not between {low} and {high}."
)


def number_in(text: str, minimum: int = 1, maximum: int = NUMBER_MAX) -> int | None:
    """`text` as a number, or None if it is none; ConversionError if it is one out of range.
    One rule for numbers everywhere: ASCII digits, an optional leading # (a full-width "１"
    is no number, as in the converters)."""
    digits = text.strip().removeprefix("#")
    if not (digits.isascii() and digits.isdecimal()):
        return None
    value = int(digits)
    if not minimum <= value <= maximum:
        raise ConversionError(OUT_OF_RANGE, value=digits, low=minimum, high=maximum)
    return value


@dataclass(frozen=True)
class Integer:
    minimum: int | None = None
    maximum: int | None = None
    kind: Localized = Localized("Zahl", "number")
    greedy: bool = False

    def convert(self, text: str) -> int:
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", text):
            raise ConversionError(
                Localized("„{text}“ ist keine ganze Zahl.", "“{text}” is not a whole number."),
                text=text,
            )
        value = int(text)
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise ConversionError(
                OUT_OF_RANGE,
                value=value,
                low=self.minimum if self.minimum is not None else "−∞",
                high=self.maximum if self.maximum is not None else "∞",
            )
        # Without a declared limit still no more than storage holds.
        if abs(value) > NUMBER_MAX:
            low = self.minimum if self.minimum is not None else -NUMBER_MAX
            raise ConversionError(OUT_OF_RANGE, value=value, low=low, high=NUMBER_MAX)
        return value


@dataclass(frozen=True)
class Date:
    """A calendar date: `29.09.2026`, `29.09.26`, `29.09.` (this year) or ISO `2026-09-29`."""

    today: dt.date | None = None  # fixed in tests; None means the real date
    kind: Localized = Localized("Datum", "date")
    greedy: bool = False

    def convert(self, text: str) -> dt.date:
        german = GERMAN_DATE_RE.match(text)
        iso = ISO_DATE_RE.match(text)
        if german:
            day, month = int(german[1]), int(german[2])
            year_text = german[3]
            if year_text is None:
                year = (self.today or dt.date.today()).year
            else:
                year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        elif iso:
            year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
        else:
            raise ConversionError(
                Localized(
                    "„{text}“ ist kein Datum. Schreib es als TT.MM.JJJJ, z. B. 29.09.2026.",
                    "“{text}” is not a date. Write it as DD.MM.YYYY (e.g. 29.09.2026) "
                    "or YYYY-MM-DD.",
                ),
                text=text,
            )
        try:
            return dt.date(year, month, day)
        except ValueError as exc:
            raise ConversionError(
                Localized(
                    "Den {text} gibt es nicht im Kalender.",
                    "{text} does not exist in the calendar.",
                ),
                text=text,
            ) from exc


NOT_A_USER_ID = Localized(
    "„{text}“ ist keine Matrix-ID. Schreib sie so: @name:server.de",
    "“{text}” is not a Matrix ID. Write it like @name:server.org",
)
UNKNOWN_PERSON = Localized(
    "„{text}“ finde ich in diesem Raum nicht. Nenne die Person mit ihrer Matrix-ID "
    "(@name:server.de), mit ihrem Anzeigenamen hier (mit Leerzeichen in Anführungszeichen: "
    "„Anna Beispiel“) oder wähle sie nach „@“ aus der Vorschlagsliste aus.",
    "I cannot find “{text}” in this room. Name the person by their Matrix ID "
    "(@name:server.org), by their display name here (in quotation marks if it has spaces: "
    "“Anna Example”), or pick them from the list Element offers after “@”.",
)
AMBIGUOUS_PERSON = Localized(
    "„{text}“ heißen hier mehrere: {people}. Schreib die Matrix-ID der gemeinten Person oder "
    "wähle sie nach „@“ aus der Vorschlagsliste aus.",
    "Several people here are called “{text}”: {people}. Write the Matrix ID of the one you "
    "mean, or pick them from the list Element offers after “@”.",
)


@dataclass(frozen=True)
class UserId:
    """A person: a Matrix ID, typed or as an Element pill (which the router reads as the ID), or
    the display name of someone in the room, which only the context can resolve (`resolve`)."""

    kind: Localized = Localized("Person", "person")
    greedy: bool = False

    def convert(self, text: str) -> str:
        if not text.strip():
            raise ConversionError(NOT_A_USER_ID, text=text)
        # "@name:server" meant as an ID but mistyped: a name would not help either.
        if text.startswith("@") and ":" in text and not USER_ID_RE.match(text):
            raise ConversionError(NOT_A_USER_ID, text=text)
        return text

    async def resolve(self, ctx: CommandContext, value: str) -> str:
        return await ctx.person(value)


def person_named(typed: str, members: Mapping[str, str | None]) -> str:
    """The user ID `typed` stands for: itself if it is one, else the one member (user ID →
    display name) called so. Raises ConversionError that says how to name the person."""
    if USER_ID_RE.match(typed):
        return typed
    found = members_named(typed, members)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ConversionError(UNKNOWN_PERSON, text=typed)
    people = ", ".join(f"{members[user_id]} ({user_id})" for user_id in sorted(found))
    raise ConversionError(AMBIGUOUS_PERSON, text=typed, people=people)


@dataclass(frozen=True)
class RoomRef:
    """A room alias (`#workshop:example.org`) or room id (`!abc:example.org`), not resolved here."""

    kind: Localized = Localized("Raum", "room")
    greedy: bool = False

    def convert(self, text: str) -> str:
        if not (ROOM_ALIAS_RE.match(text) or ROOM_ID_RE.match(text)):
            raise ConversionError(
                Localized(
                    "„{text}“ ist kein Raum. Schreib #name:server.de oder !id:server.de",
                    "“{text}” is not a room. Write #name:server.org or !id:server.org",
                ),
                text=text,
            )
        return text


@dataclass(frozen=True)
class LanguageChoice:
    kind: Localized = Localized("de|en", "de|en")
    greedy: bool = False

    def convert(self, text: str) -> Language:
        language = parse_language(text)
        if language is None:
            raise ConversionError(
                Localized(
                    "„{text}“ kenne ich nicht als Sprache. Möglich sind: de, en.",
                    "I don't know “{text}” as a language. Choose de or en.",
                ),
                text=text,
            )
        return language


# Words that name the room a command was written in.
HERE_WORDS = frozenset({"hier", "here"})
UNKNOWN_ROOM = Localized(
    "Den Raum {room} gibt es nicht. Schreib #name (auf diesem Server), #name:server.de, "
    "!id:server.de oder „hier“.",
    "There is no room {room}. Write #name (on this server), #name:server.org, !id:server.org "
    "or “here”.",
)
BOT_NOT_IN_ROOM = Localized(
    "Im Raum {room} bin ich nicht. Lade mich erst ein.",
    "I am not in the room {room}. Invite me first.",
)
BOT_MAY_NOT_POST = Localized(
    "Im Raum {room} darf ich keine Nachrichten schreiben. Gib mir dort das Recht dazu.",
    "I may not post in the room {room}. Give me that right there first.",
)
NOT_ORGANISER_THERE = Localized(
    "Im Raum {room} gehörst du nicht zur Organisation; dorthin kann ich für dich nichts planen.",
    "You are not an organiser in the room {room}; I cannot schedule posts there for you.",
)
