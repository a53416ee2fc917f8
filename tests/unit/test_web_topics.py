"""The topics page: the open topics of one's rooms ranked as `!themen` ranks them, each upcoming
event's agenda, and its minutes for those who manage the event (as `!protokoll`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from commands.events.creation import create_announced
from commands.events.plan import details_from_fields
from storage import topics
from storage.database import Database
from tests.unit.web_site import MEMBER, ROOM, ROOM_ORGA, log_in, make_ports, site


async def test_topics_ranked_with_agenda_and_minutes(db: Database) -> None:
    ports = make_ports(db)
    now = dt.datetime.now(dt.UTC)
    day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    details = details_from_fields(
        {"title": "Treffen", "date": day, "start": "10:00"}, now, ZoneInfo("Europe/Berlin")
    )
    event = await create_announced(
        ports,
        source="$e",
        created_by=ROOM_ORGA,
        command_room_id=ROOM,
        details=details,
        room_ids=[ROOM],
        now=now,
    )
    few = await topics.create(
        db, topics.NewTopic("$t1", ROOM, "Wenig <i>Interesse</i>", [], None, MEMBER)
    )
    many = await topics.create(db, topics.NewTopic("$t2", ROOM, "Viel Interesse", [], None, MEMBER))
    await topics.support(db, many.id, "@a:example.org")
    await topics.set_agenda(db, event.id, [few.id])
    async with site(ports) as client:
        await log_in(client, ports, MEMBER)
        html = await (await client.get("/web/topics")).text()
        assert html.index("Viel Interesse") < html.index("Wenig &lt;i&gt;Interesse&lt;/i&gt;")
        assert f'id="agenda-{event.id}"' in html
        assert f"/web/events/{event.id}/minutes.md" not in html
        assert (await client.get(f"/web/events/{event.id}/minutes.md")).status == 404
        await log_in(client, ports, ROOM_ORGA)
        response = await client.get(f"/web/events/{event.id}/minutes.md")
        assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
        assert "Wenig" in (await response.read()).decode()
