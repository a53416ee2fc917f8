"""The page names people and rooms as the chat does: the header the logged-in person's display
name (not their Matrix id), the rooms to choose by name with the alias beside it, each
checkbox labelled."""

from __future__ import annotations

import re

from storage.database import Database
from tests.unit.web_site import ORGA, ROOM, default_rooms, log_in, make_ports, site


async def test_the_header_and_the_room_choices_show_names(db: Database) -> None:
    rooms = default_rooms()
    rooms[ROOM].name = "Organisation Potsdam"
    ports = make_ports(db, rooms)
    async with site(ports) as client:
        await log_in(client, ports, ORGA)
        for path in ("/web/events/new", "/web/announcements", "/web/surveys/new"):
            html = await (await client.get(path)).text()
            header = html.split("<main", 1)[0]
            # The display name the rooms know (the test's rooms name Orga "orga").
            assert "Angemeldet als orga<" in header, path
            assert ORGA not in header, path
            label = re.search(r'<label for="([^"]+)">Organisation Potsdam (<span[^>]*>[^<]*)', html)
            assert label, path
            assert label[2] == '<span class="meta">#raum:example.org', path
            assert f'id="{label[1]}" name=' in html and f'value="{ROOM}"' in html, path


async def test_without_a_display_name_the_id_is_shown(db: Database) -> None:
    rooms = default_rooms()
    rooms[ROOM].users[ORGA].display_name = None
    ports = make_ports(db, rooms)
    async with site(ports) as client:
        html = await (await client.get("/web/", allow_redirects=True)).text()
        assert "Angemeldet" not in html
        await log_in(client, ports, ORGA)
        html = await (await client.get("/web/")).text()
        assert f"Angemeldet als {ORGA}<" in html
        # A room without a name is shown by its alias alone.
        html = await (await client.get("/web/events/new")).text()
        assert ">#raum:example.org</label>" in html
