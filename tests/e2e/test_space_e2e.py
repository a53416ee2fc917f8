"""The alumni space on a real Synapse: set up from the configuration with the right join rules
and power levels (read back from room state), a second run that changes nothing, the roster
invited, an outsider removed, a knock admitted, a member removed from every room, the welcome,
a roster import from a file, and `!wer`."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from nio import (
    RoomGetStateResponse,
    RoomKnockResponse,
    RoomPutStateResponse,
    RoomSendResponse,
    UploadResponse,
)

from bot.homeserver import LocalSynapse
from commands.web import login
from storage import web as web_storage
from storage.database import open_database
from tests.e2e.harness import PASSWORD, BotProcess, Event, MatrixUser, start_bot, unique
from tests.e2e.test_web_e2e import base, browser, hidden

WAIT = 30.0


@dataclass
class Network:
    bot: BotProcess
    orga: MatrixUser
    anna: MatrixUser
    ben: MatrixUser
    alias: str
    server: str

    def room_alias(self, key: str) -> str:
        return f"#{self.alias}-{key}:{self.server}"


def space_config(alias: str, roster_file: Path) -> dict[str, object]:
    return {
        "name": "Alumni-Netzwerk Smart City Manager:innen",
        "topic": "Austausch der Smart City Manager:innen in Brandenburg",
        "alias": alias,
        "organisers_room": "organisation",
        "cohorts": [1, 2, 3],
        "roster": str(roster_file),
        "rooms": [
            {"key": "allgemein", "name": "Allgemein", "alias": f"{alias}-allgemein", "order": "10"},
            {
                "key": "ankuendigungen",
                "name": "Ankündigungen",
                "alias": f"{alias}-ankuendigungen",
                "order": "20",
                "post": "organisation",
            },
            {
                "key": "organisation",
                "name": "Organisation",
                "alias": f"{alias}-organisation",
                "order": "90",
                "members": ["Organisation"],
            },
        ],
    }


def write_roster(folder: Path, orga: MatrixUser, anna: MatrixUser, ben: MatrixUser) -> Path:
    """The roster as Excel saves it: Olga organises, Anna is a Smart City Manager:in, Ben a
    Fachvorgesetzter."""
    roster_file = folder / "verzeichnis.csv"
    roster_file.write_text(
        "\ufeffMatrix-ID;Name;Kommune;Durchgang;Rolle\r\n"
        f"{orga.user_id};Olga Orga;MIL;;Organisation\r\n"
        f"{anna.user_id};Anna Beispiel;Potsdam;1;Smart City Manager:in\r\n"
        f"{ben.user_id};Ben Muster;Cottbus;2;Fachvorgesetzte:r\r\n",
        encoding="utf-8",
    )
    return roster_file


@pytest_asyncio.fixture
async def network(
    synapse: LocalSynapse, orga: MatrixUser, member: MatrixUser, tmp_path: Path
) -> AsyncIterator[Network]:
    ben = await MatrixUser.create(synapse, "ben")
    roster_file = write_roster(tmp_path, orga, member, ben)
    alias = unique("alumni").lower()
    config = space_config(alias, roster_file)
    bot = await start_bot(synapse, tmp_path / "bot", orga, space=config)
    yield Network(bot, orga, member, ben, alias, synapse.server_name)
    await bot.stop()
    await ben.close()


async def state_of(user: MatrixUser, room_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    response = await user.client.room_get_state(room_id)
    assert isinstance(response, RoomGetStateResponse), response
    return {(e["type"], e.get("state_key", "")): e["content"] for e in response.events}


async def accept_invite(user: MatrixUser, room_id: str) -> None:
    await user.wait_for(lambda: room_id in user.invites, within=WAIT)
    await user.join(room_id)


def notes_in(user: MatrixUser, room_id: str, bot: str, text: str) -> list[Event]:
    """The bot's own notes (not its replies to commands) in a room that mention `text`."""
    return [
        e
        for room, e in user.events
        if room == room_id
        and e["sender"] == bot
        and "m.relates_to" not in e["content"]
        and text in e["content"].get("body", "")
    ]


async def command(user: MatrixUser, network: Network, room_id: str, text: str) -> str:
    event_id = await user.send_text(room_id, text)
    reply = await user.wait_reply(event_id, network.bot.user_id, within=WAIT)
    return reply["content"]["body"]


async def answered_twice(
    user: MatrixUser, network: Network, room_id: str, text: str, **extra: Any
) -> tuple[Event, Event]:
    """A command whose work runs in the background: answered at once, then with the result."""
    event_id = await user.send_text(room_id, text, **extra)
    bot = network.bot.user_id
    first = await user.wait_reply(event_id, bot, within=WAIT)
    answers = await user.wait_for(lambda: user.replies_to(event_id, bot)[1:], within=WAIT)
    return first, answers[0]


async def reconciled(user: MatrixUser, network: Network, room_id: str) -> str:
    """`!space abgleichen`: answered at once that it runs, then with the result."""
    running, result = await answered_twice(user, network, room_id, "!space abgleichen")
    assert "läuft" in running["content"]["body"]
    body: str = result["content"]["body"]
    return body


async def resolved(user: MatrixUser, alias: str) -> str:
    """The room an alias names, once the bot has made it."""
    async with asyncio.timeout(WAIT):
        while True:
            response = await user.client.room_resolve_alias(alias)
            if hasattr(response, "room_id"):
                return response.room_id
            await asyncio.sleep(0.2)


async def set_up(network: Network) -> dict[str, str]:
    """Wait for the space the bot builds at start; the organiser joins it and its rooms.
    Returns the room ids by key."""
    orga = network.orga
    rooms = {"space": await resolved(orga, f"#{network.alias}:{network.server}")}
    for key in ("allgemein", "ankuendigungen", "organisation"):
        rooms[key] = await resolved(orga, network.room_alias(key))
    # The organiser is on the roster as "Organisation": invited everywhere.
    for key in ("space", "allgemein", "ankuendigungen", "organisation"):
        await accept_invite(orga, rooms[key])
    return rooms


async def test_the_space_is_set_up_as_configured_and_a_second_run_changes_nothing(
    network: Network,
) -> None:
    orga, anna, bot = network.orga, network.anna, network.bot.user_id
    rooms = await set_up(network)
    space = await state_of(orga, rooms["space"])
    assert space[("m.room.create", "")]["type"] == "m.space"
    assert space[("m.room.join_rules", "")] == {"join_rule": "knock"}
    assert space[("m.room.name", "")]["name"] == "Alumni-Netzwerk Smart City Manager:innen"
    for key, order in (("allgemein", "10"), ("ankuendigungen", "20"), ("organisation", "90")):
        assert space[("m.space.child", rooms[key])] == {"via": [network.server], "order": order}
    assert space[("m.room.power_levels", "")]["users"][orga.user_id] == 50

    for key in ("allgemein", "ankuendigungen"):
        state = await state_of(orga, rooms[key])
        assert state[("m.room.join_rules", "")] == {
            "join_rule": "restricted",
            "allow": [{"type": "m.room_membership", "room_id": rooms["space"]}],
        }
        assert state[("m.space.parent", rooms["space"])] == {
            "via": [network.server],
            "canonical": True,
        }
        levels = state[("m.room.power_levels", "")]
        assert levels["users"][orga.user_id] == 50
        version = state[("m.room.create", "")].get("room_version", "1")
        if version.isdecimal() and int(version) < 12:
            assert levels["users"][bot] == 100
        else:  # from room version 12 the creator is above every level and not listed
            assert bot not in levels["users"]
        assert levels["events_default"] == (50 if key == "ankuendigungen" else 0)
    organisation = await state_of(orga, rooms["organisation"])
    assert organisation[("m.room.join_rules", "")] == {"join_rule": "invite"}

    # The organisers hear what was set up, in their room.
    report = await orga.wait_for(
        lambda: notes_in(orga, rooms["organisation"], bot, "Abgleich"), within=WAIT
    )
    assert "Angelegt" in report[0]["content"]["body"]
    # The people invited are pills with their roster name, never bare Matrix ids.
    body, html = report[0]["content"]["body"], report[0]["content"]["formatted_body"]
    assert "Räume, an: Anna Beispiel, Ben Muster, Olga Orga" in body, body
    assert anna.user_id not in body
    assert f'<a href="https://matrix.to/#/{anna.user_id}">Anna Beispiel</a>' in html

    # The roster is invited: Anna to the space and the everyone-rooms, not to the organisation.
    await anna.wait_for(lambda: rooms["space"] in anna.invites, within=WAIT)
    await anna.wait_for(lambda: rooms["allgemein"] in anna.invites, within=WAIT)
    assert rooms["organisation"] not in anna.invites

    # The bot made the rooms (room version 12: as their creator it is above every power
    # level): an announcement with @room picked in Element can go into #ankuendigungen.
    text = f"!ankuendigung morgen 9 Uhr in {network.room_alias('ankuendigungen')}: @room Hallo"
    event_id = await orga.send_text(rooms["organisation"], text, **{"m.mentions": {"room": True}})
    scheduled = (await orga.wait_reply(event_id, bot, within=WAIT))["content"]["body"]
    assert "Ankündigung Nr. 1 geplant" in scheduled and "Hinweis" not in scheduled, scheduled

    again = await reconciled(orga, network, rooms["organisation"])
    assert "nichts geändert" in again, again
    # Nor does a restart (nothing new is reported).
    before = len(notes_in(orga, rooms["organisation"], bot, "Abgleich"))
    await network.bot.stop()
    await network.bot.start()
    assert "nichts geändert" in await reconciled(orga, network, rooms["organisation"])
    assert len(notes_in(orga, rooms["organisation"], bot, "Abgleich")) == before


async def test_members_come_in_outsiders_are_kept_out(
    network: Network, synapse: LocalSynapse
) -> None:
    orga, anna, bot = network.orga, network.anna, network.bot.user_id
    rooms = await set_up(network)

    # Anna joins: a welcome comes by direct message.
    await accept_invite(anna, rooms["space"])
    dm = await anna.wait_for(
        lambda: next(iter(anna.invites - set(rooms.values())), None), within=WAIT
    )
    await anna.join(dm)
    welcome = await anna.wait_for(lambda: notes_in(anna, dm, bot, "Willkommen"), within=WAIT)
    assert "Allgemein" in welcome[0]["content"]["body"]
    assert "!sprache en" in welcome[0]["content"]["body"]
    assert "!datenschutz" in welcome[0]["content"]["body"]

    # An outsider let into a room is removed again, and the organisers are told.
    outsider = await MatrixUser.create(synapse, "fremd")
    try:
        invited = await orga.client.room_invite(rooms["ankuendigungen"], outsider.user_id)
        assert not hasattr(invited, "status_code") or invited.status_code is None, invited
        await accept_invite(outsider, rooms["ankuendigungen"])
        await orga.wait_for(
            lambda: notes_in(orga, rooms["organisation"], bot, outsider.user_id), within=WAIT
        )
        state = await state_of(orga, rooms["ankuendigungen"])
        assert state[("m.room.member", outsider.user_id)]["membership"] == "leave"

        # A knock on the space reaches the organisers; admitted, they are invited. A ";" in
        # the knocker's name is part of the name, not a field of the roster entry.
        await outsider.client.set_displayname("Fritz Fremd; KTS")
        knocked = await outsider.client.room_knock(rooms["space"], reason="KTS, Berlin")
        assert isinstance(knocked, RoomKnockResponse), knocked
        note = await orga.wait_for(
            lambda: notes_in(orga, rooms["organisation"], bot, "bittet um Aufnahme"), within=WAIT
        )
        assert "KTS, Berlin" in note[0]["content"]["body"]
        reply, result = await answered_twice(
            orga, network, rooms["organisation"], f"!zulassen {outsider.user_id}"
        )
        assert "Fritz Fremd; KTS, Gast" in reply["content"]["body"], reply
        assert "Alumni" in result["content"]["body"], result
        await accept_invite(outsider, rooms["space"])
        await asyncio.sleep(1)
        state = await state_of(orga, rooms["space"])
        assert state[("m.room.member", outsider.user_id)]["membership"] == "join"
    finally:
        await outsider.close()

    # `!wer` finds alumni by municipality or cohort.
    await accept_invite(anna, rooms["allgemein"])
    found = await command(anna, network, rooms["allgemein"], "!wer Potsdam")
    assert "Anna Beispiel" in found and "Durchgang 1" in found
    found = await command(anna, network, rooms["allgemein"], "!wer Durchgang 2")
    assert "Ben Muster" in found and "Anna" not in found

    # Removing a member takes a confirmation, then they are out of every room.
    ask = await command(orga, network, rooms["organisation"], f"!mitglied entfernen {anna.user_id}")
    assert "Wirklich" in ask
    reply, done = await answered_twice(
        orga, network, rooms["organisation"], f"!mitglied entfernen {anna.user_id} bestätigen"
    )
    assert "aus dem Verzeichnis gelöscht" in reply["content"]["body"]
    assert "ist entfernt aus" in done["content"]["body"], done
    for key in ("space", "allgemein", "ankuendigungen"):
        state = await state_of(orga, rooms[key])
        assert state[("m.room.member", anna.user_id)]["membership"] == "leave", key

    # A restart does not take her back from the roster file, which has not changed.
    await network.bot.stop()
    await network.bot.start()
    # Answered once the reconcile at start (with the roster file) is done.
    await reconciled(orga, network, rooms["organisation"])
    listing = await command(orga, network, rooms["organisation"], "!mitglieder")
    assert "Anna Beispiel" not in listing and "Ben Muster" in listing
    state = await state_of(orga, rooms["space"])
    assert state[("m.room.member", anna.user_id)]["membership"] == "leave"


async def test_a_roster_file_is_checked_before_anything_changes(
    network: Network, synapse: LocalSynapse
) -> None:
    orga = network.orga
    rooms = await set_up(network)
    carla = await MatrixUser.create(synapse, "carla")
    try:
        csv = (
            "matrix_id,name,kommune,durchgang,rolle\n"
            f"{carla.user_id},Carla Neu,Eberswalde,3,Smart City Managerin\n"
            "carla-ohne-server,Kaputt,Nirgendwo,1,SCM\n"
            f"@jemand:anderswo.example,Fremd,Irgendwo,1,SCM\n"
            f"{network.anna.user_id},Anna Beispiel,Potsdam,9,SCM\n"
        ).encode()
        uploaded, _ = await orga.client.upload(
            io.BytesIO(csv), content_type="text/csv", filename="neu.csv", filesize=len(csv)
        )
        assert isinstance(uploaded, UploadResponse), uploaded
        sent = await orga.client.room_send(
            rooms["organisation"],
            "m.room.message",
            {"msgtype": "m.file", "body": "neu.csv", "url": uploaded.content_uri,
             "info": {"mimetype": "text/csv", "size": len(csv)}},
        )  # fmt: skip
        assert isinstance(sent, RoomSendResponse), sent
        reply_to = {"m.relates_to": {"m.in_reply_to": {"event_id": sent.event_id}}}
        event_id = await orga.send_text(rooms["organisation"], "!mitglieder import", **reply_to)
        report = (await orga.wait_reply(event_id, network.bot.user_id, within=WAIT))["content"]
        assert "1 neu, 0 geändert, 0 unverändert, 3 abgelehnt" in report["body"]
        assert "Zeile 3" in report["body"] and "keine Matrix-ID" in report["body"]
        assert "anderswo.example gehören nicht zum Netzwerk" in report["body"]
        assert "„9“ ist kein bekannter Durchgang" in report["body"]
        assert "nichts geändert" in report["body"]
        assert rooms["space"] not in carla.invites

        imported, invited = await answered_twice(
            orga, network, rooms["organisation"], "!mitglieder import --trotzdem", **reply_to
        )
        assert "1 neu" in imported["content"]["body"], imported
        # The people invited are pills, named by the roster's name.
        report = invited["content"]
        assert "Einladungen in den Space:" in report["body"], report["body"]
        assert "Carla Neu: Alumni" in report["body"], report["body"]
        assert f'<a href="https://matrix.to/#/{carla.user_id}">' in report["formatted_body"]
        await carla.wait_for(lambda: rooms["space"] in carla.invites, within=WAIT)
        listing = await command(orga, network, rooms["organisation"], "!mitglieder")
        assert "Carla Neu, Eberswalde, Durchgang 3, Smart City Manager:in" in listing
    finally:
        await carla.close()


async def test_adopted_rooms_say_which_right_is_missing_and_a_later_run_finishes(
    synapse: LocalSynapse, orga: MatrixUser, tmp_path: Path
) -> None:
    """A room that exists (the bot invited, without power) is adopted; the report names each
    right the bot lacks. An alias held by a room the bot is not in is reported, and nothing is
    created in its place. Once the organiser fixes both, the next run completes the work."""
    alias = unique("alt").lower()
    server = synapse.server_name
    roster_file = tmp_path / "verzeichnis.csv"
    roster_file.write_text(f"matrix_id;name;rolle\n{orga.user_id};Olga;Organisation\n")
    bot_id = f"@{unique('alumni-bot')}:{server}"
    # The bot's account exists before its first start: the organiser invites it to a room.
    await synapse.register_user(bot_id[1:].split(":")[0], PASSWORD)
    allgemein = await orga.create_room(
        invite=[bot_id], alias=f"{alias}-allgemein", name="Allgemein (alt)"
    )
    foreign = await orga.create_room(invite=[], alias=f"{alias}-ankuendigungen")
    config = space_config(alias, roster_file)
    bot = BotProcess(synapse, tmp_path / "bot", bot_id, [orga.user_id], [server], space=config)
    await bot.start()
    network = Network(bot, orga, orga, orga, alias, server)
    try:
        organisation = await resolved(orga, network.room_alias("organisation"))
        await accept_invite(orga, organisation)
        report = await orga.wait_for(
            lambda: notes_in(orga, organisation, bot_id, "Nicht möglich"), within=WAIT
        )
        text = report[0]["content"]["body"]
        assert "Übernommen: Allgemein" in text
        assert "fehlt mir das Recht für „Beitrittsregel“ (m.room.join_rules)" in text
        assert "nötig ist Stufe 100, ich habe 0" in text or "nötig ist Stufe 50, ich habe 0" in text
        assert (
            f"#{alias}-ankuendigungen:{server} gehört zu einem Raum, in dem ich nicht bin" in text
        )
        assert await resolved(orga, network.room_alias("ankuendigungen")) == foreign

        # The organiser lets the bot in and gives it the rights; the next run finishes.
        invited = await orga.client.room_invite(foreign, bot_id)
        assert not getattr(invited, "status_code", None), invited
        for room_id in (allgemein, foreign):
            levels = await state_of(orga, room_id)
            power = levels[("m.room.power_levels", "")]
            power["users"] = {**power.get("users", {}), bot_id: 100}
            put = await orga.client.room_put_state(room_id, "m.room.power_levels", power)
            assert hasattr(put, "event_id"), put
        fixed = await reconciled(orga, network, organisation)
        assert "Nicht möglich" not in fixed, fixed
        assert "Übernommen: Ankündigungen" in fixed
        state = await state_of(orga, allgemein)
        assert state[("m.room.join_rules", "")]["join_rule"] == "restricted"
        assert "nichts geändert" in await reconciled(orga, network, organisation)
    finally:
        await bot.stop()


async def test_a_knock_turned_down_is_answered_at_once_and_again_when_done(
    network: Network, synapse: LocalSynapse
) -> None:
    orga, bot = network.orga, network.bot.user_id
    rooms = await set_up(network)
    knocker = await MatrixUser.create(synapse, "klopf")
    try:
        knocked = await knocker.client.room_knock(rooms["space"], reason="Bitte")
        assert isinstance(knocked, RoomKnockResponse), knocked
        await orga.wait_for(
            lambda: notes_in(orga, rooms["organisation"], bot, knocker.user_id), within=WAIT
        )
        reply, result = await answered_twice(
            orga, network, rooms["organisation"], f"!ablehnen {knocker.user_id}"
        )
        assert "im Hintergrund" in reply["content"]["body"], reply
        assert "ist abgelehnt" in result["content"]["body"], result
        state = await state_of(orga, rooms["space"])
        assert state[("m.room.member", knocker.user_id)]["membership"] == "leave"
        # Nothing is pending any more: a second `!ablehnen` says so at once.
        again = await command(orga, network, rooms["organisation"], f"!ablehnen {knocker.user_id}")
        assert "keine Anfrage" in again, again
    finally:
        await knocker.close()


async def test_a_room_made_public_is_closed_again_at_once(network: Network) -> None:
    orga, bot = network.orga, network.bot.user_id
    rooms = await set_up(network)
    general = rooms["allgemein"]
    before = (await state_of(orga, general))[("m.room.join_rules", "")]
    assert before["join_rule"] == "restricted"
    opened = await orga.client.room_put_state(general, "m.room.join_rules", {"join_rule": "public"})
    assert hasattr(opened, "event_id"), opened
    # Set back by the bot from the sync, not at the next reconcile (there is none here).
    async with asyncio.timeout(WAIT):
        while (await state_of(orga, general))[("m.room.join_rules", "")] != before:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    # The organisers hear of it (the report of the start set up rooms, it set no join rule).
    note = await orga.wait_for(
        lambda: notes_in(orga, rooms["organisation"], bot, "Beitrittsregel gesetzt"), within=WAIT
    )
    assert "Allgemein" in note[0]["content"]["body"]


async def test_a_member_in_a_room_not_for_their_role_is_removed_and_reported(
    network: Network,
) -> None:
    orga, anna, bot = network.orga, network.anna, network.bot.user_id
    rooms = await set_up(network)
    # Anna (Smart City Manager:in) let into the organisers' room by hand.
    invited = await orga.client.room_invite(rooms["organisation"], anna.user_id)
    assert not hasattr(invited, "status_code") or invited.status_code is None, invited
    await accept_invite(anna, rooms["organisation"])
    note = await orga.wait_for(
        lambda: notes_in(orga, rooms["organisation"], bot, "nur für"), within=WAIT
    )
    # Like an outsider's: the person as a pill the organisers can click, the room, the fix.
    assert f'<a href="https://matrix.to/#/{anna.user_id}">' in note[0]["content"]["formatted_body"]
    assert "Organisation" in note[0]["content"]["body"]
    assert "!mitglied hinzufügen" in note[0]["content"]["body"]
    state = await state_of(orga, rooms["organisation"])
    assert state[("m.room.member", anna.user_id)]["membership"] == "leave"


async def test_the_web_page_shows_what_a_reconcile_would_change_and_changes_nothing(
    network: Network,
) -> None:
    orga = network.orga
    rooms = await set_up(network)
    await orga.wait_for(
        lambda: notes_in(orga, rooms["organisation"], network.bot.user_id, "Abgleich"),
        within=WAIT,
    )
    # The link as `!web` makes it (the direct message itself is tested in test_web_e2e).
    token = secrets.token_urlsafe(32)
    db = await open_database(network.bot.storage_url)
    try:
        valid = dt.datetime.now(dt.UTC) + login.VALID_FOR
        await web_storage.add_login(db, login.token_hash(token), orga.user_id, valid)
    finally:
        await db.close()
    link = login.login_link(base(network.bot), token)
    async with browser() as page:
        async with page.get(link) as response:
            assert response.status == 200
        async with page.get(f"{base(network.bot)}/web/space") as response:
            assert response.status == 200
            assert 'id="space-nothing"' in await response.text()
        # Someone renames the space: the page says the name would be set back, and only says so.
        renamed = await orga.client.room_put_state(
            rooms["space"], "m.room.name", {"name": "Umbenannt"}
        )
        assert isinstance(renamed, RoomPutStateResponse), renamed
        async with page.get(f"{base(network.bot)}/web/space") as response:
            html = await response.text()
        assert 'id="space-changed"' in html, html
        await members_page_queues_as_the_commands(network, rooms, page)
    assert (await state_of(orga, rooms["space"]))[("m.room.name", "")] == {"name": "Umbenannt"}
    # The command then does what the page showed.
    done = await reconciled(orga, network, rooms["organisation"])
    assert "gesetzt" in done, done


async def members_page_queues_as_the_commands(
    network: Network, rooms: dict[str, str], page: aiohttp.ClientSession
) -> None:
    """The members page changes the roster at once and queues the space's work through the
    commands' job queue: the page says so, shows it running and then done, and the result
    comes by direct message, as the second answer comes in chat."""
    orga, ben, bot = network.orga, network.ben, network.bot.user_id
    members = f"{base(network.bot)}/web/members"
    async with page.get(members) as response:
        csrf = hidden(await response.text(), "csrf_token")
    removal = {"csrf_token": csrf, "user_id": ben.user_id, "confirm": "yes"}
    async with page.post(f"{members}/remove", data=removal) as response:
        html = await response.text()
    assert "im Hintergrund" in html and 'id="member-jobs"' in html, html
    assert f"Entfernen von Ben Muster ({ben.user_id})" in html
    assert ben.user_id not in html.split('id="roster"', 1)[-1]
    # The result by direct message (the chat the bot opened with the organiser).
    direct = await orga.wait_for(
        lambda: next(iter(orga.invites - set(rooms.values())), None), within=WAIT
    )
    await orga.join(direct)
    await orga.wait_for(lambda: notes_in(orga, direct, bot, "ist entfernt aus"), within=WAIT)
    # The job leaves the queue just after its answer went out.
    await shown_done(page, members, f"Entfernen von Ben Muster ({ben.user_id})")
    state = await state_of(orga, rooms["space"])
    assert state[("m.room.member", ben.user_id)]["membership"] == "leave"

    entry = {"user_id": ben.user_id, "name": "Ben Muster", "cohort": "2", "role": "supervisor"}
    async with page.post(f"{members}/add", data=entry | {"csrf_token": csrf}) as response:
        html = await response.text()
    assert "laufen die Einladungen in den Space und seine Räume im Hintergrund" in html, html
    invited = "Einladungen in den Space"
    await orga.wait_for(lambda: notes_in(orga, direct, bot, invited), within=WAIT)
    await shown_done(page, members, f"Einladungen für Ben Muster ({ben.user_id})")
    state = await state_of(orga, rooms["space"])
    assert state[("m.room.member", ben.user_id)]["membership"] == "invite"


async def shown_done(page: aiohttp.ClientSession, members: str, what: str) -> None:
    """Wait (short polls) until the members page shows the job `what` done."""
    async with asyncio.timeout(WAIT):
        while True:
            async with page.get(members) as response:
                html = await response.text()
            if f'"done">{what}' in html:
                return
            assert f'"running">{what}' in html, html
            await asyncio.sleep(0.1)
