"""Repeating schedules: phrases, cron numbering, descriptions and daylight saving in Berlin."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from commands.core.converters import ConversionError
from commands.core.recurrence import (
    CronDayConflictError,
    CronFieldCountError,
    CronFieldError,
    CronNeverFiresError,
    MissingRepeatTimeError,
    MonthDayError,
    OneOff,
    Recurring,
    ShortMonthDayError,
    UnreadableRepeatError,
    describe,
    next_occurrence,
    normalize_cron,
    parse_schedule,
)
from commands.core.time_phrases import (
    ImpossibleTimeError,
    MissingTimeError,
    PastTimeError,
    TimePhraseError,
    UnreadableTimeError,
    local_to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday, 27 September 2026, 10:00 in Berlin (CEST).
NOW = dt.datetime(2026, 9, 27, 8, 0, tzinfo=dt.UTC)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def berlin(text: str) -> dt.datetime:
    return local_to_utc(dt.datetime.fromisoformat(text), BERLIN)


def walk(cron: str, after: dt.datetime, count: int) -> list[str]:
    """The next `count` occurrences as Berlin wall times with their zone name."""
    found: list[str] = []
    for _ in range(count):
        nxt = next_occurrence(Recurring(cron), after, BERLIN)
        assert nxt is not None
        assert nxt.utcoffset() == dt.timedelta(0)
        found.append(nxt.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z"))
        after = nxt
    return found


@pytest.mark.parametrize(
    ("phrase", "cron"),
    [
        ("jeden Montag 9 Uhr", "0 9 * * mon"),
        ("jeden Mo 9:00", "0 9 * * mon"),
        ("Jeden Montag um 9", "0 9 * * mon"),
        ("montags 9 Uhr", "0 9 * * mon"),
        ("sonntags 18:30", "30 18 * * sun"),
        ("9 Uhr jeden Montag", "0 9 * * mon"),
        ("wöchentlich am Freitag 14 Uhr", "0 14 * * fri"),
        ("täglich 8:30", "30 8 * * *"),
        ("taeglich 8:30", "30 8 * * *"),
        ("täglich um 8.30 Uhr", "30 8 * * *"),
        ("jeden Tag 8:30", "30 8 * * *"),
        ("werktags 8 Uhr", "0 8 * * mon-fri"),
        ("montags bis freitags 8 Uhr", "0 8 * * mon-fri"),
        ("am 1. jedes Monats 9 Uhr", "0 9 1 * *"),
        ("am 15. jeden Monats um 10:00", "0 10 15 * *"),
        ("monatlich am 28. 9 Uhr", "0 9 28 * *"),
        ("every monday 9:00", "0 9 * * mon"),
        ("every monday at 9am", "0 9 * * mon"),
        ("on mondays 9am", "0 9 * * mon"),
        ("every day 8:30", "30 8 * * *"),
        ("daily 8:30", "30 8 * * *"),
        ("daily at 12am", "0 0 * * *"),
        ("weekdays 8am", "0 8 * * mon-fri"),
        ("every weekday at 5:30pm", "30 17 * * mon-fri"),
        ("on the 1st of every month 9:00", "0 9 1 * *"),
        ("monthly on the 15th 10:00", "0 10 15 * *"),
        ("every month on the 2nd at 7am", "0 7 2 * *"),
        ("cron 0 9 * * 1", "0 9 * * mon"),
        ("Cron 0 9 * * 1", "0 9 * * mon"),
        ("0 9 * * 1", "0 9 * * mon"),
        ("0 9 * * 0", "0 9 * * sun"),
        ("0 9 * * 7", "0 9 * * sun"),
        ("0 9 * * 1-5", "0 9 * * mon-fri"),
        ("30 8 * * mon-fri", "30 8 * * mon-fri"),
        ("0 9 * * 1,3,5", "0 9 * * mon,wed,fri"),
        ("0 9 * * 0,6", "0 9 * * sat,sun"),
        ("0 9 * * 5-7", "0 9 * * fri,sat,sun"),
        ("0 9 * * 4-7", "0 9 * * thu-sat,sun"),
        ("0 9 * * 0-5", "0 9 * * mon-fri,sun"),
        ("0 9 * * */2", "0 9 * * tue,thu,sat,sun"),
        ("0 9 * * 0-6", "0 9 * * *"),
        ("*/15 9-17 * * 1-5", "*/15 9-17 * * mon-fri"),
        ("0 9 1 */3 *", "0 9 1 */3 *"),
        ("0 9 1 jan,jul *", "0 9 1 jan,jul *"),
        ("0 9 31 * *", "0 9 31 * *"),
        ("* * * * *", "* * * * *"),
    ],
)
def test_reads_a_repeating_phrase_as_cron(phrase: str, cron: str) -> None:
    assert parse_schedule(phrase, NOW, BERLIN) == Recurring(cron)
    assert normalize_cron(cron) == cron  # stored form reads back unchanged


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("morgen 9 Uhr", "2026-09-28 09:00"),
        ("nächsten Montag 8 Uhr", "2026-09-28 08:00"),
        ("Montag 8 Uhr", "2026-09-28 08:00"),
        ("29.09.2026 10:00", "2026-09-29 10:00"),
        ("next friday 14:00", "2026-10-02 14:00"),
        ("9 Uhr", "2026-09-28 09:00"),
        ("14 Uhr 30", "2026-09-27 14:30"),
    ],
)
def test_anything_else_is_a_one_off(phrase: str, expected: str) -> None:
    assert parse_schedule(phrase, NOW, BERLIN) == OneOff(berlin(expected))


@pytest.mark.parametrize(
    ("phrase", "error"),
    [
        ("am 1. jedes Monats", MissingRepeatTimeError),
        ("jeden Montag", MissingRepeatTimeError),
        ("montags", MissingRepeatTimeError),
        ("täglich", MissingRepeatTimeError),
        ("every monday", MissingRepeatTimeError),
        ("weekdays", MissingRepeatTimeError),
        ("jeden Montag irgendwann", UnreadableRepeatError),
        ("täglich früh", UnreadableRepeatError),
        ("jeden Montag 25 Uhr", ImpossibleTimeError),
        ("daily 9:75", ImpossibleTimeError),
        ("am 0. jedes Monats 9 Uhr", MonthDayError),
        ("am 32. jedes Monats 9 Uhr", MonthDayError),
        ("am 31. jedes Monats 9 Uhr", ShortMonthDayError),
        ("on the 29th of every month 9:00", ShortMonthDayError),
        ("cron", CronFieldCountError),
        ("cron 0 9 * *", CronFieldCountError),
        ("cron 0 0 9 * * 1", CronFieldCountError),
        ("0 9 * *", CronFieldCountError),
        ("cron 61 9 * * 1", CronFieldError),
        ("0 24 * * *", CronFieldError),
        ("0 9 32 * *", CronFieldError),
        ("0 9 * 13 *", CronFieldError),
        ("0 9 * * 8", CronFieldError),
        ("0 9 * * 5-1", CronFieldError),
        ("0 9 * * 1/2", CronFieldError),
        ("*/0 9 * * *", CronFieldError),
        ("cron 0 9 ? * 1", CronFieldError),
        ("cron 0 9 last * *", CronFieldError),
        ("cron x 9 * * *", CronFieldError),
        ("0 9 1 * 1", CronDayConflictError),
        ("0 9 30 2 *", CronNeverFiresError),
        # one-off errors pass through
        ("blah", UnreadableTimeError),
        ("morgen", MissingTimeError),
        ("heute 8 Uhr", PastTimeError),
    ],
)
def test_rejects_with_a_clear_reason(phrase: str, error: type[TimePhraseError]) -> None:
    with pytest.raises(error) as caught:
        parse_schedule(phrase, NOW, BERLIN)
    assert isinstance(caught.value, ConversionError)
    german, english = caught.value.text("de"), caught.value.text("en")
    assert re.search(r"z\. B\.|Zum Beispiel", german), german
    assert re.search(r"e\.g\.|For example", english), english


def test_a_bad_cron_expression_is_quoted() -> None:
    with pytest.raises(CronFieldError) as caught:
        parse_schedule("cron 61 9 * * 1", NOW, BERLIN)
    assert caught.value.text("de").startswith(
        "„61 9 * * 1“ ist kein gültiger Cron-Ausdruck: das Feld Minute „61“"
    )
    assert caught.value.text("en").startswith(
        "“61 9 * * 1” is not a valid cron expression: I can't read the minute field “61”."
    )


class TestCronNumbering:
    """Standard crontab: 0 and 7 are Sunday, 1 is Monday. APScheduler 3 counts 0 as Monday."""

    def test_apscheduler_alone_would_misread_the_weekday(self) -> None:
        # Guards the reason for normalize_cron: if this fails, APScheduler changed its numbering.
        trigger = CronTrigger.from_crontab("0 9 * * 1", timezone=dt.UTC)
        assert trigger.get_next_fire_time(None, NOW).weekday() == 1  # Tuesday

    @pytest.mark.parametrize(
        ("weekday_field", "weekday"),
        [("0", 6), ("7", 6), ("1", 0), ("2", 1), ("5", 4), ("6", 5), ("sun", 6), ("mon", 0)],
    )
    def test_next_occurrence_uses_crontab_numbering(self, weekday_field: str, weekday: int) -> None:
        # Stored as typed, not normalised: next_occurrence must still read it as crontab does.
        nxt = next_occurrence(Recurring(f"0 9 * * {weekday_field}"), NOW, BERLIN)
        assert nxt is not None
        assert nxt.astimezone(BERLIN).weekday() == weekday
        assert nxt.astimezone(BERLIN).hour == 9

    def test_normalised_form_means_the_same_to_apscheduler(self) -> None:
        normalized = normalize_cron("0 9 * * 1-5")
        trigger = CronTrigger.from_crontab(normalized, timezone=BERLIN)
        fire = trigger.get_next_fire_time(None, NOW.astimezone(BERLIN))
        assert fire.weekday() == 0
        assert normalized == "0 9 * * mon-fri"


@pytest.mark.parametrize(
    ("schedule", "german", "english"),
    [
        (Recurring("0 9 * * mon"), "jeden Montag um 09:00 Uhr", "every Monday at 09:00"),
        (Recurring("0 9 * * 1"), "jeden Montag um 09:00 Uhr", "every Monday at 09:00"),
        (Recurring("0 18 * * 0"), "jeden Sonntag um 18:00 Uhr", "every Sunday at 18:00"),
        (Recurring("30 8 * * *"), "täglich um 08:30 Uhr", "daily at 08:30"),
        (
            Recurring("0 8 * * mon-fri"),
            "werktags (Mo.–Fr.) um 08:00 Uhr",
            "on weekdays (Mon–Fri) at 08:00",
        ),
        (
            Recurring("0 9 1 * *"),
            "am 1. jedes Monats um 09:00 Uhr",
            "on the 1st of every month at 09:00",
        ),
        (
            Recurring("0 10 2 * *"),
            "am 2. jedes Monats um 10:00 Uhr",
            "on the 2nd of every month at 10:00",
        ),
        (
            Recurring("0 10 3 * *"),
            "am 3. jedes Monats um 10:00 Uhr",
            "on the 3rd of every month at 10:00",
        ),
        (
            Recurring("0 10 11 * *"),
            "am 11. jedes Monats um 10:00 Uhr",
            "on the 11th of every month at 10:00",
        ),
        (
            Recurring("0 10 22 * *"),
            "am 22. jedes Monats um 10:00 Uhr",
            "on the 22nd of every month at 10:00",
        ),
        (
            Recurring("0 9 * * 1,3"),
            "nach Cron-Ausdruck „0 9 * * mon,wed“",
            "by cron expression “0 9 * * mon,wed”",
        ),
        (
            Recurring("*/15 9-17 * * 1-5"),
            "nach Cron-Ausdruck „*/15 9-17 * * mon-fri“",
            "by cron expression “*/15 9-17 * * mon-fri”",
        ),
        (
            Recurring("0 9 1 1 *"),
            "nach Cron-Ausdruck „0 9 1 1 *“",
            "by cron expression “0 9 1 1 *”",
        ),
        (
            OneOff(utc(2026, 9, 28, 7)),
            "Mo., 28.09.2026, 09:00 Uhr (MESZ)",
            "Mon, 28 Sep 2026, 09:00 (CEST)",
        ),
    ],
)
def test_describe(schedule: OneOff | Recurring, german: str, english: str) -> None:
    assert describe(schedule, BERLIN, "de") == german
    assert describe(schedule, BERLIN, "en") == english


@pytest.mark.parametrize(
    "phrase",
    ["jeden Montag 9 Uhr", "täglich 8:30", "werktags 8 Uhr", "am 1. jedes Monats 9 Uhr"],
)
def test_describe_reads_back(phrase: str) -> None:
    schedule = parse_schedule(phrase, NOW, BERLIN)
    assert parse_schedule(describe(schedule, BERLIN, "de"), NOW, BERLIN) == schedule
    assert parse_schedule(describe(schedule, BERLIN, "en"), NOW, BERLIN) == schedule


class TestNextOccurrence:
    def test_one_off(self) -> None:
        at = utc(2026, 9, 28, 7)
        assert next_occurrence(OneOff(at), NOW, BERLIN) == at
        assert next_occurrence(OneOff(at), at, BERLIN) is None
        assert next_occurrence(OneOff(at), at + dt.timedelta(seconds=1), BERLIN) is None

    def test_strictly_after(self) -> None:
        monday = berlin("2026-09-28 09:00")
        assert next_occurrence(Recurring("0 9 * * 1"), monday, BERLIN) == berlin("2026-10-05 09:00")
        just_before = monday - dt.timedelta(microseconds=1)
        assert next_occurrence(Recurring("0 9 * * 1"), just_before, BERLIN) == monday

    def test_monthly(self) -> None:
        assert walk("0 9 1 * *", NOW, 3) == [
            "2026-10-01 09:00 CEST",
            "2026-11-01 09:00 CET",
            "2026-12-01 09:00 CET",
        ]

    def test_after_must_be_aware(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            next_occurrence(Recurring("0 9 * * 1"), dt.datetime(2026, 9, 27), BERLIN)


class TestDaylightSaving:
    """Europe/Berlin: 2026-10-25 03:00 CEST → 02:00 CET; 2027-03-28 02:00 CET → 03:00 CEST."""

    def test_weekly_monday_stays_nine_local_in_october(self) -> None:
        assert walk("0 9 * * mon", utc(2026, 10, 15), 3) == [
            "2026-10-19 09:00 CEST",
            "2026-10-26 09:00 CET",
            "2026-11-02 09:00 CET",
        ]
        assert next_occurrence(Recurring("0 9 * * mon"), utc(2026, 10, 20), BERLIN) == utc(
            2026, 10, 26, 8
        )

    def test_weekly_monday_stays_nine_local_in_march(self) -> None:
        assert walk("0 9 * * mon", utc(2027, 3, 20), 3) == [
            "2027-03-22 09:00 CET",
            "2027-03-29 09:00 CEST",
            "2027-04-05 09:00 CEST",
        ]
        assert next_occurrence(Recurring("0 9 * * mon"), utc(2027, 3, 23), BERLIN) == utc(
            2027, 3, 29, 7
        )

    def test_daily_in_the_skipped_hour_fires_once_an_hour_late(self) -> None:
        assert walk("30 2 * * *", utc(2027, 3, 26, 12), 3) == [
            "2027-03-27 02:30 CET",
            "2027-03-28 03:30 CEST",
            "2027-03-29 02:30 CEST",
        ]

    def test_daily_in_the_repeated_hour_fires_once_in_the_first_pass(self) -> None:
        assert walk("30 2 * * *", utc(2026, 10, 23, 12), 3) == [
            "2026-10-24 02:30 CEST",
            "2026-10-25 02:30 CEST",
            "2026-10-26 02:30 CET",
        ]

    def test_apscheduler_alone_fires_twice_in_the_repeated_hour(self) -> None:
        # Why next_occurrence does not hand the cron to APScheduler's zone handling.
        trigger = CronTrigger.from_crontab("30 2 * * *", timezone=BERLIN)
        first = trigger.get_next_fire_time(None, utc(2026, 10, 24, 12).astimezone(BERLIN))
        second = trigger.get_next_fire_time(first, first)
        assert first.date() == second.date() == dt.date(2026, 10, 25)

    @pytest.mark.parametrize(
        ("after", "expected"),
        [
            # inside the skipped hour's aftermath: 03:15 CEST, the moved 02:30 is still ahead
            (utc(2027, 3, 28, 1, 15), "2027-03-28 03:30 CEST"),
            (utc(2027, 3, 28, 1, 30), "2027-03-29 02:30 CEST"),
            (utc(2027, 3, 28, 0, 59), "2027-03-28 03:30 CEST"),
            # in the first pass after 02:30 CEST, and in the second pass before 02:30 CET
            (utc(2026, 10, 25, 0, 45), "2026-10-26 02:30 CET"),
            (utc(2026, 10, 25, 1, 15), "2026-10-26 02:30 CET"),
            (utc(2026, 10, 25, 0, 15), "2026-10-25 02:30 CEST"),
        ],
    )
    def test_from_inside_the_change(self, after: dt.datetime, expected: str) -> None:
        nxt = next_occurrence(Recurring("30 2 * * *"), after, BERLIN)
        assert nxt is not None
        assert nxt.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z") == expected

    def test_around_the_clock_crons_keep_real_time_rhythm(self) -> None:
        assert walk("*/30 * * * *", utc(2026, 10, 24, 23, 15), 6) == [
            "2026-10-25 01:30 CEST",
            "2026-10-25 02:00 CEST",
            "2026-10-25 02:30 CEST",
            "2026-10-25 02:00 CET",
            "2026-10-25 02:30 CET",
            "2026-10-25 03:00 CET",
        ]
        assert walk("*/30 * * * *", utc(2027, 3, 28, 0, 15), 4) == [
            "2027-03-28 01:30 CET",
            "2027-03-28 03:00 CEST",
            "2027-03-28 03:30 CEST",
            "2027-03-28 04:00 CEST",
        ]

    def test_two_wall_times_on_the_same_instant_fire_once(self) -> None:
        # 02:30 (skipped, moved to 03:30 CEST) and 03:30 are one instant.
        assert walk("30 2,3 * * *", utc(2027, 3, 27, 12), 3) == [
            "2027-03-28 03:30 CEST",
            "2027-03-29 02:30 CEST",
            "2027-03-29 03:30 CEST",
        ]

    @pytest.mark.parametrize(
        "cron",
        ["30 2 * * *", "0,30 1-3 * * *", "*/20 * * * *", "15 * * * *", "0 2 * * *", "59 1 * * *"],
    )
    @pytest.mark.parametrize("window_start", [dt.datetime(2026, 10, 24), dt.datetime(2027, 3, 27)])
    def test_agrees_with_the_rules_walked_by_hand(
        self, cron: str, window_start: dt.datetime
    ) -> None:
        """Reference: every matching wall time over two days, mapped by the documented rules,
        then next_occurrence asked from every 7th minute."""
        trigger = CronTrigger.from_crontab(normalize_cron(cron), timezone=dt.UTC)
        around_the_clock = cron.split()[1].startswith("*")
        instants: set[dt.datetime] = set()
        cursor = window_start.replace(tzinfo=dt.UTC)
        end = cursor + dt.timedelta(days=3)
        while (fire := trigger.get_next_fire_time(None, cursor)) < end:
            wall = fire.replace(tzinfo=None)
            first = local_to_utc(wall, BERLIN)  # skipped → moved forward; repeated → first pass
            instants.add(first)
            second = wall.replace(tzinfo=BERLIN, fold=1).astimezone(dt.UTC)
            repeated = second != first and second.astimezone(BERLIN).replace(tzinfo=None) == wall
            if around_the_clock and repeated:
                instants.add(second)
            cursor = fire + dt.timedelta(seconds=1)
        ordered = sorted(instants)
        after = local_to_utc(window_start, BERLIN) + dt.timedelta(hours=3)
        assert after < ordered[-1] - dt.timedelta(days=1)
        while after < ordered[-1] - dt.timedelta(hours=3):
            expected = min(instant for instant in ordered if instant > after)
            assert next_occurrence(Recurring(cron), after, BERLIN) == expected, after
            after += dt.timedelta(minutes=7)
