"""One's own data on the web page: answers, what is stored and the `!meine-daten` files, of
the viewer only; and the space page, for the network's organisers only."""

from __future__ import annotations

import json

from commands.space.text import SpaceReport
from commands.web.space_page import preview_view
from storage import events
from storage.database import Database
from tests.unit.test_web_event_edit import announced
from tests.unit.web_site import MEMBER, ORGA, ROOM, ROOM_ORGA, log_in, make_ports, site


async def test_members_see_their_own_data_and_nobody_elses(db: Database) -> None:
    ports = make_ports(db)
    row = await announced(ports, [ROOM])
    await events.set_answer(db, row.id, MEMBER, "yes", None)
    await events.set_answer(db, row.id, "@andere:example.org", "no", None)
    async with site(ports) as client:
        await log_in(client, ports, MEMBER)
        html = await (await client.get("/web/me")).text()
        assert f"Nr. {row.id}: Workshop" in html and "Zugesagt" in html
        assert "andere" not in html
        response = await client.get("/web/me/data.json")
        assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
        data = json.loads(await response.read())
        assert MEMBER in json.dumps(data) and "@andere:example.org" not in json.dumps(data)
        assert (await client.get("/web/me/data.md")).status == 200
    async with site(ports) as client:
        assert (await client.get("/web/me/data.json")).status == 401


async def test_the_space_page_is_for_network_organisers(db: Database) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        await log_in(client, ports, ROOM_ORGA)
        assert (await client.get("/web/space")).status == 403
        await log_in(client, ports, ORGA)
        response = await client.get("/web/space")
        assert response.status == 200 and "Einen Space betreibe ich nicht" in await response.text()


def test_a_dry_run_is_shown_as_what_would_change() -> None:
    report = SpaceReport(
        created=["Allgemein"],
        changed=[("Space", "m.room.name")],
        invited=[("@anna:example.org", "Allgemein")],
    )
    shown = preview_view(report, "en")
    assert shown["created"] == ["Allgemein"] and not shown["empty"]
    assert shown["changed"][0]["room"] == "Space" and shown["changed"][0]["what"] != ""
    assert shown["invited"] == [{"user": "@anna:example.org", "room": "Allgemein"}]
    assert preview_view(SpaceReport(), "de")["empty"]
