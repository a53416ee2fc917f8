"""What events make of room signals: ✅ ❌ ❔ under an event's post answer it (and the same
person's earlier answer reaction is redacted, where the bot may); taking that reaction back
withdraws the answer."""

from __future__ import annotations

import datetime as dt

from commands.core.context import CommandContext
from commands.core.signals import Reaction, Redaction
from commands.events.answer_reactions import retire
from commands.events.plan import reaction_answer
from storage import events


async def answer_by_reaction(ctx: CommandContext, signal: Reaction) -> None:
    answer = reaction_answer(signal.key)
    if answer is None:
        return
    target = await events.event_of_message(ctx.db, signal.target)
    if target is None or target.status != events.ACTIVE:
        return
    if target.ends_at <= dt.datetime.now(dt.UTC):
        return
    earlier = await events.set_answer(
        ctx.db, target.id, ctx.sender, answer, (ctx.event_id, ctx.room_id)
    )
    # A reaction gets no answer: one the bot may not redact just stops counting.
    await retire(ctx, target.id, earlier)


async def withdraw(ctx: CommandContext, signal: Redaction) -> None:
    await events.withdraw_reaction(ctx.db, signal.redacts, ctx.sender)
