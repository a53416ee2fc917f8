"""Time phrases in German and English against a fixed clock, including daylight saving."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from commands.core.converters import ConversionError
from commands.core.time_phrases import (
    AmbiguousTimeError,
    BareNumberError,
    ImpossibleDateError,
    ImpossibleTimeError,
    MissingTimeError,
    PastTimeError,
    TimePhraseError,
    UnreadableTimeError,
    WeekdayMismatchError,
    format_when,
    local_to_utc,
    parse_when,
    read_time_of_day,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday, 27 September 2026, 10:00 in Berlin (CEST).
NOW = dt.datetime(2026, 9, 27, 8, 0, tzinfo=dt.UTC)


def berlin(text: str) -> dt.datetime:
    """A Berlin wall time "YYYY-MM-DD HH:MM" as the UTC instant it stands for."""
    return local_to_utc(dt.datetime.fromisoformat(text), BERLIN)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # absolute
        ("29.09.2026 10:00", "2026-09-29 10:00"),
        ("29.09.2026 10 Uhr", "2026-09-29 10:00"),
        ("29.09.26 10 Uhr", "2026-09-29 10:00"),
        ("am 29.09.2026 um 10 Uhr", "2026-09-29 10:00"),
        ("29.09. 10 Uhr", "2026-09-29 10:00"),
        ("29.09. 10:00", "2026-09-29 10:00"),
        ("2026-09-29 10:00", "2026-09-29 10:00"),
        ("2026-09-29T10:00", "2026-09-29 10:00"),
        ("2026-09-29T10:00:00", "2026-09-29 10:00"),
        ("29. September 2026 10 Uhr", "2026-09-29 10:00"),
        ("29 Sep 2026 10:00", "2026-09-29 10:00"),
        ("Sep 29 2026 10:00", "2026-09-29 10:00"),
        ("1. Oktober 14 Uhr", "2026-10-01 14:00"),
        ("Mo., 28.09.2026, 09:00 Uhr", "2026-09-28 09:00"),
        ("10 Uhr am 29.09.", "2026-09-29 10:00"),
        ("29.02. 10 Uhr", "2028-02-29 10:00"),
        # words, German
        ("heute 18 Uhr", "2026-09-27 18:00"),
        ("heute um 18:30", "2026-09-27 18:30"),
        ("morgen 9 Uhr", "2026-09-28 09:00"),
        ("morgen um 9", "2026-09-28 09:00"),
        ("morgen 9:00", "2026-09-28 09:00"),
        ("Morgen 9.30 Uhr", "2026-09-28 09:30"),
        ("morgen 14 Uhr 30", "2026-09-28 14:30"),
        ("übermorgen 18 Uhr", "2026-09-29 18:00"),
        ("uebermorgen 18 Uhr", "2026-09-29 18:00"),
        ("u\u0308bermorgen 18 Uhr", "2026-09-29 18:00"),
        ("nächsten Montag 8 Uhr", "2026-09-28 08:00"),
        ("naechsten Montag 8 Uhr", "2026-09-28 08:00"),
        ("NÄCHSTEN MONTAG 8 UHR", "2026-09-28 08:00"),
        ("Montag 8 Uhr", "2026-09-28 08:00"),
        ("am Montag um 9", "2026-09-28 09:00"),
        ("Mo 8 Uhr", "2026-09-28 08:00"),
        ("Di 8 Uhr", "2026-09-29 08:00"),
        ("Mi 8 Uhr", "2026-09-30 08:00"),
        ("Do 8 Uhr", "2026-10-01 08:00"),
        ("Fr. 8 Uhr", "2026-10-02 08:00"),
        ("Sa 8 Uhr", "2026-10-03 08:00"),
        ("So 12 Uhr", "2026-09-27 12:00"),  # today, still ahead
        ("So 9 Uhr", "2026-10-04 09:00"),  # today's 9:00 has passed
        ("nächsten Sonntag 12 Uhr", "2026-10-04 12:00"),  # "nächsten": never today
        ("in 3 Tagen um 9 Uhr", "2026-09-30 09:00"),
        ("in einer Woche 9 Uhr", "2026-10-04 09:00"),
        # words, English
        ("today 6pm", "2026-09-27 18:00"),
        ("tomorrow 9:00", "2026-09-28 09:00"),
        ("tomorrow at 9am", "2026-09-28 09:00"),
        ("9am tomorrow", "2026-09-28 09:00"),
        ("the day after tomorrow 6 pm", "2026-09-29 18:00"),
        ("next friday 14:00", "2026-10-02 14:00"),
        ("friday 2pm", "2026-10-02 14:00"),
        ("on friday at 2 p.m.", "2026-10-02 14:00"),
        ("next sunday 12:00", "2026-10-04 12:00"),
        # a time alone: today if still ahead, else tomorrow
        ("9 Uhr", "2026-09-28 09:00"),
        ("9:30 Uhr", "2026-09-28 09:30"),
        ("9.30 Uhr", "2026-09-28 09:30"),
        ("09:30", "2026-09-28 09:30"),
        ("um 9", "2026-09-28 09:00"),
        ("9am", "2026-09-28 09:00"),
        ("2pm", "2026-09-27 14:00"),
        ("12am", "2026-09-28 00:00"),
        ("12pm", "2026-09-27 12:00"),
        ("11:00", "2026-09-27 11:00"),
        ("0:00 Uhr", "2026-09-28 00:00"),
    ],
)
def test_reads_a_phrase_as_a_berlin_wall_time(phrase: str, expected: str) -> None:
    instant = parse_when(phrase, NOW, BERLIN)
    assert instant == berlin(expected)
    assert instant.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("phrase", "span"),
    [
        ("in 2 Stunden", dt.timedelta(hours=2)),
        ("in 1 Stunde", dt.timedelta(hours=1)),
        ("in einer Stunde", dt.timedelta(hours=1)),
        ("in 30 Minuten", dt.timedelta(minutes=30)),
        ("in 3 Tagen", dt.timedelta(days=3)),
        ("in 1 Woche", dt.timedelta(weeks=1)),
        ("in 2 Stunden und 30 Minuten", dt.timedelta(hours=2, minutes=30)),
        ("in 2 hours", dt.timedelta(hours=2)),
        ("in an hour", dt.timedelta(hours=1)),
        ("in 45 minutes", dt.timedelta(minutes=45)),
        ("in 3 days", dt.timedelta(days=3)),
        ("in 1 week", dt.timedelta(weeks=1)),
        ("in 90min", dt.timedelta(minutes=90)),
        ("in 2h", dt.timedelta(hours=2)),
    ],
)
def test_relative_phrases_are_exact_spans_from_now(phrase: str, span: dt.timedelta) -> None:
    assert parse_when(phrase, NOW.replace(second=17), BERLIN) == NOW.replace(second=17) + span


def test_relative_days_are_exact_hours_across_a_clock_change() -> None:
    before_change = dt.datetime(2026, 10, 24, 8, tzinfo=dt.UTC)  # Saturday 10:00 CEST
    instant = parse_when("in 1 Tag", before_change, BERLIN)
    assert instant == before_change + dt.timedelta(hours=24)
    assert instant.astimezone(BERLIN).hour == 9  # the wall clock moved back an hour


def test_iso_with_an_offset_keeps_the_offset() -> None:
    assert parse_when("2026-09-29T10:00Z", NOW, BERLIN) == dt.datetime(
        2026, 9, 29, 10, tzinfo=dt.UTC
    )
    assert parse_when("2026-09-29T10:00+05:30", NOW, BERLIN) == dt.datetime(
        2026, 9, 29, 4, 30, tzinfo=dt.UTC
    )


class TestDateparserFailuresDoNotLeak:
    """dateparser 1.5 gets these wrong (shared/README.md); we must not."""

    def test_morgen_9_uhr_keeps_the_hour(self) -> None:
        assert parse_when("morgen 9 Uhr", NOW, BERLIN).astimezone(BERLIN).hour == 9

    def test_9_uhr_is_a_time_not_a_day_of_the_month(self) -> None:
        assert parse_when("9 Uhr", NOW, BERLIN) == berlin("2026-09-28 09:00")

    def test_naechsten_montag_8_uhr_is_read(self) -> None:
        assert parse_when("nächsten Montag 8 Uhr", NOW, BERLIN) == berlin("2026-09-28 08:00")


@pytest.mark.parametrize(
    ("phrase", "now_local", "expected"),
    [
        # a date without a year that has passed this year is next year's
        ("29.09. 10 Uhr", "2026-09-29 12:00", "2027-09-29 10:00"),
        ("29.09. 10 Uhr", "2026-09-29 09:00", "2026-09-29 10:00"),
        # a weekday without "nächsten" is today while its time is ahead
        ("Montag 8 Uhr", "2026-09-28 07:00", "2026-09-28 08:00"),
        ("Montag 8 Uhr", "2026-09-28 09:00", "2026-10-05 08:00"),
        ("nächsten Montag 8 Uhr", "2026-09-28 07:00", "2026-10-05 08:00"),
        ("next monday 8:00", "2026-09-28 07:00", "2026-10-05 08:00"),
        ("monday 8am", "2026-09-28 07:00", "2026-09-28 08:00"),
        ("9 Uhr", "2026-09-28 08:59", "2026-09-28 09:00"),
        ("9 Uhr", "2026-09-28 09:00", "2026-09-29 09:00"),
        ("heute 23:59", "2026-12-31 23:00", "2026-12-31 23:59"),
        ("morgen 0:30", "2026-12-31 23:00", "2027-01-01 00:30"),
    ],
)
def test_depends_on_the_clock(phrase: str, now_local: str, expected: str) -> None:
    assert parse_when(phrase, berlin(now_local), BERLIN) == berlin(expected)


class TestDaylightSaving:
    """Europe/Berlin: 2027-03-28 02:00 → 03:00 (CET → CEST), 2026-10-25 03:00 → 02:00."""

    def test_a_skipped_wall_time_moves_forward_by_the_gap(self) -> None:
        now = dt.datetime(2027, 3, 27, 12, tzinfo=dt.UTC)
        instant = parse_when("28.03.2027 02:30", now, BERLIN)
        assert instant == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
        assert format_when(instant, BERLIN, "de") == "So., 28.03.2027, 03:30 Uhr (MESZ)"
        assert parse_when("morgen 2:30", now, BERLIN) == instant

    def test_a_repeated_wall_time_is_its_first_occurrence(self) -> None:
        now = dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC)
        instant = parse_when("25.10.2026 02:30", now, BERLIN)
        assert instant == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
        assert format_when(instant, BERLIN, "de") == "So., 25.10.2026, 02:30 Uhr (MESZ)"

    def test_times_around_the_changes_keep_their_wall_clock(self) -> None:
        now = dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC)
        assert parse_when("26.10.2026 09:00", now, BERLIN) == dt.datetime(
            2026, 10, 26, 8, tzinfo=dt.UTC
        )
        assert parse_when("24.10.2026 18:00", now, BERLIN) == dt.datetime(
            2026, 10, 24, 16, tzinfo=dt.UTC
        )

    def test_local_to_utc_decides_both_cases(self) -> None:
        gap = dt.datetime(2027, 3, 28, 2, 30)
        repeated = dt.datetime(2026, 10, 25, 2, 30)
        assert local_to_utc(gap, BERLIN).astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"
        assert local_to_utc(repeated, BERLIN).astimezone(BERLIN).strftime("%H:%M %Z") == (
            "02:30 CEST"
        )


@pytest.mark.parametrize(
    ("phrase", "error"),
    [
        ("", UnreadableTimeError),
        ("blah", UnreadableTimeError),
        ("irgendwann", UnreadableTimeError),
        ("29.09 10 Uhr", UnreadableTimeError),
        ("29/09/2026 10:00", UnreadableTimeError),
        ("in 2 Monaten", UnreadableTimeError),
        ("in 99999 Tagen", UnreadableTimeError),
        ("heute morgen 9 Uhr", UnreadableTimeError),
        ("morgen", MissingTimeError),
        ("tomorrow", MissingTimeError),
        ("übermorgen", MissingTimeError),
        ("nächsten Montag", MissingTimeError),
        ("29.09.2026", MissingTimeError),
        ("29.09.", MissingTimeError),
        ("2026-09-29", MissingTimeError),
        ("in 3 Tagen um", UnreadableTimeError),
        ("31.02.2026 10:00", ImpossibleDateError),
        ("31.02.2026", ImpossibleDateError),
        ("31.02. 10 Uhr", ImpossibleDateError),
        ("29.02.2027 10:00", ImpossibleDateError),
        ("2026-13-01 10:00", ImpossibleDateError),
        ("2026-02-30T10:00", ImpossibleDateError),
        ("00.10.2026 10:00", ImpossibleDateError),
        ("24:30", ImpossibleTimeError),
        ("24:00", ImpossibleTimeError),
        ("9:75", ImpossibleTimeError),
        ("morgen 25 Uhr", ImpossibleTimeError),
        ("morgen 9:75", ImpossibleTimeError),
        ("13pm", ImpossibleTimeError),
        ("0am", ImpossibleTimeError),
        ("2026-09-29T25:00", ImpossibleTimeError),
        ("heute 8 Uhr", PastTimeError),
        ("heute 10:00", PastTimeError),  # exactly now is not after now
        ("today 9am", PastTimeError),
        ("29.09.2025 10:00", PastTimeError),
        ("01.09.2026 10:00", PastTimeError),
        ("27.09.2026 09:59", PastTimeError),
        ("2026-09-27T07:00Z", PastTimeError),
        ("01.01.0001 10:00", PastTimeError),
        ("in 0 Minuten", PastTimeError),
        ("9", BareNumberError),
        ("09", BareNumberError),
        ("1 Mai 9", AmbiguousTimeError),  # 1 May 09:00 or 9 May 01:00
        ("Di. 28.09.2026 9 Uhr", WeekdayMismatchError),
    ],
)
def test_rejects_with_a_clear_reason(phrase: str, error: type[TimePhraseError]) -> None:
    with pytest.raises(error) as caught:
        parse_when(phrase, NOW, BERLIN)
    assert isinstance(caught.value, ConversionError)
    german, english = caught.value.text("de"), caught.value.text("en")
    assert re.search(r"z\. B\.|Zum Beispiel", german), german
    assert re.search(r"e\.g\.|For example", english), english
    assert german != english


def test_error_messages_say_what_was_wrong() -> None:
    with pytest.raises(PastTimeError) as caught:
        parse_when("heute 8 Uhr", NOW, BERLIN)
    assert caught.value.text("de").startswith(
        "27.09.2026 08:00 liegt nicht in der Zukunft (jetzt ist es 27.09.2026 10:00)."
    )
    with pytest.raises(MissingTimeError) as missing:
        parse_when("morgen", NOW, BERLIN)
    assert missing.value.text("en").startswith("“morgen” has no time of day.")
    with pytest.raises(WeekdayMismatchError) as mismatch:
        parse_when("Di. 28.09.2026 9 Uhr", NOW, BERLIN)
    assert mismatch.value.text("de").startswith("Der 28.09.2026 ist ein Montag, kein Dienstag.")
    assert mismatch.value.text("en").startswith("28.09.2026 is a Monday, not a Tuesday.")
    with pytest.raises(AmbiguousTimeError) as ambiguous:
        parse_when("1 Mai 9", NOW, BERLIN)
    assert "01.05.2027 09:00" in ambiguous.value.text("de")
    assert "09.05.2027 01:00" in ambiguous.value.text("de")


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("morgen 9 Uhr", dt.datetime(2026, 9, 27, 10), BERLIN)


@pytest.mark.parametrize(
    ("text", "bare_hour", "expected"),
    [
        ("9 Uhr", False, dt.time(9)),
        ("um 9", False, dt.time(9)),
        ("9", True, dt.time(9)),
        ("9", False, None),
        ("14 Uhr 30", False, dt.time(14, 30)),
        ("2:15 PM", False, dt.time(14, 15)),
        ("12am", False, dt.time(0)),
        ("neun", True, None),
    ],
)
def test_read_time_of_day(text: str, bare_hour: bool, expected: dt.time | None) -> None:
    assert read_time_of_day(text, bare_hour=bare_hour) == expected


@pytest.mark.parametrize(
    ("instant", "zone", "german", "english"),
    [
        (
            dt.datetime(2026, 9, 28, 7, tzinfo=dt.UTC),
            BERLIN,
            "Mo., 28.09.2026, 09:00 Uhr (MESZ)",
            "Mon, 28 Sep 2026, 09:00 (CEST)",
        ),
        (
            dt.datetime(2026, 12, 1, 17, 5, tzinfo=dt.UTC),
            BERLIN,
            "Di., 01.12.2026, 18:05 Uhr (MEZ)",
            "Tue, 1 Dec 2026, 18:05 (CET)",
        ),
        (
            dt.datetime(2026, 10, 3, 4, 0, tzinfo=dt.UTC),
            BERLIN,
            "Sa., 03.10.2026, 06:00 Uhr (MESZ)",
            "Sat, 3 Oct 2026, 06:00 (CEST)",
        ),
        (
            dt.datetime(2026, 10, 4, 12, tzinfo=dt.UTC),
            ZoneInfo("America/New_York"),
            "So., 04.10.2026, 08:00 Uhr (EDT)",
            "Sun, 4 Oct 2026, 08:00 (EDT)",
        ),
        (
            dt.datetime(2026, 9, 30, 23, 59, tzinfo=dt.UTC),
            ZoneInfo("UTC"),
            "Mi., 30.09.2026, 23:59 Uhr (UTC)",
            "Wed, 30 Sep 2026, 23:59 (UTC)",
        ),
        (
            dt.datetime(2026, 10, 1, 21, 0, tzinfo=dt.UTC),
            BERLIN,
            "Do., 01.10.2026, 23:00 Uhr (MESZ)",
            "Thu, 1 Oct 2026, 23:00 (CEST)",
        ),
        (
            dt.datetime(2026, 10, 2, 12, 0, tzinfo=dt.UTC),
            BERLIN,
            "Fr., 02.10.2026, 14:00 Uhr (MESZ)",
            "Fri, 2 Oct 2026, 14:00 (CEST)",
        ),
    ],
)
def test_format_when(instant: dt.datetime, zone: ZoneInfo, german: str, english: str) -> None:
    assert format_when(instant, zone, "de") == german
    assert format_when(instant, zone, "en") == english


def test_format_when_reads_back() -> None:
    instant = berlin("2026-09-28 09:00")
    for language in ("de", "en"):
        written = format_when(instant, BERLIN, language)
        assert parse_when(written.rsplit(" (", 1)[0], NOW, BERLIN) == instant


def test_format_when_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_when(dt.datetime(2026, 9, 28, 9), BERLIN, "de")
