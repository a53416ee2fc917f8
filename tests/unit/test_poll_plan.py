"""Pure poll logic against a fixed clock: reading `!umfrage …` (commands/poll_plan.py), the start
and end events as protocol.md shows them, the result table, and which raw events are poll votes
or ends (bot/event_filter.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commands.core.content import message_content
from commands.core.converters import ConversionError
from commands.core.i18n import Language, Localized
from commands.core.time_phrases import (
    ImpossibleDateError,
    PastTimeError,
    TimePhraseError,
    UnreadableTimeError,
)
from commands.polls.plan import (
    ANSWER_COUNT,
    BAD_MAX,
    DUPLICATE,
    EMPTY_TEXT,
    FLAG_VALUE,
    HIDDEN_AND_LIVE,
    NO_QUESTION,
    TOO_LONG,
    UNKNOWN_FLAG,
    PollRequest,
    PollView,
    answer_ids,
    end_content,
    interim_is_private,
    parse_poll,
    render_live,
    render_results,
    start_content,
)
from commands.polls.signals import PollClosed, PollVote, poll_relation
from commands.polls.tally import CANNOT_READ, MISSING, End, Response, Tally, tally

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday, 20 September 2026, 10:00 in Berlin (CEST).
NOW = dt.datetime(2026, 9, 20, 8, 0, tzinfo=dt.UTC)
# Wednesday, 30 September 2026, 12:00 in Berlin.
SEPT_30_NOON = dt.datetime(2026, 9, 30, 10, 0, tzinfo=dt.UTC)
# Monday, 21 September 2026, 09:00 in Berlin.
TOMORROW_9 = dt.datetime(2026, 9, 21, 7, 0, tzinfo=dt.UTC)

START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"
TEXT = "org.matrix.msc1767.text"


# --- parse_poll -----------------------------------------------------------------------------


def request(
    question: str = "Q",
    answers: tuple[str, ...] = ("A", "B"),
    *,
    max_selections: int = 1,
    disclosed: bool = True,
    closes_at: dt.datetime | None = None,
    room: str | None = None,
    live_counts: bool = False,
) -> PollRequest:
    return PollRequest(
        question, list(answers), max_selections, disclosed, closes_at, room, live_counts
    )


PARSED: dict[str, tuple[str, PollRequest]] = {
    "straight quotes": (
        '"Welche Themen?" "Rolle" "Agiles Arbeiten"',
        request("Welche Themen?", ("Rolle", "Agiles Arbeiten")),
    ),
    "German quotes": (
        "„Welche Themen?“ „Rolle in der Verwaltung“ „Agiles Arbeiten“",
        request("Welche Themen?", ("Rolle in der Verwaltung", "Agiles Arbeiten")),
    ),
    "English curly quotes": ("“Q?” “A a” “B b”", request("Q?", ("A a", "B b"))),
    "mixed quotes": ('„Frage?“ "A" „B“', request("Frage?", ("A", "B"))),
    "unquoted single words": ("Q A B C", request("Q", ("A", "B", "C"))),
    "whitespace inside quotes collapsed": (
        '"  Welche\n  Themen? " " A   a "  "B"',
        request("Welche Themen?", ("A a", "B")),
    ),
    "no flags: one choice, disclosed, open, this room": ('"Q" "A" "B"', request()),
    "--max 2": ('"Q" "A" "B" "C" --max 2', request(answers=("A", "B", "C"), max_selections=2)),
    "--max equal to the answers": ('"Q" "A" "B" --max 2', request(max_selections=2)),
    "--max 1": ('"Q" "A" "B" --max 1', request(max_selections=1)),
    "--max with leading zero": ('"Q" "A" "B" --max 02', request(max_selections=2)),
    "--max value quoted": ('"Q" "A" "B" --max "2"', request(max_selections=2)),
    "--verdeckt": ('"Q" "A" "B" --verdeckt', request(disclosed=False)),
    "--hidden": ('"Q" "A" "B" --hidden', request(disclosed=False)),
    "--undisclosed": ('"Q" "A" "B" --undisclosed', request(disclosed=False)),
    "--bis date and time": ('"Q" "A" "B" --bis 30.09. 12:00', request(closes_at=SEPT_30_NOON)),
    "--until English phrase": ('"Q" "A" "B" --until tomorrow 9am', request(closes_at=TOMORROW_9)),
    "--bis German phrase": ('"Q" "A" "B" --bis morgen 9 Uhr', request(closes_at=TOMORROW_9)),
    "--bis stops at the next flag": (
        '"Q" "A" "B" --bis 30.09. 12:00 --max 2 --verdeckt',
        request(closes_at=SEPT_30_NOON, max_selections=2, disclosed=False),
    ),
    "--raum": ('"Q" "A" "B" --raum #workshop', request(room="#workshop")),
    "--room": (
        '"Q" "A" "B" --room #ws:example.org',
        request(room="#ws:example.org"),
    ),
    "--zwischenstand": ('"Q" "A" "B" --zwischenstand', request(live_counts=True)),
    "--live-results": ('"Q" "A" "B" --live-results', request(live_counts=True)),
    "--zwischenstand takes no value": (
        '"Q" "A" --zwischenstand "B" --bis 30.09. 12:00',
        request(live_counts=True, closes_at=SEPT_30_NOON),
    ),
    "en dash –zwischenstand": ('"Q" "A" "B" –zwischenstand', request(live_counts=True)),
    "em dash —max": ('"Q" "A" "B" —max 2', request(max_selections=2)),
    "en dash –max": ('"Q" "A" "B" –max 2', request(max_selections=2)),
    "em dash —verdeckt": ('"Q" "A" "B" —verdeckt', request(disclosed=False)),
    "en dash –bis": ('"Q" "A" "B" –bis 30.09. 12:00', request(closes_at=SEPT_30_NOON)),
    "em dash —raum": ('"Q" "A" "B" —raum #x', request(room="#x")),
    "en dash –until stops at em dash —hidden": (
        '"Q" "A" "B" –until tomorrow 9am —hidden',
        request(closes_at=TOMORROW_9, disclosed=False),
    ),
    "all flags, other order": (
        '"Q" "A" "B" "C" --raum #x --verdeckt --max 3 --bis 30.09. 12:00',
        request(
            answers=("A", "B", "C"),
            max_selections=3,
            disclosed=False,
            closes_at=SEPT_30_NOON,
            room="#x",
        ),
    ),
    "flags before the question": (
        '--verdeckt --max 2 "Q" "A" "B"',
        request(max_selections=2, disclosed=False),
    ),
    "flags between answers": (
        '"Q" "A" --verdeckt "B" --max 2 "C" --raum #x "D"',
        request(answers=("A", "B", "C", "D"), max_selections=2, disclosed=False, room="#x"),
    ),
    "a quoted --max is an answer": ('"Q" "--max" "2"', request(answers=("--max", "2"))),
    "a quoted --verdeckt is an answer": (
        '"Q" "A" „--verdeckt“',
        request(answers=("A", "--verdeckt")),
    ),
    "a quoted dash flag is the question": ('"—bis" "A" "B"', request("—bis")),
    "a lone dash is a word": ('"Q" "A" -', request(answers=("A", "-"))),
    "20 answers": (
        '"Q" ' + " ".join(f'"A{n}"' for n in range(1, 21)),
        request(answers=tuple(f"A{n}" for n in range(1, 21))),
    ),
    "question of 300 characters": ('"' + "q" * 300 + '" A B', request("q" * 300)),
    "answer of 200 characters": ('"Q" "' + "a" * 200 + '" B', request(answers=("a" * 200, "B"))),
    "answer equal to the question": ('"Q" "Q" "B"', request(answers=("Q", "B"))),
    "similar but different answers": ('"Q" "Rolle" "Rollen"', request(answers=("Rolle", "Rollen"))),
}


@pytest.mark.parametrize(("text", "expected"), PARSED.values(), ids=PARSED.keys())
def test_parse_poll(text: str, expected: PollRequest) -> None:
    assert parse_poll(text, NOW, BERLIN) == expected


def test_until_is_read_in_the_given_zone() -> None:
    result = parse_poll('"Q" "A" "B" --bis 30.09. 12:00', NOW, ZoneInfo("America/New_York"))
    assert result.closes_at == dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)


LONG_QUESTION = "Q" * 301
LONG_ANSWER = "x" * 201

ERRORS: dict[str, tuple[str, Localized, dict[str, object]]] = {
    "empty text": ("", NO_QUESTION, {}),
    "blanks only": ("   ", NO_QUESTION, {}),
    "only flags": ("--verdeckt --max 2", NO_QUESTION, {}),
    "question only": ('"Q"', ANSWER_COUNT, {"low": 2, "high": 20, "count": 0}),
    "one answer": ('"Q" "A"', ANSWER_COUNT, {"low": 2, "high": 20, "count": 1}),
    "one answer and flags": (
        '"Q" "A" --max 1 --verdeckt',
        ANSWER_COUNT,
        {"low": 2, "high": 20, "count": 1},
    ),
    "21 answers": (
        '"Q" ' + " ".join(f'"A{n}"' for n in range(1, 22)),
        ANSWER_COUNT,
        {"low": 2, "high": 20, "count": 21},
    ),
    "empty question": ('"" "A" "B"', EMPTY_TEXT, {}),
    "blank question": ('"   " "A" "B"', EMPTY_TEXT, {}),
    "empty answer": ('"Q" "A" ""', EMPTY_TEXT, {}),
    "blank answer": ('"Q" „ “ "B"', EMPTY_TEXT, {}),
    "question over 300": (
        f'"{LONG_QUESTION}" "A" "B"',
        TOO_LONG,
        {"text": "Q" * 30, "length": 301, "limit": 300},
    ),
    "answer over 200": (
        f'"Q" "A" "{LONG_ANSWER}"',
        TOO_LONG,
        {"text": "x" * 30, "length": 201, "limit": 200},
    ),
    "duplicate answer": ('"Q" "Rolle" "B" "Rolle"', DUPLICATE, {"answer": "Rolle"}),
    "hidden with live counts": (
        '"Q" "A" "B" --verdeckt --zwischenstand',
        HIDDEN_AND_LIVE,
        {"hidden": "--verdeckt", "live": "--zwischenstand"},
    ),
    "live counts with hidden, English": (
        '"Q" "A" "B" --live-results --hidden',
        HIDDEN_AND_LIVE,
        {"hidden": "--hidden", "live": "--live-results"},
    ),
    "duplicate answer ignoring case": ('"Q" "Rolle" "ROLLE"', DUPLICATE, {"answer": "ROLLE"}),
    "duplicate answer by casefold": ('"Q" "Straße" "STRASSE"', DUPLICATE, {"answer": "STRASSE"}),
    "duplicate answer ignoring blanks": ('"Q" "A  b" " a B "', DUPLICATE, {"answer": "a B"}),
    "--max not a number": ('"Q" "A" "B" --max zwei', BAD_MAX, {"count": 2}),
    "--max 0": ('"Q" "A" "B" --max 0', BAD_MAX, {"count": 2}),
    "--max negative": ('"Q" "A" "B" --max -1', BAD_MAX, {"count": 2}),
    "--max more than the answers": ('"Q" "A" "B" "C" --max 4', BAD_MAX, {"count": 3}),
    "--max missing at the end": ('"Q" "A" "B" --max', BAD_MAX, {"count": 2}),
    "--max followed by a flag": ('"Q" "A" "B" --max --verdeckt', BAD_MAX, {"count": 2}),
    "--max decimal": ('"Q" "A" "B" --max 1.5', BAD_MAX, {"count": 2}),
    "unknown flag": ('"Q" "A" "B" --foo', UNKNOWN_FLAG, {"flag": "--foo"}),
    "unknown flag with a phone dash": ('"Q" "A" "B" —foo', UNKNOWN_FLAG, {"flag": "—foo"}),
    "unknown flag single dash": ('"Q" "A" "B" -x', UNKNOWN_FLAG, {"flag": "-x"}),
    "bare double dash": ('"Q" "A" "B" --', UNKNOWN_FLAG, {"flag": "--"}),
    "unknown flag before the question": ("--foo Q A B", UNKNOWN_FLAG, {"flag": "--foo"}),
    "unknown flag ends --bis": (
        '"Q" "A" "B" --bis morgen --foo',
        UNKNOWN_FLAG,
        {"flag": "--foo"},
    ),
    "--bis without a value": ('"Q" "A" "B" --bis', FLAG_VALUE, {"flag": "--bis"}),
    "--bis followed by a flag": ('"Q" "A" "B" --bis --max 2', FLAG_VALUE, {"flag": "--bis"}),
    "--until without a value": ('"Q" "A" "B" --until', FLAG_VALUE, {"flag": "--until"}),
    "--raum without a value": ('"Q" "A" "B" --raum', FLAG_VALUE, {"flag": "--raum"}),
    "--room without a value": ('"Q" "A" "B" --room', FLAG_VALUE, {"flag": "--room"}),
}


@pytest.mark.parametrize(("text", "message", "values"), ERRORS.values(), ids=ERRORS.keys())
def test_parse_poll_errors(text: str, message: Localized, values: dict[str, object]) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_poll(text, NOW, BERLIN)
    assert caught.value.message is message
    assert caught.value.values == values


TIME_ERRORS: dict[str, tuple[str, type[TimePhraseError]]] = {
    "--bis earlier today": ('"Q" "A" "B" --bis heute 9 Uhr', PastTimeError),
    "--bis yesterday with a year": ('"Q" "A" "B" --bis 19.09.2026 12:00', PastTimeError),
    "--until now exactly": ('"Q" "A" "B" --until 20.09.2026 10:00', PastTimeError),
    "--bis nonsense": ('"Q" "A" "B" --bis irgendwann bald', UnreadableTimeError),
    "--bis impossible date": ('"Q" "A" "B" --bis 31.09.2026 12:00', ImpossibleDateError),
}


@pytest.mark.parametrize(("text", "error"), TIME_ERRORS.values(), ids=TIME_ERRORS.keys())
def test_parse_poll_time_errors(text: str, error: type[TimePhraseError]) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_poll(text, NOW, BERLIN)
    assert type(caught.value) is error
    assert caught.value.message is error.MESSAGE


# Bugs found while writing these tests: each test says what it expects and what happens now.

FLAG_AFTER_RAUM = {
    # Now: room "--verdeckt" and the poll is disclosed.
    "--raum then --verdeckt": '"Q" "A" "B" --raum --verdeckt',
    "--raum then --max 2": '"Q" "A" "B" --raum --max 2',
    "--room then —bis": '"Q" "A" "B" --room —bis morgen 9 Uhr',
}


@pytest.mark.parametrize("text", FLAG_AFTER_RAUM.values(), ids=FLAG_AFTER_RAUM.keys())
def test_raum_followed_by_a_flag_lacks_its_value(text: str) -> None:
    """A flag is never the value of the flag before it; the message names the flag as typed."""
    with pytest.raises(ConversionError) as caught:
        parse_poll(text, NOW, BERLIN)
    assert caught.value.message is FLAG_VALUE
    assert caught.value.values["flag"] in ("--raum", "--room")


@pytest.mark.parametrize("value", ["²", "³", "①"])
def test_max_with_a_digit_int_cannot_read_is_a_conversion_error(value: str) -> None:
    """str.isdigit() accepts "²", which int() cannot read: a clear answer, not a crash."""
    with pytest.raises(ConversionError) as caught:
        parse_poll(f'"Q" "A" "B" "C" --max {value}', NOW, BERLIN)
    assert caught.value.message is BAD_MAX
    assert caught.value.values == {"count": 3}


def test_quoted_answer_after_bis_is_an_answer() -> None:
    """--bis between answers ends at the next quoted answer."""
    result = parse_poll('"Q" "A" --bis 30.09. 12:00 "B"', NOW, BERLIN)
    assert result == request(closes_at=SEPT_30_NOON)


# --- answer_ids, start_content ----------------------------------------------------------------

ANSWER_IDS = {
    0: [],
    1: ["a1"],
    2: ["a1", "a2"],
    3: ["a1", "a2", "a3"],
}


@pytest.mark.parametrize(("count", "expected"), ANSWER_IDS.items())
def test_answer_ids(count: int, expected: list[str]) -> None:
    assert answer_ids(count) == expected


def test_answer_ids_for_20_answers_are_distinct_and_non_empty() -> None:
    ids = answer_ids(20)
    assert len(ids) == len(set(ids)) == 20
    assert all(ids)
    assert ids[-1] == "a20"


def answers_of(*texts: str) -> list[dict[str, str]]:
    return [
        {"id": answer_id, "text": text}
        for answer_id, text in zip(answer_ids(len(texts)), texts, strict=True)
    ]


def test_start_content_matches_protocol_example() -> None:
    content = start_content("Welche Themen?", answers_of("Rolle", "Agiles Arbeiten"), 1, True)
    assert content == {
        "org.matrix.msc1767.text": "Welche Themen?\n1. Rolle\n2. Agiles Arbeiten",
        "org.matrix.msc3381.poll.start": {
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": 1,
            "question": {
                "org.matrix.msc1767.text": "Welche Themen?",
                "body": "Welche Themen?",
                "msgtype": "m.text",
            },
            "answers": [
                {"id": "a1", "org.matrix.msc1767.text": "Rolle"},
                {"id": "a2", "org.matrix.msc1767.text": "Agiles Arbeiten"},
            ],
        },
    }


START_CASES = {
    "disclosed single choice": (True, 1, "org.matrix.msc3381.poll.disclosed"),
    "undisclosed single choice": (False, 1, "org.matrix.msc3381.poll.undisclosed"),
    "undisclosed multi choice": (False, 3, "org.matrix.msc3381.poll.undisclosed"),
    "disclosed multi choice": (True, 2, "org.matrix.msc3381.poll.disclosed"),
}


@pytest.mark.parametrize(
    ("disclosed", "max_selections", "kind"), START_CASES.values(), ids=START_CASES.keys()
)
def test_start_content_kind_and_max(disclosed: bool, max_selections: int, kind: str) -> None:
    content = start_content("Frage", answers_of("A", "B", "C"), max_selections, disclosed)
    assert content[TEXT] == "Frage\n1. A\n2. B\n3. C"
    assert content[START]["kind"] == kind
    assert content[START]["max_selections"] == max_selections
    assert [answer["id"] for answer in content[START]["answers"]] == ["a1", "a2", "a3"]
    assert set(content) == {TEXT, START}


def test_start_content_keeps_user_text_raw() -> None:
    """No HTML in the start event: the text goes in as typed, escaping is for HTML only."""
    content = start_content("<b>&</b>?", answers_of("<i>A</i>", "B & C"), 1, True)
    assert content[TEXT] == "<b>&</b>?\n1. <i>A</i>\n2. B & C"
    assert content[START]["question"]["body"] == "<b>&</b>?"
    assert content[START]["answers"][1][TEXT] == "B & C"


# --- end_content ------------------------------------------------------------------------------

THEMES = answers_of("Rolle", "Agiles Arbeiten", "Datenschutz")
THEME_IDS = answer_ids(3)


def responses(*rows: tuple[str, int, object]) -> list[Response]:
    """Responses from (sender, ts, answers); seen is the row's position."""
    return [
        Response(f"$r{seen}", sender, ts, answers, seen)
        for seen, (sender, ts, answers) in enumerate(rows)
    ]


def tally_of(
    *rows: tuple[str, int, object],
    max_selections: int = 1,
    ends: tuple[End, ...] = (),
    ids: list[str] = THEME_IDS,
) -> Tally:
    return tally(ids, max_selections, responses(*rows), list(ends))


END_CASES: dict[str, tuple[Tally, Language, str]] = {
    "one top answer, German": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a1"]), ("@cy", 3, ["a2"])),
        "de",
        "Die Umfrage ist beendet. Meiste Stimmen: Rolle",
    ),
    "one top answer, English": (
        tally_of(("@al", 1, ["a2"]), ("@bo", 2, ["a2"]), ("@cy", 3, ["a3"])),
        "en",
        "The poll has ended. Top answer: Agiles Arbeiten",
    ),
    "a tie names both in poll order": (
        tally_of(("@al", 1, ["a3"]), ("@bo", 2, ["a1"])),
        "de",
        "Die Umfrage ist beendet. Meiste Stimmen: Rolle, Datenschutz",
    ),
    "a tie, English": (
        tally_of(("@al", 1, ["a3", "a2"]), max_selections=2),
        "en",
        "The poll has ended. Top answer: Agiles Arbeiten, Datenschutz",
    ),
    "no votes, German": (tally_of(), "de", "Die Umfrage ist beendet, ohne Stimmen."),
    "no votes, English": (tally_of(), "en", "The poll has ended, no votes."),
    "only spoiled votes": (
        tally_of(("@al", 1, []), ("@bo", 2, ["zz"]), ("@cy", 3, MISSING)),
        "de",
        "Die Umfrage ist beendet, ohne Stimmen.",
    ),
    "votes after the end do not count": (
        tally_of(
            ("@al", 1, ["a1"]),
            ("@bo", 20, ["a2"]),
            ("@cy", 30, ["a2"]),
            ends=(End("@al", 10, valid=True),),
        ),
        "en",
        "The poll has ended. Top answer: Rolle",
    ),
}


@pytest.mark.parametrize(("result", "language", "text"), END_CASES.values(), ids=END_CASES.keys())
def test_end_content(result: Tally, language: Language, text: str) -> None:
    assert end_content("$start", THEMES, result, language) == {
        "m.relates_to": {"rel_type": "m.reference", "event_id": "$start"},
        "org.matrix.msc3381.poll.end": {},
        "org.matrix.msc1767.text": text,
        "body": text,
        "msgtype": "m.text",
    }


def test_end_content_points_at_the_given_start() -> None:
    content = end_content("$other:example.org", THEMES, tally_of(), "en")
    assert content["m.relates_to"] == {"rel_type": "m.reference", "event_id": "$other:example.org"}
    assert content[END] == {}


# --- render_results ---------------------------------------------------------------------------

ROW = re.compile(
    r"<tr><td>(?P<text>.*?)</td><td><code>(?P<bar>.*?)</code></td>"
    r"<td>(?P<count>\d+)</td><td>(?P<share>\d+)\s?%</td></tr>"
)


def view(
    *,
    answers: list[dict[str, str]] = THEMES,
    question: str = "Welche Themen?",
    disclosed: bool = True,
    ended: bool = False,
    closes_at: dt.datetime | None = None,
    timezone: str = "Europe/Berlin",
    live_counts: bool = False,
) -> PollView:
    return PollView(7, question, answers, disclosed, ended, closes_at, timezone, live_counts)


def rows_of(html: str) -> list[tuple[str, int, int, int]]:
    """(answer html, bar length or 0 for "·", count, share) per table row."""
    rows = []
    for match in ROW.finditer(html):
        bar = match["bar"]
        assert bar == "·" or set(bar) == {"█"}, bar
        length = 0 if bar == "·" else len(bar)
        rows.append((match["text"], length, int(match["count"]), int(match["share"])))
    return rows


TABLES: dict[str, tuple[Tally, list[tuple[str, int, int, int]]]] = {
    "no votes": (
        tally_of(),
        [("Rolle", 0, 0, 0), ("Agiles Arbeiten", 0, 0, 0), ("Datenschutz", 0, 0, 0)],
    ),
    "one vote": (
        tally_of(("@al", 1, ["a2"])),
        [("Rolle", 0, 0, 0), ("Agiles Arbeiten", 20, 1, 100), ("Datenschutz", 0, 0, 0)],
    ),
    "two to one": (
        tally_of(("@al", 1, ["a3"]), ("@bo", 2, ["a1"]), ("@cy", 3, ["a3"])),
        [("Rolle", 7, 1, 33), ("Agiles Arbeiten", 0, 0, 0), ("Datenschutz", 13, 2, 67)],
    ),
    "thirds": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a2"]), ("@cy", 3, ["a3"])),
        [("Rolle", 7, 1, 33), ("Agiles Arbeiten", 7, 1, 33), ("Datenschutz", 7, 1, 33)],
    ),
    "halves": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a2"])),
        [("Rolle", 10, 1, 50), ("Agiles Arbeiten", 10, 1, 50), ("Datenschutz", 0, 0, 0)],
    ),
    "multi choice shares are of all selections": (
        tally_of(("@al", 1, ["a1", "a2"]), ("@bo", 2, ["a1"]), max_selections=2),
        [("Rolle", 13, 2, 67), ("Agiles Arbeiten", 7, 1, 33), ("Datenschutz", 0, 0, 0)],
    ),
    "changed vote counts once": (
        tally_of(("@al", 1, ["a1"]), ("@al", 2, ["a3"]), ("@bo", 3, ["a3"])),
        [("Rolle", 0, 0, 0), ("Agiles Arbeiten", 0, 0, 0), ("Datenschutz", 20, 2, 100)],
    ),
    "spoiled ballots are not in the table": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["nope"]), ("@cy", 3, [])),
        [("Rolle", 20, 1, 100), ("Agiles Arbeiten", 0, 0, 0), ("Datenschutz", 0, 0, 0)],
    ),
}


@pytest.mark.parametrize(("result", "expected"), TABLES.values(), ids=TABLES.keys())
def test_render_results_table(result: Tally, expected: list[tuple[str, int, int, int]]) -> None:
    html = render_results(view(), result, "de")
    rows = rows_of(html)
    assert rows == expected
    shares = sum(share for *_, share in rows)
    if any(count for _, _, count, _ in rows):
        assert 99 <= shares <= 101
    else:
        assert shares == 0
    assert html.count("<tr>") == len(THEMES) + 1  # the heading and a row per answer


def test_render_results_rows_follow_poll_order_not_counts() -> None:
    answers = [
        {"id": "a3", "text": "C"},
        {"id": "a1", "text": "A"},
        {"id": "a2", "text": "B"},
    ]
    result = tally(["a3", "a1", "a2"], 1, responses(("@al", 1, ["a2"]), ("@bo", 2, ["a2"])), [])
    rows = rows_of(render_results(view(answers=answers), result, "en"))
    assert [(text, count) for text, _, count, _ in rows] == [("C", 0), ("A", 0), ("B", 2)]


def test_render_results_headings_by_language() -> None:
    result = tally_of(("@al", 1, ["a1"]))
    german = render_results(view(), result, "de")
    english = render_results(view(), result, "en")
    assert (
        "<thead><tr><th>Antwort</th><th>Verteilung</th><th>Stimmen</th><th>Anteil</th></tr></thead>"
        in german
    )
    assert (
        "<thead><tr><th>Answer</th><th>Distribution</th><th>Votes</th><th>Share</th></tr></thead>"
        in english
    )


FOOTERS: dict[str, tuple[Tally, Language, str]] = {
    "participants only, German": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a2"])),
        "de",
        "</table><p>2 Teilnehmende</p>",
    ),
    "participants only, English": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a2"])),
        "en",
        "</table><p>2 participants</p>",
    ),
    "spoiled, German": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["zz"]), ("@cy", 3, MISSING)),
        "de",
        "</table><p>1 teilnehmende Person · 2 ungültige Stimmen</p>",
    ),
    "spoiled, English": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, "a1")),
        "en",
        "</table><p>1 participant · 1 spoiled vote</p>",
    ),
    "nobody": (tally_of(), "de", "</table><p>0 Teilnehmende</p>"),
    "multi choice counts people, not selections": (
        tally_of(("@al", 1, ["a1", "a2", "a3"]), max_selections=3),
        "en",
        "</table><p>1 participant</p>",
    ),
}


@pytest.mark.parametrize(("result", "language", "tail"), FOOTERS.values(), ids=FOOTERS.keys())
def test_render_results_participants_and_spoiled(
    result: Tally, language: Language, tail: str
) -> None:
    assert render_results(view(), result, language).endswith(tail)


HIDDEN_CASES: dict[str, tuple[Language, Tally, str]] = {
    "German": (
        "de",
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a1"]), ("@cy", 3, ["zz"])),
        "Die Ergebnisse sind bis zum Ende verdeckt; bisher 2 Teilnehmende.",
    ),
    "English": (
        "en",
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a1"]), ("@cy", 3, ["zz"])),
        "Results are hidden until the end; 2 participants so far.",
    ),
    "nobody yet": (
        "en",
        tally_of(),
        "Results are hidden until the end; 0 participants so far.",
    ),
}


@pytest.mark.parametrize(
    ("language", "result", "tail"), HIDDEN_CASES.values(), ids=HIDDEN_CASES.keys()
)
def test_undisclosed_open_poll_shows_only_the_participants(
    language: Language, result: Tally, tail: str
) -> None:
    html = render_results(view(disclosed=False), result, language)
    assert html.endswith("<br>" + tail)
    assert "<table" not in html
    for answer in THEMES:
        assert answer["text"] not in html
    assert "ungültig" not in html and "spoiled" not in html


@pytest.mark.parametrize("closes_at", [None, SEPT_30_NOON])
def test_undisclosed_poll_shows_the_results_at_the_end(closes_at: dt.datetime | None) -> None:
    result = tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a1"]), ("@cy", 3, ["a2"]))
    html = render_results(view(disclosed=False, ended=True, closes_at=closes_at), result, "de")
    assert "verdeckt" not in html
    assert rows_of(html) == [
        ("<b>Rolle</b>", 13, 2, 67),
        ("Agiles Arbeiten", 7, 1, 33),
        ("Datenschutz", 0, 0, 0),
    ]


BOLD_CASES: dict[str, tuple[Tally, bool, list[str]]] = {
    "open: nothing bold": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a1"]), ("@cy", 3, ["a2"])),
        False,
        ["Rolle", "Agiles Arbeiten", "Datenschutz"],
    ),
    "ended: the top answer bold": (
        tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a1"]), ("@cy", 3, ["a2"])),
        True,
        ["<b>Rolle</b>", "Agiles Arbeiten", "Datenschutz"],
    ),
    "ended with a tie: both bold": (
        tally_of(("@al", 1, ["a2"]), ("@bo", 2, ["a3"])),
        True,
        ["Rolle", "<b>Agiles Arbeiten</b>", "<b>Datenschutz</b>"],
    ),
    "ended without votes: nothing bold": (
        tally_of(("@al", 1, [])),
        True,
        ["Rolle", "Agiles Arbeiten", "Datenschutz"],
    ),
}


@pytest.mark.parametrize(("result", "ended", "texts"), BOLD_CASES.values(), ids=BOLD_CASES.keys())
def test_render_results_top_answer_bold_only_once_ended(
    result: Tally, ended: bool, texts: list[str]
) -> None:
    rows = rows_of(render_results(view(ended=ended), result, "en"))
    assert [text for text, *_ in rows] == texts


ESCAPE_ANSWERS = [
    {"id": "a1", "text": "<script>alert(1)</script>"},
    {"id": "a2", "text": "Tom & Jerry"},
    {"id": "a3", "text": '"quoted" <b>'},
]


@pytest.mark.parametrize("ended", [False, True])
@pytest.mark.parametrize("disclosed", [False, True])
def test_render_results_escapes_user_text(ended: bool, disclosed: bool) -> None:
    result = tally_of(("@al", 1, ["a1"]))
    poll = view(
        answers=ESCAPE_ANSWERS, question="<img src=x> & co?", disclosed=disclosed, ended=ended
    )
    html = render_results(poll, result, "de")
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;img src=x&gt; &amp; co?" in html
    if disclosed or ended:
        texts = [text.removeprefix("<b>").removesuffix("</b>") for text, *_ in rows_of(html)]
        assert texts == [
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "Tom &amp; Jerry",
            "&quot;quoted&quot; &lt;b&gt;",
        ]


HEADS: dict[str, tuple[PollView, Language, str]] = {
    "open, German": (view(), "de", "<b>📊 Umfrage Nr. 7: Welche Themen?</b> (läuft)<br>"),
    "open, English": (view(), "en", "<b>📊 Poll no. 7: Welche Themen?</b> (open)<br>"),
    "until, German": (
        view(closes_at=SEPT_30_NOON),
        "de",
        "<b>📊 Umfrage Nr. 7: Welche Themen?</b> (läuft bis Mi., 30.09.2026, 12:00 Uhr (MESZ))<br>",
    ),
    "until, English": (
        view(closes_at=SEPT_30_NOON),
        "en",
        "<b>📊 Poll no. 7: Welche Themen?</b> (open until Wed, 30 Sep 2026, 12:00 (CEST))<br>",
    ),
    "until, in the poll's zone": (
        view(closes_at=SEPT_30_NOON, timezone="America/New_York"),
        "en",
        "<b>📊 Poll no. 7: Welche Themen?</b> (open until Wed, 30 Sep 2026, 06:00 (EDT))<br>",
    ),
    "until in winter time": (
        view(closes_at=dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)),
        "de",
        "<b>📊 Umfrage Nr. 7: Welche Themen?</b> (läuft bis Di., 01.12.2026, 18:30 Uhr (MEZ))<br>",
    ),
    "until, undisclosed": (
        view(closes_at=SEPT_30_NOON, disclosed=False),
        "en",
        "<b>📊 Poll no. 7: Welche Themen?</b> (open until Wed, 30 Sep 2026, 12:00 (CEST))<br>",
    ),
    "ended, German": (
        view(ended=True),
        "de",
        "<b>📊 Umfrage Nr. 7: Welche Themen?</b> (beendet)<br>",
    ),
    "ended before its deadline, English": (
        view(ended=True, closes_at=SEPT_30_NOON),
        "en",
        "<b>📊 Poll no. 7: Welche Themen?</b> (ended)<br>",
    ),
}


@pytest.mark.parametrize(("poll", "language", "head"), HEADS.values(), ids=HEADS.keys())
def test_render_results_title_and_state(poll: PollView, language: Language, head: str) -> None:
    assert render_results(poll, tally_of(("@al", 1, ["a1"])), language).startswith(head)


def test_render_results_poll_number_is_the_views() -> None:
    html = render_results(dataclasses.replace(view(), id=42), tally_of(), "en")
    assert html.startswith("<b>📊 Poll no. 42: ")


# --- poll_relation ----------------------------------------------------------------------------

BOT = "@alumni-bot:example.org"
REFERENCE = {"rel_type": "m.reference", "event_id": "$start"}


def event(
    event_type: str = RESPONSE,
    content: Any = None,
    *,
    sender: str = "@anna:example.org",
) -> dict[str, Any]:
    if content is None:
        content = {"m.relates_to": REFERENCE, RESPONSE: {"answers": ["a1"]}}
    return {
        "type": event_type,
        "sender": sender,
        "event_id": "$event",
        "origin_server_ts": 1_000,
        "content": content,
    }


UNSTABLE_BLOCK = "org.matrix.msc3381.poll.response"
STABLE_BLOCK = "m.poll.response"

RELATIONS: dict[str, tuple[dict[str, Any], PollVote | PollClosed | None]] = {
    "unstable response": (event(), PollVote("$start", {"answers": ["a1"]})),
    "stable response with stable block": (
        event("m.poll.response", {"m.relates_to": REFERENCE, STABLE_BLOCK: {"answers": ["a2"]}}),
        PollVote("$start", {"answers": ["a2"]}),
    ),
    "unstable type, stable block": (
        event(RESPONSE, {"m.relates_to": REFERENCE, STABLE_BLOCK: {"answers": ["a2"]}}),
        PollVote("$start", {"answers": ["a2"]}),
    ),
    "stable type, unstable block": (
        event("m.poll.response", {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": ["a1"]}}),
        PollVote("$start", {"answers": ["a1"]}),
    ),
    "several answers kept in order": (
        event(RESPONSE, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": ["a2", "a1"]}}),
        PollVote("$start", {"answers": ["a2", "a1"]}),
    ),
    "empty answers list (withdrawal) kept": (
        event(RESPONSE, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": []}}),
        PollVote("$start", {"answers": []}),
    ),
    "answers not a list passed raw": (
        event(RESPONSE, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": "a1"}}),
        PollVote("$start", {"answers": "a1"}),
    ),
    "answers null passed raw": (
        event(RESPONSE, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": None}}),
        PollVote("$start", {"answers": None}),
    ),
    "answers with non-strings passed raw": (
        event(RESPONSE, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": [1, {"a": 2}]}}),
        PollVote("$start", {"answers": [1, {"a": 2}]}),
    ),
    "other keys in the block dropped": (
        event(
            RESPONSE,
            {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": ["a1"], "extra": True}},
        ),
        PollVote("$start", {"answers": ["a1"]}),
    ),
    "block without answers": (
        event(RESPONSE, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {}}),
        PollVote("$start", {}),
    ),
    "no block at all": (event(RESPONSE, {"m.relates_to": REFERENCE}), PollVote("$start", {})),
    "block not a dict": (
        event(RESPONSE, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: ["a1"]}),
        PollVote("$start", {}),
    ),
    "stable type without block": (
        event("m.poll.response", {"m.relates_to": REFERENCE}),
        PollVote("$start", {}),
    ),
    "unstable end": (
        event(END, {"m.relates_to": REFERENCE, END: {}, "body": "The poll has ended."}),
        PollClosed("$start"),
    ),
    "stable end": (event("m.poll.end", {"m.relates_to": REFERENCE}), PollClosed("$start")),
    "end without an end block": (event(END, {"m.relates_to": REFERENCE}), PollClosed("$start")),
    "end carrying answers is still an end": (
        event(END, {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": ["a1"]}}),
        PollClosed("$start"),
    ),
    "the bot's own response": (event(sender=BOT), PollVote("$start", {"answers": ["a1"]})),
    "the bot's own end": (
        event(END, {"m.relates_to": REFERENCE, END: {}}, sender=BOT),
        PollClosed("$start"),
    ),
    "annotation, not reference": (
        event(
            RESPONSE,
            {
                "m.relates_to": {"rel_type": "m.annotation", "event_id": "$start", "key": "a1"},
                UNSTABLE_BLOCK: {"answers": ["a1"]},
            },
        ),
        None,
    ),
    "thread, not reference": (
        event(END, {"m.relates_to": {"rel_type": "m.thread", "event_id": "$start"}}),
        None,
    ),
    "reply, not reference": (
        event(
            RESPONSE,
            {
                "m.relates_to": {"m.in_reply_to": {"event_id": "$start"}},
                UNSTABLE_BLOCK: {"answers": ["a1"]},
            },
        ),
        None,
    ),
    "no relation": (event(RESPONSE, {UNSTABLE_BLOCK: {"answers": ["a1"]}}), None),
    "relation not a dict": (
        event(RESPONSE, {"m.relates_to": "$start", UNSTABLE_BLOCK: {"answers": ["a1"]}}),
        None,
    ),
    "no event_id": (
        event(RESPONSE, {"m.relates_to": {"rel_type": "m.reference"}, UNSTABLE_BLOCK: {}}),
        None,
    ),
    "event_id not a string": (
        event(END, {"m.relates_to": {"rel_type": "m.reference", "event_id": 5}}),
        None,
    ),
    "content not a dict": (event(RESPONSE, ["m.relates_to"]), None),
    "content missing": ({"type": RESPONSE, "sender": "@anna:example.org"}, None),
    "end with content not a dict": (event(END, "ended"), None),
    "poll start": (event(START, {"m.relates_to": REFERENCE, START: {}}), None),
    "stable poll start": (event("m.poll.start", {"m.relates_to": REFERENCE}), None),
    "message referencing the poll": (
        event("m.room.message", {"m.relates_to": REFERENCE, "body": "x", "msgtype": "m.text"}),
        None,
    ),
    "reaction": (
        event(
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$start", "key": "👍"}},
        ),
        None,
    ),
    "no type": ({"content": {"m.relates_to": REFERENCE}}, None),
    "type with other case": (event("M.POLL.RESPONSE"), None),
    # The relation of an encrypted event stays in the clear: a response the bot cannot read.
    "encrypted reference": (
        event(
            "m.room.encrypted",
            {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA", "m.relates_to": REFERENCE},
        ),
        PollVote("$start", {"unreadable": True}),
    ),
    "encrypted message without relation": (
        event("m.room.encrypted", {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA"}),
        None,
    ),
}


@pytest.mark.parametrize(("raw", "expected"), RELATIONS.values(), ids=RELATIONS.keys())
def test_poll_relation(raw: dict[str, Any], expected: PollVote | PollClosed | None) -> None:
    assert poll_relation(raw) == expected


BOTH_BLOCKS = {
    "both blocks, unstable type": (RESPONSE, {"answers": ["a2"]}),
    "both blocks, stable type": ("m.poll.response", {"answers": ["a2"]}),
    "stable block null": (RESPONSE, None),
    "stable block empty": (RESPONSE, {}),
}


@pytest.mark.parametrize(("event_type", "stable"), BOTH_BLOCKS.values(), ids=BOTH_BLOCKS.keys())
def test_poll_relation_prefers_the_unstable_block_like_js_sdk(event_type: str, stable: Any) -> None:
    """matrix-js-sdk reads M_POLL_RESPONSE.findIn(content), an UnstableValue: the unstable block
    first, the stable one only if that is missing or falsy; so does the bot."""
    content = {"m.relates_to": REFERENCE, UNSTABLE_BLOCK: {"answers": ["a1"]}, STABLE_BLOCK: stable}
    assert poll_relation(event(event_type, content)) == PollVote("$start", {"answers": ["a1"]})


# --- render_live ------------------------------------------------------------------------------

VOTERS = {
    0: tally_of(),
    1: tally_of(("@al", 1, ["a1"])),
    2: tally_of(("@al", 1, ["a1"]), ("@bo", 2, ["a3"]), ("@cy", 3, ["zz"])),
}
VOTED_TEXT: dict[tuple[Language, int], str] = {
    ("de", 0): "Bisher hat noch niemand abgestimmt.",
    ("de", 1): "Bisher hat 1 Person abgestimmt.",
    ("de", 2): "Bisher haben 2 Personen abgestimmt.",
    ("en", 0): "Nobody has voted yet.",
    ("en", 1): "So far 1 person has voted.",
    ("en", 2): "So far 2 people have voted.",
}


@pytest.mark.parametrize(("language", "voters"), VOTED_TEXT.keys())
def test_live_result_without_the_option_shows_only_how_many_voted(
    language: Language, voters: int
) -> None:
    """As Element shows a disclosed poll to whoever has not voted: no count per answer."""
    html = render_live(view(), VOTERS[voters], language)
    assert "<table" not in html
    for answer in THEMES:
        assert answer["text"] not in html
    assert "█" not in html and "%" not in html
    assert html.startswith(render_results(view(), VOTERS[voters], language).split("<br>")[0])
    assert VOTED_TEXT[(language, voters)] in html
    assert ("abgestimmt haben" if language == "de" else "who has voted") in html


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("voters", [0, 1, 2])
def test_live_result_with_the_option_shows_the_counts(language: Language, voters: int) -> None:
    poll = view(live_counts=True)
    html = render_live(poll, VOTERS[voters], language)
    assert html == render_results(poll, VOTERS[voters], language)
    assert [count for _, _, count, _ in rows_of(html)] == [
        VOTERS[voters].counts.get(answer["id"], 0) for answer in THEMES
    ]


@pytest.mark.parametrize("live_counts", [False, True])
def test_live_result_of_an_ended_or_hidden_poll_is_the_result(live_counts: bool) -> None:
    result = VOTERS[2]
    ended = view(ended=True, live_counts=live_counts)
    assert render_live(ended, result, "de") == render_results(ended, result, "de")
    assert rows_of(render_live(ended, result, "de"))
    hidden = view(disclosed=False)
    assert render_live(hidden, result, "en") == render_results(hidden, result, "en")


def test_live_result_escapes_the_question() -> None:
    html = render_live(view(question="<b>Wer & wie?</b>"), VOTERS[1], "de")
    assert "&lt;b&gt;Wer &amp; wie?&lt;/b&gt;" in html and "<b>Wer" not in html


PLAIN_FOOTERS: dict[tuple[Language, int], str] = {
    ("de", 0): "0 Teilnehmende",
    ("de", 1): "1 teilnehmende Person · 1 ungültige Stimme",
    ("de", 2): "2 Teilnehmende · 2 ungültige Stimmen",
    ("en", 0): "0 participants",
    ("en", 1): "1 participant · 1 spoiled vote",
    ("en", 2): "2 participants · 2 spoiled votes",
}


@pytest.mark.parametrize(("language", "count"), PLAIN_FOOTERS.keys())
def test_plain_body_of_the_result_has_the_footer_on_its_own_line(
    language: Language, count: int
) -> None:
    votes = [(f"@p{n}", n, ["a1"]) for n in range(count)]
    spoiled = [(f"@s{n}", 100 + n, ["zz"]) for n in range(count)]
    body = message_content(render_results(view(), tally_of(*votes, *spoiled), language))["body"]
    assert body.splitlines()[-1] == PLAIN_FOOTERS[(language, count)], body
    # The share in the language's format: "50 %" (no-break space) in German, "50%" in English.
    share_at_end = r"\d\xa0%$" if language == "de" else r"\d%$"
    assert re.search(share_at_end, body.splitlines()[-2]), body


UNREADABLE_TEXTS: dict[tuple[Language, int], str] = {
    ("de", 1): "Verschlüsselte Antworten von 1 Person kann ich nicht lesen",
    ("de", 2): "Verschlüsselte Antworten von 2 Personen kann ich nicht lesen",
    ("en", 1): "I cannot read encrypted answers from 1 person:",
    ("en", 2): "I cannot read encrypted answers from 2 people:",
}


@pytest.mark.parametrize(("language", "count"), UNREADABLE_TEXTS.keys())
def test_unreadable_votes_are_counted_in_the_right_number(language: Language, count: int) -> None:
    unreadable = [(f"@u{n}", n, CANNOT_READ) for n in range(count)]
    html = render_results(view(), tally_of(("@al", 99, ["a1"]), *unreadable), language)
    assert UNREADABLE_TEXTS[(language, count)] in html


@pytest.mark.parametrize(
    ("language", "count", "text"),
    [
        ("de", 1, "bisher 1 teilnehmende Person."),
        ("de", 2, "bisher 2 Teilnehmende."),
        ("en", 1, "1 participant so far."),
        ("en", 2, "2 participants so far."),
    ],
)
def test_hidden_poll_counts_its_participants(language: Language, count: int, text: str) -> None:
    votes = [(f"@p{n}", n, ["a1"]) for n in range(count)]
    assert render_results(view(disclosed=False), tally_of(*votes), language).endswith(text)


@pytest.mark.parametrize(
    ("poll", "private"),
    [
        (view(), True),
        (view(live_counts=True), False),
        (view(ended=True), False),
        # A hidden poll shows no counts before the end, to anyone (Element does the same).
        (view(disclosed=False), False),
    ],
)
def test_the_interim_counts_of_an_open_poll_are_private(poll: PollView, private: bool) -> None:
    assert interim_is_private(poll) is private
