"""What the pages show, read from the features' storage and shaped for the templates, each
filtered by the viewer's rights: events (commands.events), polls (commands.polls), needs
surveys and noted needs (commands.surveys)."""

from __future__ import annotations

import datetime as dt
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

# The page lists at most this many upcoming events (the calendar feed has them all).
EVENT_LIMIT = 200
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


async def visible_events(page: Page, now: dt.datetime) -> list[Event]:
    rows = await events.upcoming(page.ports.db, now, EVENT_LIMIT)
    return [row for row in rows if page.viewer.sees_event(row)]


def when(row: Event, language: Language) -> str:
    return format_span(row.starts_at, row.ends_at, ZoneInfo(row.timezone), language)


async def overview(page: Page, now: dt.datetime) -> dict[str, Any]:
    language = page.language
    shown_events = (await visible_events(page, now))[:OVERVIEW_EVENTS]
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


async def event_list(page: Page, now: dt.datetime, base_url: str) -> list[dict[str, Any]]:
    """Upcoming events with counts; names of who answered for those who manage the event
    (as `!termin antworten`), else the viewer's own answer."""
    language = page.language
    rows = await visible_events(page, now)
    counts = await events.answer_counts(page.ports.db, [row.id for row in rows])
    shown = []
    for row in rows:
        answers = await events.answers(page.ports.db, row.id)
        names = None
        if page.viewer.may_manage(row):
            names = {
                answer: sorted(
                    _person(page.ports, row, user)
                    for user, given in answers.items()
                    if given == answer
                )
                for answer in (YES, MAYBE, NO)
            }
        own = answers.get(page.viewer.user_id)
        counted = counts.get(row.id, {})
        shown.append(
            {
                "id": row.id,
                "title": row.title,
                "when": when(row, language),
                "place": row.place,
                "online_link": row.online_link,
                "rooms": ", ".join(room_label(page.ports, room) for room in row.room_ids),
                "counts": TEXTS["counts"].format(
                    language,
                    yes=counted.get(YES, 0),
                    maybe=counted.get(MAYBE, 0),
                    no=counted.get(NO, 0),
                ),
                "names": names,
                "own_answer": TEXTS[own].get(language) if own else None,
                "ics": f"{base_url}/events/{row.id}.ics",
            }
        )
    return shown
