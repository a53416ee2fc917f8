"""Sanitising HTML to the Matrix allowlist and finding a command argument's HTML."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from commands.core.formatted_text import argument_html, plain_to_html, sanitize

COMMAND = "!ankuendigung morgen 9 Uhr in #raum: "


def element(body: str, formatted_body: str | None = None, **extra: Any) -> dict[str, Any]:
    """Message content as Element sends it."""
    content: dict[str, Any] = {"msgtype": "m.text", "body": body, "m.mentions": {}, **extra}
    if formatted_body is not None:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = formatted_body
    return content


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<strong>fett</strong> und <em>kursiv</em>", "<strong>fett</strong> und <em>kursiv</em>"),
        ('<a href="https://x.org">Ort</a>', '<a href="https://x.org">Ort</a>'),
        ('<a href="mailto:a@b.org">Mail</a>', '<a href="mailto:a@b.org">Mail</a>'),
        (
            '<a href="https://matrix.to/#/@a:b">Anna</a>',
            '<a href="https://matrix.to/#/@a:b">Anna</a>',
        ),
        ('<a href="javascript:alert(1)">klick</a>', "<a>klick</a>"),
        ('<a href="/relativ">klick</a>', "<a>klick</a>"),
        ('<a href="mxc://x.org/abc">klick</a>', "<a>klick</a>"),
        ("vor<script>alert(1)</script>nach", "vornach"),
        ("<style>p { color: red }</style>Text", "Text"),
        ('<b onclick="alert(1)">fett</b>', "<b>fett</b>"),
        ('<p style="color: red">Text</p>', "<p>Text</p>"),
        ('<img src="http://x.org/a.png" alt="A">', '<img alt="A">'),
        (
            '<img src="mxc://x.org/abc" alt="A" width="80" height="60" title="T">',
            '<img src="mxc://x.org/abc" alt="A" width="80" height="60" title="T">',
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            '<pre><code class="language-python">x = 1</code></pre>',
        ),
        ('<code class="evil">x</code>', "<code>x</code>"),
        ('<code class="evil language-rust">x</code>', '<code class="language-rust">x</code>'),
        ('<ol start="3"><li>c</li></ol>', '<ol start="3"><li>c</li></ol>'),
        (
            '<span data-mx-color="#ff0000" data-mx-bg-color="#00FF00">bunt</span>',
            '<span data-mx-color="#ff0000" data-mx-bg-color="#00FF00">bunt</span>',
        ),
        ('<span data-mx-color="red;x">bunt</span>', "<span>bunt</span>"),
        ('<span data-mx-spoiler="">geheim</span>', '<span data-mx-spoiler="">geheim</span>'),
        ('<font color="red">alt</font>', "alt"),
        ("<iframe src='https://x.org'></iframe>Text", "Text"),
        ("<mx-reply><blockquote>zitiert</blockquote></mx-reply>Antwort", "Antwort"),
        (
            "<details><summary>Mehr</summary>Text</details>",
            "<details><summary>Mehr</summary>Text</details>",
        ),
        ("<table><tr><td>a</td></tr></table>", "<table><tbody><tr><td>a</td></tr></tbody></table>"),
        ("<b>offen", "<b>offen</b>"),
        ("a < b & c", "a &lt; b &amp; c"),
    ],
)
def test_sanitize(html: str, expected: str) -> None:
    result = sanitize(html)
    assert isinstance(result, Markup)
    assert result == expected


@pytest.mark.parametrize(
    ("argument", "formatted_argument", "expected"),
    [
        ("**Workshop**", "<strong>Workshop</strong>", "<strong>Workshop</strong>"),
        ("*Workshop* heute", "<em>Workshop</em> heute", "<em>Workshop</em> heute"),
        (
            "**Workshop** am [Ort](https://x.org)",
            '<strong>Workshop</strong> am <a href="https://x.org">Ort</a>',
            '<strong>Workshop</strong> am <a href="https://x.org">Ort</a>',
        ),
        ("Raum `B 1.02`", "Raum <code>B 1.02</code>", "Raum <code>B 1.02</code>"),
        (
            "[Klick](javascript:alert(1)) bitte",
            '<a href="javascript:alert(1)">Klick</a> bitte',
            "<a>Klick</a> bitte",
        ),
        (
            "**Treffen** mit Anna",
            '<strong>Treffen</strong> mit <a href="https://matrix.to/#/@a:b">Anna</a>',
            '<strong>Treffen</strong> mit <a href="https://matrix.to/#/@a:b">Anna</a>',
        ),
        (
            "**Tom & Jerry** <3",
            "<strong>Tom &amp; Jerry</strong> &lt;3",
            "<strong>Tom &amp; Jerry</strong> &lt;3",
        ),
        (
            "**a**<script>alert(1)</script>",
            "<strong>a</strong><script>alert(1)</script>",
            "<strong>a</strong>",
        ),
        (
            "**Zeile 1**\nZeile 2",
            "<strong>Zeile 1</strong><br />\nZeile 2",
            "<strong>Zeile 1</strong><br>\nZeile 2",
        ),
    ],
)
def test_argument_html_inline(argument: str, formatted_argument: str, expected: str) -> None:
    content = element(COMMAND + argument, COMMAND + formatted_argument)
    assert argument_html(content, argument) == expected


@pytest.mark.parametrize(
    ("body", "formatted_body", "argument", "expected"),
    [
        pytest.param(
            "!ankuendigung morgen: Intro\n- a\n- b",
            "<p>!ankuendigung morgen: Intro</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n",
            "Intro\n- a\n- b",
            "<p>Intro</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
            id="list after intro in the command's paragraph",
        ),
        pytest.param(
            "!ankuendigung morgen:\n- **a**\n- b",
            "<p>!ankuendigung morgen:</p>\n<ul>\n<li><strong>a</strong></li>\n<li>b</li>\n</ul>\n",
            "- **a**\n- b",
            "<ul>\n<li><strong>a</strong></li>\n<li>b</li>\n</ul>",
            id="list right after the command",
        ),
        pytest.param(
            "!ankuendigung morgen:\n3. c\n4. d",
            '<p>!ankuendigung morgen:</p>\n<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n',
            "3. c\n4. d",
            '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>',
            id="numbered list keeps its start",
        ),
        pytest.param(
            "!ankuendigung morgen: **Workshop**\n\nZweiter Absatz",
            "<p>!ankuendigung morgen: <strong>Workshop</strong></p>\n<p>Zweiter Absatz</p>\n",
            "**Workshop**\n\nZweiter Absatz",
            "<p><strong>Workshop</strong></p>\n<p>Zweiter Absatz</p>",
            id="paragraphs",
        ),
        pytest.param(
            "!ankuendigung morgen:\n```python\nx = 1\n```",
            "<p>!ankuendigung morgen:</p>\n"
            '<pre><code class="language-python">x = 1\n</code></pre>\n',
            "```python\nx = 1\n```",
            '<pre><code class="language-python">x = 1\n</code></pre>',
            id="code block keeps its language",
        ),
        pytest.param(
            '!ankuendigung <code class="evil">x</code>',
            '!ankuendigung <code class="evil">x</code>',
            '<code class="evil">x</code>',
            "<code>x</code>",
            id="code with a class that is no language",
        ),
        pytest.param(
            "!ankuendigung ![Bild](http://x.org/a.png) und ![Logo](mxc://x.org/abc)",
            '!ankuendigung <img src="http://x.org/a.png" alt="Bild" /> und '
            '<img src="mxc://x.org/abc" alt="Logo" />',
            "![Bild](http://x.org/a.png) und ![Logo](mxc://x.org/abc)",
            '<img alt="Bild"> und <img src="mxc://x.org/abc" alt="Logo">',
            id="images only from the media repository",
        ),
        pytest.param(
            "!ankuendigung <b onclick=alert(1)>x</b>",
            "!ankuendigung <b onclick=alert(1)>x</b>",
            "<b onclick=alert(1)>x</b>",
            "<b>x</b>",
            id="event handler attribute",
        ),
        pytest.param(
            "!ankuendigung **Workshop**",
            "<mx-reply><blockquote><a href='https://matrix.to/#/!r:b/$e'>In reply to</a> "
            "<a href='https://matrix.to/#/@a:b'>@a:b</a><br>Frage</blockquote></mx-reply>"
            "!ankuendigung <strong>Workshop</strong>",
            "**Workshop**",
            "<strong>Workshop</strong>",
            id="reply fallback in the HTML",
        ),
        pytest.param(
            "> <@a:b> Frage\n> mehr\n\n!ankuendigung **Workshop**",
            "<mx-reply><blockquote>Frage<br>mehr</blockquote></mx-reply>"
            "!ankuendigung <strong>Workshop</strong>",
            "**Workshop**",
            "<strong>Workshop</strong>",
            id="reply fallback in both",
        ),
        pytest.param(
            "!ankuendigung **Workshop**  ",
            "!ankuendigung <strong>Workshop</strong>",
            "**Workshop**",
            "<strong>Workshop</strong>",
            id="trailing whitespace in the body",
        ),
        pytest.param(
            "!ankuendigung Tom & Jerry: **mehr**",
            "!ankuendigung Tom &amp; Jerry: <strong>mehr</strong>",
            "**mehr**",
            "<strong>mehr</strong>",
            id="entity in the prefix",
        ),
    ],
)
def test_argument_html_blocks(body: str, formatted_body: str, argument: str, expected: str) -> None:
    assert argument_html(element(body, formatted_body), argument) == expected


@pytest.mark.parametrize(
    ("content", "argument"),
    [
        pytest.param(element(COMMAND + "Workshop"), "Workshop", id="plain text"),
        pytest.param(
            {"msgtype": "m.text", "body": COMMAND + "**a**", "formatted_body": "<b>a</b>"},
            "**a**",
            id="no format",
        ),
        pytest.param(
            {**element(COMMAND + "**a**", COMMAND + "<strong>a</strong>"), "format": "other"},
            "**a**",
            id="unknown format",
        ),
        pytest.param(
            element(COMMAND + "**a**", COMMAND + "<strong>a</strong>"), "", id="empty argument"
        ),
        pytest.param(
            element(COMMAND + "**a**", COMMAND + "<strong>a</strong>"),
            "**b**",
            id="argument not at the end of the body",
        ),
        pytest.param(
            element("!ankuendigung **morgen** x", "!ankuendigung <strong>morgen</strong> x"),
            "x",
            id="markup in the prefix",
        ),
        pytest.param(
            element("!ankuendigung morgen **a**", "!ankuendigung heute <strong>a</strong>"),
            "**a**",
            id="HTML text differs from the body",
        ),
        pytest.param(
            element("!ankuendigung morgen **a**", "!ankuendigung morgen <strong>b</strong>"),
            "**a**",
            id="argument text differs",
        ),
        pytest.param(
            element("!ankuendigung morgen **a**", "!ankuendigung morgen"),
            "**a**",
            id="HTML ends before the argument",
        ),
        pytest.param(
            element("!ankuendigung morgen **a**", "!ankuendigungmorgen <strong>a</strong>"),
            "**a**",
            id="whitespace differs",
        ),
    ],
)
def test_argument_html_none(content: dict[str, Any], argument: str) -> None:
    assert argument_html(content, argument) is None


@pytest.mark.parametrize(
    ("formatted_body", "expected"),
    [("<strong>a</strong>", "<strong>a</strong>"), ("", None), ("<!-- x -->", None)],
)
def test_argument_html_of_a_whole_body(formatted_body: str, expected: str | None) -> None:
    assert argument_html(element("**a**", formatted_body), "**a**") == expected


def test_argument_html_spans_a_paragraph_around_the_command() -> None:
    content = element(COMMAND + "**a** b", "<p>" + COMMAND + "<strong>a</strong> b</p>")
    assert argument_html(content, "**a** b") == "<p><strong>a</strong> b</p>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Workshop", "Workshop"),
        ("<b>fett</b> & mehr", "&lt;b&gt;fett&lt;/b&gt; &amp; mehr"),
        ("Zeile 1\nZeile 2", "Zeile 1<br>Zeile 2"),
        ("a\r\nb", "a<br>b"),
        ("", ""),
    ],
)
def test_plain_to_html(text: str, expected: str) -> None:
    result = plain_to_html(text)
    assert isinstance(result, Markup)
    assert result == expected
