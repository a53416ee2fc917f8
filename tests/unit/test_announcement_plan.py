"""Announcement logic without a server: the request syntax, and what happens when one is due."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commands.announcements.plan import (
    MAX_TEXT,
    parse_request,
    plan_firing,
    render_announcement,
    render_missed,
    schedule_columns,
    schedule_from,
)
from commands.core.converters import ConversionError
from commands.core.recurrence import (
    Interval,
    OneOff,
    Recurring,
    describe,
    next_occurrence,
    parse_schedule,
)

BERLIN = ZoneInfo("Europe/Berlin")
GRACE = dt.timedelta(hours=6)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "when", "rooms", "body"),
    [
        (
            "morgen 9 Uhr in #allgemein #workshop: Text...",
            "morgen 9 Uhr",
            ["#allgemein", "#workshop"],
            "Text...",
        ),
        (
            "in 2 Stunden in #a:example.org: Hallo: Welt",
            "in 2 Stunden",
            ["#a:example.org"],
            "Hallo: Welt",
        ),
        ("jeden Montag 9 Uhr in hier: Wochenstart", "jeden Montag 9 Uhr", ["hier"], "Wochenstart"),
        ("tomorrow 9am in here : Hi", "tomorrow 9am", ["here"], "Hi"),
        (
            "29.09. 10 Uhr in #a, #b: x\nzweite Zeile",
            "29.09. 10 Uhr",
            ["#a", "#b"],
            "x\nzweite Zeile",
        ),
        ("heute 18 Uhr in !abc:example.org: x", "heute 18 Uhr", ["!abc:example.org"], "x"),
    ],
)
def test_parse_request(text: str, when: str, rooms: list[str], body: str) -> None:
    request = parse_request(text)
    assert (request.when, request.rooms, request.text) == (when, rooms, body)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("morgen 9 Uhr: Text", "Räume"),
        ("morgen 9 Uhr in #a Text", "Doppelpunkt"),
        ("morgen 9 Uhr in #a:", "Text"),
        ("morgen 9 Uhr in #a: " + "x" * (MAX_TEXT + 1), str(MAX_TEXT)),
    ],
)
def test_parse_request_rejects(text: str, problem: str) -> None:
    with pytest.raises(ConversionError) as error:
        parse_request(text)
    assert problem in error.value.text("de")


def test_one_off_on_time() -> None:
    due = utc(2026, 9, 28, 7)
    firing = plan_firing(OneOff(due), due, due + dt.timedelta(seconds=5), BERLIN, GRACE)
    assert (firing.send, firing.late, firing.next_due, firing.missed) == (due, False, None, [])


def test_one_off_late_within_grace_is_sent_with_a_note() -> None:
    due = utc(2026, 9, 28, 7)
    firing = plan_firing(OneOff(due), due, due + dt.timedelta(hours=2), BERLIN, GRACE)
    assert firing.send == due and firing.late
    html = render_announcement("Workshop <jetzt>", due, firing.late, BERLIN, "de")
    assert html.startswith("Workshop &lt;jetzt&gt;<br><i>(verspätet")
    assert "Mo., 28.09.2026, 09:00 Uhr (MESZ)" in html


def test_one_off_beyond_grace_is_missed_not_sent() -> None:
    due = utc(2026, 9, 28, 7)
    firing = plan_firing(OneOff(due), due, due + dt.timedelta(hours=7), BERLIN, GRACE)
    assert firing.send is None and firing.next_due is None
    assert firing.missed == [due] and firing.missed_count == 1
    text = render_missed(4, firing, BERLIN, "de")
    assert "Nr. 4" in text and "wurde einmal nicht gesendet" in text and "keiner" in text


def test_weekly_after_three_weeks_down_reports_and_goes_on() -> None:
    weekly = Recurring("0 9 * * 1")
    due = utc(2026, 9, 28, 7)  # Monday 09:00 CEST
    now = utc(2026, 10, 19, 8)  # Monday three weeks later, 10:00 CEST: that one is within grace
    firing = plan_firing(weekly, due, now, BERLIN, GRACE)
    assert firing.missed_count == 3
    assert firing.missed == [due, utc(2026, 10, 12, 7)]
    assert firing.send == utc(2026, 10, 19, 7) and firing.late
    assert firing.next_due == utc(2026, 10, 26, 8)  # 09:00 CET after the clocks went back
    assert "…" in render_missed(1, firing, BERLIN, "en")


def test_a_long_outage_of_a_frequent_schedule_is_counted_not_walked() -> None:
    every_minute = Recurring("* * * * *")
    due = utc(2026, 1, 1)
    now = utc(2026, 3, 1)
    firing = plan_firing(every_minute, due, now, BERLIN, GRACE)
    assert firing.missed_count >= 10_000
    assert firing.send is not None and now - firing.send <= GRACE


def test_schedule_from_storage() -> None:
    assert schedule_from("0 9 * * 1", None) == Recurring("0 9 * * 1")
    assert schedule_from(None, utc(2026, 9, 28, 7)) == OneOff(utc(2026, 9, 28, 7))
    with pytest.raises(ValueError):
        schedule_from(None, None)


def test_interval_schedules_round_trip_through_storage() -> None:
    start = utc(2026, 9, 27, 8, 0, 2)
    for schedule in (Interval(2, start), Recurring("0 9 * * mon"), OneOff(start)):
        assert schedule_from(*schedule_columns(schedule)) == schedule


@pytest.mark.parametrize(
    ("text", "seconds", "de", "en"),
    [
        ("alle 2 Sekunden", 2, "alle 2 Sekunden", "every 2 seconds"),
        ("alle 30 Minuten", 1800, "alle 30 Minuten", "every 30 minutes"),
        ("every 2 hours", 7200, "alle 2 Stunden", "every 2 hours"),
        ("alle 90 Minuten", 5400, "alle 90 Minuten", "every 90 minutes"),
    ],
)
def test_interval_phrases(text: str, seconds: int, de: str, en: str) -> None:
    now = utc(2026, 9, 27, 8)
    schedule = parse_schedule(text, now, BERLIN)
    assert schedule == Interval(seconds, now + dt.timedelta(seconds=seconds))
    assert describe(schedule, BERLIN, "de") == de and describe(schedule, BERLIN, "en") == en


def test_interval_next_occurrence_keeps_its_grid() -> None:
    start = utc(2026, 9, 27, 8)
    every_two = Interval(2, start)
    assert next_occurrence(every_two, start - dt.timedelta(hours=1), BERLIN) == start
    assert next_occurrence(every_two, start, BERLIN) == start + dt.timedelta(seconds=2)
    later = start + dt.timedelta(seconds=5, microseconds=1)
    assert next_occurrence(every_two, later, BERLIN) == start + dt.timedelta(seconds=6)


@pytest.mark.parametrize("text", ["alle 1 Tag", "every 2 weeks", "alle 0 Stunden"])
def test_intervals_of_days_are_not_fixed_seconds(text: str) -> None:
    """A day-long interval would drift an hour across DST: it must be said as a wall-clock rule."""
    with pytest.raises(ConversionError):
        parse_schedule(text, utc(2026, 9, 27, 8), BERLIN)
