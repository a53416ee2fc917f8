"""#tags in what people write (`#alias:server` names a room, not a tag)."""

from __future__ import annotations

import re

TAG_RE = re.compile(r"(?<![\w#&])#([^\W_][\w\-]{0,39})(?![\w:])", re.UNICODE)


def tags_in(text: str) -> list[str]:
    """The #tags of a text, lower-cased, in order, each once (`#alias:server` is a room)."""
    found: list[str] = []
    for tag in TAG_RE.findall(text):
        if tag.lower() not in found:
            found.append(tag.lower())
    return found
