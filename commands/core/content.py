"""The content of the events the bot sends: messages, files, replies in threads, and the
transaction ids that make each send idempotent."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import Any

from commands.core.rendering import Markup, html_to_text

HTML_FORMAT = "org.matrix.custom.html"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def txn_id_for(kind: str, key: str, index: int = 0) -> str:
    """A transaction id derived from our own data, so a retry after a crash reuses it."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{kind}.{digest}.{index}"


def message_content(
    html: Markup,
    *,
    msgtype: str = "m.notice",
    reply_to: str | None = None,
    thread_root: str | None = None,
    mentions: Sequence[str] = (),
    room: bool = False,
) -> dict[str, Any]:
    """`html` is HTML by type (a plain str is taken as text and escaped). `mentions` (user ids) and
    `room` (@room) are who gets notified (of an m.text; an m.notice notifies nobody); an
    empty `m.mentions` keeps Synapse's legacy rules from matching names in the body."""
    html = Markup.escape(html)
    mentioned: dict[str, Any] = {}
    if mentions:
        mentioned["user_ids"] = sorted(set(mentions))
    if room:
        mentioned["room"] = True
    content: dict[str, Any] = {
        "msgtype": msgtype,
        "body": html_to_text(html),
        "format": HTML_FORMAT,
        "formatted_body": str(html),
        "m.mentions": mentioned,
    }
    return content | relation(reply_to, thread_root)


def file_content(filename: str, data: bytes, mimetype: str, url: str) -> dict[str, Any]:
    """An uploaded file as a message: a PNG as an image (with its size), anything else a file."""
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": filename,
        "filename": filename,
        "url": url,
        "info": {"mimetype": mimetype, "size": len(data)},
        "m.mentions": {},
    }
    if mimetype == "image/png" and data.startswith(PNG_SIGNATURE):
        width, height = struct.unpack(">II", data[16:24])
        content["msgtype"] = "m.image"
        content["info"] |= {"w": width, "h": height}
    return content


def relation(reply_to: str | None, thread_root: str | None) -> dict[str, Any]:
    """The `m.relates_to` of an answer: a reply, kept in the thread it was asked in."""
    if thread_root is not None:
        # In a thread the answer stays in the thread and quotes the command (MSC3440 form).
        return {
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": thread_root,
                "is_falling_back": reply_to is None,
                "m.in_reply_to": {"event_id": reply_to or thread_root},
            }
        }
    if reply_to is not None:
        return {"m.relates_to": {"m.in_reply_to": {"event_id": reply_to}}}
    return {}
