"""Reconciling the space as durable slow work: `!space abgleichen` answers at once and the
reconcile (and the one at start) runs beside the sync loop from the job queue. What a run has
done is kept in the database after every change, so that a run cut short by a crash resumes
(each change is made only where the state still lacks it) and still reports everything, once."""

from __future__ import annotations

import json
import logging
from typing import Any

from commands.core.content import message_content, txn_id_for
from commands.core.context import CommandContext
from commands.core.converters import ConversionError
from commands.core.i18n import Language, Localized
from commands.core.ports import Ports, SendRefused
from commands.core.registry import Role
from commands.space.commands import NO_SPACE, group, space_of
from commands.space.start import keeper_of, read_roster_file
from commands.space.text import SpaceReport, render_report
from storage import bot_state
from storage.models import utc_now

log = logging.getLogger(__name__)

RECONCILE_JOB = "space.reconcile"
PROGRESS_KEY = "space_reconcile_progress|"
# What a run did, carried over a crash; what it found wrong is found again by the next.
CARRIED = ("created", "adopted", "changed", "unlinked", "invited")

RUNNING = Localized(
    "Der Abgleich des Space läuft. Das Ergebnis schicke ich als Antwort hierher, sobald er "
    "fertig ist; Einladungen warten dabei oft die Grenzen des Homeservers ab.",
    "The space is being reconciled. I will answer here with the result once it is done; "
    "invitations often wait out the homeserver's limits on the way.",
)


@group.command(
    "space abgleichen",
    aliases=("space sync",),
    help=Localized(
        "Legt an, was vom Space fehlt, übernimmt vorhandene Räume, verknüpft sie, setzt "
        "Beitrittsregeln und Rechte und lädt das Verzeichnis ein. Ändert nichts, was stimmt; "
        "löscht nie einen Raum. Läuft im Hintergrund; das Ergebnis kommt als Antwort.",
        "Creates what is missing of the space, adopts existing rooms, links them, sets join "
        "rules and rights and invites the roster. Changes nothing that is right; never deletes "
        "a room. Runs in the background; the result comes as an answer.",
    ),
    role=Role.NETWORK,
)
async def reconcile(ctx: CommandContext) -> None:
    if space_of(ctx) is None:
        raise ConversionError(NO_SPACE)
    # Answered first, queued second: a crash in between replays the command, whose answer
    # goes out once (its transaction id) and whose job is queued once (its key).
    await ctx.reply(RUNNING.get(ctx.language))
    payload = {
        "key": ctx.event_id,
        "room_id": ctx.room_id,
        "event_id": ctx.event_id,
        "thread_root": ctx.thread_root,
        "language": ctx.language,
    }
    await _queue(ctx.ports, payload)


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
    progress = PROGRESS_KEY + key
    stored = await bot_state.get_value(ports.db, progress)
    resumed = report_from_json(stored) if stored is not None else None
    if resumed is not None:
        log.info("resuming the reconcile %s where it was cut short", key)

    async def save(report: SpaceReport) -> None:
        await bot_state.set_value(ports.db, progress, report_to_json(report))

    at_start = bool(payload.get("at_start"))
    prepare = (lambda: read_roster_file(ports, keeper)) if at_start else None
    report = await keeper.reconcile(prepare, resumed=resumed, save=save)
    if at_start:
        await keeper.report(report, at_start=True, key=key)
    else:
        await _answer(ports, payload, report)
    await bot_state.delete_value(ports.db, progress)


async def _answer(ports: Ports, payload: dict[str, Any], report: SpaceReport) -> None:
    """The result, as a second answer to the command (sent once, by its transaction id)."""
    language: Language = "en" if payload.get("language") == "en" else "de"
    html = render_report(report, language, ports.direct.command("mitglied hinzufügen", language))
    content = message_content(
        html, reply_to=payload["event_id"], thread_root=payload.get("thread_root")
    )
    try:
        await ports.messenger.send(
            payload["room_id"], content, txn_id=txn_id_for("space-reconciled", payload["key"])
        )
    except SendRefused:
        log.warning("the room of a reconcile command refused its result")


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
