"""The announcements page: scheduled as `!ankuendigung` schedules (the same time phrases and
messages), once per form; paused, resumed and cancelled only by whom the commands let."""

from __future__ import annotations

import re
from typing import Any, cast

from commands.announcements.plan import ANNOUNCEMENT_DUTY
from storage import announcements
from storage.database import Database
from tests.unit.web_site import MEMBER, ORGA, ROOM, ROOM_ORGA, log_in, make_ports, site


def form_id(html: str) -> str:
    found = re.search(r'name="form_id" value="([^"]+)"', html)
    assert found, html
    return found[1]


async def test_an_announcement_is_scheduled_once_and_managed(db: Database) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, ROOM_ORGA)
        page = await (await client.get("/web/announcements")).text()
        assert f'value="{ROOM}"' in page
        fields = {
            "csrf_token": csrf,
            "form_id": form_id(page),
            "when": "vorgestern 9 Uhr",
            "rooms": ROOM,
            "text": "Der Workshop <b>beginnt</b>.",
        }
        response = await client.post("/web/announcements/new", data=fields)
        assert response.status == 400
        assert "kann ich nicht als Zeitpunkt lesen" in await response.text()
        fields["when"] = "jeden Montag 9 Uhr"
        for _ in range(2):  # sent twice: one announcement
            response = await client.post("/web/announcements/new", data=fields)
            html = await response.text()
            assert response.status == 200 and "Ankündigung Nr. 1 geplant" in html
        # The organiser's HTML is kept: listed formatted, stored as the chat stores it.
        assert '<td class="text">Der Workshop <b>beginnt</b>.</td>' in html
        (row,) = await announcements.listed(db)
        assert row.text == "Der Workshop <b>beginnt</b>." and row.html == row.text
        assert row.room_ids == [ROOM] and row.cron is not None and row.created_by == ROOM_ORGA
        response = await client.post(
            f"/web/announcements/{row.id}/pause", data={"csrf_token": csrf}
        )
        assert "ist pausiert" in await response.text()
        assert (await announcements.get(db, row.id)).status == announcements.PAUSED  # type: ignore[union-attr]
        response = await client.post(
            f"/web/announcements/{row.id}/resume", data={"csrf_token": csrf}
        )
        assert "läuft wieder" in await response.text()
        response = await client.post(
            f"/web/announcements/{row.id}/cancel", data={"csrf_token": csrf}
        )
        assert "ist gelöscht" in await response.text()
    stored = await announcements.get(db, row.id)
    assert stored is not None and stored.status == announcements.CANCELLED
    changed = cast(Any, ports.schedules).changed_items
    assert changed == [(ANNOUNCEMENT_DUTY, row.id)] * 4


async def test_members_and_other_organisers_are_kept_out(db: Database) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, ORGA)
        page = await (await client.get("/web/announcements")).text()
        fields = {
            "csrf_token": csrf,
            "form_id": form_id(page),
            "when": "morgen 9 Uhr",
            "rooms": ROOM,
            "text": "Hallo",
        }
        assert (await client.post("/web/announcements/new", data=fields)).status == 200
    (row,) = await announcements.listed(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, MEMBER)
        assert (await client.get("/web/announcements")).status == 403
        response = await client.post(
            f"/web/announcements/{row.id}/cancel", data={"csrf_token": csrf}
        )
        assert response.status == 403
        # A room organiser manages what is announced in their room.
        csrf = await log_in(client, ports, ROOM_ORGA)
        assert "Hallo" in await (await client.get("/web/announcements")).text()
        response = await client.post("/web/announcements/999/cancel", data={"csrf_token": csrf})
        assert response.status == 404
        elsewhere = fields | {
            "csrf_token": csrf,
            "rooms": "!anderer:example.org",
            "form_id": "x" * 20,
        }
        response = await client.post("/web/announcements/new", data=elsewhere)
        assert response.status == 400
        assert "darfst du nichts ankündigen" in await response.text()
    assert len(await announcements.listed(db)) == 1


async def test_markdown_is_kept_formatted_and_cleaned_as_in_chat(db: Database) -> None:
    ports = make_ports(db)
    typed = (
        "**Wichtig:** [Anmeldung](https://example.org/a) bis Freitag\n\n"
        "- Laptop\n- Ausweis <script>alert(1)</script>\n\n[x](javascript:alert(1))"
    )
    async with site(ports) as client:
        csrf = await log_in(client, ports, ORGA)
        page = await (await client.get("/web/announcements")).text()
        fields = {"csrf_token": csrf, "form_id": form_id(page), "when": "morgen 9 Uhr"}
        response = await client.post(
            "/web/announcements/new", data=fields | {"rooms": ROOM, "text": typed}
        )
        html = await response.text()
    (row,) = await announcements.listed(db)
    # The body as typed, the HTML as Element would have sent it, cleaned by nh3's allowlist.
    assert row.text == typed
    assert row.html == (
        '<p><strong>Wichtig:</strong> <a href="https://example.org/a">Anmeldung</a> bis '
        "Freitag</p>\n<ul>\n<li>Laptop</li>\n<li>Ausweis </li>\n</ul>\n<p><a>x</a></p>"
    )
    assert row.html in html and "<script" not in html and "javascript:" not in html
