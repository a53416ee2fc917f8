"""The members page: only the network's organisers see it; the roster file is previewed line
by line (every change, every rejected line with its number and reason) and applied only when
confirmed and valid; an entry is added and removed as by the roster commands."""

from __future__ import annotations

import pytest
from aiohttp import FormData

from commands.space.roster_plan import RosterEntry, plan_import, read_rows
from commands.web.members import preview, roster_rows
from storage import roster
from storage.database import Database
from tests.unit.web_site import MEMBER, ORGA, ROOM_ORGA, log_in, make_ports, site

GOOD = "@anna:example.org"
CSV = (
    "matrix_id;name;kommune;durchgang;rolle\n"
    f"{GOOD};Anna Beispiel;Potsdam;;Gast\n"
    "@ben:other.org;Ben;Cottbus;;Gast\n"
)


def test_the_preview_names_every_change_and_every_rejected_line() -> None:
    stored = {
        "@carla:example.org": RosterEntry("@carla:example.org", "Carla", "Potsdam", None, "guest"),
        GOOD: RosterEntry(GOOD, "Anna", "", None, "guest"),
    }
    plan = plan_import(read_rows(CSV), stored, (), ("example.org",))
    shown = preview(plan, "de")
    assert shown["added"] == []
    assert shown["changed"] == [
        {"user_id": GOOD, "before": "Anna, Gast", "after": "Anna Beispiel, Potsdam, Gast"}
    ]
    assert shown["rejected"] == [
        {
            "line": 3,
            "reason": "@ben:other.org: Konten von other.org gehören nicht zum Netzwerk "
            "(erlaubt: example.org)",
        }
    ]
    assert [entry["user_id"] for entry in shown["not_in_file"]] == ["@carla:example.org"]
    english = preview(plan, "en")
    assert "do not belong to the network" in english["rejected"][0]["reason"]


def test_the_table_is_ordered_as_the_command_lists_it() -> None:
    entries = [
        RosterEntry("@z:example.org", "Zora", "Angermünde", 2, "manager"),
        RosterEntry("@a:example.org", "Anton", "Zossen", 1, "manager"),
        RosterEntry("@g:example.org", "Gabi", "", None, "guest"),
    ]
    rows = roster_rows(entries, "en")
    assert [row["name"] for row in rows] == ["Gabi", "Anton", "Zora"]
    assert rows[1]["role"] == "Smart City Manager" and rows[1]["cohort"] == "1"


@pytest.mark.parametrize("user", [MEMBER, ROOM_ORGA])
async def test_only_network_organisers_reach_the_members_page(db: Database, user: str) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        assert (await client.get("/web/members")).status == 401
        csrf = await log_in(client, ports, user)
        assert (await client.get("/web/members")).status == 403
        fields = {"csrf_token": csrf, "user_id": GOOD, "name": "Anna", "role": "guest"}
        assert (await client.post("/web/members/add", data=fields)).status == 403
    assert await roster.get(db, GOOD) is None


async def test_a_file_with_a_bad_line_is_previewed_and_refused(db: Database) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, ORGA)
        upload = FormData({"csrf_token": csrf})
        upload.add_field("file", CSV.encode(), filename="roster.csv", content_type="text/csv")
        response = await client.post("/web/members/import", data=upload)
        html = await response.text()
        assert response.status == 400
        assert "<td>3</td>" in html and "gehören nicht zum Netzwerk" in html
        assert "Anna Beispiel, Potsdam, Gast" in html
        assert await roster.get(db, GOOD) is None
        # Confirmed as it is: refused, nothing written.
        confirm = {"csrf_token": csrf, "confirm": "yes", "file_text": CSV}
        response = await client.post("/web/members/import", data=confirm)
        assert response.status == 400 and 'id="import-refused"' in await response.text()
        assert await roster.get(db, GOOD) is None
        # Without the CSRF token nothing happens either.
        unchecked = confirm | {"csrf_token": "x", "anyway": "yes"}
        assert (await client.post("/web/members/import", data=unchecked)).status == 403
        assert await roster.get(db, GOOD) is None
        # Only the valid lines, asked for explicitly (as --trotzdem).
        response = await client.post("/web/members/import", data=confirm | {"anyway": "yes"})
        assert response.status == 200
        assert "1 neu" in await response.text()
    stored = await roster.get(db, GOOD)
    assert stored is not None and stored.name == "Anna Beispiel"
    assert await roster.get(db, "@ben:other.org") is None


async def test_an_entry_is_added_checked_and_removed_after_confirmation(db: Database) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, ORGA)
        wrong = {"csrf_token": csrf, "user_id": GOOD, "name": "Anna", "role": "manager"}
        response = await client.post("/web/members/add", data=wrong)
        assert response.status == 400
        assert "brauchen einen Durchgang" in await response.text()
        fields = wrong | {"role": "guest", "municipality": "Potsdam"}
        response = await client.post("/web/members/add", data=fields)
        assert response.status == 200
        assert "ist im Verzeichnis: Anna, Potsdam, Gast" in await response.text()
        # The form's answer is a redirect to the page (a reload does not send the form
        # again), which says what was done once.
        assert [step.status for step in response.history] == [303]
        again = await (await client.get("/web/members")).text()
        assert "ist im Verzeichnis: Anna, Potsdam, Gast" not in again
        response = await client.post(
            "/web/members/remove", data={"csrf_token": csrf, "user_id": GOOD}
        )
        assert "Wirklich entfernen?" in await response.text()
        assert await roster.get(db, GOOD) is not None
        response = await client.post(
            "/web/members/remove", data={"csrf_token": csrf, "user_id": GOOD, "confirm": "yes"}
        )
        assert response.status == 200
        assert "aus dem Verzeichnis gelöscht" in await response.text()
    assert await roster.get(db, GOOD) is None
