"""Hostile input on a real Synapse: a clear answer in the person's language, never an internal
error, nothing stored that is empty, no bidi control echoed back."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Room


def body(event: dict) -> str:
    return str(event["content"]["body"])


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("!thema 99999999999999999999", "liegt nicht zwischen"),
        ("!teilnahme １ ja", "keine ganze Zahl"),
        ("!bedarf #personal #agil", "Was ist der Bedarf"),
        ("!bedarf \u200b\u200b", "leer"),
        ("!notiz 1 \u200b", "leer"),
    ],
)
async def test_a_clear_answer(room: Room, command: str, expected: str) -> None:
    sent = await room.member.send_text(room.room_id, command)
    reply = body(await room.member.wait_reply(sent, room.bot.user_id))
    assert expected in reply, reply
    assert "interner Fehler" not in reply


async def test_bidi_controls_are_not_echoed(room: Room) -> None:
    sent = await room.member.send_text(room.room_id, "!hilfe\u202eetlif")
    reply = await room.member.wait_reply(sent, room.bot.user_id)
    assert "\u202e" not in reply["content"]["body"]
    assert "\u202e" not in reply["content"]["formatted_body"]
