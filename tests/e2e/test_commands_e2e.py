"""The bot's command behaviour seen by real users on a real Synapse."""

from __future__ import annotations

from tests.e2e.conftest import Room


def content(event: dict) -> dict:
    return event["content"]


async def test_help_in_german_and_english(room: Room) -> None:
    german_id = await room.member.send_text(room.room_id, "!hilfe")
    english_id = await room.member.send_text(room.room_id, "!help")
    german = content(await room.member.wait_reply(german_id, room.bot.user_id))
    english = content(await room.member.wait_reply(english_id, room.bot.user_id))
    assert german["msgtype"] == "m.notice"
    assert german["format"] == "org.matrix.custom.html"
    assert "Befehle von alumni-bot" in german["formatted_body"]
    assert "!sprache" in german["body"]
    assert "alumni-bot commands" in english["formatted_body"]
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


async def test_member_refused_organiser_command(room: Room) -> None:
    refused_id = await room.member.send_text(room.room_id, "!status")
    refused = content(await room.member.wait_reply(refused_id, room.bot.user_id))
    assert "nur Organisation" in refused["body"] or "dürfen nur" in refused["body"]
    allowed_id = await room.orga.send_text(room.room_id, "!status")
    allowed = content(await room.orga.wait_reply(allowed_id, room.bot.user_id))
    assert "alumni-bot" in allowed["body"] and "Befehle beantwortet" in allowed["body"]


async def test_language_preference_is_stored(room: Room) -> None:
    set_id = await room.member.send_text(room.room_id, "!sprache en")
    confirmation = content(await room.member.wait_reply(set_id, room.bot.user_id))
    assert "English" in confirmation["body"]
    help_id = await room.member.send_text(room.room_id, "!hilfe")
    reply = content(await room.member.wait_reply(help_id, room.bot.user_id))
    assert "alumni-bot commands" in reply["body"]


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
