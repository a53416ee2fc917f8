"""Pure rules that turn raw room events into commands and typed signals (reactions, redactions,
references, memberships, edits, thread replies), and whose invites the bot accepts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from commands.core.mentions import PERMALINK_PREFIX, command_text_of, strip_reply_fallback_plain
from commands.core.rooms import server_of
from commands.core.signals import Edit, Membership, Reaction, Redaction, Reference, StateChange


def sender_allowed(user_id: str, organisers: Iterable[str], allowed_servers: Iterable[str]) -> bool:
    """Organisers anywhere, and users of the allowed servers."""
    return user_id in set(organisers) or server_of(user_id) in set(allowed_servers)


def strip_reply_fallback(body: str) -> str:
    """Drop the "> <@user> quoted text" lines clients sent before a reply's own text until spec
    v1.13; a quote the person wrote themselves ("> text") stays."""
    return strip_reply_fallback_plain(body)


def message_text(event: dict[str, Any], *, own_user_id: str, joined_at_ms: int) -> str | None:
    """What a person wrote, if `event` (raw JSON) is a message of someone else's we may act on.

    None for our own events, notices (ours or another bot's), edits, anything but m.text,
    events from before we joined the room.
    """
    content = _message_content(event, own_user_id, joined_at_ms)
    if content is None or content.get("msgtype") != "m.text":
        return None
    relates_to = content.get("m.relates_to")
    if isinstance(relates_to, dict) and relates_to.get("rel_type") == "m.replace":
        return None
    body = content.get("body")
    if not isinstance(body, str):
        return None
    return strip_reply_fallback(body).strip() or None


def _message_content(
    event: dict[str, Any], own_user_id: str, joined_at_ms: int
) -> dict[str, Any] | None:
    """The content of someone else's m.room.message sent since we joined."""
    if event.get("type") != "m.room.message" or event.get("sender") == own_user_id:
        return None
    if int(event.get("origin_server_ts", 0)) < joined_at_ms:
        return None
    content = event.get("content")
    return content if isinstance(content, dict) else None


def command_text(
    event: dict[str, Any], *, own_user_id: str, prefix: str, joined_at_ms: int
) -> str | None:
    """The text after the prefix if `event` (raw JSON) is a command for us to run, else None.

    A message with pills is read from its HTML, each pill as the ID it stands for (the body
    holds only display names); one without is read from its body, as typed, so a Markdown
    argument can still be matched to its HTML. A pill of the bot itself may come first
    ("@bot: !hilfe", as Element writes a name picked at the start of a message).
    """
    body = message_text(event, own_user_id=own_user_id, joined_at_ms=joined_at_ms)
    if body is None:
        return None
    content = event["content"]
    formatted = content.get("formatted_body")
    if isinstance(formatted, str) and PERMALINK_PREFIX in formatted:
        body = command_text_of(content) or ""
        addressed = re.match(rf"{re.escape(own_user_id)}:?\s+", body)
        if addressed is not None:
            body = body[addressed.end() :]
    if not body.startswith(prefix) or len(body) == len(prefix):
        return None
    text = body[len(prefix) :]
    return text if text[:1].isalpha() else None


def last_own_join(events: list[dict[str, Any]], own_user_id: str) -> int | None:
    """Index of our latest (re)join in `events`; a join that only changes the profile is none."""
    found = None
    for index, event in enumerate(events):
        if event.get("type") != "m.room.member" or event.get("state_key") != own_user_id:
            continue
        content = event.get("content") or {}
        previous = (event.get("unsigned") or {}).get("prev_content") or {}
        if content.get("membership") == "join" and previous.get("membership") != "join":
            found = index
    return found


def sent_since_invite(events: list[dict[str, Any]], own_user_id: str) -> list[dict[str, Any]]:
    """The events the person who invited us sent after our latest invite in `events` (those
    before our join): Element sends the first message of a new direct chat right after the
    invite, before we could join. Nothing if the invite is not among `events`."""
    invite_index = None
    for index, event in enumerate(events):
        if (
            event.get("type") == "m.room.member"
            and event.get("state_key") == own_user_id
            and (event.get("content") or {}).get("membership") == "invite"
        ):
            invite_index = index
    if invite_index is None:
        return []
    inviter = events[invite_index].get("sender")
    return [event for event in events[invite_index + 1 :] if event.get("sender") == inviter]


def replied_to(event: dict[str, Any]) -> str | None:
    """The message a message replies to (a command given as a reply to a file, say); in a
    thread, the reply Element adds only for older clients (`is_falling_back`) is none."""
    relates_to = (event.get("content") or {}).get("m.relates_to")
    if not isinstance(relates_to, dict) or relates_to.get("is_falling_back") is True:
        return None
    reply = relates_to.get("m.in_reply_to")
    target = reply.get("event_id") if isinstance(reply, dict) else None
    return target if isinstance(target, str) else None


def thread_root(event: dict[str, Any]) -> str | None:
    """The thread a message was sent in, so that the answer stays in that thread."""
    relates_to = (event.get("content") or {}).get("m.relates_to")
    if isinstance(relates_to, dict) and relates_to.get("rel_type") == "m.thread":
        root = relates_to.get("event_id")
        return root if isinstance(root, str) else None
    return None


def reaction_or_redaction(
    event: dict[str, Any], *, own_user_id: str, joined_at_ms: int
) -> Reaction | Redaction | None:
    """Someone's annotation (emoji reaction) or redaction, which may give or take back an answer
    to an event; ours and those from before we joined are none."""
    if event.get("sender") == own_user_id or int(event.get("origin_server_ts", 0)) < joined_at_ms:
        return None
    content = event.get("content")
    if not isinstance(content, dict):
        return None
    if event.get("type") == "m.reaction":
        relates_to = content.get("m.relates_to")
        if not isinstance(relates_to, dict) or relates_to.get("rel_type") != "m.annotation":
            return None
        target, key = relates_to.get("event_id"), relates_to.get("key")
        if isinstance(target, str) and isinstance(key, str):
            return Reaction(target, key)
        return None
    if event.get("type") == "m.room.redaction":
        # From room version 11 on `redacts` is in the content; before, at the top level.
        redacts = content.get("redacts", event.get("redacts"))
        return Redaction(redacts) if isinstance(redacts, str) else None
    return None


def membership_change(event: dict[str, Any], *, own_user_id: str) -> Membership | None:
    if event.get("type") != "m.room.member":
        return None
    user_id = event.get("state_key")
    content = event.get("content")
    if not isinstance(user_id, str) or user_id == own_user_id or not isinstance(content, dict):
        return None
    membership = content.get("membership")
    return Membership(user_id, membership, event) if isinstance(membership, str) else None


def edit_of(event: dict[str, Any], *, own_user_id: str, joined_at_ms: int) -> Edit | None:
    content = _message_content(event, own_user_id, joined_at_ms)
    if content is None:
        return None
    relates_to = content.get("m.relates_to")
    new = content.get("m.new_content")
    if not isinstance(relates_to, dict) or relates_to.get("rel_type") != "m.replace":
        return None
    target = relates_to.get("event_id")
    if not isinstance(target, str) or not isinstance(new, dict) or new.get("msgtype") != "m.text":
        return None
    body = new.get("body")
    if not isinstance(body, str):
        return None
    formatted = new.get("formatted_body")
    with_pills = isinstance(formatted, str) and PERMALINK_PREFIX in formatted
    return Edit(target, body, command_text_of(new) if with_pills else None)


def reference_of(event: dict[str, Any]) -> Reference | None:
    """An event that references another (`m.reference`), whoever sent it."""
    content = event.get("content")
    relates_to = content.get("m.relates_to") if isinstance(content, dict) else None
    if not isinstance(relates_to, dict) or relates_to.get("rel_type") != "m.reference":
        return None
    target = relates_to.get("event_id")
    return Reference(target, event) if isinstance(target, str) else None


def state_change(event: dict[str, Any], *, own_user_id: str) -> StateChange | None:
    """Someone else set room state other than a membership (which `membership_change` reads)."""
    kind, state_key = event.get("type"), event.get("state_key")
    content = event.get("content")
    if not isinstance(kind, str) or not isinstance(state_key, str) or kind == "m.room.member":
        return None
    if event.get("sender") == own_user_id or not isinstance(content, dict):
        return None
    return StateChange(kind, state_key, content)
