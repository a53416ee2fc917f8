"""Which raw events are commands, whose commands count, and reply fallbacks."""

from __future__ import annotations

from typing import Any

import pytest

from bot.event_filter import (
    command_text,
    edit_of,
    last_own_join,
    replied_to,
    sender_allowed,
    sent_since_invite,
    strip_reply_fallback,
    thread_root,
)

BOT = "@alumni-bot:example.org"
JOINED_AT = 1_000_000


def message(
    body: Any = "!hilfe",
    *,
    msgtype: str = "m.text",
    sender: str = "@anna:example.org",
    ts: int = JOINED_AT + 1,
    event_type: str = "m.room.message",
    **content: Any,
) -> dict[str, Any]:
    return {
        "type": event_type,
        "sender": sender,
        "event_id": "$event",
        "origin_server_ts": ts,
        "content": {"msgtype": msgtype, "body": body, **content},
    }


REPLY_BODY = "> <@ben:example.org> Wann ist der Workshop?\n> Und wo?\n\n!hilfe termin"


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(message("!hilfe"), "hilfe", id="plain"),
        pytest.param(message("!umfrage beenden 3"), "umfrage beenden 3", id="with-args"),
        pytest.param(message("  !hilfe  "), "hilfe", id="surrounding-space"),
        pytest.param(message("!Hilfe"), "Hilfe", id="case-kept"),
        pytest.param(message("!hilfe", ts=JOINED_AT), "hilfe", id="at-join-time"),
        pytest.param(message(REPLY_BODY), "hilfe termin", id="reply-fallback-stripped"),
        pytest.param(
            message("!hilfe", **{"m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}}),
            "hilfe",
            id="in-a-thread",
        ),
        pytest.param(message("!hilfe", sender=BOT), None, id="own-event"),
        pytest.param(message("!hilfe", msgtype="m.notice"), None, id="notice"),
        pytest.param(message("!hilfe", msgtype="m.emote"), None, id="emote"),
        pytest.param(message("!hilfe", msgtype="m.image"), None, id="image"),
        pytest.param(message("!hilfe", ts=JOINED_AT - 1), None, id="before-join"),
        pytest.param(
            message(
                "* !hilfe",
                **{
                    "m.new_content": {"msgtype": "m.text", "body": "!hilfe"},
                    "m.relates_to": {"rel_type": "m.replace", "event_id": "$original"},
                },
            ),
            None,
            id="edit",
        ),
        pytest.param(
            message("!hilfe", **{"m.relates_to": {"rel_type": "m.replace", "event_id": "$o"}}),
            None,
            id="edit-without-star",
        ),
        pytest.param(message("!hilfe", event_type="m.sticker"), None, id="not-a-message"),
        pytest.param(message("!"), None, id="prefix-only"),
        pytest.param(message("!   "), None, id="prefix-and-space"),
        pytest.param(message("! hilfe"), None, id="space-after-prefix"),
        pytest.param(message("!!hilfe"), None, id="double-prefix"),
        pytest.param(message("!1"), None, id="digit"),
        pytest.param(message("hilfe"), None, id="no-prefix"),
        pytest.param(message("Hallo !hilfe"), None, id="prefix-not-at-start"),
        pytest.param(message(None), None, id="no-body"),
        pytest.param(message(["!hilfe"]), None, id="body-not-a-string"),
        pytest.param({**message(), "content": "!hilfe"}, None, id="content-not-a-dict"),
    ],
)
def test_command_text(event: dict[str, Any], expected: str | None) -> None:
    assert command_text(event, own_user_id=BOT, prefix="!", joined_at_ms=JOINED_AT) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("?hilfe", "hilfe"),
        ("!hilfe", None),
        ("bot: hilfe", None),
    ],
)
def test_command_text_uses_the_configured_prefix(body: str, expected: str | None) -> None:
    event = message(body)

    assert command_text(event, own_user_id=BOT, prefix="?", joined_at_ms=JOINED_AT) == expected


def test_multi_character_prefix() -> None:
    event = message("ab!status")

    assert command_text(event, own_user_id=BOT, prefix="ab!", joined_at_ms=0) == "status"
    assert command_text(message("ab!"), own_user_id=BOT, prefix="ab!", joined_at_ms=0) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("!hilfe", "!hilfe", id="no-fallback"),
        pytest.param(REPLY_BODY, "!hilfe termin", id="two-quoted-lines"),
        pytest.param("> <@ben:example.org> Frage\n!hilfe", "!hilfe", id="no-blank-line"),
        pytest.param("> <@ben:example.org> a\n>\n> b\n\nText", "Text", id="empty-quote-line"),
        pytest.param("> <@ben:example.org> nur Zitat", "", id="only-quote"),
        pytest.param(">kein Zitat\n!hilfe", ">kein Zitat\n!hilfe", id="no-space-after-gt"),
        pytest.param("!hilfe\n> später", "!hilfe\n> später", id="quote-later"),
        pytest.param(
            "> <@ben:example.org> a\n\nZeile 1\nZeile 2", "Zeile 1\nZeile 2", id="multi-line"
        ),
        pytest.param("> * <@ben:example.org> Bild\n\n!hilfe", "!hilfe", id="emote-fallback"),
        pytest.param("> Zitat von mir\n\nText", "> Zitat von mir\n\nText", id="own-quote-kept"),
    ],
)
def test_strip_reply_fallback(body: str, expected: str) -> None:
    assert strip_reply_fallback(body) == expected


ORGANISERS = ["@orga:elsewhere.example"]
SERVERS = ["example.org", "partner.example:8448"]


@pytest.mark.parametrize(
    ("user_id", "allowed"),
    [
        ("@anna:example.org", True),
        ("@orga:elsewhere.example", True),
        ("@ben:partner.example:8448", True),
        ("@ben:partner.example", False),
        ("@mallory:elsewhere.example", False),
        ("@mallory:example.org.evil.example", False),
        ("@mallory:evil-example.org", False),
        ("example.org", False),
    ],
)
def test_sender_allowed(user_id: str, allowed: bool) -> None:
    assert sender_allowed(user_id, ORGANISERS, SERVERS) is allowed


def test_sender_allowed_accepts_any_iterables() -> None:
    assert sender_allowed("@anna:example.org", iter(()), (s for s in ["example.org"]))
    assert not sender_allowed("@anna:example.org", (), ())


def member_event(user: str, membership: str, previous: str | None = None) -> dict:
    event = {
        "type": "m.room.member",
        "state_key": user,
        "sender": user,
        "origin_server_ts": 10,
        "content": {"membership": membership},
    }
    if previous is not None:
        event["unsigned"] = {"prev_content": {"membership": previous}}
    return event


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], None),
        ([member_event(BOT, "join", "invite")], 0),
        ([member_event(BOT, "join")], 0),
        # a display-name change is a join after a join: not a rejoin
        ([member_event(BOT, "join", "invite"), member_event(BOT, "join", "join")], 0),
        ([member_event(BOT, "join", "invite"), member_event(BOT, "leave", "join")], 0),
        (
            [
                member_event(BOT, "join", "invite"),
                member_event(BOT, "leave", "join"),
                member_event(BOT, "join", "leave"),
            ],
            2,
        ),
        ([member_event("@other:example.org", "join", "invite")], None),
    ],
)
def test_last_own_join(events: list[dict], expected: int | None) -> None:
    assert last_own_join(events, BOT) == expected


def test_thread_root() -> None:
    in_thread = {"content": {"m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}}}
    reply = {"content": {"m.relates_to": {"m.in_reply_to": {"event_id": "$x"}}}}
    assert thread_root(in_thread) == "$root"
    assert thread_root(reply) is None
    assert thread_root({"content": {}}) is None


def pill_message(html: str, body: str, mentions: list[str], **content: Any) -> dict[str, Any]:
    """A message as Element sends it with a name picked from the autocomplete."""
    return message(
        body,
        format="org.matrix.custom.html",
        formatted_body=html,
        **{"m.mentions": {"user_ids": mentions}},
        **content,
    )


ANNA_PILL = '<a href="https://matrix.to/#/@anna:example.org">Anna Beispiel</a>'
BOT_PILL = f'<a href="https://matrix.to/#/{BOT}">Alumni-Bot</a>'


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(
            pill_message(
                f"!aufgabe 1 {ANNA_PILL} Leitfaden entwerfen",
                "!aufgabe 1 Anna Beispiel Leitfaden entwerfen",
                ["@anna:example.org"],
            ),
            "aufgabe 1 @anna:example.org Leitfaden entwerfen",
            id="pill-becomes-id",
        ),
        pytest.param(
            pill_message(f"{BOT_PILL}: !hilfe", "Alumni-Bot: !hilfe", [BOT]),
            "hilfe",
            id="bot-pill-first",
        ),
        pytest.param(
            pill_message(f"{ANNA_PILL}: !hilfe", "Anna Beispiel: !hilfe", ["@anna:example.org"]),
            None,
            id="someone-elses-pill-first",
        ),
        pytest.param(
            pill_message(f"{BOT_PILL} Hallo", "Alumni-Bot Hallo", [BOT]),
            None,
            id="bot-pill-without-command",
        ),
        pytest.param(
            message("**!hilfe**", format="org.matrix.custom.html", formatted_body="<b>!hilfe</b>"),
            None,
            id="markdown-without-pill-read-from-body",
        ),
        pytest.param(
            pill_message(
                "<mx-reply><blockquote>Zitat</blockquote></mx-reply>"
                f"!mitglied entfernen {ANNA_PILL}",
                "> <@ben:example.org> Zitat\n\n!mitglied entfernen Anna Beispiel",
                ["@anna:example.org"],
                **{"m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}},
            ),
            "mitglied entfernen @anna:example.org",
            id="pill-in-old-reply",
        ),
        pytest.param(
            pill_message(
                f"* !aufgabe 1 {ANNA_PILL} x",
                "* !aufgabe 1 Anna Beispiel x",
                ["@anna:example.org"],
                **{
                    "m.new_content": {"msgtype": "m.text", "body": "!aufgabe 1 Anna x"},
                    "m.relates_to": {"rel_type": "m.replace", "event_id": "$o"},
                },
            ),
            None,
            id="edited-command-with-pill",
        ),
    ],
)
def test_command_text_as_element_sends_it(event: dict[str, Any], expected: str | None) -> None:
    assert command_text(event, own_user_id=BOT, prefix="!", joined_at_ms=JOINED_AT) == expected


def test_command_text_with_a_reply_as_element_sends_it_now() -> None:
    event = message("!hilfe", **{"m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}})

    assert command_text(event, own_user_id=BOT, prefix="!", joined_at_ms=JOINED_AT) == "hilfe"
    assert replied_to(event) == "$q"


def test_a_thread_fallback_reply_is_no_reply() -> None:
    in_thread = {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": "$latest"},
    }
    answer_in_thread = {**in_thread, "is_falling_back": False, "m.in_reply_to": {"event_id": "$t"}}

    assert replied_to(message("!hilfe", **{"m.relates_to": in_thread})) is None
    assert thread_root(message("!hilfe", **{"m.relates_to": in_thread})) == "$root"
    assert replied_to(message("!hilfe", **{"m.relates_to": answer_in_thread})) == "$t"


def member(user_id: str, membership: str, sender: str) -> dict[str, Any]:
    return {
        "type": "m.room.member",
        "state_key": user_id,
        "sender": sender,
        "content": {"membership": membership},
    }


def test_sent_since_invite_keeps_the_inviters_messages_after_the_invite() -> None:
    anna = "@anna:example.org"
    before = message("vorher", sender=anna)
    first = message("!hilfe", sender=anna)
    other = message("!hilfe", sender="@ben:example.org")
    events = [
        member(anna, "join", anna),
        before,
        member(BOT, "invite", anna),
        first,
        other,
    ]

    assert sent_since_invite(events, BOT) == [first]
    assert sent_since_invite([member(anna, "join", anna), before], BOT) == []
    assert sent_since_invite([member("@ben:example.org", "invite", anna), first], BOT) == []


def test_an_edit_with_pills_carries_its_text_as_a_command_reads_it() -> None:
    new = {
        "msgtype": "m.text",
        "body": "!aufgabe 1 Anna Beispiel x",
        "format": "org.matrix.custom.html",
        "formatted_body": f"!aufgabe 1 {ANNA_PILL} x",
    }
    relation = {"rel_type": "m.replace", "event_id": "$o"}
    with_pill = message("* …", **{"m.new_content": new, "m.relates_to": relation})
    plain_new = {"msgtype": "m.text", "body": "x"}
    plain = message("* …", **{"m.new_content": plain_new, "m.relates_to": relation})

    found = edit_of(with_pill, own_user_id=BOT, joined_at_ms=JOINED_AT)
    assert found is not None
    assert (found.body, found.command_body) == (
        "!aufgabe 1 Anna Beispiel x",
        "!aufgabe 1 @anna:example.org x",
    )
    plain_edit = edit_of(plain, own_user_id=BOT, joined_at_ms=JOINED_AT)
    assert plain_edit is not None and plain_edit.command_body is None
