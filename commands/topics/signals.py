"""What topics make of room signals: 👍 on a topic's message supports it, replies in its thread
are its notes, an edit by its author changes a logged entry, and a redaction removes what its
author took back. Threads and edits that are not a topic's are not even accepted."""

from __future__ import annotations

from commands.core.context import CommandContext
from commands.core.dispatch import run_conversation
from commands.core.ports import Ports
from commands.core.signals import Edit, Reaction, Redaction, ThreadReply
from commands.topics.commands import apply_edit, log_thread_reply
from commands.topics.plan import is_support
from storage import topics


async def support(ctx: CommandContext, signal: Reaction) -> None:
    if not is_support(signal.key):
        return
    topic = await topics.by_message(ctx.db, signal.target)
    if topic is not None:
        # A merged topic's support counts for the one it was merged into.
        kept = topic.merged_into or topic.id
        await topics.support(ctx.db, kept, ctx.sender, ctx.event_id)


async def forget(ctx: CommandContext, signal: Redaction) -> None:
    """A redacted note, decision or 👍 of a topic is gone from its log."""
    await topics.forget(ctx.db, signal.redacts)


async def is_topic_thread(ports: Ports, room_id: str, signal: ThreadReply) -> bool:
    return await topics.by_message(ports.db, signal.root) is not None


async def note_from_thread(ctx: CommandContext, signal: ThreadReply) -> None:
    async def log_it(ctx: CommandContext, text: str) -> bool:
        return await log_thread_reply(ctx, text, root_event_id=signal.root)

    await run_conversation(ctx, signal.body, log_it)


async def is_logged(ports: Ports, room_id: str, signal: Edit) -> bool:
    return await topics.entry_of(ports.db, signal.target) is not None


async def edit_entry(ctx: CommandContext, signal: Edit) -> None:
    await apply_edit(
        ctx.db,
        ctx.schedules,
        sender=ctx.sender,
        edit_event_id=ctx.event_id,
        target=signal.target,
        body=signal.body,
        command_body=signal.command_body,
        person=ctx.person,
        now=ctx.now(),
        timezone=ctx.timezone,
    )
