"""HTML escaping and the plain-text body derived from the HTML of a message."""

from __future__ import annotations

import pytest

from commands.core.rendering import Markup, bullet_list, code, escape, html_to_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Workshop", "Workshop"),
        ("<b>fett</b>", "&lt;b&gt;fett&lt;/b&gt;"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ('a "b"', "a &quot;b&quot;"),
        ("it's", "it&#x27;s"),
        ("&amp;", "&amp;amp;"),
        ("„Smart City“ – ü", "„Smart City“ – ü"),
        ('<img src=x onerror="alert(1)">', "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"),
    ],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_code_escapes_its_content() -> None:
    assert code("!termin <datum>") == "<code>!termin &lt;datum&gt;</code>"


def test_bullet_list_keeps_markup_items_and_escapes_text_items() -> None:
    assert bullet_list([Markup("<b>a</b>"), "b<c"]) == "<ul><li><b>a</b></li><li>b&lt;c</li></ul>"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        pytest.param("Hallo", "Hallo", id="plain"),
        pytest.param("a<br>b<br/>c<br />d", "a\nb\nc\nd", id="br"),
        pytest.param("<p>eins</p><p>zwei</p>", "eins\n\nzwei", id="paragraphs"),
        pytest.param("<h4>Titel</h4><p>Text</p>", "Titel\n\nText", id="heading"),
        pytest.param("<ul><li>a</li><li>b</li></ul>", "- a\n- b", id="list"),
        pytest.param(
            "<p><b>Allgemein</b></p><ul><li><code>!hilfe</code> – Hilfe</li></ul><p>Ende</p>",
            "Allgemein\n\n- !hilfe – Hilfe\n\nEnde",
            id="list-between-paragraphs",
        ),
        pytest.param(
            "Tom &amp; Jerry &lt;b&gt; &uuml; &#8211; &#x2713; &quot;x&quot;",
            'Tom & Jerry <b> ü – ✓ "x"',
            id="entities",
        ),
        pytest.param("<i>kursiv</i> und <b>fett</b>", "kursiv und fett", id="inline-tags"),
        pytest.param("<p>a</p><p></p><p></p><p>b</p>", "a\n\nb", id="no-runs-of-blank-lines"),
        pytest.param("<p>  a   </p>", "a", id="trailing-space"),
        pytest.param(escape("<script>x</script>"), "<script>x</script>", id="escaped-roundtrip"),
    ],
)
def test_html_to_text(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


def test_html_to_text_puts_each_table_row_on_its_own_line() -> None:
    markup = (
        "<table><tr><th>Name</th><th>Stimmen</th></tr>"
        "<tr><td>Anna</td><td>3</td></tr>"
        "<tr><td>Ben</td><td>1</td></tr></table>"
    )

    lines = html_to_text(markup).splitlines()

    rows = [["Name", "Stimmen"], ["Anna", "3"], ["Ben", "1"]]
    cells = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    assert cells == rows
    # Every row is laid out the same way, the first one included.
    assert len({layout(line, row) for line, row in zip(lines, rows, strict=True)}) == 1


def layout(line: str, cells: list[str]) -> str:
    for cell in cells:
        line = line.replace(cell, "X", 1)
    return line
