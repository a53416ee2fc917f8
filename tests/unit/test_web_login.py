"""The web page's one-time login links and its event form's reading of fields."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from commands.core.converters import ConversionError
from commands.events.plan import BAD_URL, END_BEFORE_START, TITLE_MISSING, details_from_fields
from commands.web import login, session
from commands.web.rights import Viewer
from storage.database import Database
from storage.models import Event, WebLogin

NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
ZONE = ZoneInfo("Europe/Berlin")


async def test_a_login_link_works_once_for_its_user(db: Database) -> None:
    token = await login.issue(db, "@anna:example.org", NOW)
    assert await login.redeem(db, token, NOW + dt.timedelta(minutes=1)) == "@anna:example.org"
    assert await login.redeem(db, token, NOW + dt.timedelta(minutes=2)) is None


async def test_a_login_link_expires_after_ten_minutes(db: Database) -> None:
    token = await login.issue(db, "@anna:example.org", NOW)
    late = NOW + login.VALID_FOR + dt.timedelta(seconds=1)
    assert await login.redeem(db, token, late) is None
    just_in_time = await login.issue(db, "@anna:example.org", NOW)
    in_time = NOW + login.VALID_FOR - dt.timedelta(seconds=1)
    assert await login.redeem(db, just_in_time, in_time) == "@anna:example.org"


async def test_only_the_hash_of_a_token_is_stored(db: Database) -> None:
    token = await login.issue(db, "@anna:example.org", NOW)
    async with db.session() as session:
        stored = list(await session.scalars(select(WebLogin.token_hash)))
    assert stored == [login.token_hash(token)]
    assert token not in stored


@pytest.mark.parametrize("token", ["", "x" * 43, "../../etc", "a" * 200, "ü" * 43])
async def test_unknown_or_malformed_tokens_log_nobody_in(db: Database, token: str) -> None:
    await login.issue(db, "@anna:example.org", NOW)
    assert await login.redeem(db, token, NOW) is None


async def test_links_long_expired_are_forgotten(db: Database) -> None:
    await login.issue(db, "@anna:example.org", NOW)
    await login.issue(db, "@ben:example.org", NOW + dt.timedelta(hours=1))
    async with db.session() as session:
        users = set(await session.scalars(select(WebLogin.user_id)))
    assert users == {"@ben:example.org"}


def test_form_fields_give_the_same_event_as_the_command() -> None:
    details = details_from_fields(
        {
            "title": "  Transfer-Workshop ",
            "date": "2026-09-29",
            "start": "10:00",
            "end": "16:00",
            "place": "Potsdam",
            "online_link": "https://meet.example.org/ws",
        },
        NOW,
        ZONE,
    )
    assert details.title == "Transfer-Workshop"
    assert details.span is not None
    assert details.span.starts_at == dt.datetime(2026, 9, 29, 8, 0, tzinfo=dt.UTC)
    assert details.span.ends_at == dt.datetime(2026, 9, 29, 14, 0, tzinfo=dt.UTC)
    assert details.place == "Potsdam"
    assert details.online_link == "https://meet.example.org/ws"


def test_a_form_without_end_lasts_an_hour() -> None:
    details = details_from_fields({"title": "T", "date": "2026-09-29", "start": "10:00"}, NOW, ZONE)
    assert details.span is not None
    assert details.span.ends_at - details.span.starts_at == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " ", "date": "2026-09-29", "start": "10:00"}, TITLE_MISSING),
        (
            {"title": "T", "date": "2026-09-29", "start": "16:00", "end": "10:00"},
            END_BEFORE_START,
        ),
        (
            {"title": "T", "date": "2026-09-29", "start": "10:00", "online_link": "meet.example"},
            BAD_URL,
        ),
    ],
)
def test_form_errors_are_the_commands_messages(fields: dict[str, str], message: object) -> None:
    with pytest.raises(ConversionError) as raised:
        details_from_fields(fields, NOW, ZONE)
    assert raised.value.message == message


def test_a_form_needs_date_and_start_and_a_future_time() -> None:
    for fields in (
        {"title": "T", "start": "10:00"},
        {"title": "T", "date": "2026-09-29"},
        {"title": "T", "date": "2026-08-01", "start": "10:00"},
    ):
        with pytest.raises(ConversionError):
            details_from_fields(fields, NOW, ZONE)


def _event(created_by: str, rooms: list[str]) -> Event:
    return Event(created_by=created_by, room_ids=rooms, command_room_id=rooms[0])


def test_rights_are_those_of_the_commands() -> None:
    member = Viewer("@m:x", network=False, joined=frozenset({"!a"}), organised=frozenset())
    room_organiser = Viewer(
        "@o:x", network=False, joined=frozenset({"!a", "!b"}), organised=frozenset({"!b"})
    )
    network = Viewer("@n:x", network=True, joined=frozenset(), organised=frozenset())
    in_a, in_b, elsewhere = _event("@x:x", ["!a"]), _event("@x:x", ["!b"]), _event("@x:x", ["!c"])
    assert not member.organiser and room_organiser.organiser and network.organiser
    assert member.sees_event(in_a) and not member.may_manage(in_a)
    assert not member.sees_event(elsewhere)
    assert member.may_manage(_event("@m:x", ["!c"]))
    assert room_organiser.may_manage(in_b) and not room_organiser.may_manage(in_a)
    assert all(network.may_manage(row) for row in (in_a, in_b, elsewhere))


@pytest.mark.parametrize("secure", [True, False])
async def test_session_cookies_are_encrypted_httponly_lax_and_secure_behind_https(
    db: Database, secure: bool
) -> None:
    storage = session.cookie_storage(
        await session.cookie_settings(db, secure=secure, path="/alumni/web")
    )
    assert storage.cookie_params["httponly"] is True
    assert storage.cookie_params["samesite"] == "Lax"
    assert storage.cookie_params["secure"] is secure
    assert storage.cookie_params["path"] == "/alumni/web"
    # The key is kept: sessions outlive a restart.
    again = session.cookie_storage(
        await session.cookie_settings(db, secure=secure, path="/alumni/web")
    )
    assert again._fernet.decrypt(storage._fernet.encrypt(b"x")) == b"x"
