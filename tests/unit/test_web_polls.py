"""The polls page: each poll of one's rooms with the result `!ergebnis` shows and its chart;
hidden results stay hidden while the poll is open; polls of other rooms are not shown."""

from __future__ import annotations

from storage import polls
from storage.database import Database
from storage.polls import NewPoll, SeenResponse
from tests.unit.web_site import MEMBER, ROOM, log_in, make_ports, site

ANSWERS = [{"id": "a1", "text": "Rolle <b>1</b>"}, {"id": "a2", "text": "Agiles Arbeiten"}]


async def started(db: Database, question: str, room: str, disclosed: bool) -> int:
    new = NewPoll(f"$src-{question}", MEMBER, room, question, ANSWERS, 1, disclosed, None)
    row = await polls.create(db, new)
    await polls.set_started(db, row.id, f"$start-{question}")
    for n, (sender, answer) in enumerate([("@a:example.org", "a1"), ("@b:example.org", "a1")]):
        seen = SeenResponse(f"$r-{question}-{n}", sender, 1000 + n, {"answers": [answer]})
        await polls.record_response(db, row.id, seen)
    return row.id


async def test_results_and_charts_as_the_chat_shows_them(db: Database) -> None:
    shown = await started(db, "Welche Themen?", ROOM, disclosed=True)
    hidden = await started(db, "Geheim?", ROOM, disclosed=False)
    elsewhere = await started(db, "Woanders?", "!anderer:example.org", disclosed=True)
    ports = make_ports(db)
    async with site(ports) as client:
        await log_in(client, ports, MEMBER)
        response = await client.get("/web/polls")
        html = await response.text()
        assert response.status == 200
        assert "Rolle &lt;b&gt;1&lt;/b&gt;" in html and "<b>1</b>" not in html
        assert "<td>2</td>" in html and "2 Teilnehmende" in html
        assert f"/web/polls/{shown}/chart.png" in html
        assert f"/web/polls/{hidden}/chart.png" not in html
        assert "Woanders?" not in html
        response = await client.get(f"/web/polls/{shown}/chart.png")
        assert response.status == 200 and (await response.read()).startswith(b"\x89PNG")
        assert (await client.get(f"/web/polls/{hidden}/chart.png")).status == 404
        assert (await client.get(f"/web/polls/{elsewhere}/chart.png")).status == 404
    async with site(ports) as client:
        assert (await client.get("/web/polls")).status == 401
