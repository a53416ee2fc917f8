"""Mentions as Element sends and shows them: the command text of a message with its pills
turned into bare Matrix IDs, the mentioned user IDs, pills for outgoing HTML, and matching a
typed display name to a room member. Pure: no I/O, no nio."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

from commands.core.rendering import Markup, escape

HTML_FORMAT = "org.matrix.custom.html"
PERMALINK_PREFIX = "https://matrix.to/#/"

_USER_ID = re.compile(r"@[^:\s]+:\S+")
# No "/": a room permalink with a further "/$event" part links a message, which is no pill.
_ROOM_ID_OR_ALIAS = re.compile(r"[#!][^:\s/]+:[^\s/]+")
_MX_REPLY = re.compile(r"\s*<mx-reply>.*?</mx-reply>", re.DOTALL | re.IGNORECASE)
_BLOCKS = frozenset(
    {"p", "li", "ul", "ol", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"}
)


def is_user_id(text: str) -> bool:
    return _USER_ID.fullmatch(text) is not None


def strip_reply_fallback_html(formatted_body: str) -> str:
    """`formatted_body` without a leading `<mx-reply>` quote of the replied-to message."""
    match = _MX_REPLY.match(formatted_body)
    return formatted_body[match.end() :] if match else formatted_body


def strip_reply_fallback_plain(body: str) -> str:
    """`body` without the quote of the replied-to message that clients sent before spec v1.13:
    only a quote that starts with its sender (`> <@…>`) is one; a person's own quote stays."""
    if not body.startswith(("> <", "> * <")):
        return body
    lines = body.split("\n")
    index = 0
    # Some clients trim the quoted blank lines of the parent down to a bare ">".
    while index < len(lines) and (lines[index].startswith("> ") or lines[index] == ">"):
        index += 1
    if index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])


def _permalink_target(href: str) -> str | None:
    """The user ID, room ID or alias a matrix.to link points at, if it is a pill."""
    parts = urlsplit(href.strip())
    if parts.scheme.lower() not in {"https", "http"} or parts.netloc.lower() != "matrix.to":
        return None
    if not parts.fragment.startswith("/"):
        return None
    target = unquote(parts.fragment[1:].split("?", 1)[0])
    if _USER_ID.fullmatch(target) or _ROOM_ID_OR_ALIAS.fullmatch(target):
        return target
    return None


class _CommandText(HTMLParser):
    """Plain text of HTML the way a person reads it, with pills as the IDs they stand for."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._anchors: list[tuple[str | None, int]] = []
        self._pre_depth = 0

    def _newline(self) -> None:
        if self.parts:
            self.parts[-1] = self.parts[-1].rstrip(" ")
        self.parts.append("\n")

    def _at_line_start(self) -> bool:
        last = next((part for part in reversed(self.parts) if part), "\n")
        return last.endswith("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._newline()
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self._anchors.append((_permalink_target(href), len(self.parts)))
        elif tag == "pre":
            self._pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchors:
            self._close_anchor()
        elif tag in _BLOCKS:
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)
            self._newline()

    def _close_anchor(self) -> None:
        target, start = self._anchors.pop()
        if target is not None:
            del self.parts[start:]
            self.parts.append(target)

    def handle_data(self, data: str) -> None:
        if self._pre_depth:
            self.parts.append(data)
            return
        # Outside <pre> a newline in the HTML source is only layout, like the "\n" that
        # Element's Markdown renderer puts between "</li>" and "<li>".
        text = re.sub(r"\s*\n\s*", " ", data)
        if self._at_line_start():
            text = text.lstrip(" ")
        if text:
            self.parts.append(text)

    def text(self) -> str:
        self.close()
        while self._anchors:
            self._close_anchor()
        return "".join(self.parts)


def _html_to_command_text(formatted_body: str) -> str:
    parser = _CommandText()
    parser.feed(strip_reply_fallback_html(formatted_body))
    return re.sub(r"\n{3,}", "\n\n", parser.text())


def command_text_of(content: Mapping[str, Any]) -> str | None:
    """The text of an m.room.message `content` to parse commands from, pills as bare IDs.

    A pill at the start of a message is followed by ": " (Element's trailing colon), so the
    text reads "@alice:example.org: …"; the colon is the person's text, not part of the ID.
    """
    formatted = content.get("formatted_body")
    if content.get("format") == HTML_FORMAT and isinstance(formatted, str) and formatted:
        text = _html_to_command_text(formatted)
    else:
        body = content.get("body")
        if not isinstance(body, str):
            return None
        text = strip_reply_fallback_plain(body)
    return text.strip() or None


def mentioned_user_ids(content: Mapping[str, Any]) -> tuple[str, ...]:
    """The user IDs in `m.mentions`, in their order, each once."""
    mentions = content.get("m.mentions")
    user_ids = mentions.get("user_ids") if isinstance(mentions, dict) else None
    if not isinstance(user_ids, list):
        return ()
    return tuple(dict.fromkeys(u for u in user_ids if isinstance(u, str) and is_user_id(u)))


def pill(user_id: str, display_name: str | None) -> Markup:
    """An anchor Element shows as a pill; it notifies only with the ID in `m.mentions`."""
    name = display_name if display_name and display_name.strip() else user_id
    return Markup('<a href="{}{}">{}</a>').format(PERMALINK_PREFIX, user_id, name)


def pills(people: Sequence[tuple[str, str | None]], separator: str = ", ") -> Markup:
    """Pills for (user ID, display name) pairs; a plain-str `separator` is escaped."""
    return escape(separator).join(pill(user_id, name) for user_id, name in people)


def _normalised_name(name: str) -> str:
    # NFC so that a decomposed "ö" (as macOS keyboards may send it) matches a composed one.
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def resolve_display_name(typed: str, members: Mapping[str, str | None]) -> str | None:
    """The user ID of the one member whose display name is `typed`, "@" before it allowed.

    None when no member or more than one has that name: guessing would address the wrong
    person.
    """
    found = members_named(typed, members)
    return found[0] if len(found) == 1 else None


def members_named(typed: str, members: Mapping[str, str | None]) -> list[str]:
    """The user IDs of all members whose display name is `typed` ("@" before it allowed)."""
    wanted = {_normalised_name(typed)}
    if typed.lstrip().startswith("@"):
        wanted.add(_normalised_name(typed.lstrip()[1:]))
    wanted.discard("")
    return [
        user_id
        for user_id, name in members.items()
        if name is not None and _normalised_name(name) in wanted
    ]
