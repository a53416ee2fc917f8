"""The needs survey pages: the form and a TOML file become the same survey as `!bedarfe
anlegen`, checked line by line before it is saved; the exports are `!export bedarfe`'s and keep
an open anonymous survey's answers back; only the network's organisers get in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from aiohttp import FormData

from commands.core.converters import ConversionError
from commands.surveys.commands import new_survey
from commands.surveys.definition import SURVEY_DUTY, parse_toml
from commands.web.survey_pages import QUESTION_EXAMPLE, error_line, toml_of_form
from storage import surveys
from storage.database import Database
from storage.surveys import NewSurvey
from tests.unit.web_site import MEMBER, ORGA, ROOM_ORGA, log_in, make_ports, site

ZONE = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
QUESTIONS = """[[frage]]
text = "Wo ist die Rolle angesiedelt?"
art = "einfach"
antworten = ["Fachbereich", "Stabsstelle"]
"""


def form_fields(**changed: str) -> dict[str, str]:
    closes = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return {
        "title": 'Bedarfe "2026"',
        "description": "",
        "closes_date": closes,
        "closes_time": "18:00",
        "questions": QUESTIONS,
        **changed,
    }


def test_the_form_gives_the_toml_the_command_reads() -> None:
    fields = form_fields(closes_date="2026-10-01", opens_date="2026-09-02", opens_time="09:30")
    text = toml_of_form(fields, False, ["!raum:example.org"])
    definition = parse_toml(text, NOW, ZONE, "!hilfe")
    assert definition.title == 'Bedarfe "2026"' and not definition.anonymous
    assert definition.opens_at == dt.datetime(2026, 9, 2, 7, 30, tzinfo=dt.UTC)
    assert definition.closes_at == dt.datetime(2026, 10, 1, 16, 0, tzinfo=dt.UTC)
    assert definition.invite_rooms == ("!raum:example.org",)
    assert definition.questions[0].options == ("Fachbereich", "Stabsstelle")
    # The example the form starts with is a valid set of questions.
    parse_toml(toml_of_form(form_fields(questions=QUESTION_EXAMPLE), True, []), NOW, ZONE, "")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('titel = "T"\nende = 2026-10-01T18:00:00\n\n[[frage]]\ntext = "A"\nart = "rund"\n', 4),
        ('titel = "T"\nende = "gestern"\n', 2),
        ('titel = "T"\nende = 2026-10-01T18:00:00\nfarbe = "rot"\n', 3),
        ('titel = "T"\nende = 2026-10-01T18:00:00\n[[frage]\n', 3),
    ],
)
def test_the_error_is_pointed_at_its_line(text: str, line: int) -> None:
    with pytest.raises(ConversionError) as problem:
        parse_toml(text, NOW, ZONE, "!hilfe")
    assert error_line(text, problem.value) == line


@pytest.mark.parametrize("user", [MEMBER, ROOM_ORGA])
async def test_only_network_organisers_reach_the_survey_pages(db: Database, user: str) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, user)
        for path in ("/web/surveys", "/web/surveys/new"):
            assert (await client.get(path)).status == 403, path
        fields = form_fields() | {"csrf_token": csrf, "confirm": "yes"}
        assert (await client.post("/web/surveys/new", data=fields)).status == 403
    assert await surveys.all_surveys(db) == []


async def test_a_survey_is_checked_shown_and_saved_once(db: Database) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, ORGA)
        wrong = form_fields(questions=QUESTIONS.replace("einfach", "rund")) | {"csrf_token": csrf}
        response = await client.post("/web/surveys/new", data=wrong)
        html = await response.text()
        assert response.status == 400
        assert "„rund“ in Frage 1 ist keine Fragenart" in html
        assert 'id="wrong-line"><code>[[frage]]</code>' in html
        assert await surveys.all_surveys(db) == []
        response = await client.post("/web/surveys/new", data=form_fields() | {"csrf_token": csrf})
        html = await response.text()
        assert response.status == 200 and "Wo ist die Rolle angesiedelt?" in html
        assert await surveys.all_surveys(db) == []
        toml = re.search(r'<textarea name="toml" hidden>(.*?)</textarea>', html, re.S)
        form_id = re.search(r'name="form_id" value="([^"]+)"', html)
        assert toml and form_id
        save = {"csrf_token": csrf, "confirm": "yes", "form_id": form_id[1]}
        save["toml"] = toml[1].replace("&#34;", '"')
        for _ in range(2):  # a reload sends it again: one survey
            response = await client.post("/web/surveys/new", data=save)
            assert response.status == 200
            page_html = await response.text()
            assert "ist angelegt: 1 Frage, mit Namen" in page_html
    (stored,) = await surveys.all_surveys(db)
    assert stored.title == 'Bedarfe "2026"' and stored.created_by == ORGA
    assert cast(Any, ports.schedules).changed_items == [(SURVEY_DUTY, stored.id)]


async def test_a_toml_file_is_checked_like_the_command(db: Database) -> None:
    ports = make_ports(db)
    async with site(ports) as client:
        csrf = await log_in(client, ports, ORGA)
        upload = FormData({"csrf_token": csrf})
        text = 'titel = "T"\nende = "gestern 10:00"\n' + QUESTIONS
        upload.add_field("file", text.encode(), filename="s.toml")
        response = await client.post("/web/surveys/new", data=upload)
        assert response.status == 400
        assert "Zeile 2: hier liegt der Fehler" in await response.text()


def new_of(anonymous: bool) -> NewSurvey:
    text = toml_of_form(form_fields(), anonymous, [])
    now = dt.datetime.now(dt.UTC)
    definition = parse_toml(text, now, ZONE, "")
    return new_survey(definition, f"test-{anonymous}", ORGA, now, "Europe/Berlin")


async def test_the_exports_are_the_commands_and_keep_anonymous_answers_back(
    db: Database,
) -> None:
    now = dt.datetime.now(dt.UTC)
    named = await surveys.create(db, new_of(anonymous=False))
    await surveys.submit(db, named, "@anna:example.org", {"0": 1}, "$a", now)
    hidden = await surveys.create(db, new_of(anonymous=True))
    await surveys.submit(db, hidden, "@ben:example.org", {"0": 0}, "$b", now)
    ports = make_ports(db)
    async with site(ports) as client:
        await log_in(client, ports, ORGA)
        response = await client.get(f"/web/surveys/{named.id}")
        html = await response.text()
        assert f"/web/surveys/{named.id}/files/survey-{named.id}.csv" in html
        assert 'id="chart"' in html
        response = await client.get(f"/web/surveys/{named.id}/files/survey-{named.id}.csv")
        assert response.status == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        rows = list(
            csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";")
        )
        # As Excel should read it: a leading "@" is quoted, so it is never a formula.
        assert rows[1][1:] == ["'@anna:example.org", rows[1][2], "Stabsstelle"]
        # Open and anonymous: only how many answered; no answers file, no breakdown.
        html = await (await client.get(f"/web/surveys/{hidden.id}")).text()
        assert "1 Teilnahme" in html and "Fachbereich" not in html
        assert f"survey-{hidden.id}.csv" not in html
        response = await client.get(f"/web/surveys/{hidden.id}/files/survey-{hidden.id}.csv")
        assert response.status == 404
        assert (await client.get("/web/surveys/999")).status == 404
