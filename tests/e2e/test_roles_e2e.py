"""Roles that cannot be borrowed: a direct chat makes its creator no organiser, a room's
organisers act only on that room's content, and network-only commands answer only the
network — tried by real users on a real Synapse."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from nio import RoomPreset

from bot.homeserver import LocalSynapse
from tests.e2e.conftest import Room
from tests.e2e.harness import MatrixUser


def body(event: dict) -> str:
    return str(event["content"]["body"])


@pytest_asyncio.fixture
async def stranger(synapse: LocalSynapse) -> AsyncIterator[MatrixUser]:
    user = await MatrixUser.create(synapse, "fremd")
    yield user
    await user.close()


async def direct_chat(user: MatrixUser, bot_id: str) -> str:
    """A direct chat as Element opens it: the person creates it, with power 100."""
    room_id = await user.create_room(
        invite=[bot_id], is_direct=True, preset=RoomPreset.trusted_private_chat
    )
    await user.wait_membership(room_id, bot_id, "join")
    return room_id


async def test_a_direct_chat_grants_no_organiser_rights(room: Room, stranger: MatrixUser) -> None:
    dm = await direct_chat(stranger, room.bot.user_id)
    for command in ("!status", "!ankuendigungen", "!ankuendigung morgen 9 Uhr in hier: Hallo"):
        sent = await stranger.send_text(dm, command)
        reply = body(await stranger.wait_reply(sent, room.bot.user_id))
        assert "Organisation" in reply, (command, reply)
        assert "alumni-bot" not in reply or "beantwortet" not in reply


async def test_the_directory_needs_the_roster_even_in_ones_own_chat(
    room: Room, stranger: MatrixUser
) -> None:
    # Anna is on the roster; the stranger, alone with the bot in a chat they created, is not.
    added = await room.orga.send_text(
        room.room_id, "!mitglied hinzufügen @anna:localhost Anna Beispiel; Potsdam; ; Gast"
    )
    await room.orga.wait_reply(added, room.bot.user_id)
    dm = await direct_chat(stranger, room.bot.user_id)
    sent = await stranger.send_text(dm, "!wer Potsdam")
    reply = body(await stranger.wait_reply(sent, room.bot.user_id))
    assert "Anna" not in reply
    assert "Potsdam" not in reply.replace("!wer Potsdam", "")


async def test_an_organiser_of_one_room_cannot_act_on_anothers_announcements(
    room: Room, stranger: MatrixUser
) -> None:
    # The stranger organises a room of their own (power 100, with a second person in it).
    own = await stranger.create_room(invite=[room.bot.user_id, room.member.user_id])
    await room.member.join(own)
    await stranger.wait_membership(own, room.bot.user_id, "join")
    await stranger.wait_membership(own, room.member.user_id, "join")
    scheduled = await room.orga.send_text(
        room.room_id, "!ankuendigung morgen 9 Uhr in hier: Nur für diesen Raum"
    )
    reply = body(await room.orga.wait_reply(scheduled, room.bot.user_id))
    number = reply.split("Nr. ")[1].split()[0].strip(":,.")
    for command in (f"!ankuendigung zeigen {number}", f"!ankuendigung loeschen {number}"):
        sent = await stranger.send_text(own, command)
        answer = body(await stranger.wait_reply(sent, room.bot.user_id))
        assert "Nur für diesen Raum" not in answer, command
    listed = await stranger.send_text(own, "!ankuendigungen")
    assert "Nur für diesen Raum" not in body(await stranger.wait_reply(listed, room.bot.user_id))
    # The announcement is still there for its organiser.
    shown = await room.orga.send_text(room.room_id, f"!ankuendigung zeigen {number}")
    assert "Nur für diesen Raum" in body(await room.orga.wait_reply(shown, room.bot.user_id))
