"""What the pages show, read from the features' storage and shaped for the templates, each
filtered by the viewer's rights: events (commands.events), polls (commands.polls), needs
surveys and noted needs (commands.surveys)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from commands.core.i18n import Language
from commands.core.ports import Ports
from commands.core.rooms import display_name
from commands.events.plan import MAYBE, NO, YES
from commands.events.text import format_span
from commands.web.rights import Viewer, room_label
from commands.web.texts import TEXTS
from storage import events, needs, polls, surveys
from storage.models import Event

# Pages that list upcoming events without paging show at most this many.
UPCOMING_LIMIT = 200
# The events page shows this many at a time (the calendar feed has them all).
EVENTS_PER_PAGE = 50
# Visibility is the viewer's rooms, checked here: events are read in batches until enough.
MAX_SCANNED = 5000
OVERVIEW_EVENTS = 5
OVERVIEW_NEEDS = 10


@dataclass(frozen=True)
class Page:
    ports: Ports
    viewer: Viewer
    language: Language

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.ports.settings.timezone)


async def visible_events(
    page: Page, now: dt.datetime, skip: int = 0, wanted: int = UPCOMING_LIMIT
) -> list[Event]:
    """Upcoming events the viewer sees, soonest first: `wanted` of them after the first `skip`.
    Read in growing batches: an organiser of the network sees the first batch whole."""
    found: list[Event] = []
    offset, batch = 0, skip + wanted
    while len(found) < skip + wanted and offset < MAX_SCANNED:
        rows = await events.upcoming(page.ports.db, now, batch, offset)
        found += [row for row in rows if page.viewer.sees_event(row)]
        if len(rows) < batch:
            break
        offset, batch = offset + batch, batch * 2
    return found[skip : skip + wanted]


def when(row: Event, language: Language) -> str:
    return format_span(row.starts_at, row.ends_at, ZoneInfo(row.timezone), language)


async def overview(page: Page, now: dt.datetime) -> dict[str, Any]:
    language = page.language
    shown_events = await visible_events(page, now, 0, OVERVIEW_EVENTS)
    open_polls = [
        {
            "id": poll.id,
            "question": poll.question,
            "room": room_label(page.ports, poll.room_id),
        }
        for poll in await polls.open_polls(page.ports.db)
        if poll.start_event_id is not None and page.viewer.sees_room(poll.room_id)
    ]
    open_surveys = [
        {
            "id": survey.id,
            "title": survey.title,
            "until": survey.closes_at.astimezone(page.zone).strftime("%d.%m.%Y %H:%M"),
        }
        for survey in await surveys.open_now(page.ports.db, now)
    ]
    noted = [
        need
        for need in await needs.all_needs(page.ports.db)
        if page.viewer.network
        or need.author == page.viewer.user_id
        or need.room_id in page.viewer.organised
    ]
    noted.sort(key=lambda need: need.created_at, reverse=True)
    return {
        "events": [
            {"id": row.id, "title": row.title, "when": when(row, language), "place": row.place}
            for row in shown_events
        ],
        "polls": open_polls,
        "surveys": open_surveys,
        "needs": [
            {
                "text": need.text,
                "room": need.room_label,
                "when": need.created_at.astimezone(page.zone).strftime("%d.%m.%Y"),
            }
            for need in noted[:OVERVIEW_NEEDS]
        ],
    }


def _person(ports: Ports, row: Event, user_id: str) -> str:
    for room_id in [*row.room_ids, row.command_room_id]:
        name = display_name(ports.homeserver, room_id, user_id)
        if name:
            return f"{name} ({user_id})"
    return user_id


def _card(
    page: Page, row: Event, answers: dict[str, str], base_url: str, names: bool
) -> dict[str, Any]:
    """One event as the pages show it: counts, the viewer's own answer, and with `names` who
    answered what (for those who manage the event, as `!termin antworten`)."""
    language = page.language
    listed = None
    if names and page.viewer.may_manage(row):
        listed = {
            answer: sorted(
                _person(page.ports, row, user) for user, given in answers.items() if given == answer
            )
            for answer in (YES, MAYBE, NO)
        }
    own = answers.get(page.viewer.user_id)
    counted = Counter(answers.values())
    return {
        "id": row.id,
        "title": row.title,
        "when": when(row, language),
        "place": row.place,
        "online_link": row.online_link,
        "rooms": ", ".join(room_label(page.ports, room) for room in row.room_ids),
        "counts": TEXTS["counts"].format(
            language, yes=counted.get(YES, 0), maybe=counted.get(MAYBE, 0), no=counted.get(NO, 0)
        ),
        "manages": page.viewer.may_manage(row),
        "names": listed,
        "own_answer": TEXTS[own].get(language) if own else None,
        "ics": f"{base_url}/events/{row.id}.ics",
    }


async def event_list(
    page: Page, now: dt.datetime, base_url: str, number: int
) -> tuple[list[dict[str, Any]], bool]:
    """Page `number` (from 1) of the upcoming events with their counts and the viewer's own
    answer, and whether more follow; who answered what is on each event's own page."""
    skip = (number - 1) * EVENTS_PER_PAGE
    rows = await visible_events(page, now, skip, EVENTS_PER_PAGE + 1)
    shown = rows[:EVENTS_PER_PAGE]
    # One query for all of them, not one per event.
    answered = await events.answers_of(page.ports.db, [row.id for row in shown])
    cards = [_card(page, row, answered.get(row.id, {}), base_url, names=False) for row in shown]
    return cards, len(rows) > EVENTS_PER_PAGE


async def event_answers(page: Page, event_id: int, base_url: str) -> dict[str, Any] | None:
    """One event with who answered what, for those who manage it; None if the viewer may not
    see it (or it does not exist)."""
    row = await events.get(page.ports.db, event_id)
    if row is None or not page.viewer.sees_event(row):
        return None
    return _card(page, row, await events.answers(page.ports.db, row.id), base_url, names=True)
