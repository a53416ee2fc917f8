"""The alumni space: its rooms, links, join rules and rights; the roster and a closed
membership; knocks; the welcome of new members."""

from __future__ import annotations

from typing import Any

from commands.core.context import CommandContext
from commands.core.feature import ConfigTable, Feature, On
from commands.core.ports import Ports
from commands.core.signals import Membership, StateChange
from commands.space import commands, member_jobs, queued, reconcile, start
from commands.space.plan import JOIN_RULES
from commands.space.settings import parse_space, with_files


async def in_space(ports: Ports, room_id: str, signal: Membership | StateChange) -> bool:
    keeper = start.keeper_of(ports)
    return keeper is not None and keeper.key_of(room_id) is not None


MEMBER_JOB = "space.member"


async def on_member(ctx: CommandContext, signal: Membership) -> None:
    """Kicks, knocks and welcomes wait out rate limits: queued, they run beside the sync loop."""
    event = dict(signal.event)
    if ctx.ports.jobs is not None:
        await ctx.ports.jobs.enqueue(
            MEMBER_JOB, event["event_id"], {"room_id": ctx.room_id, "event": event}
        )
        return
    await run_member_job(ctx.ports, {"room_id": ctx.room_id, "event": event})


async def run_member_job(ports: Ports, payload: dict[str, Any]) -> None:
    keeper = start.keeper_of(ports)
    if keeper is not None:
        await keeper.on_member(payload["room_id"], payload["event"])


async def is_join_rule_here(ports: Ports, room_id: str, signal: StateChange) -> bool:
    return signal.event_type == JOIN_RULES and await in_space(ports, room_id, signal)


async def on_join_rule(ctx: CommandContext, signal: StateChange) -> None:
    keeper = start.keeper_of(ctx.ports)
    if keeper is not None:
        await keeper.on_join_rule(ctx.room_id)


FEATURE = Feature(
    "space",
    groups=(commands.group,),
    # The space watches whoever comes in, from any server.
    signals=(
        On(Membership, on_member, accepts=in_space, from_anyone=True),
        # A room made public is closed again at once, whoever opened it.
        On(StateChange, on_join_rule, accepts=is_join_rule_here, from_anyone=True),
    ),
    config=ConfigTable("space", parse_space, with_files),
    setup=start.set_up,
    after_first_sync=reconcile.reconcile_at_start,
    jobs={
        MEMBER_JOB: run_member_job,
        queued.RECONCILE_JOB: reconcile.run_reconcile_job,
        queued.ADMIT_JOB: member_jobs.run_admit_job,
        queued.REMOVE_JOB: member_jobs.run_remove_job,
        queued.REJECT_JOB: member_jobs.run_reject_job,
    },
)
