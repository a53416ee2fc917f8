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
    assert (
        "Befehle beantwortet"
        in content(await room.member.wait_reply(allowed, room.bot.user_id))["body"]
    )
    await room.bot.stop()
    await room.bot.start()
    again = await room.member.send_text(room.room_id, "!status")
    assert (
        "Befehle beantwortet"
        in content(await room.member.wait_reply(again, room.bot.user_id))["body"]
    )


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
