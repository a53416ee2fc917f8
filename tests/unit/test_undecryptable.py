"""Parking what the bot cannot read yet: which events, who is told when, and the notice."""

from __future__ import annotations

from bot.undecryptable import due_notices, notice_html, parked_from
from storage.bot_state import ParkedEvent

ENCRYPTED = {
    "type": "m.room.encrypted",
    "event_id": "$e",
    "sender": "@anna:example.org",
    "origin_server_ts": 1,
    "content": {
        "algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": "…",
        "session_id": "S1",
        "sender_key": "K1",
        "device_id": "D",
    },
}


def parked(event_id: str, sender: str, at: float, notified: bool = False) -> ParkedEvent:
    return ParkedEvent(event_id, "!r:x", sender, "S", "K", at, notified)


def test_an_encrypted_event_is_parked_with_its_session() -> None:
    row = parked_from("!r:x", ENCRYPTED, 100.0)
    assert row == ParkedEvent("$e", "!r:x", "@anna:example.org", "S1", "K1", 100.0)


def test_without_sender_key_it_is_still_parked() -> None:
    content = {k: v for k, v in ENCRYPTED["content"].items() if k != "sender_key"}
    row = parked_from("!r:x", {**ENCRYPTED, "content": content}, 1.0)
    assert row is not None and row.sender_key == ""


def test_readable_events_and_broken_ones_are_not_parked() -> None:
    assert parked_from("!r:x", {**ENCRYPTED, "type": "m.room.message"}, 1.0) is None
    assert parked_from("!r:x", {**ENCRYPTED, "content": {"ciphertext": "…"}}, 1.0) is None


def test_senders_are_told_once_after_the_wait_about_their_oldest_event() -> None:
    rows = [
        parked("$new", "@anna:x", 50.0),
        parked("$old", "@anna:x", 10.0),
        parked("$ben", "@ben:x", 95.0),
        parked("$told", "@cem:x", 0.0, notified=True),
        parked("$later", "@cem:x", 10.0),
    ]
    assert [p.event_id for p in due_notices(rows, now=100.0, wait=30.0)] == ["$old"]
    assert due_notices(rows, now=100.0, wait=200.0) == []


def test_the_notice_escapes_the_room_name_in_both_languages() -> None:
    html = notice_html("de", "<b>Raum</b>")
    assert "&lt;b&gt;Raum&lt;/b&gt;" in html and "nicht lesen" in html
    assert "could not read" in notice_html("en", "Raum")
