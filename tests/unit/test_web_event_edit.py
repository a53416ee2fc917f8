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
from storage.outbox import UPDATE
from tests.unit.web_site import MEMBER, ROOM, ROOM_ORGA, log_in, make_ports, site

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
    assert fields_of(row) == fields()
    async with site(ports) as client:
        csrf = await log_in(client, ports, ROOM_ORGA)
        page = await (await client.get(f"/web/events/{row.id}/edit")).text()
        assert 'value="Potsdam"' in page and 'value="10:00"' in page
        form_id = re.search(r'name="form_id" value="([^"]+)"', page)
        assert form_id
        sent = fields(end="09:00") | {"csrf_token": csrf, "form_id": form_id[1]}
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
