"""Announcements as members get them in Element: an ordinary notification for every post, a
highlighted one for @room where the bot may send it, and the organiser's formatting kept.

Who is notified is read from each member's `GET /notifications` (element.md §9)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Room
from tests.e2e.harness import Event, highlighted, wait_notified

# What Element sends for `@room **Workshop** morgen` with @room picked from the autocomplete.
ROOM_WORKSHOP = {
    "msgtype": "m.text",
    "body": "!ankuendigung in 2 Sekunden in hier: @room **Workshop** morgen",
    "format": "org.matrix.custom.html",
    "formatted_body": "!ankuendigung in 2 Sekunden in hier: @room <strong>Workshop</strong> morgen",
    "m.mentions": {"room": True},
}


async def set_power(
    room: Room, users: dict[str, int], room_notification: int | None = None
) -> None:
    response = await room.orga.client.room_get_state_event(room.room_id, "m.room.power_levels")
    content = dict(response.content)
    content["users"] = {**content.get("users", {}), **users}
    if room_notification is not None:
        content["notifications"] = {**content.get("notifications", {}), "room": room_notification}
    put = await room.orga.client.room_put_state(room.room_id, "m.room.power_levels", content)
    assert getattr(put, "event_id", None), put


async def schedule(room: Room, content: dict[str, Any]) -> str:
    response = await room.orga.client.room_send(room.room_id, "m.room.message", content)
    event_id = getattr(response, "event_id", None)
    assert event_id, response
    reply = await room.orga.wait_reply(event_id, room.bot.user_id)
    assert "Ankündigung Nr." in reply["content"]["body"], reply
    return str(reply["content"]["body"])


async def post_containing(room: Room, needle: str) -> Event:
    def found() -> Event | None:
        for room_id, event in room.member.events:
            content = event.get("content", {})
            if (
                room_id == room.room_id
                and event.get("sender") == room.bot.user_id
                and "m.relates_to" not in content
                and needle in content.get("body", "")
            ):
                return event
        return None

    event: Event = await room.member.wait_for(found)
    return event


async def test_room_mention_with_formatting_highlights_every_member(room: Room) -> None:
    await set_power(room, {room.bot.user_id: 50})
    reply = await schedule(room, ROOM_WORKSHOP)
    assert "Berechtigungsstufe" not in reply

    post = await post_containing(room, "Workshop")
    content = post["content"]
    assert content["msgtype"] == "m.text"
    assert content["m.mentions"] == {"room": True}
    assert "@room" in content["body"]
    assert "<strong>Workshop</strong>" in content["formatted_body"]
    notification = await wait_notified(room.member, post["event_id"])
    assert highlighted(notification), notification


async def test_plain_announcement_notifies_as_an_ordinary_message(room: Room) -> None:
    await set_power(room, {room.bot.user_id: 50})
    await schedule(
        room, {"msgtype": "m.text", "body": "!ankuendigung in 2 Sekunden in hier: Kaffeepause"}
    )

    post = await post_containing(room, "Kaffeepause")
    assert post["content"]["msgtype"] == "m.text"
    assert post["content"]["m.mentions"] == {}
    notification = await wait_notified(room.member, post["event_id"])
    assert not highlighted(notification), notification


async def test_without_the_power_the_reply_says_so_and_the_post_is_no_room_mention(
    room: Room,
) -> None:
    await set_power(room, {room.bot.user_id: 50}, room_notification=75)
    reply = await schedule(room, ROOM_WORKSHOP)
    assert "@room" in reply and "Berechtigungsstufe 75" in reply and "der Bot hat 50" in reply

    post = await post_containing(room, "Workshop")
    assert post["content"]["m.mentions"] == {}
    assert "<strong>Workshop</strong>" in post["content"]["formatted_body"]
    notification = await wait_notified(room.member, post["event_id"])
    assert not highlighted(notification), notification


async def test_changed_text_keeps_its_formatting(room: Room) -> None:
    reply = await schedule(
        room, {"msgtype": "m.text", "body": "!ankuendigung in 1 Stunde in hier: Alt"}
    )
    number = reply.split("Nr. ", 1)[1].split(" ", 1)[0]
    command = f"!ankuendigung text {number} **Neu** mit [Link](https://ex.org)"
    changed = await schedule(
        room,
        {
            "msgtype": "m.text",
            "body": command,
            "format": "org.matrix.custom.html",
            "formatted_body": f"!ankuendigung text {number} <strong>Neu</strong> mit "
            '<a href="https://ex.org">Link</a><script>x()</script>',
            "m.mentions": {},
        },
    )
    assert "geändert" in changed
    shown_id = await room.orga.send_text(room.room_id, f"!ankuendigung zeigen {number}")
    shown = await room.orga.wait_reply(shown_id, room.bot.user_id)
    html = shown["content"]["formatted_body"]
    assert '<strong>Neu</strong> mit <a href="https://ex.org">Link</a>' in html
    assert "script" not in html
