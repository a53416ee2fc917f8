"""The demo's files: a configuration the bot accepts (space, roster, survey) and the workshop's
date, which is always ahead."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import PASSWORD_ENV, load_config
from bot.demo_network import (
    CONFIG_FILE,
    ROOMS,
    ROSTER_FILE,
    config_toml,
    roster_toml,
    survey_file,
    survey_toml,
    workshop_day,
)
from commands.space.roster_plan import read_rows


@pytest.mark.parametrize(
    ("today", "day"),
    [
        (dt.date(2026, 12, 5), dt.date(2027, 9, 29)),
        (dt.date(2027, 1, 1), dt.date(2027, 9, 29)),
        (dt.date(2027, 9, 27), dt.date(2027, 9, 29)),
        # The survey closes the evening before: one day ahead is too short for it.
        (dt.date(2027, 9, 28), dt.date(2028, 9, 29)),
        (dt.date(2027, 9, 29), dt.date(2028, 9, 29)),
    ],
)
def test_the_workshop_is_the_next_29_september(today: dt.date, day: dt.date) -> None:
    assert workshop_day(today) == day


def test_the_demo_files_load_as_a_configuration(tmp_path: Path) -> None:
    day = workshop_day(dt.date.today())
    (tmp_path / survey_file(day)).write_text(survey_toml(day), encoding="utf-8")
    (tmp_path / ROSTER_FILE).write_text(roster_toml("localhost"), encoding="utf-8")
    text = config_toml(
        "http://127.0.0.1:8008",
        "@alumni-bot:localhost",
        "@orga:localhost",
        8080,
        tmp_path / "alumni-bot.db",
        survey_file(day),
        "!demo:localhost",
    )
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")

    config = load_config(tmp_path / CONFIG_FILE, env={PASSWORD_ENV: "geheim"})

    assert config.matrix.homeserver == "http://127.0.0.1:8008"
    assert config.bot.organisers == ("@orga:localhost",)
    assert config.bot.surveys == ((tmp_path / survey_file(day)).resolve(),)
    space = config.sections["space"]
    # The demo room is taken into the space by its id.
    assert [room.key for room in space.spec.rooms] == [key for key, *_ in ROOMS] + ["demo"]
    assert space.spec.rooms[-1].room_id == "!demo:localhost"
    assert space.spec.organisers_room == "organisation"
    assert space.roster == (tmp_path / ROSTER_FILE).resolve()
    # !datenschutz in the demo shows a notice, as the welcome promises.
    assert config.sections["privacy"].notice.given
    rows = [row for _, row in read_rows((tmp_path / ROSTER_FILE).read_text())]
    assert [(row["user_id"], row.get("cohort"), row["role"]) for row in rows] == [
        ("@orga:localhost", None, "Organisation"),
        ("@mitglied1:localhost", "1", "Smart City Manager:in"),
        ("@mitglied2:localhost", "2", "Smart City Manager:in"),
        ("@vorgesetzte:localhost", "1", "Fachvorgesetzte:r"),
        ("@kts:localhost", None, "Gast"),
    ]
