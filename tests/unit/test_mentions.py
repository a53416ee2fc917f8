"""Command text with Element's pills as bare IDs, m.mentions, outgoing pills, display names."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from commands.core.mentions import (
    command_text_of,
    mentioned_user_ids,
    pill,
    pills,
    resolve_display_name,
    strip_reply_fallback_html,
)

HTML = "org.matrix.custom.html"


def html(formatted_body: str, body: str = "(plain)", **extra: Any) -> dict[str, Any]:
    return {
        "msgtype": "m.text",
        "body": body,
        "format": HTML,
        "formatted_body": formatted_body,
        "m.mentions": {},
        **extra,
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            # element.md §2, verbatim.
            {
                "msgtype": "m.text",
                "body": "Alice: are you coming?",
                "format": HTML,
                "formatted_body": (
                    '<a href="https://matrix.to/#/@alice:example.org">Alice</a>: are you coming?'
                ),
                "m.mentions": {"user_ids": ["@alice:example.org"]},
            },
            "@alice:example.org: are you coming?",
            id="pill-at-start-with-colon",
        ),
        pytest.param(
            html('!termin 12.5. mit <a href="https://matrix.to/#/@bob:ex.org">Bob</a> planen'),
            "!termin 12.5. mit @bob:ex.org planen",
            id="pill-mid-sentence",
        ),
        pytest.param(
            html(
                '!gruppe <a href="https://matrix.to/#/@a:ex.org">Anna</a> '
                '<a href="https://matrix.to/#/@b:ex.org">Ben</a>'
            ),
            "!gruppe @a:ex.org @b:ex.org",
            id="two-pills",
        ),
        pytest.param(
            html('!dm <a href="https://matrix.to/#/@joerg:ex.org">Jörg Müller</a> hallo'),
            "!dm @joerg:ex.org hallo",
            id="name-with-space-and-umlauts",
        ),
        pytest.param(
            html('!dm <a href="https://matrix.to/#/%40anna%3Aexample.org">Anna</a>'),
            "!dm @anna:example.org",
            id="percent-encoded-href",
        ),
        pytest.param(
            html('!dm <a href="https://matrix.to/#/@anna:example.org?via=example.org">Anna</a>'),
            "!dm @anna:example.org",
            id="via-query",
        ),
        pytest.param(
            html('!dm <a href="https://matrix.to/#/@anna:example.org:8448">Anna</a>'),
            "!dm @anna:example.org:8448",
            id="server-with-port",
        ),
        pytest.param(
            # element.md §1, verbatim.
            html(
                '<strong>bold</strong> see <a href="https://ex.org">docs</a>',
                body="**bold** see [docs](https://ex.org)",
            ),
            "bold see docs",
            id="normal-link-keeps-its-text",
        ),
        pytest.param(
            html('see <a href="https://matrix.to/#/@alice">Alice</a>'),
            "see Alice",
            id="not-a-user-id-keeps-its-text",
        ),
        pytest.param(
            html('in <a href="https://matrix.to/#/#treffen:ex.org?via=ex.org">Treffen</a>'),
            "in #treffen:ex.org",
            id="room-alias",
        ),
        pytest.param(
            html('in <a href="https://matrix.to/#/!abc:ex.org">Raum</a>'),
            "in !abc:ex.org",
            id="room-id",
        ),
        pytest.param(
            html('<a href="https://matrix.to/#/!abc:ex.org/$ev?via=ex.org">Nachricht</a>'),
            "Nachricht",
            id="event-permalink-keeps-its-text",
        ),
        pytest.param(
            html(
                '<mx-reply><blockquote><a href="https://matrix.to/#/!r:ex.org/$q">In reply to</a>'
                ' <a href="https://matrix.to/#/@alice:ex.org">@alice:ex.org</a><br>Frage?'
                "</blockquote></mx-reply>!ja",
                body="> <@alice:ex.org> Frage?\n\n!ja",
            ),
            "!ja",
            id="mx-reply-stripped",
        ),
        pytest.param(
            html("Tom &amp; Jerry &lt;3 &quot;x&quot;"),
            'Tom & Jerry <3 "x"',
            id="entities",
        ),
        pytest.param(
            html("eins<br />zwei<br>drei"),
            "eins\nzwei\ndrei",
            id="br",
        ),
        pytest.param(
            # Element's Markdown renderer separates blocks with "\n" in the HTML source.
            html("<p>intro</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
            "intro\na\nb",
            id="blocks-and-source-newlines",
        ),
        pytest.param(
            html("<p>a</p><p></p><p></p><p></p><p>b</p>"),
            "a\n\nb",
            id="at-most-one-blank-line",
        ),
        pytest.param(
            html("<pre><code>zeile 1\n  zeile 2\n</code></pre>\n"),
            "zeile 1\n  zeile 2",
            id="pre-keeps-newlines-and-indent",
        ),
        pytest.param(
            html('<a href="https://matrix.to/#/@alice:ex.org">Alice'),
            "@alice:ex.org",
            id="unclosed-pill",
        ),
        pytest.param(
            {"msgtype": "m.text", "body": "!hilfe", "m.mentions": {}},
            "!hilfe",
            id="body-only",
        ),
        pytest.param(
            {"msgtype": "m.text", "body": "  !hilfe  \n"},
            "!hilfe",
            id="body-stripped",
        ),
        pytest.param(
            {"body": "> <@alice:ex.org> Kommst du?\n> Zweite Zeile\n\n!ja"},
            "!ja",
            id="old-plain-fallback",
        ),
        pytest.param(
            {"body": "> * <@alice:ex.org> winkt\n\n!hallo"},
            "!hallo",
            id="old-plain-fallback-of-emote",
        ),
        pytest.param(
            {"body": "> <@alice:ex.org> a\n>\n> b\n\n\n!ja"},
            "!ja",
            id="old-plain-fallback-bare-quote-line",
        ),
        pytest.param(
            {"body": "> ein Zitat\n\n!ja"},
            "> ein Zitat\n\n!ja",
            id="quote-is-no-fallback",
        ),
        pytest.param(
            {"body": "Alice: hi", "format": "text/markdown", "formatted_body": "<b>x</b>"},
            "Alice: hi",
            id="other-format-uses-body",
        ),
        pytest.param(
            {"body": "!hilfe", "format": HTML, "formatted_body": ""},
            "!hilfe",
            id="empty-formatted-body-uses-body",
        ),
        pytest.param({"msgtype": "m.text", "body": "   "}, None, id="blank"),
        pytest.param({"msgtype": "m.text"}, None, id="no-body"),
        pytest.param({"body": 5}, None, id="body-not-a-string"),
        pytest.param(
            html("<mx-reply><blockquote>q</blockquote></mx-reply>"), None, id="only-fallback"
        ),
    ],
)
def test_command_text_of(content: dict[str, Any], expected: str | None) -> None:
    assert command_text_of(content) == expected


@pytest.mark.parametrize(
    ("formatted_body", "expected"),
    [
        pytest.param("<mx-reply><blockquote>q</blockquote></mx-reply>a", "a", id="leading"),
        pytest.param("<MX-REPLY>\nq\n</MX-REPLY>a", "a", id="case-and-newlines"),
        pytest.param("a<mx-reply>q</mx-reply>", "a<mx-reply>q</mx-reply>", id="not-leading"),
        pytest.param("<b>a</b>", "<b>a</b>", id="none"),
    ],
)
def test_strip_reply_fallback_html(formatted_body: str, expected: str) -> None:
    assert strip_reply_fallback_html(formatted_body) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            {"m.mentions": {"user_ids": ["@a:ex.org", "@b:ex.org"]}},
            ("@a:ex.org", "@b:ex.org"),
            id="in-order",
        ),
        pytest.param(
            {"m.mentions": {"user_ids": ["@b:ex.org", "@a:ex.org", "@b:ex.org"]}},
            ("@b:ex.org", "@a:ex.org"),
            id="deduplicated",
        ),
        pytest.param(
            {"m.mentions": {"user_ids": ["@a:ex.org", 7, None, "alice", "#r:ex.org", "@x"]}},
            ("@a:ex.org",),
            id="only-user-ids",
        ),
        pytest.param({"m.mentions": {}}, (), id="empty"),
        pytest.param({"m.mentions": {"room": True}}, (), id="room-only"),
        pytest.param({"m.mentions": {"user_ids": "@a:ex.org"}}, (), id="not-a-list"),
        pytest.param({"m.mentions": None}, (), id="null"),
        pytest.param({"body": "@a:ex.org"}, (), id="absent"),
    ],
)
def test_mentioned_user_ids(content: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert mentioned_user_ids(content) == expected


@pytest.mark.parametrize(
    ("user_id", "display_name", "expected"),
    [
        pytest.param(
            "@alice:example.org",
            "Alice",
            '<a href="https://matrix.to/#/@alice:example.org">Alice</a>',
            id="element-shape",
        ),
        pytest.param(
            "@joerg:ex.org",
            "Jörg Müller",
            '<a href="https://matrix.to/#/@joerg:ex.org">Jörg Müller</a>',
            id="umlauts",
        ),
        pytest.param(
            "@x:ex.org",
            '<b>&"',
            '<a href="https://matrix.to/#/@x:ex.org">&lt;b&gt;&amp;&quot;</a>',
            id="name-escaped",
        ),
        pytest.param(
            "@x:ex.org", None, '<a href="https://matrix.to/#/@x:ex.org">@x:ex.org</a>', id="no-name"
        ),
        pytest.param(
            "@x:ex.org", "  ", '<a href="https://matrix.to/#/@x:ex.org">@x:ex.org</a>', id="blank"
        ),
    ],
)
def test_pill(user_id: str, display_name: str | None, expected: str) -> None:
    made = pill(user_id, display_name)
    assert isinstance(made, Markup)
    assert made == expected


def test_pill_reads_back_as_the_user_id() -> None:
    content = html(f"!dm {pill('@joerg:ex.org', 'Jörg <Müller>')} hallo")
    assert command_text_of(content) == "!dm @joerg:ex.org hallo"


@pytest.mark.parametrize(
    ("people", "separator", "expected"),
    [
        pytest.param(
            [("@a:ex.org", "Anna"), ("@b:ex.org", None)],
            ", ",
            '<a href="https://matrix.to/#/@a:ex.org">Anna</a>, '
            '<a href="https://matrix.to/#/@b:ex.org">@b:ex.org</a>',
            id="two",
        ),
        pytest.param(
            [("@a:ex.org", "A"), ("@b:ex.org", "B")],
            " & ",
            '<a href="https://matrix.to/#/@a:ex.org">A</a> &amp; '
            '<a href="https://matrix.to/#/@b:ex.org">B</a>',
            id="separator-escaped",
        ),
        pytest.param(
            [("@a:ex.org", "A"), ("@b:ex.org", "B")],
            Markup("<br>"),
            '<a href="https://matrix.to/#/@a:ex.org">A</a><br>'
            '<a href="https://matrix.to/#/@b:ex.org">B</a>',
            id="markup-separator-kept",
        ),
        pytest.param([], ", ", "", id="nobody"),
    ],
)
def test_pills(people: list[tuple[str, str | None]], separator: str, expected: str) -> None:
    made = pills(people, separator)
    assert isinstance(made, Markup)
    assert made == expected


MEMBERS = {
    "@joerg:ex.org": "Jörg Müller",
    "@anna1:ex.org": "Anna",
    "@anna2:other.org": "anna",
    "@ben:ex.org": "Ben",
    "@nobody:ex.org": None,
    "@at:ex.org": "@Carla",
}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("Jörg Müller", "@joerg:ex.org", id="exact"),
        pytest.param("jörg müller", "@joerg:ex.org", id="case"),
        pytest.param("  Jörg   Müller ", "@joerg:ex.org", id="whitespace"),
        pytest.param("@Jörg Müller", "@joerg:ex.org", id="leading-at"),
        pytest.param("Jo\u0308rg Mu\u0308ller", "@joerg:ex.org", id="decomposed-umlauts"),
        pytest.param("ben", "@ben:ex.org", id="single"),
        pytest.param("Anna", None, id="ambiguous"),
        pytest.param("@anna", None, id="ambiguous-with-at"),
        pytest.param("Jörg", None, id="partial"),
        pytest.param("Carla", None, id="name-itself-starts-with-at"),
        pytest.param("@Carla", "@at:ex.org", id="name-with-at"),
        pytest.param("@nobody:ex.org", None, id="user-id-is-no-name"),
        pytest.param("", None, id="empty"),
        pytest.param("@", None, id="only-at"),
    ],
)
def test_resolve_display_name(typed: str, expected: str | None) -> None:
    assert resolve_display_name(typed, MEMBERS) == expected


def test_resolve_display_name_same_name_twice_is_ambiguous() -> None:
    assert resolve_display_name("Ben", {"@ben:a.org": "Ben", "@ben:b.org": "Ben"}) is None
