"""iCalendar output read back by icalendar and by vobject: properties, wall times and VTIMEZONEs
across daylight saving, cancellations, escaping and line format."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Event, Timezone

from commands.events.calendar_ics import PRODID, CalendarEvent, calendar_feed, event_file

UTC = dt.UTC
STAMP = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TRICKY = "Treffen, Teil 2; Raum \\ 3\nZweite Zeile – Grüße aus Cottbus 🎉"
ESCAPED = b"Treffen\\, Teil 2\\; Raum \\\\ 3\\nZweite Zeile"

BASE = CalendarEvent(
    uid="event-7@example.org",
    sequence=3,
    title="Stammtisch",
    starts_at=dt.datetime(2026, 9, 29, 8, 0, tzinfo=UTC),
    ends_at=dt.datetime(2026, 9, 29, 10, 0, tzinfo=UTC),
    timezone="Europe/Berlin",
    place="Rathaus Potsdam",
    online_link="https://meet.example.org/stammtisch",
    description="Wir sprechen über Förderprogramme.",
    agenda_link="https://example.org/agenda/7",
    cancelled=False,
    created_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
    updated_at=dt.datetime(2026, 2, 10, 16, 45, tzinfo=UTC),
    organiser="Alumni-Netzwerk Smart City",
    organiser_uri="mailto:bot@example.org",
)


def event(**changes: object) -> CalendarEvent:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(calendar: Calendar) -> Event:
    (vevent,) = calendar.walk("VEVENT")
    return vevent


def vtimezone(calendar: Calendar, tzid: str) -> Timezone:
    (timezone,) = [tz for tz in calendar.walk("VTIMEZONE") if tz["TZID"] == tzid]
    return timezone


def wall_to_utc(timezone: Timezone, wall: dt.datetime) -> dt.datetime:
    """Reads a wall time through the file's own VTIMEZONE, not through a zone looked up by name."""
    return wall.replace(tzinfo=timezone.to_tz(lookup_tzid=False)).astimezone(UTC)


def test_feed_has_the_calendar_properties() -> None:
    calendar = parse(calendar_feed([BASE], "Alumni-Termine", STAMP))

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == PRODID
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Alumni-Termine"
    assert calendar["NAME"] == "Alumni-Termine"


def test_event_file_publishes_an_active_event() -> None:
    calendar = parse(event_file(BASE, STAMP))

    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["PRODID"] == PRODID
    assert only_event(calendar)["STATUS"] == "CONFIRMED"


def test_event_file_cancels_a_cancelled_event() -> None:
    calendar = parse(event_file(event(cancelled=True, sequence=4), STAMP))

    assert calendar["METHOD"] == "CANCEL"
    vevent = only_event(calendar)
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["UID"] == "event-7@example.org"
    assert vevent["SEQUENCE"] == 4
    # RFC 5546 requires ORGANIZER in a CANCEL.
    assert vevent["ORGANIZER"] == "mailto:bot@example.org"
    assert vevent["ORGANIZER"].params["CN"] == "Alumni-Netzwerk Smart City"


def test_feed_publishes_cancelled_events_as_cancelled() -> None:
    events = [event(uid="a@x", cancelled=True), event(uid="b@x", cancelled=False)]

    calendar = parse(calendar_feed(events, "Termine", STAMP))

    assert calendar["METHOD"] == "PUBLISH"
    statuses = {str(vevent["UID"]): vevent["STATUS"] for vevent in calendar.walk("VEVENT")}
    assert statuses == {"a@x": "CANCELLED", "b@x": "CONFIRMED"}


def test_event_carries_every_property() -> None:
    vevent = only_event(parse(event_file(BASE, STAMP)))

    assert vevent["UID"] == "event-7@example.org"
    assert vevent["SEQUENCE"] == 3
    assert vevent.decoded("DTSTAMP") == STAMP
    assert vevent.decoded("CREATED") == BASE.created_at
    assert vevent.decoded("LAST-MODIFIED") == BASE.updated_at
    assert vevent["SUMMARY"] == "Stammtisch"
    assert vevent["LOCATION"] == "Rathaus Potsdam"
    assert vevent["URL"] == "https://meet.example.org/stammtisch"
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["TRANSP"] == "OPAQUE"
    assert vevent["ORGANIZER"] == "mailto:bot@example.org"
    assert vevent["ORGANIZER"].params["CN"] == "Alumni-Netzwerk Smart City"
    assert vevent["DESCRIPTION"] == (
        "Wir sprechen über Förderprogramme.\n\n"
        "Agenda: https://example.org/agenda/7\n"
        "Online: https://meet.example.org/stammtisch"
    )


def test_utc_properties_are_written_in_utc() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    data = event_file(
        event(created_at=BASE.created_at.astimezone(berlin)), STAMP.astimezone(berlin)
    )

    assert b"\r\nDTSTAMP:20260301T120000Z\r\n" in data
    assert b"\r\nCREATED:20260105T093000Z\r\n" in data
    assert b"\r\nLAST-MODIFIED:20260210T164500Z\r\n" in data


@pytest.mark.parametrize(
    ("starts_at", "wall", "offset"),
    [
        (dt.datetime(2026, 9, 29, 8, 0, tzinfo=UTC), "20260929T100000", dt.timedelta(hours=2)),
        (dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "20261201T100000", dt.timedelta(hours=1)),
    ],
    ids=["CEST", "CET"],
)
def test_berlin_wall_time_across_daylight_saving(
    starts_at: dt.datetime, wall: str, offset: dt.timedelta
) -> None:
    data = event_file(event(starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)), STAMP)

    assert f"\r\nDTSTART;TZID=Europe/Berlin:{wall}\r\n".encode() in data
    calendar = parse(data)
    start = only_event(calendar).decoded("DTSTART")
    assert start == starts_at
    assert start.utcoffset() == offset
    naive_wall = dt.datetime.strptime(wall, "%Y%m%dT%H%M%S")
    assert wall_to_utc(vtimezone(calendar, "Europe/Berlin"), naive_wall) == starts_at
    assert vobject.readOne(data.decode()).vevent.dtstart.value.astimezone(UTC) == starts_at


def test_berlin_vtimezone_uses_the_yearly_rules_outlook_reads() -> None:
    calendar = parse(event_file(BASE, STAMP))

    timezone = vtimezone(calendar, "Europe/Berlin")
    (daylight,) = timezone.walk("DAYLIGHT")
    (standard,) = timezone.walk("STANDARD")
    assert daylight["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert standard["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    assert (daylight["TZOFFSETFROM"].td, daylight["TZOFFSETTO"].td) == (
        dt.timedelta(hours=1),
        dt.timedelta(hours=2),
    )
    assert (standard["TZOFFSETFROM"].td, standard["TZOFFSETTO"].td) == (
        dt.timedelta(hours=2),
        dt.timedelta(hours=1),
    )
    assert "RDATE" not in daylight
    assert "RDATE" not in standard


@pytest.mark.parametrize(
    ("zone", "year"),
    [
        ("Europe/Berlin", 2026),
        ("Europe/London", 2026),
        ("America/New_York", 2026),
        ("Australia/Sydney", 2026),
        ("Asia/Tokyo", 2026),
        ("Asia/Jerusalem", 2029),  # Friday before the last Sunday: no yearly rule fits
        ("America/Sao_Paulo", 2019),  # daylight saving abolished in 2019
    ],
)
def test_vtimezone_agrees_with_the_zone_database(zone: str, year: int) -> None:
    starts_at = dt.datetime(year, 6, 15, 12, 0, tzinfo=UTC)
    data = event_file(
        event(timezone=zone, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)),
        STAMP,
    )

    described = vtimezone(parse(data), zone).to_tz(lookup_tzid=False)
    database = ZoneInfo(zone)
    instant = dt.datetime(year, 1, 1, tzinfo=UTC)
    mismatches = []
    while instant.year == year:
        if instant.astimezone(described).utcoffset() != instant.astimezone(database).utcoffset():
            mismatches.append(instant)
        instant += dt.timedelta(hours=3)
    assert mismatches == []


def test_irregular_zone_lists_its_changes() -> None:
    starts_at = dt.datetime(2029, 6, 15, 12, 0, tzinfo=UTC)
    data = event_file(
        event(timezone="Asia/Jerusalem", starts_at=starts_at, ends_at=starts_at), STAMP
    )

    timezone = vtimezone(parse(data), "Asia/Jerusalem")
    assert any("RDATE" in rule for rule in timezone.subcomponents)


def test_zone_without_daylight_saving_has_only_standard_time() -> None:
    data = event_file(event(timezone="Asia/Tokyo"), STAMP)

    timezone = vtimezone(parse(data), "Asia/Tokyo")
    assert [rule.name for rule in timezone.subcomponents] == ["STANDARD"]
    assert timezone.subcomponents[0]["TZOFFSETTO"].td == dt.timedelta(hours=9)
    assert b"\r\nDTSTART;TZID=Asia/Tokyo:20260929T170000\r\n" in data


def test_one_vtimezone_per_zone_before_the_events() -> None:
    events = [
        event(uid="a@x"),
        event(uid="b@x", starts_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        event(uid="c@x", timezone="Europe/London"),
    ]

    data = calendar_feed(events, "Termine", STAMP)

    calendar = parse(data)
    assert sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")) == [
        "Europe/Berlin",
        "Europe/London",
    ]
    assert data.rindex(b"END:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


def test_utc_event_is_written_in_utc_without_vtimezone() -> None:
    data = event_file(event(timezone="UTC"), STAMP)

    assert b"\r\nDTSTART:20260929T080000Z\r\n" in data
    assert b"VTIMEZONE" not in data


def test_feed_is_sorted_by_start_then_uid() -> None:
    late = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    events = [
        event(uid="z@x", starts_at=late, ends_at=late + dt.timedelta(hours=1)),
        event(uid="b@x"),
        event(uid="a@x"),
    ]

    calendar = parse(calendar_feed(events, "Termine", STAMP))

    assert [str(vevent["UID"]) for vevent in calendar.walk("VEVENT")] == ["a@x", "b@x", "z@x"]


def test_text_survives_the_round_trip() -> None:
    tricky = event(title=TRICKY, place=TRICKY, description=TRICKY, organiser="Netzwerk, ä; 🎉")

    data = calendar_feed([tricky], TRICKY, STAMP)

    assert data.count(ESCAPED) == 5  # NAME, X-WR-CALNAME, SUMMARY, LOCATION, DESCRIPTION
    calendar = parse(data)
    vevent = only_event(calendar)
    # icalendar reads an X- property's value as it stands, still escaped.
    assert calendar["X-WR-CALNAME"].to_ical().startswith(ESCAPED)
    assert vevent["SUMMARY"] == TRICKY
    assert vevent["LOCATION"] == TRICKY
    assert str(vevent["DESCRIPTION"]).startswith(TRICKY + "\n\n")
    assert vevent["ORGANIZER"].params["CN"] == "Netzwerk, ä; 🎉"
    second = vobject.readOne(data.decode())
    assert second.vevent.summary.value == TRICKY
    assert second.vevent.location.value == TRICKY
    assert second.vevent.organizer.params["CN"] == ["Netzwerk, ä; 🎉"]
    assert second.x_wr_calname.value == TRICKY


@pytest.mark.parametrize(
    ("description", "agenda_link", "online_link", "expected"),
    [
        ("Text", None, None, "Text"),
        (None, "https://a.example/1", None, "Agenda: https://a.example/1"),
        (None, None, "https://o.example/2", "Online: https://o.example/2"),
        ("Text", "https://a.example/1", None, "Text\n\nAgenda: https://a.example/1"),
        (
            "Text",
            "https://a.example/1",
            "https://o.example/2",
            "Text\n\nAgenda: https://a.example/1\nOnline: https://o.example/2",
        ),
    ],
)
def test_description_adds_agenda_and_online_links(
    description: str | None, agenda_link: str | None, online_link: str | None, expected: str
) -> None:
    changed = event(description=description, agenda_link=agenda_link, online_link=online_link)

    assert only_event(parse(event_file(changed, STAMP)))["DESCRIPTION"] == expected


def test_event_without_text_or_links_has_no_description() -> None:
    bare = event(description=None, agenda_link=None, online_link=None)

    assert "DESCRIPTION" not in only_event(parse(event_file(bare, STAMP)))


@pytest.mark.parametrize(
    ("place", "online_link", "location", "url"),
    [
        ("Rathaus", "https://o.example/2", "Rathaus", "https://o.example/2"),
        (None, "https://o.example/2", "https://o.example/2", "https://o.example/2"),
        ("Rathaus", None, "Rathaus", None),
        (None, None, None, None),
    ],
)
def test_location_falls_back_to_the_online_link(
    place: str | None, online_link: str | None, location: str | None, url: str | None
) -> None:
    vevent = only_event(parse(event_file(event(place=place, online_link=online_link), STAMP)))

    assert vevent.get("LOCATION") == location
    assert vevent.get("URL") == url


def test_lines_end_in_crlf_and_fold_at_75_octets() -> None:
    long_text = "Grüße aus der Uckermark 🎉 " * 20

    data = calendar_feed([event(title=long_text, description=long_text)], long_text, STAMP)

    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # folding happened
    for line in lines:
        line.decode()  # folding never splits a UTF-8 sequence
    assert only_event(parse(data))["SUMMARY"] == long_text


def test_empty_feed_is_still_a_calendar() -> None:
    data = calendar_feed([], "Termine", STAMP)

    calendar = parse(data)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == PRODID
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Termine"
    assert calendar.walk("VEVENT") == []
    assert vobject.readOne(data.decode()).name == "VCALENDAR"


def test_vobject_reads_the_feed() -> None:
    late = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    events = [
        event(uid="a@x", sequence=5),
        event(uid="b@x", starts_at=late, ends_at=late + dt.timedelta(hours=2), cancelled=True),
    ]

    second = vobject.readOne(calendar_feed(events, "Termine", STAMP).decode())

    read = [
        (
            vevent.uid.value,
            int(vevent.sequence.value),
            vevent.dtstart.value.astimezone(UTC),
            vevent.dtend.value.astimezone(UTC),
            vevent.status.value,
        )
        for vevent in second.vevent_list
    ]
    assert read == [
        ("a@x", 5, BASE.starts_at, BASE.ends_at, "CONFIRMED"),
        ("b@x", 3, late, late + dt.timedelta(hours=2), "CANCELLED"),
    ]
    assert second.x_wr_calname.value == "Termine"


def test_same_input_gives_the_same_bytes() -> None:
    events = [event(uid="a@x"), event(uid="b@x", timezone="America/New_York")]

    assert calendar_feed(events, "Termine", STAMP) == calendar_feed(events[::-1], "Termine", STAMP)


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        event_file(event(starts_at=dt.datetime(2026, 9, 29, 10, 0)), STAMP)


def test_the_feed_tells_subscribers_to_refresh_hourly() -> None:
    raw = calendar_feed([], "Termine", dt.datetime(2026, 9, 1, tzinfo=dt.UTC)).decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in raw
    assert "X-PUBLISHED-TTL:PT1H\r\n" in raw
