"""Changing an event on the web page: the form shows the event as it is; a change goes through
`!termin ändern`'s path (a change notice with what changed, reminders planned anew), once per
form, with the command's messages; only whom the command lets may change it."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select

from commands.core.ports import Ports
from commands.events.creation import create_announced
from commands.events.plan import details_from_fields
from commands.web.event_edit import fields_of
from storage import events
from storage.database import Database
from storage.models import Event, EventPost
from storage.outbox import ANNOUNCE, REMINDER, UPDATE
from tests.unit.web_site import (
    MEMBER,
    ROOM,
    ROOM_ORGA,
    default_rooms,
    log_in,
    make_ports,
    room_with,
    site,
)

ZONE = ZoneInfo("Europe/Berlin")


def fields(**changed: str) -> dict[str, str]:
    day = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    given = {"title": "Workshop", "date": day, "start": "10:00", "end": "16:00"}
    return given | {"place": "Potsdam", "online_link": ""} | changed


async def announced(ports: Ports, room_ids: list[str]) -> Event:
    """An event a room's organiser announced, as `!termin neu` does."""
    now = dt.datetime.now(dt.UTC)
    return await create_announced(
        ports,
        source="$neu",
        created_by=ROOM_ORGA,
        command_room_id=ROOM,
        details=details_from_fields(fields(), now, ZONE),
        room_ids=room_ids,
        now=now,
    )


async def test_a_change_is_posted_as_the_command_posts_it(db: Database) -> None:
    ports = make_ports(db)
    row = await announced(ports, [ROOM])
    as_now = {"agenda_link": "", "description": "", "reminders": "7d 1d 1h", "closed": "yes"}
    assert fields_of(row) == fields() | as_now
    async with site(ports) as client:
        csrf = await log_in(client, ports, ROOM_ORGA)
        page = await (await client.get(f"/web/events/{row.id}/edit")).text()
        assert 'value="Potsdam"' in page and 'value="10:00"' in page
        form_id = re.search(r'name="form_id" value="([^"]+)"', page)
        assert form_id
        # The form as shown, with an end before the start.
        shown = fields_of(row) | {"end": "09:00", "rooms": ROOM}
        sent = shown | {"csrf_token": csrf, "form_id": form_id[1]}
        response = await client.post(f"/web/events/{row.id}/edit", data=sent)
        assert response.status == 400
        assert "liegt nicht nach dem Beginn" in await response.text()
        sent |= {"end": "16:00", "place": "Cottbus"}
        for _ in range(2):  # a reload: one change
            response = await client.post(f"/web/events/{row.id}/edit", data=sent)
            assert response.status == 200
    changed = await events.get(db, row.id)
    assert changed is not None and changed.place == "Cottbus" and changed.sequence == 1
    async with db.session() as session:
        notices = list(
            await session.scalars(
                select(EventPost).where(EventPost.event_id == row.id, EventPost.kind == UPDATE)
            )
        )
    assert len(notices) == 1 and notices[0].changes == {"place": ["Potsdam", "Cottbus"]}


async def test_only_who_manages_the_event_may_change_it(db: Database) -> None:
    ports = make_ports(db)
    row = await announced(ports, ["!anderer:example.org"])
    async with site(ports) as client:
        csrf = await log_in(client, ports, MEMBER)
        assert (await client.get(f"/web/events/{row.id}/edit")).status == 403
        sent = fields(place="X") | {"csrf_token": csrf, "form_id": "y" * 20}
        assert (await client.post(f"/web/events/{row.id}/edit", data=sent)).status == 403
        assert (await client.get("/web/events/999/edit")).status == 403
    assert (await events.get(db, row.id)).place == "Potsdam"  # type: ignore[union-attr]


async def test_the_events_page_links_the_form_for_who_manages(db: Database) -> None:
    ports = make_ports(db)
    row = await announced(ports, [ROOM])
    async with site(ports) as client:
        await log_in(client, ports, MEMBER)
        assert f"/web/events/{row.id}/edit" not in await (await client.get("/web/events")).text()
        await log_in(client, ports, ROOM_ORGA)
        html = await (await client.get("/web/events")).text()
        assert f'href="/web/events/{row.id}/edit"' in html


OTHER_ROOM = "!zweiter:example.org"


async def test_rooms_reminders_description_and_closed_change_as_with_the_command(
    db: Database,
) -> None:
    rooms = default_rooms()
    rooms[OTHER_ROOM] = room_with(OTHER_ROOM, [ROOM_ORGA, MEMBER], {ROOM_ORGA: 50})
    rooms[OTHER_ROOM].name = "Zweiter Raum"
    ports = make_ports(db, rooms)
    row = await announced(ports, [ROOM])
    async with site(ports) as client:
        csrf = await log_in(client, ports, ROOM_ORGA)
        page = await (await client.get(f"/web/events/{row.id}/edit")).text()
        # As it is now: the default reminders, closed, in its one room; the other offered.
        assert (
            'value="7d 1d 1h"' in page and 'id="closed" name="closed" value="yes" checked' in page
        )
        assert f'value="{ROOM}" checked' in page and f'value="{OTHER_ROOM}">' in page
        form_id = re.search(r'name="form_id" value="([^"]+)"', page)
        assert form_id
        base = fields() | {"csrf_token": csrf, "form_id": form_id[1]}
        url = f"/web/events/{row.id}/edit"
        refused = [
            (base | {"reminders": "5x", "rooms": ROOM}, "„5x“ ist keine Erinnerungszeit"),
            (base | {"reminders": "1d"}, "mindestens einen Raum"),
            (base | {"reminders": "1d", "rooms": "!fremd:example.org"}, "darfst du keinen"),
        ]
        for sent, message in refused:
            response = await client.post(url, data=sent)
            assert response.status == 400 and message in await response.text(), message
        sent = base | {
            "rooms": [ROOM, OTHER_ROOM],
            "reminders": "2d",
            "description": "**Mit** Imbiss",
            "agenda_link": "https://agenda.example.org",
        }
        data = [
            (name, value)
            for name, v in sent.items()
            for value in ([v] if isinstance(v, str) else v)
        ]
        assert (await client.post(url, data=data)).status == 200
    changed = await events.get(db, row.id)
    assert changed is not None
    assert changed.room_ids == [ROOM, OTHER_ROOM] and changed.reminder_offsets == [2 * 86400]
    assert changed.description == "**Mit** Imbiss" and not changed.closed
    assert changed.description_html == "<strong>Mit</strong> Imbiss"
    async with db.session() as session:
        posts = list(await session.scalars(select(EventPost).where(EventPost.event_id == row.id)))
    (notice,) = [post for post in posts if post.kind == UPDATE]
    # The rooms so far get one notice of what changed; the new room the card itself.
    assert notice.room_id == ROOM
    assert set(notice.changes) == {"agenda_link", "description", "closed", "reminder_offsets"}
    assert {post.room_id for post in posts if post.kind == ANNOUNCE} == {ROOM, OTHER_ROOM}
    reminders = {(post.room_id, post.key) for post in posts if post.kind == REMINDER}
    # Planned anew: two days before, in both rooms; the old offsets are gone.
    assert reminders == {(ROOM, 2 * 86400), (OTHER_ROOM, 2 * 86400)}


async def test_fields_sent_back_as_they_were_are_left_alone(db: Database) -> None:
    """An event that has begun can still get a new link (its time in the past is not checked
    again), a two-day event keeps its end (the form shows no end then), and a description as
    sent from Element keeps its formatting when the form sends it back unchanged."""
    ports = make_ports(db)
    row = await announced(ports, [ROOM])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    begun_at, ends_at = now - dt.timedelta(hours=1), now + dt.timedelta(days=1, hours=2)
    async with db.session() as session:
        stored = await session.get(Event, row.id)
        assert stored is not None
        stored.starts_at, stored.ends_at = begun_at, ends_at
        stored.description, stored.description_html = "Mit Imbiss", "<em>Mit</em> Imbiss"
    row = await events.get(db, row.id)  # type: ignore[assignment]
    assert row is not None and fields_of(row)["end"] == ""
    async with site(ports) as client:
        csrf = await log_in(client, ports, ROOM_ORGA)
        page = await (await client.get(f"/web/events/{row.id}/edit")).text()
        form_id = re.search(r'name="form_id" value="([^"]+)"', page)
        assert form_id
        sent = fields_of(row) | {
            "online_link": "https://meet.example.org/neu",
            "title": "Workshop, zweiter Tag",
            "rooms": ROOM,
            "csrf_token": csrf,
            "form_id": form_id[1],
        }
        response = await client.post(f"/web/events/{row.id}/edit", data=sent)
        assert response.status == 200, await response.text()
    changed = await events.get(db, row.id)
    assert changed is not None and changed.online_link == "https://meet.example.org/neu"
    assert changed.title == "Workshop, zweiter Tag"
    assert (changed.starts_at, changed.ends_at) == (begun_at, ends_at)
    assert changed.description_html == "<em>Mit</em> Imbiss"
    assert changed.reminder_offsets == row.reminder_offsets
