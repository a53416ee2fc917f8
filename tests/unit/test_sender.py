"""The content every bot message carries: notice, HTML with a plain body, mentions, relations."""

from __future__ import annotations

from commands.core.content import message_content, txn_id_for
from commands.core.rendering import Markup


def test_notice_with_html_body_and_empty_mentions() -> None:
    content = message_content(Markup("<b>Hallo</b> &amp; willkommen"))
    assert content == {
        "msgtype": "m.notice",
        "body": "Hallo & willkommen",
        "format": "org.matrix.custom.html",
        "formatted_body": "<b>Hallo</b> &amp; willkommen",
        "m.mentions": {},
    }


def test_reply_mentions_each_user_once() -> None:
    content = message_content("x", reply_to="$cmd", mentions=["@b:x.org", "@a:x.org", "@b:x.org"])
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$cmd"}}
    assert content["m.mentions"] == {"user_ids": ["@a:x.org", "@b:x.org"]}


def test_reply_in_a_thread_stays_in_the_thread() -> None:
    content = message_content("x", reply_to="$cmd", thread_root="$root")
    assert content["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": "$cmd"},
    }


def test_text_message_for_pings() -> None:
    assert message_content("x", msgtype="m.text")["msgtype"] == "m.text"


def test_txn_ids_are_deterministic_and_distinct() -> None:
    assert txn_id_for("reply", "$a") == txn_id_for("reply", "$a")
    assert txn_id_for("reply", "$a") != txn_id_for("reply", "$b")
    assert txn_id_for("reply", "$a", 0) != txn_id_for("reply", "$a", 1)
    assert txn_id_for("reply", "$a").startswith("reply.")
