"""HTML building blocks for bot messages and the plain-text body derived from them.

HTML is built by type: a `Markup` is HTML, a `str` is text. Every str joined, added or
formatted into a `Markup` is escaped (and loses its bidi controls) on the way, so user text
cannot be forgotten unescaped. The few primitives that write tags from values live here."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import markupsafe

# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): with them a title could
# make the rest of a bot message read backwards, or as something else.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutral(text: str) -> str:
    """User text without bidi controls."""
    return BIDI_CONTROLS.sub("", text)


class Markup(markupsafe.Markup):
    """HTML. A str that meets it (`+`, `join`, `format`, `%`) is escaped and loses its bidi
    controls; an object with `__html__` (another Markup) is kept as it is."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any, /) -> Markup:
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        # html.escape's entities (&quot;, not markupsafe's &#34;): the bytes the bot always sent.
        return cls(html.escape(neutral(str(s)), quote=True))


BR = Markup("<br>")


def escape(text: str | Markup) -> Markup:
    """User text as HTML (a Markup stays as it is); bidi controls are dropped."""
    return Markup.escape(text)


def code(text: str | Markup) -> Markup:
    return Markup("<code>{}</code>").format(text)


def bold(text: str | Markup) -> Markup:
    return Markup("<b>{}</b>").format(text)


def italic(text: str | Markup) -> Markup:
    return Markup("<i>{}</i>").format(text)


def paragraph(content: str | Markup) -> Markup:
    return Markup("<p>{}</p>").format(content)


def link(href: str, label: str | Markup) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, label)


def bullet_list(items: Iterable[str | Markup]) -> Markup:
    """A `<ul>`; str items are escaped, Markup items kept."""
    return Markup("<ul>{}</ul>").format(
        Markup("").join(Markup("<li>{}</li>").format(i) for i in items)
    )


def table(head: Iterable[str | Markup], rows: Iterable[Iterable[str | Markup | int]]) -> Markup:
    """A `<table>` with one heading row; str cells are escaped, Markup cells kept. Every
    column has a heading: the plain body shows the table as lines of cells, where an empty
    heading would read as a gap ("Antwort |  | Stimmen")."""
    head = list(head)
    if not all(str(cell).strip() for cell in head):
        raise ValueError(f"a table column without a heading: {head!r}")
    return Markup("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>").format(
        _cells("th", head),
        Markup("").join(Markup("<tr>{}</tr>").format(_cells("td", row)) for row in rows),
    )


def _cells(tag: str, cells: Iterable[str | Markup | int]) -> Markup:
    return Markup("").join(Markup("<{0}>{1}</{0}>").format(tag, cell) for cell in cells)


def lines(parts: Iterable[str | Markup]) -> Markup:
    """Parts one per line (`<br>` between them); str parts are escaped."""
    return BR.join(parts)


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "div"})
    _LISTS = frozenset({"ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._cells_in_row = 0
        self._list_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._LISTS:
            # A list inside a list item goes on under it, indented, without a blank line.
            if not self._list_depth:
                self.parts.append("\n")
            self._list_depth += 1
        elif tag == "li":
            self.parts.append("\n" + "  " * max(self._list_depth - 1, 0) + "- ")
        elif tag in self._BREAKS:
            self.parts.append("\n")
        elif tag == "tr":
            self.parts.append("\n")
            self._cells_in_row = 0
        elif tag in {"td", "th"}:
            if self._cells_in_row:
                self.parts.append(" | ")
            self._cells_in_row += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._LISTS:
            self._list_depth = max(self._list_depth - 1, 0)
            if not self._list_depth:
                self.parts.append("\n")
        elif tag in self._BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# The same answers go out again and again (help, lists): parsing one costs milliseconds.
@functools.lru_cache(maxsize=64)
def html_to_text(markup: Markup) -> str:
    """The plain `body` for clients that do not render HTML."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = [line.rstrip() for line in "".join(extractor.parts).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&])")
MD_BULLET = re.compile(r"^([-+])")
MD_NUMBERED = re.compile(r"^(\d+)([.)])")


def md(text: str) -> str:
    """User text as literal Markdown: special characters escaped, lines kept in one cell."""
    escaped = MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return MD_NUMBERED.sub(r"\1\\\2", MD_BULLET.sub(r"\\\1", escaped))
