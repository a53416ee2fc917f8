"""The events page's pages: the viewer's events in order, a page at a time, and their answers
read together — for an organiser of the network and for a member who sees only some rooms."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from commands.core.ports import Ports, Settings
from commands.events.plan import MAYBE, YES
from commands.web import views
from commands.web.rights import Viewer
from commands.web.views import EVENTS_PER_PAGE, Page, event_list, visible_events
from storage import events
from storage.database import Database
from storage.events import NewEvent

NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
OURS, OTHERS = "!ours:example.org", "!others:example.org"
ANNA = "@anna:example.org"


class NoRooms:
    """A homeserver client that knows no rooms: labels fall back to room ids."""

    rooms: dict[str, Any] = {}  # noqa: RUF012


def page_for(db: Database, viewer: Viewer) -> Page:
    unused: Any = None
    ports = Ports(
        db=db,
        settings=Settings(),
        registry=unused,
        schedules=unused,
        messenger=unused,
        direct=unused,
        homeserver=cast(Any, NoRooms()),
        errors=unused,
        links=unused,
    )
    return Page(ports, viewer, "de")


async def add_events(db: Database, count: int) -> list[int]:
    """`count` events a day apart; every third in our room, the others elsewhere."""
    ids = []
    for n in range(count):
        starts = NOW + dt.timedelta(days=n + 1)
        new = NewEvent(
            f"$e{n}", "@orga:example.org", OTHERS, f"Termin {n}", starts,
            starts + dt.timedelta(hours=1), "Europe/Berlin", None, None, None, None, True,
            [OURS if n % 3 == 0 else OTHERS], [],
        )  # fmt: skip
        ids.append((await events.create(db, new, [])).id)
    return ids


NETWORK = Viewer("@orga:example.org", network=True, joined=frozenset(), organised=frozenset())
MEMBER = Viewer(ANNA, network=False, joined=frozenset({OURS}), organised=frozenset())


async def test_pages_of_the_network_organiser_follow_each_other(db: Database) -> None:
    ids = await add_events(db, EVENTS_PER_PAGE + 7)
    page = page_for(db, NETWORK)

    first, more = await event_list(page, NOW, "https://bot.example.org", 1)
    second, after = await event_list(page, NOW, "https://bot.example.org", 2)
    empty, _ = await event_list(page, NOW, "https://bot.example.org", 3)

    assert [card["id"] for card in first] == ids[:EVENTS_PER_PAGE] and more
    assert [card["id"] for card in second] == ids[EVENTS_PER_PAGE:] and not after
    assert empty == []


async def test_a_member_pages_through_only_the_events_of_their_rooms(db: Database) -> None:
    ids = await add_events(db, 3 * EVENTS_PER_PAGE + 9)
    theirs = ids[::3]
    page = page_for(db, MEMBER)

    assert [row.id for row in await visible_events(page, NOW, 0, 5)] == theirs[:5]
    first, more = await event_list(page, NOW, "", 1)
    second, after = await event_list(page, NOW, "", 2)

    assert [card["id"] for card in first] == theirs[:EVENTS_PER_PAGE] and more
    assert [card["id"] for card in second] == theirs[EVENTS_PER_PAGE:] and not after


async def test_the_list_counts_answers_and_shows_the_viewers_own(db: Database) -> None:
    ids = await add_events(db, 4)
    await events.set_answer(db, ids[0], ANNA, YES, None)
    await events.set_answer(db, ids[0], "@ben:example.org", MAYBE, None)
    await events.set_answer(db, ids[3], "@ben:example.org", YES, None)

    cards, _ = await event_list(page_for(db, MEMBER), NOW, "", 1)

    assert [card["id"] for card in cards] == [ids[0], ids[3]]
    assert cards[0]["counts"] == "1 zugesagt · 1 vielleicht · 0 abgesagt"
    assert cards[0]["own_answer"] == "Zugesagt" and cards[0]["names"] is None
    assert cards[1]["own_answer"] is None
    # Names are on the event's own page, for those who manage it only.
    mine = await views.event_answers(page_for(db, MEMBER), ids[0], "")
    assert mine is not None and mine["names"] is None
    managed = await views.event_answers(page_for(db, NETWORK), ids[0], "")
    assert managed is not None and managed["names"]["yes"] == [ANNA]
    assert await views.event_answers(page_for(db, MEMBER), ids[1], "") is None
