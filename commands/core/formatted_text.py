"""Formatted text a person sent with a command, made safe to send on.

Element sends a message's Markdown as `body` and its rendering as `formatted_body`. The bot
parses commands from `body`; this module finds the HTML of a command's trailing free-text
argument in `formatted_body`, cleans it to the Matrix HTML allowlist, and escapes plain text
for the case where no such HTML can be had.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from commands.core.rendering import Markup, escape

HTML_FORMAT = "org.matrix.custom.html"

ALLOWED_TAGS = frozenset(
    {
        "del", "s", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol",
        "sup", "sub", "li", "b", "i", "u", "strong", "em", "code", "hr", "br", "div", "table",
        "thead", "tbody", "tr", "th", "td", "caption", "pre", "span", "img", "details",
        "summary",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "span": frozenset({"data-mx-color", "data-mx-bg-color", "data-mx-spoiler"}),
    "img": frozenset({"src", "width", "height", "alt", "title"}),
    "ol": frozenset({"start"}),
    "code": frozenset({"class"}),
}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEME = "mxc"
# mx-reply is a reply fallback: clients must not show it, and the bot must not repeat it.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "mx-reply"})

_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td", "caption", "details", "summary", "hr", "br",
    }
)  # fmt: skip
_HIDDEN_TEXT_TAGS = frozenset({"script", "style"})


def _scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket; such a URL is dropped
        return ""


def _is_colour(value: str) -> bool:
    return (
        len(value) == 7
        and value[0] == "#"
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # nh3's url_schemes is one set for href and src alike, while links and images need different
    # ones; an empty scheme also drops relative URLs, which mean nothing in a Matrix message.
    if tag == "a" and attribute == "href":
        return value if _scheme(value) in LINK_SCHEMES else None
    if tag == "img" and attribute == "src":
        return value if _scheme(value) == IMAGE_SCHEME else None
    if tag == "code" and attribute == "class":
        # nh3's allowed_classes takes whole class names only, the spec allows any `language-*`.
        languages = [name for name in value.split() if name.startswith("language-")]
        return " ".join(languages) or None
    if attribute in {"data-mx-color", "data-mx-bg-color"}:
        return value if _is_colour(value) else None
    return value


def sanitize(html: str) -> Markup:
    """`html` reduced to the tags and attributes the Matrix spec allows in `formatted_body`."""
    # Imported at first use, not at start: most bots clean HTML seldom, and nh3 is 1.6 MB of RSS.
    import nh3

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        url_schemes=set(LINK_SCHEMES | {IMAGE_SCHEME}),
        link_rel=None,
    )
    return Markup(cleaned)


def plain_to_html(text: str) -> Markup:
    """Plain text as HTML: escaped, line breaks kept."""
    lines = text.replace("\r\n", "\n").split("\n")
    return Markup("<br>").join(escape(line) for line in lines)


@dataclass(frozen=True)
class _Start:
    tag: str
    raw: str


@dataclass(frozen=True)
class _End:
    tag: str


@dataclass(frozen=True)
class _Data:
    text: str
    hidden: bool


_Token = _Start | _End | _Data


class _Tokenizer(HTMLParser):
    """The HTML as a flat list of tokens, comments and reply fallbacks left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []
        self._reply_depth = 0
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mx-reply":
            self._reply_depth += 1
        elif not self._reply_depth:
            if tag in _HIDDEN_TEXT_TAGS:
                self._hidden_depth += 1
            self.tokens.append(_Start(tag, self.get_starttag_text() or f"<{tag}>"))
            if tag in _VOID_TAGS:
                self.tokens.append(_End(tag))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._reply_depth and tag != "mx-reply":
            self.tokens.append(_Start(tag, self.get_starttag_text() or f"<{tag}>"))
            self.tokens.append(_End(tag))

    def handle_endtag(self, tag: str) -> None:
        if tag == "mx-reply":
            self._reply_depth = max(0, self._reply_depth - 1)
        elif not self._reply_depth and tag not in _VOID_TAGS:
            if tag in _HIDDEN_TEXT_TAGS:
                self._hidden_depth = max(0, self._hidden_depth - 1)
            self.tokens.append(_End(tag))

    def handle_data(self, data: str) -> None:
        if not self._reply_depth:
            self.tokens.append(_Data(data, hidden=self._hidden_depth > 0))


def _tokens(html: str) -> list[_Token]:
    tokenizer = _Tokenizer()
    tokenizer.feed(html)
    tokenizer.close()
    return tokenizer.tokens


@dataclass
class _Open:
    tag: str
    raw: str
    written: bool = False


@dataclass
class _Split:
    """Where the argument begins: inside `tokens[index]` at `offset`, within `open_tags`."""

    index: int
    offset: int
    open_tags: list[_Open] = field(default_factory=list)


def _close(stack: list[_Open], tag: str) -> list[_Open]:
    """Pop `tag` and whatever is still open inside it; returns what was popped, innermost first."""
    for position in range(len(stack) - 1, -1, -1):
        if stack[position].tag == tag:
            popped = stack[position:]
            del stack[position:]
            return popped[::-1]
    return []


def _find_split(tokens: list[_Token], prefix: str) -> _Split | None:
    """The point right after the rendered text of `prefix`, or None if the text does not match.

    Whitespace is compared collapsed, and block boundaries count as whitespace, because Markdown
    turns line breaks into `<br />` or new blocks.
    """
    target = " ".join(prefix.split())
    stack: list[_Open] = []
    matched = 0
    after_space = True
    if not target:
        return _Split(0, 0, [])
    for index, token in enumerate(tokens):
        if isinstance(token, _Start):
            if token.tag in _BLOCK_TAGS:
                after_space = True
            if token.tag not in _VOID_TAGS:
                stack.append(_Open(token.tag, token.raw))
            continue
        if isinstance(token, _End):
            if token.tag in _BLOCK_TAGS:
                after_space = True
            _close(stack, token.tag)
            continue
        if token.hidden:
            continue
        for offset, char in enumerate(token.text):
            if char.isspace():
                after_space = True
                continue
            if after_space and matched:
                if target[matched] != " ":
                    return None
                matched += 1
            after_space = False
            if target[matched] != char:
                return None
            matched += 1
            if matched == len(target):
                return _Split(index, offset + 1, [_Open(o.tag, o.raw) for o in stack])
    return None


def _visible_text(tokens: Iterator[_Token]) -> str:
    return "".join(t.text for t in tokens if isinstance(t, _Data) and not t.hidden)


def _rest_tokens(tokens: list[_Token], split: _Split) -> Iterator[_Token]:
    first = tokens[split.index]
    if isinstance(first, _Data):
        yield _Data(first.text[split.offset :], first.hidden)
        yield from tokens[split.index + 1 :]
    else:
        yield from tokens[split.index :]


def _write_rest(tokens: list[_Token], split: _Split) -> str:
    """The HTML from the split on, the elements open there reopened.

    Elements reopened but closed before any content are left out, so an argument that begins
    with a list after the command's paragraph does not carry an empty `<p>` along.
    """
    stack = split.open_tags
    out: list[str] = []
    started = False

    def start() -> None:
        nonlocal started
        for element in stack:
            if not element.written:
                out.append(element.raw)
                element.written = True
        started = True

    for token in _rest_tokens(tokens, split):
        if isinstance(token, _Data):
            text = token.text
            if not started:
                text = text.lstrip()
                if not text:
                    continue
                start()
            out.append(escape(text))
        elif isinstance(token, _Start):
            if token.tag in _VOID_TAGS:
                if not started and token.tag == "br":
                    continue
                start()
                out.append(token.raw)
            else:
                start()
                stack.append(_Open(token.tag, token.raw, written=True))
                out.append(token.raw)
        elif token.tag not in _VOID_TAGS:
            out.extend(_end_tag(e.tag) for e in _close(stack, token.tag) if e.written)
    out.extend(_end_tag(e.tag) for e in reversed(stack) if e.written)
    return "".join(out)


def _end_tag(tag: str) -> str:
    """A closing tag as raw (not yet sanitised) HTML; `tag` is a name the parser read."""
    return str(Markup("</{}>").format(tag))


def _is_subsequence(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(char in chars for char in needle)


def _strip_reply_fallback(body: str) -> str:
    if not body.startswith(("> <", "> * <")):
        return body
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:])


def argument_html(content: Mapping[str, Any], plain_argument: str) -> Markup | None:
    """The sanitised HTML of a command's trailing free-text argument, from `formatted_body`.

    `plain_argument` is that argument as parsed from `body`, which it must end. None when the
    message has no HTML or the argument's part of the HTML cannot be located with confidence;
    the caller then sends the escaped plain text instead.
    """
    html = content.get("formatted_body")
    body = content.get("body")
    if content.get("format") != HTML_FORMAT or not isinstance(html, str):
        return None
    argument = plain_argument.strip()
    if not isinstance(body, str) or not argument:
        return None
    body = _strip_reply_fallback(body).rstrip()
    if not body.endswith(argument):
        return None
    tokens = _tokens(html)
    if not tokens:
        return None
    split = _find_split(tokens, body[: len(body) - len(argument)])
    if split is None:
        return None
    # Markdown only removes characters (markers, link targets), so every visible character of
    # the argument's HTML must appear, in order, in its Markdown; else the split is wrong.
    rendered = "".join(_visible_text(_rest_tokens(tokens, split)).split())
    if not rendered or not _is_subsequence(rendered, "".join(argument.split())):
        return None
    cleaned = sanitize(_write_rest(tokens, split).strip())
    return cleaned if cleaned.strip() else None
