"""The bot's command behaviour seen by real users on a real Synapse."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from tests.e2e.conftest import Room
from tests.e2e.harness import Event, MatrixUser


def content(event: dict) -> dict:
    return event["content"]


async def test_help_in_german_and_english(room: Room) -> None:
    german_id = await room.member.send_text(room.room_id, "!hilfe")
    english_id = await room.member.send_text(room.room_id, "!help")
    german = content(await room.member.wait_reply(german_id, room.bot.user_id))
    english = content(await room.member.wait_reply(english_id, room.bot.user_id))
    assert german["msgtype"] == "m.notice"
    assert german["format"] == "org.matrix.custom.html"
    assert "Was du hier verwenden kannst" in german["formatted_body"]
    assert "!sprache" in german["body"]
    assert "What you can use here" in english["formatted_body"]
    assert "!language" in english["body"]
    assert german["m.mentions"] == {"user_ids": [room.member.user_id]}
    assert german["m.relates_to"] == {"m.in_reply_to": {"event_id": german_id}}


async def test_help_for_one_command(room: Room) -> None:
    event_id = await room.member.send_text(room.room_id, "!hilfe sprache")
    reply = content(await room.member.wait_reply(event_id, room.bot.user_id))
    assert "!sprache &lt;sprache&gt;" in reply["formatted_body"]
    assert "!language" in reply["body"]


async def test_unknown_command_suggests_nearest(room: Room) -> None:
    event_id = await room.member.send_text(room.room_id, "!hilfr")
    reply = content(await room.member.wait_reply(event_id, room.bot.user_id))
    assert "kenne ich nicht" in reply["body"]
    assert "!hilfe" in reply["body"]


def answered_agrees(status: str) -> bool:
    """`!status` says how many commands it answered, "1 Befehl" or "2 Befehle" (CLDR plural)."""
    found = re.search(r"(\d+) (Befehle?) beantwortet", status)
    return found is not None and (found[1] == "1") == (found[2] == "Befehl")


async def test_member_refused_organiser_command(room: Room) -> None:
    refused_id = await room.member.send_text(room.room_id, "!status")
    refused = content(await room.member.wait_reply(refused_id, room.bot.user_id))
    assert refused["body"].startswith(
        "!status können nur Organisator:innen dieses Raums verwenden."
    )
    allowed_id = await room.orga.send_text(room.room_id, "!status")
    allowed = content(await room.orga.wait_reply(allowed_id, room.bot.user_id))
    assert "alumni-bot" in allowed["body"] and answered_agrees(allowed["body"])


async def test_language_preference_is_stored(room: Room) -> None:
    set_id = await room.member.send_text(room.room_id, "!sprache en")
    confirmation = content(await room.member.wait_reply(set_id, room.bot.user_id))
    assert "English" in confirmation["body"]
    help_id = await room.member.send_text(room.room_id, "!hilfe")
    reply = content(await room.member.wait_reply(help_id, room.bot.user_id))
    assert "What you can use here" in reply["body"]


async def test_usage_error_names_the_problem(room: Room) -> None:
    event_id = await room.member.send_text(room.room_id, "!sprache klingonisch")
    reply = content(await room.member.wait_reply(event_id, room.bot.user_id))
    assert "klingonisch" in reply["body"]
    assert "!sprache <sprache>" in reply["body"]


async def test_user_html_comes_back_escaped(room: Room) -> None:
    event_id = await room.member.send_text(room.room_id, "!hilfe <img/src=x/onerror=alert(1)>")
    reply = content(await room.member.wait_reply(event_id, room.bot.user_id))
    assert "<img" not in reply["formatted_body"]
    assert "&lt;img" in reply["formatted_body"]


async def test_edits_notices_and_own_messages_are_not_commands(room: Room) -> None:
    original = await room.member.send_text(room.room_id, "hallo")
    await room.member.send_text(
        room.room_id,
        "* !hilfe",
        **{
            "m.new_content": {"msgtype": "m.text", "body": "!hilfe"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": original},
        },
    )
    notice_id = await room.orga.send_text(room.room_id, "!hilfe", msgtype="m.notice")
    probe = await room.member.send_text(room.room_id, "!hilfe")
    await room.member.wait_reply(probe, room.bot.user_id)
    history = await room.member.room_history(room.room_id)
    bot_messages = [
        e for e in history if e["sender"] == room.bot.user_id and e["type"] == "m.room.message"
    ]
    assert len(bot_messages) == 1, bot_messages
    assert await room.member.count_replies(room.room_id, notice_id, room.bot.user_id) == 0


async def raise_power(room: Room, user_id: str, level: int) -> None:
    response = await room.orga.client.room_get_state_event(room.room_id, "m.room.power_levels")
    content = dict(response.content)
    content["users"] = {**content.get("users", {}), user_id: level}
    await room.orga.client.room_put_state(room.room_id, "m.room.power_levels", content)


async def test_power_level_50_makes_an_organiser_also_after_restart(room: Room) -> None:
    await raise_power(room, room.member.user_id, 50)
    await room.member.wait_for(
        lambda: any(
            e.get("type") == "m.room.power_levels"
            and e["content"].get("users", {}).get(room.member.user_id) == 50
            for _, e in room.member.events
        )
    )
    allowed = await room.member.send_text(room.room_id, "!status")
    assert answered_agrees(content(await room.member.wait_reply(allowed, room.bot.user_id))["body"])
    await room.bot.stop()
    await room.bot.start()
    again = await room.member.send_text(room.room_id, "!status")
    assert answered_agrees(content(await room.member.wait_reply(again, room.bot.user_id))["body"])


async def test_reply_to_a_thread_message_stays_in_the_thread(room: Room) -> None:
    root = await room.member.send_text(room.room_id, "Thema: Verankerung der Rolle")
    in_thread = await room.member.send_text(
        room.room_id,
        "!hilfe",
        **{"m.relates_to": {"rel_type": "m.thread", "event_id": root}},
    )
    relates = content(await room.member.wait_reply(in_thread, room.bot.user_id))["m.relates_to"]
    assert relates["rel_type"] == "m.thread" and relates["event_id"] == root
    assert relates["m.in_reply_to"] == {"event_id": in_thread}


async def test_a_room_the_bot_may_not_post_in_does_not_stop_it(room: Room) -> None:
    read_only = await room.orga.create_room(
        invite=[room.bot.user_id], power_level_override={"events_default": 50}
    )
    await room.orga.wait_membership(read_only, room.bot.user_id, "join")
    refused = await room.orga.send_text(read_only, "!hilfe")
    probe = await room.member.send_text(room.room_id, "!hilfe")
    await room.member.wait_reply(probe, room.bot.user_id)
    assert await room.orga.count_replies(read_only, refused, room.bot.user_id) == 0
    assert "refused" in room.bot.log_tail(80)


async def notifications(user: MatrixUser) -> list[dict]:
    """What the homeserver notified `user` of (element.md §9: push rules as Element has them)."""
    url = f"{user.synapse.base_url}/_matrix/client/v3/notifications"
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == 200
        return (await response.json())["notifications"]


async def test_help_shows_what_the_asker_may_use(room: Room) -> None:
    member_id = await room.member.send_text(room.room_id, "!hilfe")
    orga_id = await room.orga.send_text(room.room_id, "!hilfe")
    member = content(await room.member.wait_reply(member_id, room.bot.user_id))["body"]
    orga = content(await room.orga.wait_reply(orga_id, room.bot.user_id))["body"]
    # The member sees no organiser command; the network's organiser sees them all.
    # Grouped, a command's sub-commands folded into it, so that it reads on a phone.
    assert "!teilnahme" in member and "!umfrage (beenden)" in member
    for organisers_only in ["!status", "!termin (neu", "!ankuendigung (", "!space abgleichen"]:
        assert organisers_only not in member
        assert organisers_only in orga
    assert "!hilfe alle" in member and "!hilfe termin" in member


async def test_help_for_a_command_of_several_words(room: Room) -> None:
    event_id = await room.member.send_text(room.room_id, "!hilfe termin neu")
    reply = content(await room.member.wait_reply(event_id, room.bot.user_id))
    assert reply["body"].startswith("!termin neu <angaben…>")
    assert "Wer darf: die Organisator:innen des Raums" in reply["body"]
    answer_id = await room.member.send_text(room.room_id, "!help rsvp")
    answer = content(await room.member.wait_reply(answer_id, room.bot.user_id))
    assert answer["body"].startswith("!rsvp <number> yes|no|maybe")


async def test_the_full_reference_comes_by_direct_message(room: Room) -> None:
    event_id = await room.member.send_text(room.room_id, "!hilfe alle")
    reply = content(await room.member.wait_reply(event_id, room.bot.user_id))
    assert reply["body"] == (
        "Ich habe dir alle Befehle, die du verwenden kannst, als Direktnachricht geschickt."
    )
    invites = await room.member.wait_for(lambda: room.member.invites - {room.room_id}, within=30)
    (direct,) = invites
    await room.member.join(direct)
    history: list[Event] = []
    async with asyncio.timeout(30):
        while len(history) < 7:  # one message per group of commands a member may use
            await asyncio.sleep(0.5)
            history = [
                event
                for event in await room.member.room_history(direct)
                if event["sender"] == room.bot.user_id and event["type"] == "m.room.message"
            ]
    reference = "\n".join(event["content"]["body"] for event in reversed(history))
    assert "!teilnahme <nr> ja|nein|vielleicht" in reference
    assert "Beispiel: !teilnahme 3 ja" in reference
    assert "!termin neu" not in reference and "!status" not in reference
    assert all(event["content"]["msgtype"] == "m.notice" for event in history)
    # The member is notified of the invitation to the direct chat, not of each help message
    # (a notice never notifies).
    notified = [n["event"] for n in await notifications(room.member) if n["room_id"] == direct]
    assert [(event["type"], event["content"].get("membership")) for event in notified] == [
        ("m.room.member", "invite")
    ]
    assert await room.member.count_replies(room.room_id, event_id, room.bot.user_id) == 1
