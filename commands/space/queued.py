"""The space's slow work on the durable job queue: what its commands ask of the homeserver
(invitations that wait out `rc_invites`, removals, the reconcile) is queued once per command
event (or per form sent on the web page) and done beside the sync loop; its result is a second
answer to the command, sent once under a transaction id of its own — for the web page, a direct
message to whoever sent the form."""

from __future__ import annotations

import logging
from typing import Any

from commands.core.content import message_content, txn_id_for
from commands.core.context import CommandContext
from commands.core.i18n import Language
from commands.core.ports import Ports, SendRefused
from commands.core.rendering import Markup

log = logging.getLogger(__name__)

RECONCILE_JOB = "space.reconcile"
ADMIT_JOB = "space.admit"
REMOVE_JOB = "space.remove"
REJECT_JOB = "space.reject"


async def queue(ctx: CommandContext, kind: str, **values: Any) -> None:
    """Queue the command's slow work, keyed by its event id: a replayed batch queues it once.
    Answer first, queue second: a crash in between replays the command, whose answer goes out
    once (its transaction id)."""
    origin = {
        "key": ctx.event_id,
        "room_id": ctx.room_id,
        "event_id": ctx.event_id,
        "thread_root": ctx.thread_root,
        "language": ctx.language,
    }
    await enqueue(ctx.ports, kind, origin, **values)


def web_origin(key: str, user_id: str, language: Language) -> dict[str, Any]:
    """Who asked on the web page, under a key of the form sent: the result goes to them."""
    return {"key": key, "web_user": user_id, "language": language}


async def enqueue(ports: Ports, kind: str, origin: dict[str, Any], **values: Any) -> None:
    """Queue slow work for whoever asked (`origin`: a command's, or `web_origin`)."""
    if ports.jobs is None:
        # The space runs only in the bot, and the bot always has the queue.
        raise RuntimeError("the space's commands need the job queue")
    await ports.jobs.enqueue(kind, origin["key"], {**origin, **values})


def language_of(payload: dict[str, Any]) -> Language:
    return "en" if payload.get("language") == "en" else "de"


async def answer(ports: Ports, payload: dict[str, Any], html: Markup, kind: str) -> None:
    """The result, as a second answer to the command (sent once, by its transaction id); asked
    on the web page, by direct message to who asked (once per job)."""
    if "web_user" in payload:
        await ports.direct.send(payload["web_user"], html, kind, payload["key"])
        return
    content = message_content(
        html, reply_to=payload["event_id"], thread_root=payload.get("thread_root")
    )
    try:
        await ports.messenger.send(
            payload["room_id"], content, txn_id=txn_id_for(kind, payload["key"])
        )
    except SendRefused:
        log.warning("the room of a %s command refused its result", kind)
