"""iCalendar files (RFC 5545, RFC 5546) for events: a subscribable feed and single-event files that
import into Thunderbird and Outlook at the right local times."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
)

PRODID = "-//Alumni-Netzwerk Smart City Brandenburg//alumni-bot//DE"

_DAY = dt.timedelta(days=1)
_MINUTES_PER_DAY = 24 * 60
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable per event, e.g. "event-7@example.org"
    sequence: int  # bumped by the caller on each change
    title: str
    starts_at: dt.datetime  # aware, UTC
    ends_at: dt.datetime  # aware, UTC
    timezone: str  # IANA zone the event is shown in, e.g. "Europe/Berlin"
    place: str | None
    online_link: str | None  # https URL or None
    description: str | None
    agenda_link: str | None  # URL or None
    cancelled: bool
    created_at: dt.datetime  # aware UTC
    updated_at: dt.datetime  # aware UTC (LAST-MODIFIED; DTSTAMP uses `stamp`)
    organiser: str  # display name, e.g. "Alumni-Netzwerk Smart City"
    organiser_uri: str  # "mailto:..." or "https://matrix.to/#/@bot:example.org"


def calendar_feed(events: Sequence[CalendarEvent], name: str, stamp: dt.datetime) -> bytes:
    """A METHOD:PUBLISH calendar of all events; cancelled ones with STATUS:CANCELLED."""
    calendar = _calendar("PUBLISH")
    calendar.add("NAME", vText(name))
    # NAME is the standard (RFC 7986); Outlook and most other clients read only X-WR-CALNAME.
    calendar.add("X-WR-CALNAME", vText(name))
    # How often a subscribed client should fetch the feed again (RFC 7986; Outlook's own name).
    calendar.add("REFRESH-INTERVAL", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(dt.timedelta(hours=1)))
    return _with_components(calendar, events, stamp)


def event_file(event: CalendarEvent, stamp: dt.datetime) -> bytes:
    """One event: METHOD:PUBLISH, or METHOD:CANCEL (STATUS:CANCELLED) when cancelled."""
    return _with_components(_calendar("CANCEL" if event.cancelled else "PUBLISH"), [event], stamp)


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def _with_components(
    calendar: Calendar, events: Sequence[CalendarEvent], stamp: dt.datetime
) -> bytes:
    ordered = sorted(events, key=lambda event: (_utc(event.starts_at), event.uid))
    vevents = [_vevent(event, stamp) for event in ordered]
    # UTC times are written with a Z suffix and have no TZID to define.
    tzids = sorted(
        {vevent[key].params.get("TZID") for vevent in vevents for key in ("DTSTART", "DTEND")}
        - {None}
    )
    if tzids:
        first_year = min(event.starts_at for event in ordered).year - 1
        last_year = max(event.ends_at for event in ordered).year + 1
        for tzid in tzids:
            calendar.add_component(_vtimezone(tzid, first_year, last_year))
    for vevent in vevents:
        calendar.add_component(vevent)
    return calendar.to_ical()


def _vevent(event: CalendarEvent, stamp: dt.datetime) -> Event:
    zone = ZoneInfo(event.timezone)
    vevent = Event()
    vevent.add("UID", event.uid)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTAMP", _utc(stamp))
    vevent.add("CREATED", _utc(event.created_at))
    vevent.add("LAST-MODIFIED", _utc(event.updated_at))
    vevent.add("DTSTART", _utc(event.starts_at).astimezone(zone))
    vevent.add("DTEND", _utc(event.ends_at).astimezone(zone))
    vevent.add("SUMMARY", event.title)
    location = event.place or event.online_link
    if location:
        vevent.add("LOCATION", location)
    if event.online_link:
        vevent.add("URL", event.online_link)
    description = _description(event)
    if description:
        vevent.add("DESCRIPTION", description)
    vevent.add("STATUS", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("TRANSP", "OPAQUE")
    organiser = vCalAddress(event.organiser_uri)
    organiser.params["CN"] = event.organiser
    vevent.add("ORGANIZER", organiser)
    return vevent


def _description(event: CalendarEvent) -> str | None:
    links = [
        f"{label}: {link}"
        for label, link in (("Agenda", event.agenda_link), ("Online", event.online_link))
        if link
    ]
    parts = [part for part in (event.description, "\n".join(links)) if part]
    return "\n\n".join(parts) or None


def _utc(value: dt.datetime) -> dt.datetime:
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: calendar times must be aware")
    return value.astimezone(dt.UTC)


_Kind = tuple[dt.timedelta, dt.timedelta, bool, str]


@dataclass(frozen=True)
class _Transition:
    wall: dt.datetime  # local time of the change on the clock before it, as RFC 5545 counts
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    daylight: bool
    name: str

    @property
    def kind(self) -> _Kind:
        return (self.offset_from, self.offset_to, self.daylight, self.name)


def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The zone from 1 January `first_year` to the end of `last_year`: as yearly rules where its
    changes follow them (Outlook reads nothing else), otherwise as the list of its changes."""
    zone = ZoneInfo(tzid)
    start = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    kinds: dict[_Kind, list[_Transition]] = defaultdict(list)
    for transition in _transitions(zone, start, dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)):
        kinds[transition.kind].append(transition)
    timezone = Timezone()
    timezone.add("TZID", tzid)
    rules = _yearly_rules(list(kinds.values()), years=last_year - first_year + 1)
    if rules is not None:
        for changes, rule in zip(kinds.values(), rules, strict=True):
            timezone.add_component(_observance(changes[0], rule))
        return timezone
    timezone.add_component(_observance(_steady(start.astimezone(zone))))
    for changes in kinds.values():
        observance = _observance(changes[0])
        if len(changes) > 1:
            observance.add("RDATE", [change.wall for change in changes[1:]])
        timezone.add_component(observance)
    return timezone


def _observance(
    change: _Transition, rule: dict[str, object] | None = None
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if change.daylight else TimezoneStandard()
    observance.add("DTSTART", change.wall)
    if rule is not None:
        observance.add("RRULE", rule)
    observance.add("TZOFFSETFROM", change.offset_from)
    observance.add("TZOFFSETTO", change.offset_to)
    observance.add("TZNAME", change.name)
    return observance


def _steady(local: dt.datetime) -> _Transition:
    """The state at `local` as if it had just begun."""
    offset = local.utcoffset() or dt.timedelta()
    return _Transition(local.replace(tzinfo=None), offset, offset, bool(local.dst()), _name(local))


def _transitions(zone: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[_Transition]:
    transitions = []
    day = start
    while day < end:
        before = _state(zone, day)
        if _state(zone, day + _DAY) != before:
            low, high = 0, _MINUTES_PER_DAY
            while high - low > 1:
                middle = (low + high) // 2
                if _state(zone, day + dt.timedelta(minutes=middle)) == before:
                    low = middle
                else:
                    high = middle
            at = day + dt.timedelta(minutes=high)
            local = at.astimezone(zone)
            transitions.append(
                _Transition(
                    wall=(at + before[0]).replace(tzinfo=None),
                    offset_from=before[0],
                    offset_to=local.utcoffset() or dt.timedelta(),
                    daylight=bool(local.dst()),
                    name=_name(local),
                )
            )
        day += _DAY
    return transitions


def _state(zone: ZoneInfo, at: dt.datetime) -> tuple[dt.timedelta, dt.timedelta, str]:
    local = at.astimezone(zone)
    return (local.utcoffset() or dt.timedelta(), local.dst() or dt.timedelta(), _name(local))


def _name(local: dt.datetime) -> str:
    return local.tzname() or str(local.utcoffset())


def _yearly_rules(
    kinds: Sequence[Sequence[_Transition]], years: int
) -> list[dict[str, object]] | None:
    """RRULEs for a zone changing to daylight saving time and back once in each of `years`, on
    the same weekday of the month every year; None for any other pattern."""
    if sorted(changes[0].daylight for changes in kinds) != [False, True]:
        return None
    rules = []
    for changes in kinds:
        walls = [change.wall for change in changes]
        byday = _byday(walls)
        if byday is None or len(walls) != years or len({wall.year for wall in walls}) != years:
            return None
        rules.append({"FREQ": "YEARLY", "BYMONTH": walls[0].month, "BYDAY": byday})
    return rules


def _byday(walls: Sequence[dt.datetime]) -> str | None:
    """The BYDAY value ("-1SU", "2SU") that yields all these dates, each in the same month at the
    same time of day; None if there is none."""
    if len({(wall.month, wall.weekday(), wall.time()) for wall in walls}) != 1:
        return None
    weekday = _WEEKDAYS[walls[0].weekday()]
    if all((wall + dt.timedelta(days=7)).month != wall.month for wall in walls):
        return f"-1{weekday}"
    ordinals = {(wall.day - 1) // 7 + 1 for wall in walls}
    if len(ordinals) == 1 and (ordinal := ordinals.pop()) <= 4:
        return f"{ordinal}{weekday}"
    return None
