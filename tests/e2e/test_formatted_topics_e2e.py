"""Topic texts keep the formatting typed in Element: a topic's title, its notes and decisions
appear formatted (sanitised) where the bot shows them as HTML; an edit without formatting takes
the old formatting away with the old text."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import Room
from tests.e2e.harness import Event

HTML = "org.matrix.custom.html"


async def send(room: Room, content: dict[str, Any]) -> Event:
    response = await room.member.client.room_send(room.room_id, "m.room.message", content)
    event_id = getattr(response, "event_id", None)
    assert event_id, response
    return await room.member.wait_reply(event_id, room.bot.user_id)


def element(body: str, formatted_body: str) -> dict[str, Any]:
    """What Element sends for Markdown typed in its composer."""
    return {
        "msgtype": "m.text",
        "body": body,
        "format": HTML,
        "formatted_body": formatted_body,
        "m.mentions": {},
    }


async def test_title_notes_and_decisions_keep_their_formatting(room: Room) -> None:
    proposed = await send(
        room,
        element("!thema **Rolle** der Verwaltung", "!thema <strong>Rolle</strong> der Verwaltung"),
    )
    assert "<strong>Rolle</strong> der Verwaltung" in proposed["content"]["formatted_body"]
    match = re.search(r"Nr\. (\d+)", proposed["content"]["body"])
    assert match, proposed
    number = match[1]

    noted = await send(
        room,
        element(
            f"!notiz {number} Wir brauchen ein *Mandat*:\n\n- Rat\n- Verwaltung",
            f"<p>!notiz {number} Wir brauchen ein <em>Mandat</em>:</p>\n"
            "<ul>\n<li>Rat</li>\n<li>Verwaltung</li>\n</ul>\n",
        ),
    )
    decided = await send(
        room,
        element(
            f"!beschluss {number} Leitfaden [hier](https://ex.org) <script>x()</script>",
            f'!beschluss {number} Leitfaden <a href="https://ex.org">hier</a> '
            "&lt;script&gt;x()&lt;/script&gt;",
        ),
    )
    assert "festgehalten" in decided["content"]["body"] or "Beschluss" in decided["content"]["body"]

    shown = await send(room, {"msgtype": "m.text", "body": f"!thema {number}", "m.mentions": {}})
    html = shown["content"]["formatted_body"]
    assert "<strong>Rolle</strong> der Verwaltung" in html
    assert "Wir brauchen ein <em>Mandat</em>:" in html
    assert "<li>Rat</li>" in html and "<li>Verwaltung</li>" in html
    assert 'Leitfaden <a href="https://ex.org">hier</a> &lt;script&gt;' in html
    assert "<script>" not in html

    # Edited in Element without formatting: the old formatting goes with the old text.
    original = noted["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
    new_text = f"!notiz {number} Wir brauchen ein klares Mandat"
    edit = {
        "msgtype": "m.text",
        "body": f"* {new_text}",
        "m.new_content": {"msgtype": "m.text", "body": new_text, "m.mentions": {}},
        "m.mentions": {},
        "m.relates_to": {"rel_type": "m.replace", "event_id": original},
    }
    response = await room.member.client.room_send(room.room_id, "m.room.message", edit)
    assert getattr(response, "event_id", None), response
    again = await send(room, {"msgtype": "m.text", "body": f"!thema {number}", "m.mentions": {}})
    html = again["content"]["formatted_body"]
    assert "Wir brauchen ein klares Mandat" in html
    assert "<em>Mandat</em>" not in html and "<li>Rat</li>" not in html
