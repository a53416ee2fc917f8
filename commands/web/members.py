"""The members page for the network's organisers: the roster as a table, one entry added or
removed, and a roster file (CSV or TOML) previewed line by line before it is applied — all
through the same code as `!mitglieder`, `!mitglied hinzufügen`, `!mitglied entfernen` and
`!mitglieder import` (commands.space). As in chat, the roster changes at once and the
invitations or removals go onto the space's job queue (commands.space.queued, member_jobs):
the page says so at once, shows while they run and when they are done, and the result comes
by direct message."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from commands.core.converters import ConversionError
from commands.core.i18n import Language
from commands.core.ports import Ports
from commands.space.commands import (
    ADDED,
    COHORT,
    MAX_ROSTER_FILE,
    NOT_ON_ROSTER,
    NOT_TEXT,
    REMOVED,
    after_import,
    checked_entry,
    cohorts_of,
    describe,
    entry_of,
    import_roster,
    import_summary,
    imported_people,
    plan_roster,
    put_on_roster,
    stored_roster,
    take_off_roster,
)
from commands.space.queued import ADMIT_JOB, REMOVE_JOB, enqueue, web_origin
from commands.space.roster_plan import ROLE_NAMES, ImportPlan, RosterEntry
from commands.web import session
from commands.web.site import Asked, Form, Site, field
from commands.web.texts import TEXTS
from storage import jobs, roster

ENTRY_FIELDS = ("user_id", "name", "municipality", "cohort", "role")
# The session remembers the queued work its forms started, the newest this many.
JOBS_KEPT = 5
JOBS_KEY = "member_jobs"
# What the last change said, shown once by the page it redirects to (so that reloading that
# page repeats nothing).
NOTICE_KEY = "members_notice"


def roster_rows(entries: Sequence[RosterEntry], language: Language) -> list[dict[str, str]]:
    """The roster as `!mitglieder` orders it."""
    ordered = sorted(
        entries,
        key=lambda e: (e.role, e.cohort or 0, e.municipality.casefold(), e.name.casefold()),
    )
    return [
        {
            "user_id": entry.user_id,
            "name": entry.name,
            "municipality": entry.municipality,
            "cohort": str(entry.cohort) if entry.cohort is not None else "",
            "role": entry.role_name(language),
        }
        for entry in ordered
    ]


def preview(plan: ImportPlan, language: Language) -> dict[str, Any]:
    """Every change an import would make and every line it rejects, with its number."""
    return {
        "added": [describe_line(entry, language) for entry in plan.added],
        "changed": [
            {
                "user_id": new.user_id,
                "before": describe(before, language),
                "after": describe(new, language),
            }
            for before, new in plan.changed
        ],
        "unchanged": len(plan.unchanged),
        "rejected": [
            {"line": rejected.line, "reason": rejected.text(language)} for rejected in plan.rejected
        ],
        "not_in_file": [describe_line(entry, language) for entry in plan.not_in_file],
    }


def describe_line(entry: RosterEntry, language: Language) -> dict[str, str]:
    return {"user_id": entry.user_id, "text": describe(entry, language)}


async def queue_from_page(asked: Asked, ports: Ports, kind: str, who: str, **values: Any) -> None:
    """Queue the space's work as its command does, for whoever sent the form; the session
    keeps it, so the page can show it running and done."""
    key = f"web:{secrets.token_urlsafe(16)}"
    await enqueue(ports, kind, web_origin(key, asked.viewer.user_id, asked.language), **values)
    kept = await session.get_session(asked.request)
    started = [*kept.get(JOBS_KEY, []), [key, kind, who]]
    kept[JOBS_KEY] = started[-JOBS_KEPT:]


async def done(site: Site, asked: Asked, notice: str) -> web.HTTPSeeOther:
    """After a change: the page again by GET (Post/Redirect/Get), with `notice` on it once; a
    reload then reloads the page, it does not send the form (and queue the work) again."""
    kept = await session.get_session(asked.request)
    kept[NOTICE_KEY] = notice
    return site.redirect("members")


async def job_states(asked: Asked, ports: Ports) -> list[dict[str, Any]]:
    """The work this session queued, newest first: what, and whether it still runs."""
    started = (await session.get_session(asked.request)).get(JOBS_KEY, [])
    running = await jobs.queued_keys(ports.db, [key for key, _, _ in started])
    language = asked.language
    return [
        {
            "what": TEXTS["job_admit" if kind == ADMIT_JOB else "job_remove"].format(
                language, who=who
            ),
            "running": key in running,
        }
        for key, kind, who in reversed(started)
    ]


def routes(site: Site) -> list[web.RouteDef]:
    ports = site.ports

    async def roster_page(
        asked: Asked,
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
        form: dict[str, str] | None = None,
    ) -> web.Response:
        language = asked.language
        if notice is None and status == 200:
            notice = (await session.get_session(asked.request)).pop(NOTICE_KEY, None)
        entries = list((await stored_roster(ports.db)).values())
        return await site.page(
            asked,
            "members.html",
            "members",
            status,
            members=roster_rows(entries, language),
            roles=[(role, name.get(language)) for role, name in ROLE_NAMES.items()],
            cohorts=[COHORT.format(language, cohort=c) for c in cohorts_of(ports)],
            error=error,
            notice=notice,
            form=form or dict.fromkeys(ENTRY_FIELDS, ""),
            jobs=await job_states(asked, ports),
        )

    async def add(asked: Asked) -> web.Response:
        language = asked.language
        row = {name: asked.field(name) for name in ENTRY_FIELDS}
        try:
            entry = checked_entry(ports, row)
        except ConversionError as problem:
            return await roster_page(asked, 400, error=problem.text(language), form=row)
        inviting = await put_on_roster(ports, entry)
        notice = ADDED.format(language, user=entry.user_id, entry=describe(entry, language))
        if inviting:
            who = f"{entry.name} ({entry.user_id})"
            people = [[entry.user_id, entry.name]]
            await queue_from_page(asked, ports, ADMIT_JOB, who, people=people)
            notice += " " + TEXTS["admitting"].get(language)
        raise await done(site, asked, notice)

    async def remove(asked: Asked) -> web.Response:
        language = asked.language
        user_id = asked.field("user_id")
        stored = await roster.get(ports.db, user_id)
        if stored is None:
            return await roster_page(asked, 400, error=NOT_ON_ROSTER.format(language, user=user_id))
        if asked.field("confirm") != "yes":
            entry = describe(entry_of(stored), language)
            return await site.page(
                asked, "members_remove.html", "remove_member", user_id=user_id, entry=entry
            )
        notice = REMOVED.format(language, user=user_id)
        if await take_off_roster(ports, user_id):
            who = f"{stored.name} ({user_id})"
            values = {"user_id": user_id, "name": stored.name}
            await queue_from_page(asked, ports, REMOVE_JOB, who, **values)
            notice += " " + TEXTS["removing"].get(language)
        raise await done(site, asked, notice)

    async def upload(asked: Asked) -> web.Response:
        language = asked.language
        assert asked.form is not None
        text = await file_text(asked.form)
        if isinstance(text, ConversionError) or not text.strip():
            problem = text.text(language) if isinstance(text, ConversionError) else None
            error = problem or TEXTS["no_roster_file"].get(language)
            return await roster_page(asked, 400, error=error)
        cohorts = cohorts_of(ports)
        servers = ports.settings.allowed_servers
        try:
            plan = await plan_roster(ports.db, text, cohorts, servers)
        except ConversionError as problem:
            return await roster_page(asked, 400, error=problem.text(language))
        confirmed = asked.field("confirm") == "yes"
        anyway = asked.field("anyway") == "yes"
        if confirmed and (anyway or not plan.rejected):
            plan, applied = await import_roster(ports.db, text, cohorts, servers, anyway)
            notice = import_summary(plan, language)
            if await after_import(ports, plan, applied):
                people = imported_people(plan)
                # The session's cookie holds it: a few names, the rest counted.
                who = ", ".join(f"{name} ({user_id})" for user_id, name in people[:3])
                if len(people) > 3:
                    who += f" … (+{len(people) - 3})"
                await queue_from_page(asked, ports, ADMIT_JOB, who, people=people)
                notice += " " + TEXTS["admitting"].get(language)
            raise await done(site, asked, notice)
        return await site.page(
            asked,
            "members_import.html",
            "roster_preview",
            # Refused: the file had rejected lines and was sent without "only the valid ones".
            400 if confirmed or plan.rejected else 200,
            refused=confirmed,
            plan=preview(plan, language),
            file_text=text,
        )

    network = site.network
    return [
        web.get("/web/members", site.shown(network, roster_page)),
        web.post("/web/members/add", site.posted(network, add)),
        web.post("/web/members/remove", site.posted(network, remove)),
        web.post("/web/members/import", site.posted(network, upload)),
    ]


async def file_text(form: Form) -> str | ConversionError:
    """The roster file: an uploaded file, or the text the preview carried to the confirmation."""
    sent = form.get("file")
    if isinstance(sent, web.FileField):
        data = sent.file.read(MAX_ROSTER_FILE + 1)
    else:
        data = field(form, "file_text").encode("utf-8")
    if len(data) > MAX_ROSTER_FILE:
        return ConversionError(TEXTS["file_too_big"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return ConversionError(NOT_TEXT)
