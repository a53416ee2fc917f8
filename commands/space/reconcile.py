"""Reconciling the space as durable slow work: `!space abgleichen` answers at once and the
reconcile (and the one at start) runs beside the sync loop from the job queue (see `queued`).
What a run has done is kept in the database after every change, so that a run cut short by a
crash resumes (each change is made only where the state still lacks it) and still reports
everything, once; that progress is deleted when the run ends."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from commands.core.ports import Ports
from commands.space.queued import RECONCILE_JOB, answer, language_of
from commands.space.start import keeper_of, read_roster_file
from commands.space.text import SpaceReport, render_report
from storage import bot_state
from storage.models import utc_now

log = logging.getLogger(__name__)

PROGRESS_KEY = "space_reconcile_progress|"
# What a run did, carried over a crash; what it found wrong is found again by the next.
CARRIED = ("created", "adopted", "changed", "unlinked", "invited")


async def reconcile_at_start(ports: Ports) -> None:
    """The roster file (if any), then the space as configured; the organisers hear of it."""
    if keeper_of(ports) is not None:
        await _queue(ports, {"key": f"start|{utc_now().isoformat()}", "at_start": True})


async def _queue(ports: Ports, payload: dict[str, Any]) -> None:
    if ports.jobs is None:
        await run_reconcile_job(ports, payload)
    else:
        await ports.jobs.enqueue(RECONCILE_JOB, payload["key"], payload)


async def run_reconcile_job(ports: Ports, payload: dict[str, Any]) -> None:
    keeper = keeper_of(ports)
    if keeper is None:
        return
    key: str = payload["key"]
    # bot_state keys are at most 64 characters; an event id alone may be longer.
    progress = PROGRESS_KEY + hashlib.sha256(key.encode()).hexdigest()[:32]
    stored = await bot_state.get_value(ports.db, progress)
    resumed = report_from_json(stored) if stored is not None else None
    if resumed is not None:
        log.info("resuming the reconcile %s where it was cut short", key)

    async def save(report: SpaceReport) -> None:
        await bot_state.set_value(ports.db, progress, report_to_json(report))

    at_start = bool(payload.get("at_start"))
    prepare = (lambda: read_roster_file(ports, keeper)) if at_start else None
    try:
        report = await keeper.reconcile(prepare, resumed=resumed, save=save)
        if at_start:
            await keeper.report(report, at_start=True, key=key)
        else:
            language = language_of(payload)
            add = ports.direct.command("mitglied hinzufügen", language)
            await answer(ports, payload, render_report(report, language, add), RECONCILE_JOB)
    except Exception:
        # A failed run is dropped: the people it names are not kept for a run that never
        # resumes. (A crash or a stop is no exception here: the job and its progress stay.)
        await bot_state.delete_value(ports.db, progress)
        raise
    await bot_state.delete_value(ports.db, progress)


def report_to_json(report: SpaceReport) -> str:
    return json.dumps({name: getattr(report, name) for name in CARRIED})


def report_from_json(text: str) -> SpaceReport:
    stored = json.loads(text)
    return SpaceReport(
        created=list(stored["created"]),
        adopted=list(stored["adopted"]),
        changed=[(room, event_type) for room, event_type in stored["changed"]],
        unlinked=list(stored["unlinked"]),
        invited=[(user_id, room) for user_id, room in stored["invited"]],
    )
