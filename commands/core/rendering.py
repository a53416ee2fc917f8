"""HTML building blocks for bot messages and the plain-text body derived from them."""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser

# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): with them a title could
# make the rest of a bot message read backwards, or as something else.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutral(text: str) -> str:
    """User text without bidi controls."""
    return BIDI_CONTROLS.sub("", text)


def escape(text: str) -> str:
    """Escape user text for HTML; every piece of user text passes through here (and loses its
    bidi controls)."""
    return html.escape(neutral(text), quote=True)


def code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def bullet_list(items: list[str]) -> str:
    """`items` are already HTML."""
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


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
def html_to_text(markup: str) -> str:
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
