"""Markdown typed on the web page becomes the HTML Element sends for it (element.md §1): none
for plain text, one paragraph without `<p>`, line breaks as breaks, cleaned as in chat."""

from __future__ import annotations

from commands.core.markdown_text import markdown_html
from commands.core.offsets import format_offsets, parse_offsets


def test_plain_text_has_no_html() -> None:
    assert markdown_html("Treffen um 10 Uhr") is None
    assert markdown_html("Zeile eins\nZeile zwei") is None
    assert markdown_html("https://example.org") is None


def test_formatting_is_rendered_as_element_does() -> None:
    assert markdown_html("**fett** und _kursiv_") == "<strong>fett</strong> und <em>kursiv</em>"
    assert markdown_html("**a**\nb") == "<strong>a</strong><br>b"
    assert markdown_html("eins\n\n*zwei*") == "<p>eins</p>\n<p><em>zwei</em></p>"
    assert markdown_html("a \\*b") == "a *b"


def test_it_is_cleaned_to_the_matrix_allowlist() -> None:
    html = markdown_html(
        '<b onclick="x()">ja</b> <img src="https://e.org/i.png"> [l](javascript:x)'
    )
    assert html == "<b>ja</b> <img> <a>l</a>"


def test_reminder_offsets_read_back_as_written() -> None:
    for typed in ("7d 1d 1h", "2d 90m", "keine"):
        assert format_offsets(parse_offsets(typed.split())) == typed
