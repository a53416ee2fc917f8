"""Every text of every feature (and every command's help) in both languages, with 0, 1 and 2
of each counted thing: no placeholder left, no "(n)"/"(s)" plural hacks, singular and plural as
CLDR says, "Nr." only in German, German and English told apart; numbers, dates and time zones
in the reader's language; people as pills with their display name."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import pkgutil
import re
import string
from collections.abc import Iterator
from types import SimpleNamespace
from typing import cast

import pytest

import commands
from bot.features import build_registry
from commands.core.context import BotStatus
from commands.core.example_dates import fill
from commands.core.i18n import LANGUAGES, Language, Localized
from commands.core.plurals import Plural, format_number, format_percent, plural_form
from commands.core.ports import Homeserver
from commands.core.rendering import html_to_text
from commands.core.rooms import person_pill
from commands.general.admin import render_status

# Placeholder names that stand for a number of things: each is rendered with 0, 1 and 2.
COUNTED = frozenset({"count", "n", "votes", "handled", "added", "changed", "unchanged", "rejected"})
AMOUNTS = (0, 1, 2)
# Limits the code sets (lengths in characters, numbers of answers, rows, reminders), all above
# 1, and a length, which the texts name only when it is over its limit: never 1 either.
BOUNDS = frozenset({"length", "limit", "low", "high", "days"})
BOUND_AMOUNTS = (2, 12)


def _modules() -> Iterator[object]:
    for info in pkgutil.walk_packages(commands.__path__, "commands."):
        yield importlib.import_module(info.name)


def _texts_in(value: object) -> Iterator[Localized | Plural]:
    if isinstance(value, Localized | Plural):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _texts_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts_in(item)


def _collect() -> tuple[dict[str, Localized], dict[str, Plural]]:
    texts: dict[str, Localized] = {}
    plurals: dict[str, Plural] = {}
    seen: set[int] = set()
    for module in _modules():
        for name, value in vars(module).items():
            for number, text in enumerate(_texts_in(value)):
                if id(text) in seen:
                    continue
                seen.add(id(text))
                where = f"{module.__name__}.{name}" + (f"[{number}]" if number else "")
                if isinstance(text, Plural):
                    plurals[where] = text
                else:
                    texts[where] = text
    return texts, plurals


def _command_texts() -> dict[str, Localized]:
    """The help of every command and its arguments, with the example dates filled in."""
    today = dt.date(2026, 3, 1)
    texts: dict[str, Localized] = {}
    for command in build_registry():
        for where, text in [
            (command.name, command.help),
            *((f"{command.name} {arg.name}", arg.help) for arg in command.args),
            *((f"{command.name} {arg.name} shown", arg.shown) for arg in command.args if arg.shown),
        ]:
            filled = Localized(fill(text.de, today, "de"), fill(text.en, today, "en"))
            texts[f"help of !{where}"] = filled
    return texts


TEXTS, PLURALS = _collect()
TEXTS.update(_command_texts())


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def samples(texts: Localized | Plural) -> Iterator[dict[str, object]]:
    """Values for every placeholder: 0, 1 and 2 for the counted ones, a word for the rest."""
    forms = [texts] if isinstance(texts, Localized) else [texts.one, texts.other]
    names = set().union(*(fields(form.de) | fields(form.en) for form in forms))
    chosen_by = {texts.counted} if isinstance(texts, Plural) else set()
    counted = sorted(names & (COUNTED | chosen_by))
    bounds = sorted((names & BOUNDS) - chosen_by)
    words = {name: f"‹{name}›" for name in names - set(counted) - set(bounds)}
    for amounts in itertools.product(AMOUNTS, repeat=len(counted)):
        for limits in itertools.product(BOUND_AMOUNTS, repeat=len(bounds)):
            yield {
                **words,
                **dict(zip(counted, amounts, strict=True)),
                **dict(zip(bounds, limits, strict=True)),
            }


def render(texts: Localized | Plural, language: Language, values: dict[str, object]) -> str:
    return texts.format(language, **values)


# A number followed by a noun in the wrong number: "1 Räume", "2 Raum", "1 rooms", "0 room".
GERMAN_PLURALS = (
    "Räume|Räumen|Teilnehmende|Personen|Stimmen|Fragen|Antworten|Teilnahmen|Dateien|"
    "Einladungen|Befehle|Tage|Tagen|Stunden|Minuten|Wochen|Sekunden|Unterstützende|"
    "Erinnerungen|Themen|Termine|Umfragen|Notizen|Beschlüsse|Aufgaben|Zeilen"
)
GERMAN_SINGULARS = (
    "Raum|Person|Stimme|Frage|Antwort|Teilnahme|Datei|Einladung|Befehl|Tag|Stunde|Minute|"
    "Woche|Sekunde|Erinnerung|Thema|Termin|Umfrage|Notiz|Beschluss|Aufgabe|Zeile"
)
ENGLISH_PLURALS = (
    "rooms|participants|people|votes|questions|answers|responses|files|invitations|commands|"
    "days|hours|minutes|weeks|seconds|supporters|times|reminders|topics|events|polls|notes|"
    "decisions|action items|lines|characters"
)
ENGLISH_SINGULARS = (
    "room|participant|person|vote|question|answer|response|file|invitation|command|day|hour|"
    "minute|week|second|supporter|time|reminder|topic|event|poll|note|decision|line|character"
)
WRONG_NUMBER: dict[Language, re.Pattern[str]] = {
    "de": re.compile(rf"(?<![\d.,])(1 (?:{GERMAN_PLURALS})|[02] (?:{GERMAN_SINGULARS}))\b"),
    "en": re.compile(rf"(?<![\d.,])(1 (?:{ENGLISH_PLURALS})|[02] (?:{ENGLISH_SINGULARS}))\b"),
}
PLURAL_HACK = re.compile(r"\w\((?:n|s|en|e|innen|es)\)")
LEFT_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")

# Texts that are the same in both languages on purpose: names, symbols, formats.
SAME_IN_BOTH = {
    "commands.general.admin.STATUS",
    "commands.core.help_text.OPTIONAL",
    "commands.events.text.ONLINE",
    "commands.web.site.TEXTS[22]",  # "Online", a word both languages use
    "commands.events.text.AGENDA",
    "commands.events.text.CHANGE_LINE",
    "commands.events.text.CHANGE_LABELS[3]",
    "commands.events.text.CHANGE_LABELS[4]",
    "commands.surveys.report.PERSON",
    "commands.surveys.report.NEED_COLUMNS[2]",
    "commands.surveys.report.NEED_COLUMNS[4]",
}


def all_renderings() -> Iterator[tuple[str, Language, str]]:
    for where, texts in [*TEXTS.items(), *PLURALS.items()]:
        for values in samples(texts):
            for language in LANGUAGES:
                yield where, language, render(texts, language, dict(values))


RENDERINGS = list(all_renderings())


def test_the_texts_are_found() -> None:
    # Every feature has texts, and the counted ones are Plural.
    for feature in ("general", "announcements", "events", "polls", "surveys", "topics", "space"):
        assert any(where.startswith(f"commands.{feature}.") for where in TEXTS), feature
    assert len(TEXTS) > 300
    assert len(PLURALS) >= 15
    assert len(RENDERINGS) > 2 * len(TEXTS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_placeholder_is_left(language: Language) -> None:
    left = [
        (where, text)
        for where, lang, text in RENDERINGS
        if lang == language
        if LEFT_PLACEHOLDER.search(text)
    ]
    assert not left, left[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_plural_hacks(language: Language) -> None:
    hacks = [
        (where, text)
        for where, lang, text in RENDERINGS
        if lang == language
        if PLURAL_HACK.search(text)
    ]
    assert not hacks, hacks[:5]


def test_nr_only_in_german() -> None:
    english = [(where, text) for where, lang, text in RENDERINGS if lang == "en" and "Nr." in text]
    assert not english, english[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_singular_and_plural_agree_with_the_number(language: Language) -> None:
    wrong = [
        (where, found.group(0), text)
        for where, lang, text in RENDERINGS
        if lang == language
        for found in [WRONG_NUMBER[language].search(text)]
        if found
    ]
    assert not wrong, wrong[:5]


def test_german_and_english_differ() -> None:
    same = [
        where
        for where, texts in TEXTS.items()
        if texts.de == texts.en
        and re.search(r"[A-Za-zÄÖÜäöüß]{3}", texts.de)
        and where not in SAME_IN_BOTH
    ]
    assert not same, same


@pytest.mark.parametrize("where", sorted(PLURALS))
def test_a_plural_uses_its_one_form_for_1_and_its_other_form_for_0_and_2(where: str) -> None:
    texts = PLURALS[where]
    # A Plural has two forms in at least one language (in the other they may read the same).
    assert texts.one != texts.other, where
    for language in LANGUAGES:
        one, other = texts.one.get(language), texts.other.get(language)
        assert texts.choose(language, 1).get(language) == one
        assert texts.choose(language, 0).get(language) == other
        assert texts.choose(language, 2).get(language) == other
        names = fields(one) | fields(other)
        assert texts.counted in fields(other), (where, language)
        values = {name: f"‹{name}›" for name in names - {texts.counted}}
        assert texts.format(language, 1, **values) == texts.one.format(
            language, **{**values, texts.counted: "1"}
        )
        assert texts.format(language, 2, **values) == texts.other.format(
            language, **{**values, texts.counted: "2"}
        )


def test_cldr_rules_and_number_formats() -> None:
    assert [plural_form(n, "de") for n in (0, 1, 2, 1.5)] == ["other", "one", "other", "other"]
    assert [plural_form(n, "en") for n in (0, 1, 2)] == ["other", "one", "other"]
    assert format_number(0.5, "de", decimals=1) == "0,5"
    assert format_number(0.5, "en", decimals=1) == "0.5"
    assert format_number(1234, "de") == "1.234" and format_number(1234, "en") == "1,234"
    assert format_percent(0.25, "de") == "25\xa0%" and format_percent(0.25, "en") == "25%"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "läuft seit Di., 29.09.2026, 10:00 Uhr (MESZ)",
                "in 1 Raum",
                "0 Befehle beantwortet",
                "letzte Synchronisation vor 0,5 s",
            ],
        ),
        (
            "en",
            [
                "running since Tue, 29 Sep 2026, 10:00 (CEST)",
                "in 1 room",
                "0 commands answered",
                "last sync 0.5 s ago",
            ],
        ),
    ],
)
def test_status_counts_and_writes_numbers_and_zones_in_the_language(
    language: Language, expected: list[str]
) -> None:
    started = dt.datetime(2026, 9, 29, 8, tzinfo=dt.UTC)
    html = render_status(BotStatus("1.0", started, 1, 0, 0.46), language, "Europe/Berlin")
    assert html_to_text(html).splitlines()[2:] == [f"- {line}" for line in expected]


def _homeserver(names: dict[str, dict[str, str]]) -> Homeserver:
    rooms = {
        room_id: SimpleNamespace(
            users={user: SimpleNamespace(display_name=name) for user, name in members.items()}
        )
        for room_id, members in names.items()
    }
    return cast(Homeserver, SimpleNamespace(rooms=rooms, user_id="@bot:x"))


def test_a_person_is_a_pill_with_their_display_name() -> None:
    client = _homeserver({"!a:x": {"@anna:x": "Anna <A>"}, "!b:x": {"@ben:x": "Ben"}})
    shown = person_pill(client, ["!a:x", "!b:x"], "@ben:x")
    assert shown == '<a href="https://matrix.to/#/@ben:x">Ben</a>'
    assert html_to_text(person_pill(client, ["!a:x"], "@anna:x")) == "Anna <A>"
    assert "&lt;A&gt;" in person_pill(client, ["!a:x"], "@anna:x")
    # Unknown in those rooms: the roster's name, else the ID (Element still shows a pill).
    assert html_to_text(person_pill(client, ["!a:x"], "@ben:x", "Ben Muster")) == "Ben Muster"
    assert html_to_text(person_pill(client, ["!a:x"], "@carla:x")) == "@carla:x"
