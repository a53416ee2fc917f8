"""The command framework: tokenizing, parsing, converters, generated help and dispatch."""

from __future__ import annotations

import ast
import datetime as dt
import html as htmllib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import pytest

from bot.features import build_registry
from commands.core import dispatch as dispatch_module
from commands.core.context import BotStatus, CommandContext
from commands.core.converters import (
    ConversionError,
    Date,
    Integer,
    LanguageChoice,
    Rest,
    RoomRef,
    UserId,
    Word,
)
from commands.core.dispatch import Outcome, dispatch
from commands.core.example_dates import fill, in_days
from commands.core.help_text import (
    render_command,
    render_overview,
    render_reference,
    visible,
)
from commands.core.i18n import Language, Localized
from commands.core.ports import Ports, Settings
from commands.core.registry import (
    Arg,
    Command,
    CommandGroup,
    Invocation,
    Registry,
    Role,
    UnknownCommand,
    UsageError,
    tokenize,
)
from commands.core.rendering import html_to_text
from commands.general import commands as general
from storage import roster, user_settings
from storage.database import Database
from storage.models import Knock

TODAY = dt.date(2026, 3, 1)
LANGS: tuple[Language, ...] = ("de", "en")

Calls = list[tuple[str, dict[str, Any]]]


def make_test_group(calls: Calls) -> CommandGroup:
    """Commands declared only for these tests; each handler records how it was called."""
    group = CommandGroup("test", Localized("Testbefehle", "Test commands"))

    @group.command(
        "termin",
        aliases=("appointment",),
        help=Localized(
            "Legt einen Termin an.\nMit Ort, wenn du willst.",
            "Creates an appointment.\nWith a place if you like.",
        ),
        args=(
            Arg("datum", Date(today=TODAY), Localized("der Tag", "the day"), name_en="date"),
            Arg(
                "ort",
                Word(max_length=40),
                Localized("wo es stattfindet", "where it takes place"),
                name_en="place",
                optional=True,
            ),
        ),
    )
    async def termin(ctx: CommandContext, datum: dt.date, ort: str | None) -> None:
        calls.append(("termin", {"datum": datum, "ort": ort}))
        await ctx.reply(f"ok {datum.isoformat()}")

    @group.command(
        "umfrage beenden",
        aliases=("poll close",),
        help=Localized("Beendet eine Umfrage.", "Closes a poll."),
        args=(Arg("nummer", Integer(minimum=1), Localized("welche", "which"), name_en="number"),),
    )
    async def close_poll(ctx: CommandContext, nummer: int) -> None:
        calls.append(("umfrage beenden", {"nummer": nummer}))

    @group.command(
        "umfrage",
        aliases=("poll",),
        help=Localized("Startet eine Umfrage.", "Starts a poll."),
        args=(Arg("frage", Rest(), Localized("die Frage", "the question"), name_en="question"),),
    )
    async def poll(ctx: CommandContext, frage: str) -> None:
        calls.append(("umfrage", {"frage": frage}))

    @group.command(
        "sag",
        aliases=("say",),
        help=Localized("Wiederholt <text> & mehr.", "Repeats <text> & more."),
        args=(Arg("text", Rest(), Localized("was ich sagen soll", "what to say")),),
    )
    async def say(ctx: CommandContext, text: str) -> None:
        calls.append(("sag", {"text": text}))

    @group.command(
        "einladen",
        aliases=("invite",),
        help=Localized("Lädt jemanden in einen Raum ein.", "Invites someone to a room."),
        args=(
            Arg("person", UserId(), Localized("wen", "whom"), name_en="user"),
            Arg("raum", RoomRef(), Localized("wohin", "where to"), name_en="room"),
        ),
        role=Role.ORGANISER,
    )
    async def invite(ctx: CommandContext, person: str, raum: str) -> None:
        calls.append(("einladen", {"person": person, "raum": raum}))
        await ctx.reply("eingeladen")

    @group.command(
        "kaputt",
        aliases=("broken",),
        help=Localized("Geht immer schief.", "Always fails."),
    )
    async def broken(ctx: CommandContext) -> None:
        calls.append(("kaputt", {}))
        raise RuntimeError("boom")

    @group.command("ping", help=Localized("Antwortet.", "Answers."))
    async def ping(ctx: CommandContext) -> None:
        calls.append(("ping", {"language": ctx.language}))
        await ctx.reply("pong")

    return group


@pytest.fixture
def calls() -> Calls:
    return []


@pytest.fixture
def test_group(calls: Calls) -> CommandGroup:
    return make_test_group(calls)


@pytest.fixture
def registry(test_group: CommandGroup) -> Registry:
    return Registry([general.group, test_group])


def command_named(registry: Registry, name: str) -> Command:
    command = registry.find(name)
    assert command is not None, name
    return command


@dataclass
class RecordingContext(CommandContext):
    """A context that keeps every reply instead of sending it."""

    replies: list[str] = field(default_factory=list)

    async def reply(
        self, html: str, *, mentions: Sequence[str] = (), in_thread: bool = True
    ) -> str:
        self.replies.append(html)
        return f"$reply{len(self.replies)}"

    def can_see(self, room_id: str) -> bool:
        return room_id == self.room_id

    async def redact(self, room_id: str, event_ids: Sequence[str], reason: str) -> None:
        self.replies.append(f"redact {len(event_ids)} in {room_id}")

    async def post(self, room_id: str, event_type: str, content: dict[str, Any], key: str) -> str:
        self.replies.append(f"post {event_type} in {room_id}")
        return f"${key}"

    async def reply_file(self, filename: str, data: bytes, mimetype: str) -> None:
        self.replies.append(f"file {filename} ({mimetype}, {len(data)} bytes)")

    async def say(self, room_id: str, html: str, key: str, *, notify: bool = False) -> str:
        self.replies.append(f"say in {room_id}: {html}")
        return f"${key}"

    async def send_file(
        self, room_id: str, filename: str, data: bytes, mimetype: str, key: str
    ) -> None:
        self.replies.append(f"file {filename} in {room_id}")

    async def direct_room(self) -> str | None:
        return self.room_id

    def download_link(self, path: str) -> str:
        return f"http://bot.test/downloads/{path}"

    async def replied_file(self, limit: int) -> bytes | None:
        return None

    def bot_status(self) -> BotStatus:
        return BotStatus("test", dt.datetime(2026, 9, 29, 8, tzinfo=dt.UTC), 1, 0, None)

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 9, 27, 8, tzinfo=dt.UTC)

    async def resolve_room(self, reference: str) -> str:
        return self.room_id

    def room_label(self, room_id: str) -> str:
        return room_id

    def role_there(self, room_id: str) -> Role:
        return self.role

    @property
    def only_reply(self) -> str:
        assert len(self.replies) == 1, self.replies
        return self.replies[0]


def make_context(
    registry: Registry,
    *,
    role: Role = Role.MEMBER,
    default: Language = "de",
    preferred: Language | None = None,
    db: Database | None = None,
) -> RecordingContext:
    # These tests send, message and link nothing through the ports: what the context does
    # is recorded by the context itself.
    unused: Any = None
    ports = Ports(
        db=cast(Database, db),
        settings=Settings(prefix="!", language=default, timezone="Europe/Berlin"),
        registry=registry,
        schedules=NoSchedules(),
        messenger=unused,
        direct=unused,
        homeserver=unused,
        errors=unused,
        links=unused,
    )
    return RecordingContext(
        sender="@anna:example.org",
        room_id="!raum:example.org",
        event_id="$ereignis1",
        role=role,
        ports=ports,
        preferred_language=preferred,
    )


class NoSchedules:
    async def changed(self, duty: str, ref: int) -> None:
        raise AssertionError("these tests schedule nothing")

    async def settled(self, duty: str, ref: int) -> None:
        raise AssertionError("these tests schedule nothing")


# --- tokenize ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        pytest.param("a b  c", ["a", "b", "c"], id="spaces"),
        pytest.param("  ", [], id="blank"),
        pytest.param('"Smart City" Potsdam', ["Smart City", "Potsdam"], id="straight"),
        pytest.param("„Smart City“ Potsdam", ["Smart City", "Potsdam"], id="german"),
        pytest.param("»Smart City« Potsdam", ["Smart City", "Potsdam"], id="guillemets"),
        pytest.param("“Smart City” Potsdam", ["Smart City", "Potsdam"], id="english"),
        pytest.param("a „b c“ »d e« f", ["a", "b c", "d e", "f"], id="mixed"),
        pytest.param('"" x', ["", "x"], id="empty-quoted"),
        pytest.param("don't stop", ["don't", "stop"], id="apostrophe-inside-word"),
        pytest.param('Haus"x y', ['Haus"x', "y"], id="quote-inside-word"),
        pytest.param("„a »b« c“", ["a »b« c"], id="nested-other-quotes"),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert [token for token, _ in tokenize(text)] == tokens


def test_tokenize_reports_where_each_token_ends() -> None:
    assert tokenize('ab "c d" e') == [("ab", 2), ("c d", 8), ("e", 10)]


@pytest.mark.parametrize("text", ['"abc', "x „abc", "»abc", '„abc"'])
def test_tokenize_rejects_unclosed_quotes(text: str) -> None:
    with pytest.raises(ValueError):
        tokenize(text)


# --- Registry.parse ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "invoked_as", "values"),
    [
        ("termin 29.09.2026", "termin", "termin", {"datum": dt.date(2026, 9, 29), "ort": None}),
        (
            "termin 29.09.2026 Potsdam",
            "termin",
            "termin",
            {"datum": dt.date(2026, 9, 29), "ort": "Potsdam"},
        ),
        (
            "termin 29.09. „Haus der Wirtschaft“",
            "termin",
            "termin",
            {"datum": dt.date(2026, 9, 29), "ort": "Haus der Wirtschaft"},
        ),
        ("TERMIN 2026-09-29", "termin", "termin", {"datum": dt.date(2026, 9, 29), "ort": None}),
        (
            "appointment 29.09.26",
            "termin",
            "appointment",
            {"datum": dt.date(2026, 9, 29), "ort": None},
        ),
        ("umfrage beenden 3", "umfrage beenden", "umfrage beenden", {"nummer": 3}),
        ("Umfrage   Beenden  3", "umfrage beenden", "umfrage beenden", {"nummer": 3}),
        ("poll close 3", "umfrage beenden", "poll close", {"nummer": 3}),
        ("umfrage Was essen wir?", "umfrage", "umfrage", {"frage": "Was essen wir?"}),
        ("umfrage beendenswert?", "umfrage", "umfrage", {"frage": "beendenswert?"}),
        (
            "poll „Pizza oder Pasta?“  ja nein",
            "umfrage",
            "poll",
            {"frage": "„Pizza oder Pasta?“  ja nein"},
        ),
        ("sag  a  b ", "sag", "sag", {"text": "a  b"}),
        (
            "einladen @ben:example.org #workshop:example.org",
            "einladen",
            "einladen",
            {"person": "@ben:example.org", "raum": "#workshop:example.org"},
        ),
        ("kaputt", "kaputt", "kaputt", {}),
        ("hilfe", "hilfe", "hilfe", {"befehl": None}),
        ("help „umfrage beenden“", "hilfe", "help", {"befehl": "umfrage beenden"}),
    ],
)
def test_parse_binds_arguments(
    registry: Registry, text: str, name: str, invoked_as: str, values: dict[str, Any]
) -> None:
    parsed = registry.parse(text)

    assert isinstance(parsed, Invocation)
    assert parsed.command.name == name
    assert parsed.invoked_as == invoked_as
    assert parsed.values == values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("sag 'n Abend zusammen", "'n Abend zusammen", id="leading-apostrophe"),
        pytest.param("sag „Zitat ohne Ende", "„Zitat ohne Ende", id="unclosed-german-quote"),
        pytest.param('sag 5" Display', '5" Display', id="inch-sign"),
    ],
)
def test_rest_takes_the_text_as_typed_even_with_unbalanced_quotes(
    registry: Registry, text: str, expected: str
) -> None:
    parsed = registry.parse(text)

    assert isinstance(parsed, Invocation)
    assert parsed.values == {"text": expected}


@pytest.mark.parametrize(
    ("text", "invoked_as", "german", "english"),
    [
        ("termin", "termin", "Es fehlt: datum (der Tag)", "Missing: date (the day)"),
        ("appointment", "appointment", "Es fehlt: datum (der Tag)", "Missing: date (the day)"),
        (
            "termin 29.09.2026 Potsdam Berlin Köln",
            "termin",
            "Zu viele Angaben: Berlin Köln",
            "Too many arguments: Berlin Köln",
        ),
        (
            "termin 31.02.2026",
            "termin",
            "Den 31.02.2026 gibt es nicht im Kalender.",
            "31.02.2026 does not exist in the calendar.",
        ),
        (
            'termin 29.09.2026 "Haus',
            "termin",
            "Ein Anführungszeichen wird nicht geschlossen",
            "A quotation mark is not closed",
        ),
        (
            "termin 29.09.2026 " + "x" * 41,
            "termin",
            "41 Zeichen lang, erlaubt sind 40",
            "41 characters long; the limit is 40",
        ),
        ("umfrage beenden", "umfrage beenden", "Es fehlt: nummer", "Missing: number"),
        (
            "poll close 0",
            "poll close",
            "0 liegt nicht zwischen 1 und ∞",
            "0 is not between 1 and ∞",
        ),
        (
            "umfrage beenden drei",
            "umfrage beenden",
            "„drei“ ist keine ganze Zahl.",
            "“drei” is not a whole number.",
        ),
        ("umfrage", "umfrage", "Es fehlt: frage", "Missing: question"),
        ("say", "say", "Es fehlt: text", "Missing: text"),
        (
            "einladen @ben: #workshop:example.org",
            "einladen",
            "„@ben:“ ist keine Matrix-ID",
            "“@ben:” is not a Matrix ID",
        ),
        ("einladen @ben:example.org", "einladen", "Es fehlt: raum", "Missing: room"),
        (
            "invite @ben:example.org workshop",
            "invite",
            "„workshop“ ist kein Raum",
            "“workshop” is not a room",
        ),
        ("kaputt jetzt", "kaputt", "Zu viele Angaben: jetzt", "Too many arguments: jetzt"),
    ],
)
def test_parse_raises_usage_error(
    registry: Registry, text: str, invoked_as: str, german: str, english: str
) -> None:
    with pytest.raises(UsageError) as caught:
        registry.parse(text)

    error = caught.value
    assert error.invoked_as == invoked_as
    assert registry.find(invoked_as) is error.command
    assert german in error.text("de")
    assert english in error.text("en")


@pytest.mark.parametrize(
    ("text", "typed", "suggested"),
    [
        ("hilfr", "hilfr", "hilfe"),
        ("Hilfr mir", "Hilfr", "hilfe"),
        ("hepl", "hepl", "help"),
        ("termni 29.09.", "termni", "termin"),
        ("umfrag", "umfrag", "umfrage"),
    ],
)
def test_unknown_command_gets_suggestions(
    registry: Registry, text: str, typed: str, suggested: str
) -> None:
    parsed = registry.parse(text)

    assert isinstance(parsed, UnknownCommand)
    assert parsed.typed == typed
    assert suggested in parsed.suggestions


def test_unknown_command_without_anything_close(registry: Registry) -> None:
    assert registry.parse("xyzzy 1 2") == UnknownCommand("xyzzy", ())


def test_find_ignores_case(registry: Registry) -> None:
    assert command_named(registry, "HILFE") is command_named(registry, "help")
    assert registry.find("nichtda") is None


def test_registry_rejects_a_name_declared_twice(test_group: CommandGroup) -> None:
    other = CommandGroup("andere", Localized("Andere", "Other"))

    @other.command("neu", aliases=("appointment",), help=Localized("x", "x"))
    async def clash(ctx: CommandContext) -> None: ...

    with pytest.raises(ValueError, match="appointment"):
        Registry([test_group, other])


def test_greedy_argument_must_be_last() -> None:
    group = CommandGroup("x", Localized("x", "x"))
    args = (
        Arg("text", Rest(), Localized("t", "t")),
        Arg("zahl", Integer(), Localized("z", "z")),
    )

    with pytest.raises(ValueError, match="greedy"):
        group.command("falsch", help=Localized("x", "x"), args=args)


@pytest.mark.parametrize(
    ("name", "language", "usage"),
    [
        ("termin", "de", "!termin <datum> [ort]"),
        ("termin", "en", "!appointment <date> [place]"),
        ("umfrage beenden", "de", "!umfrage beenden <nummer>"),
        ("umfrage beenden", "en", "!poll close <number>"),
        ("sag", "de", "!sag <text…>"),
        ("einladen", "en", "!invite <user> <room>"),
        ("ping", "en", "!ping"),
    ],
)
def test_usage(registry: Registry, name: str, language: Language, usage: str) -> None:
    assert command_named(registry, name).usage("!", language) == usage


@pytest.mark.parametrize(
    ("typed", "language"),
    [("termin", "de"), ("appointment", "en"), ("umfrage beenden", "de"), ("poll close", "en")],
)
def test_invoked_language(registry: Registry, typed: str, language: Language) -> None:
    assert command_named(registry, typed).invoked_language(typed) == language


# --- converters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("converter", "text", "expected"),
    [
        (Word(), "Potsdam", "Potsdam"),
        (Word(max_length=5), "12345", "12345"),
        (Rest(), "a  „b“ c", "a  „b“ c"),
        (Integer(), "-2", -2),
        (Integer(), "+7", 7),
        (Integer(minimum=1, maximum=10), "1", 1),
        (Integer(minimum=1, maximum=10), "10", 10),
        (Integer(minimum=1, maximum=10), "007", 7),
        (Date(today=TODAY), "29.09.2026", dt.date(2026, 9, 29)),
        (Date(today=TODAY), "1.2.2026", dt.date(2026, 2, 1)),
        (Date(today=TODAY), "29.09.26", dt.date(2026, 9, 29)),
        (Date(today=TODAY), "29.09.", dt.date(2026, 9, 29)),
        (Date(today=dt.date(2027, 12, 31)), "29.09.", dt.date(2027, 9, 29)),
        (Date(today=TODAY), "2026-09-29", dt.date(2026, 9, 29)),
        (Date(today=TODAY), "29.02.2028", dt.date(2028, 2, 29)),
        (Date(today=TODAY), "29.02.28", dt.date(2028, 2, 29)),
        (Date(today=dt.date(2028, 1, 5)), "29.02.", dt.date(2028, 2, 29)),
        (UserId(), "@anna:example.org", "@anna:example.org"),
        (UserId(), "@anna.m-b_c=d/e+f:example.org:8448", "@anna.m-b_c=d/e+f:example.org:8448"),
        (RoomRef(), "#workshop:example.org", "#workshop:example.org"),
        (RoomRef(), "!AbCdEf:example.org", "!AbCdEf:example.org"),
        (RoomRef(), "#workshop:localhost:8448", "#workshop:localhost:8448"),
        (LanguageChoice(), "de", "de"),
        (LanguageChoice(), "Deutsch", "de"),
        (LanguageChoice(), "EN", "en"),
        (LanguageChoice(), "english", "en"),
    ],
)
def test_converter_accepts(converter: Any, text: str, expected: Any) -> None:
    assert converter.convert(text) == expected


@pytest.mark.parametrize(
    ("converter", "text", "german", "english"),
    [
        (Word(), "", "leer", "empty"),
        (Word(), "   ", "leer", "empty"),
        (Word(max_length=5), "123456", "6 Zeichen lang, erlaubt sind 5", "6 characters long"),
        (Integer(), "drei", "„drei“ ist keine ganze Zahl", "not a whole number"),
        (Integer(), "1.5", "keine ganze Zahl", "not a whole number"),
        (Integer(), "", "keine ganze Zahl", "not a whole number"),
        (Integer(), "1" * 13, "keine ganze Zahl", "not a whole number"),
        (Integer(minimum=1, maximum=10), "0", "0 liegt nicht zwischen 1 und 10", "between 1"),
        (Integer(minimum=1, maximum=10), "11", "11 liegt nicht zwischen 1 und 10", "between"),
        (Integer(maximum=10), "11", "zwischen −∞ und 10", "between −∞ and 10"),
        (Date(today=TODAY), "31.02.2026", "Den 31.02.2026 gibt es nicht", "does not exist"),
        (Date(today=TODAY), "29.02.2026", "Den 29.02.2026 gibt es nicht", "does not exist"),
        (Date(today=TODAY), "29.02.", "Den 29.02. gibt es nicht", "does not exist"),
        (Date(today=TODAY), "32.01.2026", "gibt es nicht", "does not exist"),
        (Date(today=TODAY), "00.01.2026", "gibt es nicht", "does not exist"),
        (Date(today=TODAY), "12.13.2026", "gibt es nicht", "does not exist"),
        (Date(today=TODAY), "2026-02-30", "gibt es nicht", "does not exist"),
        (Date(today=TODAY), "29.09", "„29.09“ ist kein Datum", "is not a date"),
        (Date(today=TODAY), "29/09/2026", "ist kein Datum", "is not a date"),
        (Date(today=TODAY), "29.09.202", "ist kein Datum", "is not a date"),
        (Date(today=TODAY), "morgen", "„morgen“ ist kein Datum", "“morgen” is not a date"),
        (UserId(), "@an na:example.org", "keine Matrix-ID", "not a Matrix ID"),
        (UserId(), "@anna:", "keine Matrix-ID", "not a Matrix ID"),
        (UserId(), "@anna:exa mple.org", "keine Matrix-ID", "not a Matrix ID"),
        (UserId(), " ", "keine Matrix-ID", "not a Matrix ID"),
        (RoomRef(), "workshop", "kein Raum", "not a room"),
        (RoomRef(), "#workshop", "kein Raum", "not a room"),
        (RoomRef(), "@anna:example.org", "kein Raum", "not a room"),
        (RoomRef(), "#work shop:example.org", "kein Raum", "not a room"),
        (LanguageChoice(), "fr", "„fr“ kenne ich nicht", "I don't know “fr”"),
        (LanguageChoice(), "", "kenne ich nicht", "Choose de or en"),
    ],
)
def test_converter_rejects(converter: Any, text: str, german: str, english: str) -> None:
    with pytest.raises(ConversionError) as caught:
        converter.convert(text)

    assert german in caught.value.text("de")
    assert english in caught.value.text("en")


def test_date_without_year_uses_the_real_year_by_default() -> None:
    assert Date().convert("15.06.") == dt.date(dt.date.today().year, 6, 15)


# --- help -------------------------------------------------------------------------------------


def overview_lines(registry: Registry, language: Language, role: Role = Role.NETWORK) -> list[str]:
    return html_to_text(render_overview(registry, "!", language, role)).splitlines()


def names_in(lines: list[str]) -> set[str]:
    """The command names the overview lists, e.g. "!termin neu" from "!termin (neu, ändern)"."""
    names = set()
    for line in lines:
        if not line.startswith("!"):
            continue
        for item in line.split(" · "):
            name, _, subs = item.partition(" (")
            names.add(name)
            names |= {f"{name} {sub}" for sub in subs.rstrip(")").split(", ") if sub}
    return names


@pytest.mark.parametrize("language", LANGS)
def test_overview_lists_every_real_command_for_network_organisers(language: Language) -> None:
    registry = build_registry()
    lines = overview_lines(registry, language)

    assert names_in(lines) == {"!" + command.display_name(language) for command in registry}
    for group in registry.groups:
        assert group.title.get(language) in lines


@pytest.mark.parametrize("language", LANGS)
def test_the_members_overview_fits_a_phone_screen_or_two(language: Language) -> None:
    # A line per command with its gist ran to 45 lines and 2,600 characters for a member.
    text = "\n".join(overview_lines(build_registry(), language, Role.MEMBER))

    assert len(text) < 1000, len(text)
    assert len([line for line in text.splitlines() if line]) <= 22
    # What only the organisers of a topic's or event's room may do is not listed for members.
    assert "!thema (+1, -1, umbenennen)" in text or "!topic (+1, -1, rename)" in text


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("role", list(Role))
def test_overview_lists_exactly_what_the_role_may_use(language: Language, role: Role) -> None:
    registry = build_registry()

    listed = names_in(overview_lines(registry, language, role))

    allowed = {
        "!" + c.display_name(language) for c in registry if max(c.role, c.listed_for) <= role
    }
    assert listed == allowed
    if role is Role.MEMBER:
        assert "!termin neu" not in listed and "!space abgleichen" not in listed
        assert not {"!thema status", "!topic status", "!protokoll", "!minutes"} & listed
        assert "!teilnahme" in listed or "!rsvp" in listed
    if role is Role.ORGANISER:
        assert {"!termin neu", "!event new"} & listed
        assert not {"!space abgleichen", "!space sync"} & listed


@pytest.mark.parametrize("language", LANGS)
def test_overview_shows_a_freshly_declared_group(
    registry: Registry, test_group: CommandGroup, language: Language
) -> None:
    lines = overview_lines(registry, language, Role.ORGANISER)

    assert test_group.title.get(language) in lines
    names = {"!" + command.display_name(language) for command in test_group.commands}
    assert names <= names_in(lines)
    second_line = test_group.commands[0].help.get(language).splitlines()[1]
    assert not any(second_line in line for line in lines)  # the overview shows names only
    member_lines = overview_lines(registry, language, Role.MEMBER)
    assert not any("!einladen" in line or "!invite" in line for line in member_lines)


def test_overview_escapes_declared_text(registry: Registry) -> None:
    html = render_overview(registry, "!", "de", Role.MEMBER)

    assert "<code>!sag</code>" in html
    assert "<text>" not in html


@pytest.mark.parametrize(
    ("language", "pointer"),
    [
        (
            "de",
            [
                "Mehr zu einem Befehl: !hilfe termin",
                "Alle mit Beispielen (per Direktnachricht): !hilfe alle",
                "In English: !help",
            ],
        ),
        (
            "en",
            [
                "More on one command: !help appointment",
                "All with examples (by direct message): !help all",
                "Auf Deutsch: !hilfe",
            ],
        ),
    ],
)
def test_overview_points_to_help_in_both_languages(
    registry: Registry, language: Language, pointer: list[str]
) -> None:
    assert overview_lines(registry, language)[-3:] == pointer


@pytest.mark.parametrize(
    ("language", "expected_lines"),
    [
        (
            "de",
            [
                "!termin <datum> [ort]",
                "Legt einen Termin an.",
                "Mit Ort, wenn du willst.",
                "Angaben:",
                "- datum (Datum) – der Tag",
                "- ort (Text, optional) – wo es stattfindet",
                "Auch: !appointment · Wer darf: alle Mitglieder",
            ],
        ),
        (
            "en",
            [
                "!appointment <date> [place]",
                "Creates an appointment.",
                "With a place if you like.",
                "Arguments:",
                "- date (date) – the day",
                "- place (text, optional) – where it takes place",
                "Also: !termin · Who may use it: all members",
            ],
        ),
    ],
)
def test_command_help_shows_usage_arguments_aliases_and_role(
    registry: Registry, language: Language, expected_lines: list[str]
) -> None:
    text = html_to_text(render_command(command_named(registry, "termin"), "!", language, TODAY))

    assert [line for line in text.splitlines() if line] == expected_lines


@pytest.mark.parametrize(
    ("language", "role_line"),
    [
        ("de", "Auch: !invite · Wer darf: die Organisator:innen des Raums"),
        ("en", "Also: !einladen · Who may use it: the room's organisers"),
    ],
)
def test_command_help_names_the_organiser_role(
    registry: Registry, language: Language, role_line: str
) -> None:
    command = command_named(registry, "einladen")
    text = html_to_text(render_command(command, "!", language, TODAY))

    assert text.splitlines()[-1] == role_line


def test_command_help_without_arguments_or_aliases(registry: Registry) -> None:
    text = html_to_text(render_command(command_named(registry, "ping"), "!", "de", TODAY))

    assert text.splitlines() == ["!ping", "", "Antwortet.", "", "Wer darf: alle Mitglieder"]


def test_every_real_command_has_help_in_both_languages() -> None:
    for command in build_registry():
        for language in LANGS:
            text = html_to_text(render_command(command, "!", language, TODAY))
            assert text.startswith(command.usage("!", language)), command.name
            for arg in command.args:
                assert f"- {arg.display_name(language)} (" in text


# --- dispatch ---------------------------------------------------------------------------------


def test_a_group_word_alone_suggests_its_commands() -> None:
    parsed = build_registry().parse("mitglied")

    assert isinstance(parsed, UnknownCommand)
    assert {"mitglied hinzufügen", "mitglied entfernen"} <= set(parsed.suggestions)


async def test_unknown_command_suggests_a_close_name(registry: Registry) -> None:
    ctx = make_context(registry)

    assert await dispatch(ctx, "hilfr") is Outcome.UNKNOWN

    reply = ctx.only_reply
    assert "Den Befehl <code>!hilfr</code> kenne ich nicht." in reply
    assert "Meintest du <code>!hilfe</code>" in reply
    assert "Alle Befehle: <code>!hilfe</code>" in reply


async def test_unknown_command_in_english(registry: Registry) -> None:
    ctx = make_context(registry, default="en")

    assert await dispatch(ctx, "xyzzy") is Outcome.UNKNOWN

    assert html_to_text(ctx.only_reply) == "I don't know the command !xyzzy. All commands: !help"


@pytest.mark.parametrize(
    "text",
    [
        "<b>x</b>",
        "hilfe <b>x</b>",
        "termin <b>x</b>",
        "termin 29.09.2026 Potsdam <b>x</b>",
        "sprache <b>x</b>",
        'termin 29.09.2026 "<b>x</b>',
    ],
)
async def test_user_text_in_replies_is_escaped(registry: Registry, text: str) -> None:
    ctx = make_context(registry)

    await dispatch(ctx, text)

    reply = ctx.only_reply
    assert "<b>" not in reply
    assert "&lt;b&gt;x&lt;/b&gt;" in reply


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        (
            "termin 31.02.2026",
            "de",
            "Den 31.02.2026 gibt es nicht im Kalender.\n"
            "So geht es: !termin <datum> [ort]\n"
            "Mehr dazu: !hilfe termin",
        ),
        (
            "appointment 31.02.2026",
            "de",
            "31.02.2026 does not exist in the calendar.\n"
            "Usage: !appointment <date> [place]\n"
            "More: !help appointment",
        ),
        (
            "poll close",
            "de",
            "Missing: number (which)\nUsage: !poll close <number>\nMore: !help poll close",
        ),
    ],
)
async def test_usage_error_reply_shows_the_usage(
    registry: Registry, calls: Calls, text: str, default: Language, expected: str
) -> None:
    ctx = make_context(registry, default=default)

    assert await dispatch(ctx, text) is Outcome.USAGE

    assert html_to_text(ctx.only_reply) == expected
    assert calls == []


async def test_member_is_refused_an_organiser_command(registry: Registry, calls: Calls) -> None:
    ctx = make_context(registry, role=Role.MEMBER)

    outcome = await dispatch(ctx, "einladen @ben:example.org #workshop:example.org")

    assert outcome is Outcome.DENIED
    assert calls == []
    assert html_to_text(ctx.only_reply).startswith(
        "!einladen können nur Organisator:innen dieses Raums verwenden."
    )


async def test_member_is_refused_in_english_via_alias(registry: Registry, calls: Calls) -> None:
    ctx = make_context(registry, role=Role.MEMBER)

    outcome = await dispatch(ctx, "invite @ben:example.org #workshop:example.org")

    assert outcome is Outcome.DENIED
    assert calls == []
    assert html_to_text(ctx.only_reply).startswith(
        "Only the organisers of this room may use !invite."
    )


@pytest.mark.parametrize(
    ("text", "role", "expected"),
    [
        (
            "space abgleichen",
            Role.ORGANISER,
            "!space abgleichen darf nur die Organisation des Netzwerks verwenden. "
            "Wende dich an sie, wenn du das brauchst.",
        ),
        (
            "space sync",
            Role.MEMBER,
            "Only the network's organisers may use !space sync. Ask them if you need it.",
        ),
    ],
)
async def test_refusal_of_a_network_command_is_a_sentence(
    text: str, role: Role, expected: str
) -> None:
    ctx = make_context(build_registry(), role=role)

    assert await dispatch(ctx, text) is Outcome.DENIED

    assert html_to_text(ctx.only_reply) == expected


async def test_organiser_may_run_an_organiser_command(registry: Registry, calls: Calls) -> None:
    ctx = make_context(registry, role=Role.ORGANISER)

    outcome = await dispatch(ctx, "einladen @ben:example.org #workshop:example.org")

    assert outcome is Outcome.OK
    assert calls == [("einladen", {"person": "@ben:example.org", "raum": "#workshop:example.org"})]
    assert ctx.replies == ["eingeladen"]


async def test_handler_exception_gives_error_reply(
    registry: Registry, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = make_context(registry)

    with caplog.at_level(logging.ERROR, logger="commands.core.dispatch"):
        outcome = await dispatch(ctx, "kaputt")

    assert outcome is Outcome.ERROR
    assert calls == [("kaputt", {})]
    assert "Das hat nicht geklappt" in ctx.only_reply
    assert "<code>$ereignis1</code>" in ctx.only_reply
    assert "boom" not in ctx.only_reply
    [record] = [r for r in caplog.records if r.name == "commands.core.dispatch"]
    assert record.exc_info is not None
    assert "$ereignis1" in record.getMessage()


async def test_handler_exception_reply_follows_the_alias(registry: Registry) -> None:
    ctx = make_context(registry)

    assert await dispatch(ctx, "broken") is Outcome.ERROR

    assert ctx.only_reply.startswith("That did not work: an internal error.")


async def test_successful_command_runs_handler_once(registry: Registry, calls: Calls) -> None:
    ctx = make_context(registry)

    assert await dispatch(ctx, "termin 29.09. Potsdam") is Outcome.OK

    assert calls == [("termin", {"datum": dt.date(2026, 9, 29), "ort": "Potsdam"})]
    assert ctx.replies == ["ok 2026-09-29"]


HELP_TITLE = {"de": "Was du hier verwenden kannst", "en": "What you can use here"}


@pytest.mark.parametrize(
    ("text", "default", "preferred", "language"),
    [
        pytest.param("hilfe", "en", None, "de", id="german-name-german-reply"),
        pytest.param("help", "de", None, "en", id="english-alias-english-reply"),
        pytest.param("HELP", "de", None, "en", id="alias-any-case"),
        pytest.param("help", "de", "de", "de", id="preference-wins-over-alias"),
        pytest.param("hilfe", "de", "en", "en", id="preference-wins-over-name"),
    ],
)
async def test_reply_language(
    registry: Registry,
    text: str,
    default: Language,
    preferred: Language | None,
    language: Language,
) -> None:
    ctx = make_context(registry, default=default, preferred=preferred)

    assert await dispatch(ctx, text) is Outcome.OK

    assert ctx.language == language
    assert HELP_TITLE[language] in ctx.only_reply
    other = "en" if language == "de" else "de"
    assert HELP_TITLE[other] not in ctx.only_reply


@pytest.mark.parametrize("default", LANGS)
async def test_name_without_english_alias_keeps_the_default_language(
    registry: Registry, calls: Calls, default: Language
) -> None:
    # "ping" is the same word in both languages: typing it says nothing about the language.
    ctx = make_context(registry, default=default)

    assert await dispatch(ctx, "ping") is Outcome.OK

    assert calls == [("ping", {"language": default})]


async def test_usage_error_language_follows_the_typed_name(registry: Registry) -> None:
    ctx = make_context(registry, default="en")

    assert await dispatch(ctx, "termin") is Outcome.USAGE

    assert ctx.language == "de"
    assert html_to_text(ctx.only_reply).startswith("Es fehlt: datum (der Tag)\nSo geht es:")


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [("hilfe termin", "de", "termin"), ("help !appointment", "en", "termin")],
)
async def test_help_for_one_command(
    registry: Registry, text: str, language: Language, name: str
) -> None:
    ctx = make_context(registry)

    assert await dispatch(ctx, text) is Outcome.OK

    # RecordingContext.now() is 27.09.2026 08:00 UTC, the same day in Berlin.
    expected = render_command(command_named(registry, name), "!", language, dt.date(2026, 9, 27))
    assert ctx.only_reply == expected


async def test_help_for_an_unknown_command_suggests(registry: Registry) -> None:
    ctx = make_context(registry)

    assert await dispatch(ctx, "hilfe termni") is Outcome.OK

    assert html_to_text(ctx.only_reply) == (
        "Den Befehl !termni kenne ich nicht. Meintest du !termin?"
    )


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    return db


async def test_language_command_stores_the_choice(registry: Registry, sqlite_db: Database) -> None:
    ctx = make_context(registry, db=sqlite_db)

    assert await dispatch(ctx, "sprache en") is Outcome.OK

    assert ctx.only_reply == "From now on I will answer you in English."
    assert await user_settings.get_language(sqlite_db, "@anna:example.org") == "en"
    assert await user_settings.get_language(sqlite_db, "@ben:example.org") is None

    again = make_context(registry, db=sqlite_db, preferred="en")
    assert await dispatch(again, "language Deutsch") is Outcome.OK

    assert again.only_reply == "Ich antworte dir ab jetzt auf Deutsch."
    assert await user_settings.get_language(sqlite_db, "@anna:example.org") == "de"


async def test_language_command_rejects_unknown_language(
    registry: Registry, sqlite_db: Database
) -> None:
    ctx = make_context(registry, db=sqlite_db)

    assert await dispatch(ctx, "sprache fr") is Outcome.USAGE

    assert "„fr“ kenne ich nicht als Sprache" in html_to_text(ctx.only_reply)
    assert await user_settings.get_language(sqlite_db, "@anna:example.org") is None


# --- help that helps: what the asker may use, one command, everything by DM -------------------


REAL = build_registry()
NOW_TODAY = dt.date(2026, 9, 27)  # RecordingContext.now(), in Berlin


@pytest.mark.parametrize(
    ("name", "language", "usage"),
    [
        ("teilnahme", "de", "!teilnahme <nr> ja|nein|vielleicht"),
        ("teilnahme", "en", "!rsvp <number> yes|no|maybe"),
        ("erinnerungen", "de", "!erinnerungen an|aus"),
        ("erinnerungen", "en", "!reminders on|off"),
        ("umfrage beenden", "en", "!poll end [number]"),
    ],
)
def test_usage_names_the_choices_in_words_a_person_reads(
    name: str, language: Language, usage: str
) -> None:
    assert command_named(REAL, name).usage("!", language) == usage


def test_no_usage_shows_an_internal_name_or_german_words_in_english() -> None:
    for command in REAL:
        for language in LANGS:
            assert "_" not in command.usage("!", language), command.name
        english = command.usage("!", "en")
        for arg in command.args:
            if arg.name_en is not None and arg.name_en != arg.name:
                assert f"<{arg.name}" not in english and f"[{arg.name}" not in english


def reply_text(ctx: RecordingContext) -> str:
    return html_to_text(ctx.only_reply)


async def test_a_members_help_lists_no_organiser_command() -> None:
    ctx = make_context(REAL, role=Role.MEMBER)

    assert await dispatch(ctx, "hilfe") is Outcome.OK

    listed = names_in(reply_text(ctx).splitlines())
    assert "!teilnahme" in listed and "!umfrage" in listed
    for command in REAL:
        if command.role is not Role.MEMBER:
            assert "!" + command.name not in listed, command.name


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.ORGANISER, ["!termin neu", "!ankuendigung", "!umfrage erinnern"], ["!mitglieder"]),
        (Role.NETWORK, ["!termin neu", "!space abgleichen", "!bedarfe anlegen"], []),
    ],
)
async def test_an_organisers_help_lists_organiser_commands(
    role: Role, present: list[str], absent: list[str]
) -> None:
    ctx = make_context(REAL, role=role)

    assert await dispatch(ctx, "hilfe") is Outcome.OK

    listed = names_in(reply_text(ctx).splitlines())
    assert set(present) <= listed
    assert not set(absent) & listed


@pytest.mark.parametrize(
    ("text", "name", "language"),
    [
        ("hilfe termin neu", "termin neu", "de"),
        ("hilfe Termin   Neu", "termin neu", "de"),
        ("help event new", "termin neu", "en"),
        ("hilfe „umfrage beenden“", "umfrage beenden", "de"),
        ('help "poll end"', "umfrage beenden", "en"),
        ("hilfe !teilnahme 3 ja", "teilnahme", "de"),
        ("hilfe termin 3", "termin", "de"),
        ("help !bedarfe anlegen", "bedarfe anlegen", "en"),
    ],
)
async def test_help_for_a_command_of_several_words(
    text: str, name: str, language: Language
) -> None:
    ctx = make_context(REAL)

    assert await dispatch(ctx, text) is Outcome.OK

    assert ctx.only_reply == render_command(command_named(REAL, name), "!", language, NOW_TODAY)


async def test_help_for_unknown_words_says_so() -> None:
    ctx = make_context(REAL)

    assert await dispatch(ctx, "hilfe terminn neu") is Outcome.OK

    assert reply_text(ctx) == (
        "Den Befehl !terminn kenne ich nicht. Meintest du !termin oder !termine oder !termin neu?"
    )


@dataclass
class DirectChatContext(RecordingContext):
    """A command given in a shared room; the asker's direct chat is another room (or none)."""

    direct: str | None = "!direkt:example.org"

    async def direct_room(self) -> str | None:
        return self.direct


def direct_context(role: Role, *, direct: str | None = "!direkt:example.org") -> DirectChatContext:
    base = make_context(REAL, role=role)
    return DirectChatContext(
        sender=base.sender,
        room_id=base.room_id,
        event_id=base.event_id,
        role=role,
        ports=base.ports,
        direct=direct,
    )


def said_in_direct_chat(ctx: RecordingContext) -> str:
    said = [reply for reply in ctx.replies if reply.startswith("say in !direkt:example.org: ")]
    assert said, ctx.replies
    return "\n".join(html_to_text(reply.split(": ", 1)[1]) for reply in said)


@pytest.mark.parametrize(
    ("text", "answer", "language"),
    [
        (
            "hilfe alle",
            "Ich habe dir alle Befehle, die du verwenden kannst, als Direktnachricht geschickt.",
            "de",
        ),
        ("help all", "I have sent you all the commands you can use by direct message.", "en"),
    ],
)
async def test_the_full_reference_goes_by_direct_message(
    text: str, answer: str, language: Language
) -> None:
    ctx = direct_context(Role.MEMBER)

    assert await dispatch(ctx, text) is Outcome.OK

    assert ctx.replies[-1] == answer
    assert not any(reply.startswith("say in !raum") for reply in ctx.replies)
    reference = said_in_direct_chat(ctx)
    for command in REAL:
        usage = command.usage("!", language)
        shown = any(line == usage for line in reference.splitlines())
        listed = command.role is Role.MEMBER and command.listed_for is Role.MEMBER
        assert shown is listed, (usage, command.role)
    example = "Beispiel: !teilnahme 3 ja" if language == "de" else "Example: !rsvp 3 yes"
    assert example in reference


async def test_a_network_organisers_reference_has_every_command() -> None:
    ctx = direct_context(Role.NETWORK)

    assert await dispatch(ctx, "hilfe alle") is Outcome.OK

    reference = said_in_direct_chat(ctx).splitlines()
    for command in REAL:
        assert command.usage("!", "de") in reference


async def test_the_reference_in_the_direct_chat_itself_is_the_answer() -> None:
    ctx = make_context(REAL)  # RecordingContext: the direct chat is the room of the command

    assert await dispatch(ctx, "hilfe alle") is Outcome.OK

    assert len(ctx.replies) == len(visible(REAL, Role.MEMBER))
    assert not any(reply.startswith("say in") for reply in ctx.replies)
    assert "!teilnahme <nr> ja|nein|vielleicht" in html_to_text(ctx.replies[1])


async def test_the_reference_without_a_direct_chat_says_how_to_get_it() -> None:
    ctx = direct_context(Role.MEMBER, direct=None)

    assert await dispatch(ctx, "hilfe alle") is Outcome.OK

    assert reply_text(ctx) == (
        "Ich konnte keinen Direktchat mit dir öffnen. Lade mich in einen Direktchat ein und "
        "schreib dort !hilfe alle."
    )


# --- every hint the bot prints works when typed -------------------------------------------------


CODE = re.compile(r"<code>(.*?)</code>", re.S)


def typed_hints(html: str) -> list[str]:
    """What the bot shows as a command to type: each `<code>` that starts with the prefix."""
    hints = [htmllib.unescape(found) for found in CODE.findall(html)]
    return [hint for hint in hints if hint.startswith("!")]


def every_printed_command() -> list[str]:
    """Every command the bot shows to type in its generic replies: usage errors with their
    "Mehr dazu", unknown commands with their suggestions, overviews, references, help pages."""
    shown: list[str] = []
    for language in LANGS:
        for command in REAL:
            ctx = make_context(REAL, default=language)
            ctx.language = language
            asyncio_run(dispatch_module._reply_usage(ctx, command, "x"))
            shown += typed_hints(ctx.only_reply)
            shown += typed_hints(render_command(command, "!", language, NOW_TODAY))
        for role in Role:
            shown += typed_hints(render_overview(REAL, "!", language, role))
            for page in render_reference(REAL, "!", language, role, NOW_TODAY):
                shown += typed_hints(page)
        for typed in ["termni", "hilfr", "umfrag", "ergebniss", "mitgleid", "xyzzy", "event"]:
            ctx = make_context(REAL, default=language)
            asyncio_run(dispatch(ctx, typed + " 1"))
            shown += [hint for hint in typed_hints(ctx.only_reply) if hint != "!" + typed]
    return sorted(set(shown))


def asyncio_run(awaitable: Any) -> Any:
    # The unit tests run in one session loop; these replies touch no I/O and finish at once.
    coroutine = awaitable.__await__()
    try:
        while True:
            next(coroutine)
    except StopIteration as done:
        return done.value


def feature_nodes() -> Iterator[ast.AST]:
    root = Path(__file__).resolve().parents[2] / "commands"
    for path in sorted(root.rglob("*.py")):
        yield from ast.walk(ast.parse(path.read_text(encoding="utf-8")))


def hint_calls() -> list[str]:
    """Commands the features print with `ctx.hint("name", …)` or `command_text("name", …)`."""
    found: list[str] = []
    for node in feature_nodes():
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"hint", "command_text"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            name = node.args[0].value
            assert REAL.find(name) is not None, f"a hint names {name!r}"
            words = [a.value for a in node.args[1:] if isinstance(a, ast.Constant)]
            found.append(" ".join(["!" + name, *map(str, words)]))
    return found


# `!name` at a word's start with up to three words after it; not a room id (`!abc:server`).
LITERAL_COMMAND = re.compile(
    r"(?:^|(?<=[\s(„“\"'`]))(![a-zäöüß][a-zäöüß0-9+-]*(?=[\s.,;)“\"'`]|$)(?: [^\s!]+){0,3})",
    re.M,
)


def literal_commands() -> list[str]:
    """`!name …` examples written into the features' texts (every `Localized`)."""
    found: list[str] = []
    for node in feature_nodes():
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Localized":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found += [m[1] for m in LITERAL_COMMAND.finditer(arg.value)]
    return found


def test_hints_are_collected() -> None:
    printed = every_printed_command()
    assert "!hilfe termin neu" in printed and "!help event new" in printed
    assert "!hilfe umfrage beenden" in printed
    assert "!hilfe bedarfe anlegen" in hint_calls()
    assert any(hint.startswith("!teilnahme 3 ja") for hint in literal_commands())


@pytest.mark.parametrize("hint", every_printed_command() + hint_calls() + literal_commands())
def test_every_printed_command_resolves_to_a_command(hint: str) -> None:
    try:
        parsed = REAL.parse(hint.removeprefix("!"))
    except UsageError:
        return  # a command, with arguments a placeholder stands for
    assert not isinstance(parsed, UnknownCommand), hint


@pytest.mark.parametrize(
    "hint",
    [
        h
        for h in every_printed_command() + hint_calls()
        if h.split()[0] in {"!hilfe", "!help"} and not re.search(r"[<\[]", h)
    ],
)
async def test_every_printed_help_hint_answers_with_help(hint: str) -> None:
    ctx = make_context(REAL, role=Role.NETWORK)

    assert await dispatch(ctx, hint.removeprefix("!")) is Outcome.OK

    text = "\n".join(html_to_text(reply) for reply in ctx.replies)
    assert "kenne ich nicht" not in text and "I don't know" not in text, text


# --- examples are dated from today --------------------------------------------------------------


GERMAN_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})?(?!\d)")
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def dates_in(text: str, today: dt.date) -> list[dt.date]:
    found = [
        dt.date(int(m[3]) if m[3] else today.year, int(m[2]), int(m[1]))
        for m in GERMAN_DATE.finditer(text)
    ]
    return found + [dt.date(int(m[1]), int(m[2]), int(m[3])) for m in ISO_DATE.finditer(text)]


@pytest.mark.parametrize("today", [dt.date(2026, 12, 20), dt.date(2027, 6, 30)])
@pytest.mark.parametrize("language", LANGS)
def test_no_help_example_is_dated_in_the_past(today: dt.date, language: Language) -> None:
    seen = 0
    for command in REAL:
        text = html_to_text(render_command(command, "!", language, today))
        assert "{datum+" not in text and "{tag+" not in text, text
        for date in dates_in(text, today):
            seen += 1
            assert date > today, (command.name, date, text)
    assert seen >= 5  # the examples of events, announcements, polls and action items


def test_help_examples_follow_the_clock_at_render_time() -> None:
    command = command_named(REAL, "termin neu")

    late = html_to_text(render_command(command, "!", "de", dt.date(2026, 12, 20)))
    early = html_to_text(render_command(command, "!", "de", dt.date(2026, 3, 1)))

    assert "19.01.2027 10:00-16:00" in late
    assert "31.03.2026 10:00-16:00" in early
    assert "31.03. 10 Uhr bis 01.04. 16 Uhr" in early
    # A day without a year would be read as this year's, so across the new year it gets one.
    assert "19.01.2027 10 Uhr bis 20.01.2027 16 Uhr" in late
    english = html_to_text(render_command(command, "!", "en", dt.date(2026, 12, 20)))
    assert "2027-01-19 10:00-16:00" in english


@pytest.mark.parametrize(
    ("days", "language", "with_year", "expected"),
    [
        (30, "de", True, "31.03.2026"),
        (30, "de", False, "31.03."),
        (30, "en", True, "2026-03-31"),
        (30, "en", False, "2026-03-31"),
        (310, "de", False, "05.01.2027"),
        (0, "de", True, "01.03.2026"),
    ],
)
def test_in_days(days: int, language: Language, with_year: bool, expected: str) -> None:
    assert in_days(TODAY, days, language, with_year=with_year) == expected


def test_fill_replaces_only_date_placeholders() -> None:
    text = "am {datum+1}, {tag+2} oder {name}"
    assert fill(text, TODAY, "de") == "am 02.03.2026, 03.03. oder {name}"


MEMBERS = {
    "@anna:example.org": "Anna",
    "@ben:example.org": "Ben Beispiel",
    "@ben:partner.example": "Ben Beispiel",
    "@carla:example.org": "Carla Groß",
    "@dora:example.org": None,
}


@dataclass
class RoomContext(RecordingContext):
    """A context in a room with known members."""

    def room_members(self) -> dict[str, str | None]:
        return MEMBERS


def context_in_room(registry: Registry, role: Role = Role.ORGANISER) -> RoomContext:
    plain = make_context(registry, role=role)
    return RoomContext(
        sender=plain.sender,
        room_id=plain.room_id,
        event_id=plain.event_id,
        role=role,
        ports=plain.ports,
    )


@pytest.mark.parametrize(
    ("typed", "user_id"),
    [
        pytest.param("@ben:example.org", "@ben:example.org", id="matrix-id"),
        pytest.param("@zoe:elsewhere.example", "@zoe:elsewhere.example", id="id-of-a-stranger"),
        pytest.param("Anna", "@anna:example.org", id="display-name"),
        pytest.param("anna", "@anna:example.org", id="case-ignored"),
        pytest.param("@Anna", "@anna:example.org", id="at-before-name"),
        pytest.param("„Carla Groß“", "@carla:example.org", id="quoted-name-with-space"),
    ],
)
async def test_a_person_is_named_by_id_or_unique_display_name(
    registry: Registry, calls: Calls, typed: str, user_id: str
) -> None:
    ctx = context_in_room(registry)

    outcome = await dispatch(ctx, f"einladen {typed} #workshop:example.org")

    assert outcome is Outcome.OK
    assert calls == [("einladen", {"person": user_id, "raum": "#workshop:example.org"})]


async def test_an_unknown_name_says_how_to_name_a_person(registry: Registry, calls: Calls) -> None:
    ctx = context_in_room(registry)

    outcome = await dispatch(ctx, "einladen Zoe #workshop:example.org")

    assert outcome is Outcome.USAGE
    assert calls == []
    text = html_to_text(ctx.only_reply)
    assert "„Zoe“ finde ich in diesem Raum nicht" in text
    assert "@name:server.de" in text and "Vorschlagsliste" in text


async def test_an_ambiguous_name_lists_who_is_meant(registry: Registry, calls: Calls) -> None:
    ctx = context_in_room(registry)
    ctx.preferred_language = ctx.language = "en"

    outcome = await dispatch(ctx, 'invite "Ben Beispiel" #workshop:example.org')

    assert outcome is Outcome.USAGE
    assert calls == []
    text = html_to_text(ctx.only_reply)
    assert "Several people here are called “Ben Beispiel”" in text
    assert "Ben Beispiel (@ben:example.org), Ben Beispiel (@ben:partner.example)" in text


async def test_a_name_is_escaped_in_the_answer(registry: Registry, calls: Calls) -> None:
    ctx = context_in_room(registry)

    await dispatch(ctx, "einladen <b>x</b> #workshop:example.org")

    assert "&lt;b&gt;x&lt;/b&gt;" in ctx.only_reply and "<b>x</b>" not in ctx.only_reply


async def test_admit_takes_a_knockers_display_name_with_a_semicolon_as_it_is(
    sqlite_db: Database,
) -> None:
    """The name is not split into roster fields at its ";"."""
    await roster.note_knock(sqlite_db, Knock(user_id="@ben:example.org", display_name="Ben; Kiel"))
    ctx = make_context(build_registry(), role=Role.NETWORK, db=sqlite_db)
    ctx.ports.settings = replace(ctx.ports.settings, allowed_servers=("example.org",))

    assert await dispatch(ctx, "zulassen @ben:example.org") is Outcome.OK, ctx.replies

    entry = await roster.get(sqlite_db, "@ben:example.org")
    assert entry is not None and entry.name == "Ben; Kiel" and entry.role == "guest"
