"""Markdown typed outside Element (a form of the web page) made into the HTML Element would have
sent for it, so that what the bot posts reads as if typed in Element's composer.

Element renders its composer's Markdown with commonmark.js (element.md §1); `commonmark` is its
Python port. As Element: no HTML when the text has no formatting, one paragraph without `<p>`,
line breaks as `<br />`. The result is cleaned to the Matrix allowlist by the same code as a
command's formatted argument (`formatted_text.sanitize`)."""

from __future__ import annotations

from typing import Any

from commands.core.formatted_text import sanitize
from commands.core.rendering import Markup

# What plain text parses into; anything else (emphasis, a link, a list, HTML) is formatting.
PLAIN_NODES = frozenset({"document", "paragraph", "text", "softbreak"})


def markdown_html(text: str) -> Markup | None:
    """The sanitised HTML Element would send as `formatted_body` for `text`; None when it would
    send none (the text has no formatting)."""
    # Imported at first use: most bots never render Markdown of their own.
    import commonmark
    from commonmark.render.html import HtmlRenderer

    tree = commonmark.Parser().parse(text.replace("\r\n", "\n"))
    if _is_plain(tree) and "\\" not in text:
        return None
    renderer = HtmlRenderer({"softbreak": "<br />"})
    html = renderer.render(_unwrapped(tree)).strip()
    # What cleaning removed may leave a space behind at either end.
    cleaned = Markup(sanitize(html).strip())
    return cleaned if cleaned else None


def _is_plain(tree: Any) -> bool:
    walker = tree.walker()
    while (step := walker.nxt()) is not None:
        if step["node"].t not in PLAIN_NODES:
            return False
    return True


def _unwrapped(tree: Any) -> Any:
    """One paragraph alone is sent without `<p>` (Element's Markdown.toHTML)."""
    only = tree.first_child
    if only is not None and only is tree.last_child and only.t == "paragraph":
        return _Inline(only)
    return tree


class _Inline:
    """A paragraph rendered as its content alone."""

    def __init__(self, paragraph: Any) -> None:
        self._paragraph = paragraph

    def walker(self) -> Any:
        return _SkipOuter(self._paragraph)


class _SkipOuter:
    def __init__(self, node: Any) -> None:
        self._outer = node
        self._walker = node.walker()

    def nxt(self) -> Any:
        step = self._walker.nxt()
        if step is not None and step["node"] is self._outer:
            return self.nxt() if step["entering"] else None
        return step
