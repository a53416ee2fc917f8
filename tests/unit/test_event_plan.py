"""Pure event logic from commands/event_plan.py against a fixed clock: spans (including the
daylight-saving days), the words of `!termin neu` / `!termin ändern`, reminder offsets, answers,
the post plan and the countdown text."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commands.core.converters import ConversionError
from commands.core.offsets import BAD_OFFSET, TOO_MANY_OFFSETS, parse_offsets
from commands.core.time_phrases import (
    ImpossibleDateError,
    ImpossibleTimeError,
    MissingTimeError,
    PastTimeError,
    TimePhraseError,
    UnreadableTimeError,
)
from commands.events.plan import (
    BAD_URL,
    BOTH_FLAGS,
    DEFAULT_DURATION,
    EMPTY_VALUE,
    END_BEFORE_START,
    MAYBE,
    NO,
    TITLE_MISSING,
    TOO_LONG_FIELD,
    UNKNOWN_WORD,
    WHEN_MISSING,
    YES,
    EventDetails,
    Span,
    countdown,
    describe_offset,
    parse_answer,
    parse_details,
    parse_span,
    plan_notices,
    plan_reminders,
    reaction_answer,
    reminder_due,
    what_changed,
)
from storage.models import Event
from storage.outbox import ANNOUNCE, CANCEL, NUDGE, REMINDER, UPDATE, PostPlan

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday, 20 September 2026, 10:00 in Berlin (CEST); "morgen" is Monday, 21 September.
NOW = dt.datetime(2026, 9, 20, 8, 0, tzinfo=dt.UTC)
# Friday, 20 March 2026, 10:00 in Berlin (CET): before the spring change on 29 March.
SPRING_NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)

MINUTE = 60
HOUR = 3600
DAY = 86400
WEEK = 7 * DAY


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------
# parse_span
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "starts_at", "ends_at"),
    [
        # one day, a start and an end clock
        ("29.09.2026 10:00-16:00", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10-16 Uhr", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10-16", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10 - 16 Uhr", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10:00 - 16:00", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10:00 – 16:00", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10:00—16:00", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10 Uhr bis 16 Uhr", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10:00 bis 16 Uhr", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09.2026 10.00-16.30", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14, 30)),
        ("29.09.2026 9:30-17 Uhr", utc(2026, 9, 29, 7, 30), utc(2026, 9, 29, 15)),
        ("  29.09.2026   10:00-16:00  ", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("2026-09-29 10:00-16:00", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        ("29.09. 10-16 Uhr", utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        # day words
        ("morgen 14-16 Uhr", utc(2026, 9, 21, 12), utc(2026, 9, 21, 14)),
        ("Morgen 14-16 UHR", utc(2026, 9, 21, 12), utc(2026, 9, 21, 14)),
        ("morgen um 10 bis 12", utc(2026, 9, 21, 8), utc(2026, 9, 21, 10)),
        ("heute 18 Uhr bis 20 Uhr", utc(2026, 9, 20, 16), utc(2026, 9, 20, 18)),
        ("tomorrow 2pm to 4pm", utc(2026, 9, 21, 12), utc(2026, 9, 21, 14)),
        ("in 2 Stunden bis 18 Uhr", utc(2026, 9, 20, 10), utc(2026, 9, 20, 16)),
        # over several days
        ("29.09. 10 Uhr bis 30.09. 16 Uhr", utc(2026, 9, 29, 8), utc(2026, 9, 30, 14)),
        ("29.09.2026 10:00 - 30.09.2026 12:00", utc(2026, 9, 29, 8), utc(2026, 9, 30, 10)),
        ("29.09.2026 22:00 bis 30.09.2026 02:00", utc(2026, 9, 29, 20), utc(2026, 9, 30, 0)),
        # a start alone lasts one hour
        ("29.09.2026 10:00", utc(2026, 9, 29, 8), utc(2026, 9, 29, 9)),
        ("morgen 14 Uhr", utc(2026, 9, 21, 12), utc(2026, 9, 21, 13)),
        ("29.09.2026 23:30", utc(2026, 9, 29, 21, 30), utc(2026, 9, 29, 22, 30)),
    ],
)
def test_parse_span_reads_start_and_end(
    text: str, starts_at: dt.datetime, ends_at: dt.datetime
) -> None:
    assert parse_span(text, NOW, BERLIN) == Span(starts_at, ends_at)


def test_parse_span_start_alone_lasts_the_default_duration() -> None:
    span = parse_span("29.09.2026 10:00", NOW, BERLIN)
    assert dt.timedelta(hours=1) == DEFAULT_DURATION
    assert span.ends_at - span.starts_at == DEFAULT_DURATION


def test_parse_span_returns_aware_utc_instants() -> None:
    span = parse_span("29.09.2026 10:00-16:00", NOW, BERLIN)
    assert span.starts_at.utcoffset() == dt.timedelta(0)
    assert span.ends_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("text", "start_wall", "end_wall"),
    [
        ("29.09.2026 16:00-10:00", "29.09.2026 16:00", "29.09.2026 10:00"),
        ("29.09.2026 10-10 Uhr", "29.09.2026 10:00", "29.09.2026 10:00"),
        ("29.09.2026 22-2 Uhr", "29.09.2026 22:00", "29.09.2026 02:00"),
        ("30.09.2026 10:00 bis 29.09.2026 12:00", "30.09.2026 10:00", "29.09.2026 12:00"),
        ("morgen 16 Uhr bis 15 Uhr", "21.09.2026 16:00", "21.09.2026 15:00"),
    ],
)
def test_parse_span_rejects_an_end_not_after_the_start(
    text: str, start_wall: str, end_wall: str
) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_span(text, NOW, BERLIN)
    assert caught.value.message is END_BEFORE_START
    # Both times written out in the reader's language (MESZ in German, CEST in English).
    german, english = caught.value.text("de"), caught.value.text("en")
    end_text, start_text = (
        "{}, {} Uhr (ME".format(*wall.split()) for wall in (end_wall, start_wall)
    )
    before, after = german.split("liegt nicht")
    assert end_text in before and start_text in after, german
    assert "Uhr" not in english and "(CEST)" in english, english


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("01.09.2026 10:00-16:00", PastTimeError),
        ("19.09.2026 10:00", PastTimeError),
        ("heute 9-11 Uhr", PastTimeError),
        # exactly now is not in the future either
        ("heute 10:00 - 12:00", PastTimeError),
        ("29.09.2026 10:00-25:00", ImpossibleTimeError),
        ("31.09.2026 10-12 Uhr", ImpossibleDateError),
        ("29.09.2026", MissingTimeError),
        ("bald", UnreadableTimeError),
        ("", UnreadableTimeError),
    ],
)
def test_parse_span_rejects_past_and_unreadable_times(
    text: str, error: type[TimePhraseError]
) -> None:
    with pytest.raises(error) as caught:
        parse_span(text, NOW, BERLIN)
    # Callers catch ConversionError: every time-phrase error must be one.
    assert isinstance(caught.value, ConversionError)


@pytest.mark.parametrize(
    ("text", "now", "starts_at", "ends_at", "real_length"),
    [
        # Spring forward (Sun 29.03.2026): 02:00-03:00 does not exist, 01:00-04:00 is 2 hours.
        (
            "29.03.2026 01:00-04:00",
            SPRING_NOW,
            utc(2026, 3, 29, 0),
            utc(2026, 3, 29, 2),
            dt.timedelta(hours=2),
        ),
        # Fall back (Sun 25.10.2026): 02:00-03:00 happens twice, 01:00-04:00 is 4 hours.
        (
            "25.10.2026 01:00-04:00",
            NOW,
            utc(2026, 10, 24, 23),
            utc(2026, 10, 25, 3),
            dt.timedelta(hours=4),
        ),
        # The skipped 02:30 moves forward by the gap to 03:30 CEST (local_to_utc, fold=0).
        (
            "29.03.2026 02:30",
            SPRING_NOW,
            utc(2026, 3, 29, 1, 30),
            utc(2026, 3, 29, 2, 30),
            dt.timedelta(hours=1),
        ),
        # The repeated 02:30 is its first occurrence, still CEST.
        (
            "25.10.2026 02:30",
            NOW,
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 25, 1, 30),
            dt.timedelta(hours=1),
        ),
    ],
)
def test_parse_span_on_daylight_saving_days(
    text: str,
    now: dt.datetime,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    real_length: dt.timedelta,
) -> None:
    span = parse_span(text, now, BERLIN)
    assert span == Span(starts_at, ends_at)
    assert span.ends_at - span.starts_at == real_length


def test_parse_span_skipped_hour_start_reads_as_half_past_three_summer_time() -> None:
    local = parse_span("29.03.2026 02:30", SPRING_NOW, BERLIN).starts_at.astimezone(BERLIN)
    assert (local.hour, local.minute) == (3, 30)
    assert local.tzname() == "CEST"
    assert local.utcoffset() == dt.timedelta(hours=2)


def test_a_change_of_the_start_alone_keeps_the_events_length() -> None:
    six_hours = dt.timedelta(hours=6)
    moved = parse_span("30.09.2026 09:00", NOW, BERLIN).keeping(six_hours)
    assert moved == Span(utc(2026, 9, 30, 7), utc(2026, 9, 30, 13))
    # A new end given with it wins.
    ranged = parse_span("30.09.2026 09:00-10:00", NOW, BERLIN).keeping(six_hours)
    assert ranged == Span(utc(2026, 9, 30, 7), utc(2026, 9, 30, 8))


# --------------------------------------------------------------------------------------------
# parse_details, new events
# --------------------------------------------------------------------------------------------

WORKSHOP = '"2. Transfer-Workshop Smart City Manager:in" 29.09.2026 10:00-16:00 ort "Potsdam"'
TOMORROW_14 = Span(utc(2026, 9, 21, 12), utc(2026, 9, 21, 13))


def new(text: str) -> EventDetails:
    return parse_details(text, NOW, BERLIN, new=True)


def change(text: str) -> EventDetails:
    return parse_details(text, NOW, BERLIN, new=False)


def test_parse_details_reads_the_product_example() -> None:
    assert new(WORKSHOP) == EventDetails(
        title="2. Transfer-Workshop Smart City Manager:in",
        span=Span(utc(2026, 9, 29, 8), utc(2026, 9, 29, 14)),
        place="Potsdam",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # German quotation marks
        (
            "„Sommerfest“ 29.09.2026 18-22 Uhr place „Park Babelsberg“",
            EventDetails(
                title="Sommerfest",
                span=Span(utc(2026, 9, 29, 16), utc(2026, 9, 29, 20)),
                place="Park Babelsberg",
            ),
        ),
        # a one-word title needs no quotes
        ("Stammtisch morgen 14 Uhr", EventDetails(title="Stammtisch", span=TOMORROW_14)),
        # a quoted time is still the time
        ('"T" "morgen 14 Uhr"', EventDetails(title="T", span=TOMORROW_14)),
        # unquoted values run until the next option word
        (
            '"T" morgen 14 Uhr ort Haus der Wirtschaft, Potsdam beschreibung Mit Essen und Kaffee',
            EventDetails(
                title="T",
                span=TOMORROW_14,
                place="Haus der Wirtschaft, Potsdam",
                description="Mit Essen und Kaffee",
            ),
        ),
        # a quoted value that looks like an option word stays a value
        (
            '"T" morgen 14 Uhr ort "online" beschreibung "ort"',
            EventDetails(title="T", span=TOMORROW_14, place="online", description="ort"),
        ),
        ('"ort" morgen 14 Uhr', EventDetails(title="ort", span=TOMORROW_14)),
        # option words in any case
        (
            '"T" morgen 14 Uhr ORT Potsdam',
            EventDetails(title="T", span=TOMORROW_14, place="Potsdam"),
        ),
        (
            '"T" morgen 14 Uhr location Potsdam',
            EventDetails(title="T", span=TOMORROW_14, place="Potsdam"),
        ),
        # links
        (
            '"T" morgen 14 Uhr online https://meet.example.org/x?a=1&b=2 agenda http://ex.org/a',
            EventDetails(
                title="T",
                span=TOMORROW_14,
                online_link="https://meet.example.org/x?a=1&b=2",
                agenda_link="http://ex.org/a",
            ),
        ),
        (
            '"T" morgen 14 Uhr link HTTPS://Meet.Example.org/Raum',
            EventDetails(title="T", span=TOMORROW_14, online_link="HTTPS://Meet.Example.org/Raum"),
        ),
        (
            '"T" morgen 14 Uhr description "Bitte\nanmelden"',
            EventDetails(title="T", span=TOMORROW_14, description="Bitte\nanmelden"),
        ),
        # rooms, reminders, flags
        (
            '"T" morgen 14 Uhr räume #a:example.org #b:example.org erinnerungen 1d 1h geschlossen',
            EventDetails(
                title="T",
                span=TOMORROW_14,
                rooms=["#a:example.org", "#b:example.org"],
                offsets=[DAY, HOUR],
                closed=True,
            ),
        ),
        (
            '"T" morgen 14 Uhr Räume #a:example.org',
            EventDetails(title="T", span=TOMORROW_14, rooms=["#a:example.org"]),
        ),
        (
            '"T" morgen 14 Uhr raeume #a:example.org reminders 7d,1d',
            EventDetails(
                title="T", span=TOMORROW_14, rooms=["#a:example.org"], offsets=[WEEK, DAY]
            ),
        ),
        (
            '"T" morgen 14 Uhr rooms !abc:example.org erinnerungen keine',
            EventDetails(title="T", span=TOMORROW_14, rooms=["!abc:example.org"], offsets=[]),
        ),
        ('"T" morgen 14 Uhr offen', EventDetails(title="T", span=TOMORROW_14, closed=False)),
        ('"T" morgen 14 Uhr closed', EventDetails(title="T", span=TOMORROW_14, closed=True)),
        ('"T" morgen 14 Uhr open', EventDetails(title="T", span=TOMORROW_14, closed=False)),
        # the same flag twice is no contradiction
        (
            '"T" morgen 14 Uhr geschlossen closed',
            EventDetails(title="T", span=TOMORROW_14, closed=True),
        ),
        # a flag in the middle does not swallow the next option
        (
            '"T" morgen 14 Uhr geschlossen ort Potsdam',
            EventDetails(title="T", span=TOMORROW_14, closed=True, place="Potsdam"),
        ),
    ],
)
def test_parse_details_new_event(text: str, expected: EventDetails) -> None:
    assert new(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "values"),
    [
        ("", TITLE_MISSING, {}),
        ("   ", TITLE_MISSING, {}),
        ('ort "Potsdam"', TITLE_MISSING, {}),
        ("ort Potsdam morgen 14 Uhr", TITLE_MISSING, {}),
        ('"Titel"', WHEN_MISSING, {}),
        ('"Titel" ort "Potsdam"', WHEN_MISSING, {}),
        ('"Titel" geschlossen', WHEN_MISSING, {}),
        ('"T" morgen 14 Uhr geschlossen offen', BOTH_FLAGS, {}),
        ('"T" morgen 14 Uhr closed open', BOTH_FLAGS, {}),
        # titel and zeit belong to changes only
        ('"T" morgen 14 Uhr titel X', UNKNOWN_WORD, {"word": "titel"}),
        ('"T" morgen 14 Uhr zeit morgen 15 Uhr', UNKNOWN_WORD, {"word": "zeit"}),
        ('"T" morgen 14 Uhr ort', EMPTY_VALUE, {"word": "ort"}),
        ('"T" morgen 14 Uhr ort ""', EMPTY_VALUE, {"word": "ort"}),
        ('"T" morgen 14 Uhr ort beschreibung X', EMPTY_VALUE, {"word": "ort"}),
        ('"T" morgen 14 Uhr online example.org', BAD_URL, {"value": "example.org"}),
        ('"T" morgen 14 Uhr online ftp://example.org', BAD_URL, {"value": "ftp://example.org"}),
        ('"T" morgen 14 Uhr link https://', BAD_URL, {"value": "https://"}),
        ('"T" morgen 14 Uhr agenda www.example.org', BAD_URL, {"value": "www.example.org"}),
        # a link with a space is two words, and no link
        (
            '"T" morgen 14 Uhr online "https://a.org/x y"',
            BAD_URL,
            {"value": "https://a.org/x y"},
        ),
        ('"T" morgen 14 Uhr online https://a.org/"x"', BAD_URL, {"value": 'https://a.org/"x"'}),
        ('"T" morgen 14 Uhr erinnerungen bald', BAD_OFFSET, {"value": "bald"}),
        ('"T" morgen 14 Uhr erinnerungen 2 Wochen', BAD_OFFSET, {"value": "2"}),
    ],
)
def test_parse_details_new_event_errors(text: str, message: object, values: dict) -> None:
    with pytest.raises(ConversionError) as caught:
        new(text)
    assert caught.value.message is message
    assert caught.value.values == values


@pytest.mark.parametrize(
    "text",
    [
        # a word after the time that is no option word ends up in the time phrase
        '"T" morgen 14 Uhr foo',
        '"T" morgen 14 Uhr foo ort Potsdam',
        '"T" 29.09.2026 16:00-10:00',
        '"T" 01.09.2026 10:00-16:00',
        '"T morgen 14 Uhr',
        '"T" morgen 14 Uhr ort "Potsdam',
        '"" morgen 14 Uhr',
    ],
)
def test_parse_details_new_event_rejects_bad_input(text: str) -> None:
    with pytest.raises(ConversionError):
        new(text)


def test_parse_details_unclosed_quote_names_the_rest() -> None:
    with pytest.raises(ConversionError) as caught:
        new('"T" morgen 14 Uhr ort „Potsdam')
    assert caught.value.values == {"rest": "„Potsdam"}


@pytest.mark.parametrize(
    ("field_text", "field", "limit"),
    [
        ('"{}" morgen 14 Uhr', "Der Titel", 200),
        ('"T" morgen 14 Uhr ort "{}"', "Der Ort", 200),
        ('"T" morgen 14 Uhr beschreibung "{}"', "Die Beschreibung", 2000),
    ],
)
def test_parse_details_limits_field_lengths(field_text: str, field: str, limit: int) -> None:
    assert new(field_text.format("x" * limit)) is not None
    with pytest.raises(ConversionError) as caught:
        new(field_text.format("x" * (limit + 1)))
    assert caught.value.message is TOO_LONG_FIELD
    assert caught.value.text("de") == f"{field} ist {limit + 1} Zeichen lang; erlaubt sind {limit}."


@pytest.mark.parametrize(
    ("field_text", "limit", "english"),
    [
        ('"{}" morgen 14 Uhr', 200, "The title is 201 characters long; the limit is 200."),
        ('"T" morgen 14 Uhr ort "{}"', 200, "The place is 201 characters long; the limit is 200."),
        (
            '"T" morgen 14 Uhr beschreibung "{}"',
            2000,
            "The description is 2001 characters long; the limit is 2000.",
        ),
    ],
)
def test_too_long_field_error_in_english_names_the_field_in_english(
    field_text: str, limit: int, english: str
) -> None:
    with pytest.raises(ConversionError) as caught:
        new(field_text.format("x" * (limit + 1)))
    assert caught.value.text("en") == english


# --------------------------------------------------------------------------------------------
# parse_details, changes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('titel "Neuer Titel"', EventDetails(title="Neuer Titel")),
        ("title Neuer Stammtisch", EventDetails(title="Neuer Stammtisch")),
        (
            "zeit 30.09.2026 10:00-16:00",
            EventDetails(span=Span(utc(2026, 9, 30, 8), utc(2026, 9, 30, 14))),
        ),
        ("time morgen 14 Uhr", EventDetails(span=TOMORROW_14)),
        (
            'titel „Neu“ zeit 30.09.2026 10-12 Uhr ort "Cottbus"',
            EventDetails(
                title="Neu",
                span=Span(utc(2026, 9, 30, 8), utc(2026, 9, 30, 10)),
                place="Cottbus",
            ),
        ),
        # "keine" / "none" / "-" clear a field
        ("ort keine", EventDetails(cleared={"place"})),
        ("place none", EventDetails(cleared={"place"})),
        ("online -", EventDetails(cleared={"online_link"})),
        ("agenda Keine", EventDetails(cleared={"agenda_link"})),
        ("beschreibung NONE", EventDetails(cleared={"description"})),
        (
            "ort keine online none agenda - beschreibung keine",
            EventDetails(cleared={"place", "online_link", "agenda_link", "description"}),
        ),
        ("erinnerungen keine", EventDetails(offsets=[])),
        ("erinnerungen 2d 2h", EventDetails(offsets=[2 * DAY, 2 * HOUR])),
        ("offen", EventDetails(closed=False)),
        ("geschlossen", EventDetails(closed=True)),
        ("rooms #x:example.org", EventDetails(rooms=["#x:example.org"])),
        # nothing at all
        ("", EventDetails()),
        ("   ", EventDetails()),
    ],
)
def test_parse_details_change(text: str, expected: EventDetails) -> None:
    assert change(text) == expected


@pytest.mark.parametrize(
    ("text", "empty"),
    [
        ("", True),
        ("  ", True),
        ("ort keine", False),
        ("erinnerungen keine", False),
        ("offen", False),
        ('titel "X"', False),
    ],
)
def test_event_details_is_empty(text: str, empty: bool) -> None:
    assert change(text).is_empty() is empty


@pytest.mark.parametrize(
    ("text", "message", "values"),
    [
        ("foo ort X", UNKNOWN_WORD, {"word": "foo"}),
        ("Potsdam", UNKNOWN_WORD, {"word": "Potsdam"}),
        # a quoted option word is a value, and a value cannot come first
        ('"ort" Potsdam', UNKNOWN_WORD, {"word": "ort"}),
        ("titel", EMPTY_VALUE, {"word": "titel"}),
        ('titel ""', EMPTY_VALUE, {"word": "titel"}),
        ("zeit", EMPTY_VALUE, {"word": "zeit"}),
        ("offen geschlossen", BOTH_FLAGS, {}),
        # an unquoted title ends at an option word: "Titel" is one
        ("title Neuer Titel", EMPTY_VALUE, {"word": "Titel"}),
        ("online keine-url", BAD_URL, {"value": "keine-url"}),
    ],
)
def test_parse_details_change_errors(text: str, message: object, values: dict) -> None:
    with pytest.raises(ConversionError) as caught:
        change(text)
    assert caught.value.message is message
    assert caught.value.values == values


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("zeit keine", TimePhraseError),
        ("zeit 01.09.2026 10:00", PastTimeError),
        ("zeit 30.09.2026 16:00-10:00", ConversionError),
    ],
)
def test_parse_details_change_reads_the_time_strictly(
    text: str, error: type[ConversionError]
) -> None:
    with pytest.raises(error):
        change(text)


# --------------------------------------------------------------------------------------------
# parse_offsets
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["7d", "1d", "1h"], [WEEK, DAY, HOUR]),
        (["7d,1d,1h"], [WEEK, DAY, HOUR]),
        (["7d,", "1d", ",1h"], [WEEK, DAY, HOUR]),
        (["30min"], [30 * MINUTE]),
        (["30m"], [30 * MINUTE]),
        (["45minuten"], [45 * MINUTE]),
        (["45minutes"], [45 * MINUTE]),
        (["1minute"], [MINUTE]),
        (["2h"], [2 * HOUR]),
        (["2std"], [2 * HOUR]),
        (["1stunde"], [HOUR]),
        (["3stunden"], [3 * HOUR]),
        (["2hours"], [2 * HOUR]),
        (["1hour"], [HOUR]),
        (["3t"], [3 * DAY]),
        (["1tag"], [DAY]),
        (["3tage"], [3 * DAY]),
        (["3tagen"], [3 * DAY]),
        (["2days"], [2 * DAY]),
        (["1day"], [DAY]),
        (["1w"], [WEEK]),
        (["1wo"], [WEEK]),
        (["1woche"], [WEEK]),
        (["2wochen"], [2 * WEEK]),
        (["2weeks"], [2 * WEEK]),
        # upper case, and a space inside one token (a quoted value)
        (["1D", "2H", "30MIN"], [DAY, 2 * HOUR, 30 * MINUTE]),
        (["2 Wochen"], [2 * WEEK]),
        (["1 Tag"], [DAY]),
        # none
        (["keine"], []),
        (["none"], []),
        (["-"], []),
        (["KEINE"], []),
        ([], []),
        ([","], []),
        # duplicates go, the largest comes first
        (["1d", "24h"], [DAY]),
        (["1h", "1h", "60min"], [HOUR]),
        (["1h", "7d", "1d"], [WEEK, DAY, HOUR]),
        (["30min", "2h", "1w", "3d"], [WEEK, 3 * DAY, 2 * HOUR, 30 * MINUTE]),
        # limits: six distinct offsets and 90 days are allowed
        (
            ["6d", "5d", "4d", "3d", "2d", "1d"],
            [6 * DAY, 5 * DAY, 4 * DAY, 3 * DAY, 2 * DAY, DAY],
        ),
        (
            ["1d", "24h", "2d", "3d", "4d", "5d", "6d"],
            [6 * DAY, 5 * DAY, 4 * DAY, 3 * DAY, 2 * DAY, DAY],
        ),
        (["90d"], [90 * DAY]),
        (["12w"], [12 * WEEK]),
        (["999min"], [999 * MINUTE]),
    ],
)
def test_parse_offsets(words: list[str], expected: list[int]) -> None:
    assert parse_offsets(words) == expected


@pytest.mark.parametrize(
    ("words", "bad"),
    [
        (["0d"], "0d"),
        (["1d", "0h"], "0h"),
        (["00min"], "00min"),
        (["2", "Wochen"], "2"),
        (["soon"], "soon"),
        (["1x"], "1x"),
        (["d1"], "d1"),
        (["1s"], "1s"),
        (["1mo"], "1mo"),
        (["1.5h"], "1.5h"),
        (["-1d"], "-1d"),
        (["1000d"], "1000d"),
        (["1d", "morgen"], "morgen"),
        (["keine", "1d"], "keine"),
        (["none", "none"], "none"),
    ],
)
def test_parse_offsets_rejects_garbage(words: list[str], bad: str) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_offsets(words)
    assert caught.value.message is BAD_OFFSET
    assert caught.value.values == {"value": bad}


@pytest.mark.parametrize(
    "words",
    [
        ["7d", "6d", "5d", "4d", "3d", "2d", "1d"],
        ["1h,2h,3h,4h,5h,6h,7h"],
        ["91d"],
        ["13w"],
        ["1d", "100d"],
    ],
)
def test_parse_offsets_rejects_too_many_or_too_far(words: list[str]) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_offsets(words)
    assert caught.value.message is TOO_MANY_OFFSETS
    assert caught.value.values == {"limit": 6, "days": 90}


# --------------------------------------------------------------------------------------------
# answers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ja", YES),
        ("JA", YES),
        (" Ja ", YES),
        ("yes", YES),
        ("y", YES),
        ("Zusage", YES),
        ("nein", NO),
        ("no", NO),
        ("n", NO),
        ("absage", NO),
        ("vielleicht", MAYBE),
        ("maybe", MAYBE),
        ("evtl", MAYBE),
        ("evtl.", MAYBE),
        ("jein", None),
        ("ok", None),
        ("", None),
        ("ja bitte", None),
    ],
)
def test_parse_answer(word: str, expected: str | None) -> None:
    assert parse_answer(word) == expected


VS16 = "\ufe0f"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("✅", YES),
        ("✅" + VS16, YES),
        ("✔", YES),
        ("✔" + VS16, YES),
        ("👍", YES),
        ("👍" + VS16, YES),
        (" ✅ ", YES),
        ("❌", NO),
        ("❌" + VS16, NO),
        ("✖" + VS16, NO),
        ("👎", NO),
        ("👎" + VS16, NO),
        ("❔", MAYBE),
        ("❔" + VS16, MAYBE),
        ("❓", MAYBE),
        ("❓" + VS16, MAYBE),
        ("🤔", MAYBE),
        ("🎉", None),
        ("❤️", None),
        ("ja", None),
        ("", None),
        (VS16, None),
    ],
)
def test_reaction_answer(key: str, expected: str | None) -> None:
    assert reaction_answer(key) == expected


def test_reaction_answer_heavy_multiplication_x_without_variation_selector_is_no() -> None:
    # "✖️" (with U+FE0F) counts as no; the docstring says the selector does not matter.
    assert reaction_answer("✖" + VS16) == NO
    assert reaction_answer("✖") == NO


# --------------------------------------------------------------------------------------------
# plan_reminders and plan_notices
# --------------------------------------------------------------------------------------------

# Tuesday, 29 September 2026, 10:00 in Berlin.
STARTS = utc(2026, 9, 29, 8)


def test_plan_reminders_one_reminder_per_room_and_one_nudge_per_offset() -> None:
    plans = plan_reminders(STARTS, [WEEK, DAY, HOUR], ["!a:x.org", "!b:x.org"], NOW, BERLIN)
    assert plans == [
        PostPlan(REMINDER, WEEK, "!a:x.org", utc(2026, 9, 22, 8)),
        PostPlan(REMINDER, WEEK, "!b:x.org", utc(2026, 9, 22, 8)),
        PostPlan(NUDGE, WEEK, "", utc(2026, 9, 22, 8)),
        PostPlan(REMINDER, DAY, "!a:x.org", utc(2026, 9, 28, 8)),
        PostPlan(REMINDER, DAY, "!b:x.org", utc(2026, 9, 28, 8)),
        PostPlan(NUDGE, DAY, "", utc(2026, 9, 28, 8)),
        PostPlan(REMINDER, HOUR, "!a:x.org", utc(2026, 9, 29, 7)),
        PostPlan(REMINDER, HOUR, "!b:x.org", utc(2026, 9, 29, 7)),
        PostPlan(NUDGE, HOUR, "", utc(2026, 9, 29, 7)),
    ]


@pytest.mark.parametrize(
    ("now", "offsets_left"),
    [
        (NOW, [WEEK, DAY, HOUR]),
        # due exactly now counts as past
        (utc(2026, 9, 22, 8), [DAY, HOUR]),
        (utc(2026, 9, 22, 7, 59, 59), [WEEK, DAY, HOUR]),
        (utc(2026, 9, 28, 12), [HOUR]),
        (utc(2026, 9, 29, 7, 30), []),
        (utc(2026, 9, 30), []),
    ],
)
def test_plan_reminders_leaves_out_offsets_already_past(
    now: dt.datetime, offsets_left: list[int]
) -> None:
    plans = plan_reminders(STARTS, [WEEK, DAY, HOUR], ["!a:x.org"], now, BERLIN)
    assert [plan.key for plan in plans if plan.kind == NUDGE] == offsets_left
    assert [plan.key for plan in plans if plan.kind == REMINDER] == offsets_left
    assert all(plan.due > now for plan in plans)
    assert all(plan.due == STARTS - dt.timedelta(seconds=plan.key) for plan in plans)


def test_plan_reminders_without_rooms_still_nudges() -> None:
    assert plan_reminders(STARTS, [DAY], [], NOW, BERLIN) == [
        PostPlan(NUDGE, DAY, "", utc(2026, 9, 28, 8))
    ]


def test_plan_reminders_without_offsets_plans_nothing() -> None:
    assert plan_reminders(STARTS, [], ["!a:x.org"], NOW, BERLIN) == []


@pytest.mark.parametrize("kind", [ANNOUNCE, UPDATE, CANCEL])
def test_plan_notices_one_post_per_room_due_now(kind: str) -> None:
    assert plan_notices(kind, 4, ["!a:x.org", "!b:x.org"], NOW) == [
        PostPlan(kind, 4, "!a:x.org", NOW),
        PostPlan(kind, 4, "!b:x.org", NOW),
    ]


def test_plan_notices_without_rooms_plans_nothing() -> None:
    assert plan_notices(ANNOUNCE, 0, [], NOW) == []


# --------------------------------------------------------------------------------------------
# countdown and describe_offset
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "german", "english"),
    [
        (3 * DAY + 4 * HOUR, "beginnt in 3 Tagen und 4 Stunden", "starts in 3 days and 4 hours"),
        (DAY, "beginnt in 1 Tag", "starts in 1 day"),
        # to the nearest minute: just under or over a day is still a day
        (86399.8, "beginnt in 1 Tag", "starts in 1 day"),
        (DAY - 20, "beginnt in 1 Tag", "starts in 1 day"),
        (DAY + 0.4, "beginnt in 1 Tag", "starts in 1 day"),
        (DAY + 2 * HOUR, "beginnt in 1 Tag und 2 Stunden", "starts in 1 day and 2 hours"),
        (2 * DAY + HOUR, "beginnt in 2 Tagen und 1 Stunde", "starts in 2 days and 1 hour"),
        # two units at most, and none after a zero unit
        (
            3 * DAY + 4 * HOUR + 59 * MINUTE,
            "beginnt in 3 Tagen und 4 Stunden",
            "starts in 3 days and 4 hours",
        ),
        (2 * DAY + 30 * MINUTE, "beginnt in 2 Tagen", "starts in 2 days"),
        (HOUR + MINUTE, "beginnt in 1 Stunde und 1 Minute", "starts in 1 hour and 1 minute"),
        (2 * HOUR, "beginnt in 2 Stunden", "starts in 2 hours"),
        (
            2 * HOUR + 30 * MINUTE,
            "beginnt in 2 Stunden und 30 Minuten",
            "starts in 2 hours and 30 minutes",
        ),
        (45 * MINUTE, "beginnt in 45 Minuten", "starts in 45 minutes"),
        (MINUTE, "beginnt in 1 Minute", "starts in 1 minute"),
        # less than half a minute still says a minute, never "0"
        (10, "beginnt in 1 Minute", "starts in 1 minute"),
        # weeks are counted in days
        (10 * DAY, "beginnt in 10 Tagen", "starts in 10 days"),
        (WEEK, "beginnt in 7 Tagen", "starts in 7 days"),
    ],
)
def test_countdown_before_the_start(seconds: float, german: str, english: str) -> None:
    starts_at = NOW + dt.timedelta(seconds=seconds)
    ends_at = starts_at + dt.timedelta(hours=2)
    assert countdown(starts_at, ends_at, NOW, "de") == german
    assert countdown(starts_at, ends_at, NOW, "en") == english


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "german", "english"),
    [
        (
            NOW - dt.timedelta(hours=1),
            NOW + dt.timedelta(hours=2, minutes=30),
            "läuft gerade, endet in 2 Stunden und 30 Minuten",
            "is on now, ends in 2 hours and 30 minutes",
        ),
        # at the very start it is running
        (
            NOW,
            NOW + dt.timedelta(hours=1),
            "läuft gerade, endet in 1 Stunde",
            "is on now, ends in 1 hour",
        ),
        (
            NOW - dt.timedelta(days=1),
            NOW + dt.timedelta(days=2),
            "läuft gerade, endet in 2 Tagen",
            "is on now, ends in 2 days",
        ),
        # at the end and after it, it is over
        (NOW - dt.timedelta(hours=2), NOW, "ist vorbei", "is over"),
        (NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=2), "ist vorbei", "is over"),
    ],
)
def test_countdown_running_and_over(
    starts_at: dt.datetime, ends_at: dt.datetime, german: str, english: str
) -> None:
    assert countdown(starts_at, ends_at, NOW, "de") == german
    assert countdown(starts_at, ends_at, NOW, "en") == english


@pytest.mark.parametrize(
    ("seconds", "german", "english"),
    [
        (WEEK, "1 Woche", "1 week"),
        (2 * WEEK, "2 Wochen", "2 weeks"),
        (DAY, "1 Tag", "1 day"),
        (2 * DAY, "2 Tage", "2 days"),
        (8 * DAY, "8 Tage", "8 days"),
        (HOUR, "1 Stunde", "1 hour"),
        (2 * HOUR, "2 Stunden", "2 hours"),
        (36 * HOUR, "36 Stunden", "36 hours"),
        (5400, "90 Minuten", "90 minutes"),
        (MINUTE, "1 Minute", "1 minute"),
        (30 * MINUTE, "30 Minuten", "30 minutes"),
    ],
)
def test_describe_offset(seconds: int, german: str, english: str) -> None:
    assert describe_offset(seconds, "de") == german
    assert describe_offset(seconds, "en") == english


@pytest.mark.parametrize("words", [["7d", "1d", "1h"], ["2 Wochen", "90min", "36h"]])
def test_describe_offset_names_every_parsed_offset(words: list[str]) -> None:
    for offset in parse_offsets(words):
        number, unit = describe_offset(offset, "de").split(" ")
        assert int(number) > 0
        assert unit in {"Woche", "Wochen", "Tag", "Tage", "Stunde", "Stunden", "Minuten", "Minute"}


@pytest.mark.parametrize(
    ("starts", "offset", "due"),
    [
        # Sunday 29.03.2026 is the spring change: a week and a day before are still CET (+1).
        pytest.param(utc(2026, 3, 30, 8), 7 * DAY, utc(2026, 3, 23, 9), id="week-over-spring"),
        pytest.param(utc(2026, 3, 30, 8), DAY, utc(2026, 3, 29, 8), id="day-after-spring-change"),
        pytest.param(utc(2026, 3, 29, 8), DAY, utc(2026, 3, 28, 9), id="day-over-spring"),
        # Sunday 25.10.2026 is the autumn change: the day before is still CEST (+2).
        pytest.param(utc(2026, 10, 26, 9), DAY, utc(2026, 10, 25, 9), id="day-after-autumn"),
        pytest.param(utc(2026, 10, 25, 9), DAY, utc(2026, 10, 24, 8), id="day-over-autumn"),
        # Hours are exact: 1 hour before a start just after the spring change.
        pytest.param(utc(2026, 3, 29, 1, 30), HOUR, utc(2026, 3, 29, 0, 30), id="hour-exact"),
    ],
)
def test_reminder_days_before_keep_the_wall_time_across_dst(
    starts: dt.datetime, offset: int, due: dt.datetime
) -> None:
    assert reminder_due(starts, offset, BERLIN) == due
    start_local = starts.astimezone(BERLIN)
    if offset % DAY == 0:
        due_local = due.astimezone(BERLIN)
        assert (due_local.hour, due_local.minute) == (start_local.hour, start_local.minute)


def test_an_unquoted_description_takes_the_rest_of_the_line() -> None:
    details = parse_details(
        '"T" morgen 14 Uhr ort Potsdam beschreibung Die Tür ist offen, ort: Foyer',
        NOW,
        BERLIN,
        new=True,
    )
    assert details.description == "Die Tür ist offen, ort: Foyer"
    assert details.place == "Potsdam"
    assert details.closed is None


def test_a_quoted_description_leaves_room_for_more_options() -> None:
    details = parse_details('"T" morgen 14 Uhr beschreibung "Kurz" offen', NOW, BERLIN, new=True)
    assert (details.description, details.closed) == ("Kurz", False)


def test_a_link_longer_than_the_column_is_refused() -> None:
    link = "https://example.org/" + "a" * 1000
    with pytest.raises(ConversionError) as caught:
        parse_details(f'"T" morgen 14 Uhr agenda {link}', NOW, BERLIN, new=True)
    assert caught.value.text("en") == f"The link is {len(link)} characters long; the limit is 1000."


# --------------------------------------------------------------------------------------------
# what_changed: what a change notice reports
# --------------------------------------------------------------------------------------------


def _stored_event(**values: object) -> Event:
    defaults: dict[str, object] = {
        "title": "Workshop",
        "starts_at": dt.datetime(2026, 9, 29, 8, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2026, 9, 29, 14, tzinfo=dt.UTC),
        "place": "Potsdam",
        "online_link": None,
        "agenda_link": None,
        "description": "Alt",
        "closed": True,
        "reminder_offsets": [86400],
        "room_ids": ["!a:example.org"],
    }
    return Event(**(defaults | values))


def test_what_changed_reports_before_and_after_in_json_values() -> None:
    before = _stored_event()
    changes = what_changed(
        before,
        {
            "place": "Cottbus",
            "starts_at": dt.datetime(2026, 9, 30, 12, tzinfo=dt.UTC),
            "ends_at": dt.datetime(2026, 9, 30, 14, tzinfo=dt.UTC),
            "online_link": "https://meet.example.org/x",
            "reminder_offsets": [3600],
            "room_ids": ["!b:example.org"],
        },
    )
    assert changes == {
        "time": [
            ["2026-09-29T08:00:00+00:00", "2026-09-29T14:00:00+00:00"],
            ["2026-09-30T12:00:00+00:00", "2026-09-30T14:00:00+00:00"],
        ],
        "place": ["Potsdam", "Cottbus"],
        "online_link": [None, "https://meet.example.org/x"],
        "reminder_offsets": [[86400], [3600]],
    }
    assert list(changes) == ["time", "place", "online_link", "reminder_offsets"]


def test_what_changed_leaves_out_what_stays_the_same() -> None:
    before = _stored_event()
    same = {
        "place": "Potsdam",
        "title": "Workshop",
        "starts_at": before.starts_at,
        "ends_at": before.ends_at,
        "closed": True,
    }
    assert what_changed(before, same) == {}


def test_what_changed_notes_a_cleared_field_and_a_new_end_alone() -> None:
    before = _stored_event()
    changes = what_changed(
        before, {"description": None, "ends_at": dt.datetime(2026, 9, 29, 15, tzinfo=dt.UTC)}
    )
    assert changes == {
        "time": [
            ["2026-09-29T08:00:00+00:00", "2026-09-29T14:00:00+00:00"],
            ["2026-09-29T08:00:00+00:00", "2026-09-29T15:00:00+00:00"],
        ],
        "description": ["Alt", None],
    }
