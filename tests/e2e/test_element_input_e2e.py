"""Input as Element sends it (element.md §2, §3, §8): pills and display names as people in
commands, old reply fallbacks, plain words in a direct chat, and the first message of a direct
chat that Element sends before the bot could join."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from nio import RoomCreateResponse, RoomPreset

from bot.homeserver import LocalSynapse
from tests.e2e.conftest import Room
from tests.e2e.harness import PASSWORD, BotProcess, MatrixUser, unique

HTML = "org.matrix.custom.html"


def pill(user_id: str, name: str) -> str:
    return f'<a href="https://matrix.to/#/{user_id}">{name}</a>'


async def notified_events(user: MatrixUser, *, highlight: bool = False) -> list[dict[str, Any]]:
    """The events that notified `user`, as Synapse's push rules decided (element.md §9)."""
    url = f"{user.synapse.base_url}/_matrix/client/v3/notifications"
    params = {"only": "highlight"} if highlight else {}
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, params=params, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        body = await response.json()
    return [item["event"] for item in body["notifications"]]


async def bot_messages(user: MatrixUser, room_id: str, bot_id: str) -> list[dict[str, Any]]:
    history = await user.room_history(room_id)
    return [e for e in history if e["sender"] == bot_id and e["type"] == "m.room.message"]


async def new_topic(room: Room) -> None:
    topic = await room.orga.send_text(
        room.room_id, "!thema Leitfaden Smart City", **{"m.mentions": {}}
    )
    await room.orga.wait_reply(topic, room.bot.user_id)


async def test_a_person_picked_as_a_pill_is_the_action_items_owner(room: Room) -> None:
    await new_topic(room)
    name = "Mira Mitglied"
    # As Element sends it: the display name in `body`, the ID only in the anchor and m.mentions.
    command = await room.orga.send_text(
        room.room_id,
        f"!aufgabe 1 {name} Leitfaden entwerfen",
        format=HTML,
        formatted_body=f"!aufgabe 1 {pill(room.member.user_id, name)} Leitfaden entwerfen",
        **{"m.mentions": {"user_ids": [room.member.user_id]}},
    )
    reply = (await room.orga.wait_reply(command, room.bot.user_id))["content"]

    assert "Aufgabe A1 zu Thema Nr. 1" in reply["body"]
    # The owner is shown as a pill with their display name, not as a bare Matrix ID.
    assert f'<a href="https://matrix.to/#/{room.member.user_id}">' in reply["formatted_body"]
    assert room.member.user_id not in reply["body"]
    assert room.member.user_id in reply["m.mentions"]["user_ids"]
    # The pill itself notified the person picked (Synapse's is_user_mention rule) …
    highlights = await notified_events(room.member, highlight=True)
    assert command in [event["event_id"] for event in highlights]
    # … while the answer, a notice, pings nobody (element.md §9).
    reply_id = next(
        e["event_id"]
        for e in await bot_messages(room.orga, room.room_id, room.bot.user_id)
        if e["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id") == command
    )
    for user in (room.orga, room.member):
        assert reply_id not in [e["event_id"] for e in await notified_events(user)]

    # Edited in Element to another person, picked as a pill again (element.md §5).
    new_html = f"!aufgabe 1 {pill(room.orga.user_id, 'Olga Orga')} Leitfaden entwerfen"
    new_content = {
        "msgtype": "m.text",
        "body": "!aufgabe 1 Olga Orga Leitfaden entwerfen",
        "format": HTML,
        "formatted_body": new_html,
        "m.mentions": {"user_ids": [room.orga.user_id]},
    }
    await room.orga.send_text(
        room.room_id,
        "* !aufgabe 1 Olga Orga Leitfaden entwerfen",
        format=HTML,
        formatted_body=f"* {new_html}",
        **{
            "m.new_content": new_content,
            "m.mentions": {},
            "m.relates_to": {"rel_type": "m.replace", "event_id": command},
        },
    )
    shown = await room.orga.send_text(room.room_id, "!thema 1", **{"m.mentions": {}})
    log = (await room.orga.wait_reply(shown, room.bot.user_id))["content"]["formatted_body"]
    assert f'→ <a href="https://matrix.to/#/{room.orga.user_id}">' in log
    assert room.member.user_id not in log
    # The edit is no new command: one answer to the command, none to its edit.
    assert await room.orga.count_replies(room.room_id, command, room.bot.user_id) == 1


async def test_a_unique_display_name_names_a_person_and_an_unknown_one_says_how(
    room: Room,
) -> None:
    await new_topic(room)
    response = await room.member.client.set_displayname("Mira Muster")
    assert not hasattr(response, "status_code"), response
    await room.member.wait_for(
        lambda: any(
            e.get("type") == "m.room.member"
            and e.get("state_key") == room.member.user_id
            and e["content"].get("displayname") == "Mira Muster"
            for rid, e in room.member.events
            if rid == room.room_id
        )
    )
    typed = await room.orga.send_text(
        room.room_id, '!aufgabe 1 "Mira Muster" Protokoll schreiben', **{"m.mentions": {}}
    )
    reply = (await room.orga.wait_reply(typed, room.bot.user_id))["content"]
    assert "Aufgabe A1" in reply["body"] and "für Mira Muster" in reply["body"]
    assert f'<a href="https://matrix.to/#/{room.member.user_id}">' in reply["formatted_body"]

    unknown = await room.orga.send_text(room.room_id, "!aufgabe 1 Zoe Text", **{"m.mentions": {}})
    answer = (await room.orga.wait_reply(unknown, room.bot.user_id))["content"]
    assert "„Zoe“ finde ich in diesem Raum nicht" in answer["body"]
    assert "@name:server.de" in answer["body"]


async def test_an_old_reply_fallback_is_stripped_and_a_quote_is_no_command(room: Room) -> None:
    question = await room.orga.send_text(room.room_id, "Wie geht das?", **{"m.mentions": {}})
    with_fallback = await room.member.send_text(
        room.room_id,
        f"> <{room.orga.user_id}> Wie geht das?\n\n!hilfe sprache",
        format=HTML,
        formatted_body=(
            f'<mx-reply><blockquote><a href="https://matrix.to/#/{room.room_id}/{question}">'
            f"In reply to</a> {pill(room.orga.user_id, 'Orga')}<br>Wie geht das?</blockquote>"
            "</mx-reply>!hilfe sprache"
        ),
        **{
            "m.mentions": {"user_ids": [room.orga.user_id]},
            "m.relates_to": {"m.in_reply_to": {"event_id": question}},
        },
    )
    reply = (await room.member.wait_reply(with_fallback, room.bot.user_id))["content"]
    assert "!sprache" in reply["body"] and "!language" in reply["body"]

    # As Element sends a reply today (element.md §3): no fallback, the replied-to mentioned.
    without = await room.member.send_text(
        room.room_id,
        "!hilfe termine",
        **{
            "m.mentions": {"user_ids": [room.orga.user_id]},
            "m.relates_to": {"m.in_reply_to": {"event_id": question}},
        },
    )
    answer = (await room.member.wait_reply(without, room.bot.user_id))["content"]
    assert "!termine" in answer["body"], answer["body"]
    assert answer["m.mentions"] == {"user_ids": [room.member.user_id]}

    # A person's own quote is their text, not a fallback: this message is no command.
    quoted = await room.member.send_text(
        room.room_id, "> Zitat aus dem Protokoll\n\n!hilfe", **{"m.mentions": {}}
    )
    probe = await room.member.send_text(room.room_id, "!hilfe", **{"m.mentions": {}})
    await room.member.wait_reply(probe, room.bot.user_id)
    assert await room.member.count_replies(room.room_id, quoted, room.bot.user_id) == 0


async def open_direct_chat(user: MatrixUser, bot_id: str) -> str:
    """`/createRoom` as Element sends it for a new direct chat with a bot without keys."""
    response = await user.client.room_create(
        preset=RoomPreset.trusted_private_chat,
        is_direct=True,
        invite=[bot_id],
        initial_state=[
            {
                "type": "m.room.guest_access",
                "state_key": "",
                "content": {"guest_access": "can_join"},
            }
        ],
    )
    assert isinstance(response, RoomCreateResponse), response
    return response.room_id


async def test_plain_words_in_a_direct_chat_get_one_friendly_answer(room: Room) -> None:
    member, bot = room.member, room.bot.user_id
    direct = await open_direct_chat(member, bot)
    await member.wait_membership(direct, bot, "join")

    hello = await member.send_text(direct, "Hallo", **{"m.mentions": {}})
    answer = (await member.wait_reply(hello, bot))["content"]
    assert answer["msgtype"] == "m.notice"
    assert "!hilfe" in answer["body"] and "Hallo!" in answer["body"]

    english = await member.send_text(direct, "what can you do?", **{"m.mentions": {}})
    answer_en = (await member.wait_reply(english, bot))["content"]
    assert "!help" in answer_en["body"] and answer_en["body"].startswith("Hello!")

    # An edit of a message is no new message (element.md §5).
    await member.send_text(
        direct,
        "* Hallo du",
        **{
            "m.new_content": {"msgtype": "m.text", "body": "Hallo du", "m.mentions": {}},
            "m.mentions": {},
            "m.relates_to": {"rel_type": "m.replace", "event_id": hello},
        },
    )
    # Notices (what bots send) get no answer.
    notice = await member.send_text(direct, "Hallo", msgtype="m.notice", **{"m.mentions": {}})
    probe = await member.send_text(direct, "!sprache de", **{"m.mentions": {}})
    await member.wait_reply(probe, bot)
    assert await member.count_replies(direct, notice, bot) == 0
    assert await member.count_replies(direct, hello, bot) == 1
    assert await member.count_replies(direct, english, bot) == 1
    assert len(await bot_messages(member, direct, bot)) == 3
    # The answers are notices: they ping nobody (element.md §9).
    notified = {e["event_id"] for e in await notified_events(member)}
    assert not notified & {e["event_id"] for e in await bot_messages(member, direct, bot)}


async def test_the_first_message_of_a_new_direct_chat_is_answered_once(room: Room) -> None:
    member, bot = room.member, room.bot.user_id
    direct = await open_direct_chat(member, bot)
    # Element sends right after the invite, before the bot could join.
    first = await member.send_text(direct, "!hilfe", **{"m.mentions": {}})
    reply = (await member.wait_reply(first, bot))["content"]
    assert "!sprache" in reply["body"] and "!termine" in reply["body"]

    probe = await member.send_text(direct, "!sprache de", **{"m.mentions": {}})
    await member.wait_reply(probe, bot)
    assert await member.count_replies(direct, first, bot) == 1
    assert len(await bot_messages(member, direct, bot)) == 2


async def test_a_command_in_a_thread_as_element_sends_it_is_answered_there(room: Room) -> None:
    root = await room.member.send_text(
        room.room_id, "Wer kommt zum Workshop?", **{"m.mentions": {}}
    )
    latest = await room.orga.send_text(
        room.room_id,
        "Ich",
        **{
            "m.mentions": {},
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": root},
            },
        },
    )
    # Element's thread shape: the reply to the thread's latest message is only a fallback.
    command = await room.member.send_text(
        room.room_id,
        "!hilfe sprache",
        **{
            "m.mentions": {},
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": latest},
            },
        },
    )
    answer = (await room.member.wait_reply(command, room.bot.user_id))["content"]
    assert answer["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": command},
    }
    assert "!sprache" in answer["body"]
    assert answer["m.mentions"] == {"user_ids": [room.member.user_id]}

    # A reply inside the thread (Element: no fallback, the target's sender mentioned), and a
    # mistake there: both answers stay in the thread, as Element shows them.
    in_thread = {"rel_type": "m.thread", "event_id": root, "is_falling_back": False}
    reply = await room.member.send_text(
        room.room_id,
        "!teilnahme x ja",
        **{
            "m.mentions": {"user_ids": [room.orga.user_id]},
            "m.relates_to": {**in_thread, "m.in_reply_to": {"event_id": latest}},
        },
    )
    error = (await room.member.wait_reply(reply, room.bot.user_id))["content"]
    assert error["m.relates_to"] == {**in_thread, "m.in_reply_to": {"event_id": reply}}
    assert "x" in error["body"] and "Zahl" in error["body"], error["body"]

    # An edit of a command is no new command (element.md §5): it is not run again.
    await room.member.send_text(
        room.room_id,
        "* !hilfe termine",
        **{
            "m.new_content": {"msgtype": "m.text", "body": "!hilfe termine", "m.mentions": {}},
            "m.mentions": {},
            "m.relates_to": {"rel_type": "m.replace", "event_id": command},
        },
    )
    probe = await room.member.send_text(room.room_id, "!sprache de", **{"m.mentions": {}})
    await room.member.wait_reply(probe, room.bot.user_id)
    assert await room.member.count_replies(room.room_id, command, room.bot.user_id) == 1
    assert len(await bot_messages(room.member, room.room_id, room.bot.user_id)) == 3


async def test_at_the_first_start_ever_an_invite_brings_no_old_commands(
    synapse: LocalSynapse, orga: MatrixUser, tmp_path: Path
) -> None:
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    # Invited and asked while the bot has never run: that is history when it first starts.
    room_id = await orga.create_room(invite=[bot_id])
    old = await orga.send_text(room_id, "!hilfe", **{"m.mentions": {}})
    bot = BotProcess(synapse, tmp_path / "bot", bot_id, [orga.user_id], [synapse.server_name])
    await bot.start()
    try:
        await orga.wait_membership(room_id, bot_id, "join")
        probe = await orga.send_text(room_id, "!sprache de", **{"m.mentions": {}})
        await orga.wait_reply(probe, bot_id)
        assert await orga.count_replies(room_id, old, bot_id) == 0
    finally:
        await bot.stop()
