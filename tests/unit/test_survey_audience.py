"""Who a needs survey is for, by roster role, on the real storage: by default the municipal
roles; a guest, an organiser and someone not on the roster are outside; without a roster
(a bot that runs no space) everyone is asked."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

from commands.core.ports import Ports, Settings
from commands.space.keeper import SpaceKeeper
from commands.space.plan import SpaceSpec
from commands.space.roster_plan import RosterEntry
from commands.surveys.audience import not_for_you, outside
from storage import roster, surveys
from storage.database import Database
from storage.models import RosterMember, Survey, utc_now
from storage.surveys import NewSurvey

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)
ROLES = {"@anna:x": "manager", "@vera:x": "supervisor", "@kts:x": "guest", "@olga:x": "organiser"}


async def survey_for(db: Database, audience: list[str] | None) -> Survey:
    return await surveys.create(
        db,
        NewSurvey(
            source=f"event:{audience}",
            definition_hash="h",
            created_by="@olga:x",
            title=f"Bedarfe für {audience or 'Kommunen'}",
            description=None,
            anonymous=True,
            questions=[{"text": "Was?", "kind": "text", "options": []}],
            opens_at=NOW,
            closes_at=NOW + dt.timedelta(days=7),
            timezone="Europe/Berlin",
            invite_rooms=["#allgemein"],
            audience=audience,
        ),
    )


async def test_without_a_roster_everyone_is_asked(db: Database) -> None:
    survey = await survey_for(db, None)
    assert await outside(db, survey, ROLES) == {}


async def test_the_municipal_roles_by_default_and_the_named_ones_otherwise(db: Database) -> None:
    await roster.put(
        db,
        [
            RosterMember(user_id=user, name=user, municipality="Potsdam", cohort=None, role=role)
            for user, role in ROLES.items()
        ],
    )
    people = [*ROLES, "@fremd:x"]
    municipal = await survey_for(db, None)
    assert await outside(db, municipal, people) == {
        "@kts:x": "guest",
        "@olga:x": "organiser",
        "@fremd:x": None,
    }
    for_guests = await survey_for(db, ["guest"])
    assert set(await outside(db, for_guests, people)) == {
        "@anna:x",
        "@vera:x",
        "@olga:x",
        "@fremd:x",
    }


async def test_the_refusal_names_the_audience_and_the_role(db: Database) -> None:
    survey = await survey_for(db, None)
    german = str(not_for_you(survey, "guest", "de"))
    assert german == (
        f"Die Bedarfserhebung Nr. {survey.id} „Bedarfe für Kommunen“ richtet sich an "
        "Smart City Manager:innen und Fachvorgesetzte. Deshalb stelle ich dir ihre Fragen "
        "nicht – danke für dein Interesse! Im Verzeichnis des Netzwerks bist du als Gast "
        "eingetragen."
    )
    english = str(not_for_you(survey, None, "en"))
    assert english.endswith(
        "is meant for Smart City Managers and supervisors, so I will not "
        "ask you its questions – thank you for your interest! You are not (yet) on the "
        "network's roster; if that is a mistake, please contact the organising team."
    )
    organiser = str(not_for_you(survey, "organiser", "de"))
    assert organiser.endswith("bist du als Teil des Organisationsteams eingetragen.")
    assert str(not_for_you(survey, "guest", "en")).endswith("lists you as a guest.")


async def test_the_welcome_names_only_the_surveys_meant_for_the_newcomer(db: Database) -> None:
    # The welcome's facts need only the storage and the bot's own id.
    bot = SimpleNamespace(user_id="@alumni-bot:x", rooms={})
    others = ("registry", "schedules", "messenger", "direct", "errors", "links")
    ports = Ports(db=db, settings=Settings(), homeserver=cast(Any, bot), **dict.fromkeys(others))
    keeper = SpaceKeeper(SpaceSpec("Alumni"), None, ports)
    municipal = await survey_for(db, None)
    for_guests = await survey_for(db, ["guest"])
    guest = RosterEntry("@kts:x", "KTS", "Berlin", None, "guest")
    manager = RosterEntry("@anna:x", "Anna", "Potsdam", 1, "manager")
    # The welcome reads the real clock: both surveys open from now on.
    await surveys.set_columns(db, municipal.id, opens_at=utc_now(), closes_at=utc_now() + WEEK)
    await surveys.set_columns(db, for_guests.id, opens_at=utc_now(), closes_at=utc_now() + WEEK)
    assert (await keeper._facts(guest, "de")).surveys == [for_guests.title]
    assert (await keeper._facts(manager, "de")).surveys == [municipal.title]
