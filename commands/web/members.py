"""The members page for the network's organisers: the roster as a table, one entry added or
removed, and a roster file (CSV or TOML) previewed line by line before it is applied — all
through the same code as `!mitglieder`, `!mitglied hinzufügen`, `!mitglied entfernen` and
`!mitglieder import` (commands.space)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from commands.core.converters import ConversionError
from commands.core.i18n import Language
from commands.space.commands import (
    ADDED,
    COHORT,
    INVITED_TO,
    MAX_ROSTER_FILE,
    NOT_ON_ROSTER,
    NOT_TEXT,
    NOWHERE,
    REMOVED,
    add_entry,
    admit_imported,
    checked_entry,
    cohorts_of,
    describe,
    entry_of,
    import_roster,
    import_summary,
    plan_roster,
    remove_entry,
    stored_roster,
)
from commands.space.roster_plan import ROLE_NAMES, ImportPlan, RosterEntry
from commands.web.site import Asked, Form, Site, field
from commands.web.texts import TEXTS
from storage import roster

ENTRY_FIELDS = ("user_id", "name", "municipality", "cohort", "role")


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
        )

    async def add(asked: Asked) -> web.Response:
        language = asked.language
        row = {name: asked.field(name) for name in ENTRY_FIELDS}
        try:
            entry = checked_entry(ports, row)
        except ConversionError as problem:
            return await roster_page(asked, 400, error=problem.text(language), form=row)
        rooms = await add_entry(ports, entry)
        notice = ADDED.format(language, user=entry.user_id, entry=describe(entry, language))
        if rooms:
            notice += INVITED_TO.format(language, rooms=", ".join(rooms))
        return await roster_page(asked, notice=notice)

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
        rooms = await remove_entry(ports, user_id)
        shown = ", ".join(rooms) or NOWHERE.get(language)
        return await roster_page(asked, notice=REMOVED.format(language, user=user_id, rooms=shown))

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
            invited = await admit_imported(ports, plan) if applied else []
            notice = import_summary(plan, language)
            if invited:
                notice += INVITED_TO.format(language, rooms=", ".join(invited))
            return await roster_page(asked, notice=notice)
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
