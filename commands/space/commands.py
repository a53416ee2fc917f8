"""The alumni space and its roster: organisers reconcile the space, add, import and remove
members, admit or reject who knocks; everyone finds fellow alumni with `!wer`. What the
homeserver has to do for them (invitations that wait out its limits, removals) is queued and
answered when done (see `queued`, `member_jobs`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from commands.core.context import CommandContext
from commands.core.converters import ConversionError, Rest, UserId, Word
from commands.core.i18n import Language, Localized
from commands.core.mentions import pill, pills
from commands.core.ports import Ports
from commands.core.registry import Arg, CommandGroup, Role
from commands.core.rendering import BR, Markup, bold, bullet_list, escape, link
from commands.core.rooms import person_pill
from commands.space.plan import SpaceSpec
from commands.space.queued import ADMIT_JOB, RECONCILE_JOB, REJECT_JOB, REMOVE_JOB, queue
from commands.space.roster_plan import (
    ImportPlan,
    Rejected,
    RosterEntry,
    RosterFileError,
    check_entry,
    matches,
    plan_import,
    read_rows,
)
from commands.space.text import SpaceReport
from storage import roster
from storage.database import Database
from storage.models import RosterMember

# The name the space's runtime (its keeper) is kept under in `Ports.runtimes`.
RUNTIME = "space"


class Space(Protocol):
    """The alumni space as commands may act on it (implemented by `bot/`)."""

    spec: SpaceSpec

    async def preview(self) -> SpaceReport:
        """What a reconcile would do now, nothing written or sent (a dry run)."""

    async def admit(self, user_id: str) -> list[str]:
        """Invite someone on the roster to the space and their rooms; the rooms invited to."""

    async def remove(self, user_id: str) -> list[str]:
        """Remove someone from the space and all its rooms; the rooms they were removed from."""

    async def reject(self, user_id: str) -> bool:
        """Turn a knock down; whether there was one."""

    async def refresh(self) -> None:
        """The roster changed (who organises comes from it)."""


def space_of(ctx: CommandContext) -> Space | None:
    """The alumni space, if the bot runs one."""
    return space_in(ctx.ports)


def space_in(ports: Ports) -> Space | None:
    """The alumni space, if the bot runs one (for callers without a command, e.g. the web page)."""
    found: Space | None = ports.runtimes.get(RUNTIME)
    return found


def cohorts_of(ports: Ports) -> Sequence[int]:
    space = space_in(ports)
    return space.spec.cohorts if space is not None else ()


group = CommandGroup("netzwerk", Localized("Netzwerk und Mitglieder", "Network and members"))

MAX_ROSTER_FILE = 1_000_000
USER = Arg(
    "person",
    UserId(),
    Localized(
        "die Person: ihre Matrix-ID, nach „@“ aus der Vorschlagsliste gewählt, oder ihr "
        "Anzeigename in diesem Raum",
        "the person: their Matrix ID, picked from the list after “@”, or their display name in "
        "this room",
    ),
    name_en="user",
)
DETAILS_HELP = Localized(
    "Name; Kommune; Durchgang; Rolle – z. B. Anna Beispiel; Potsdam; 2; Smart City Manager:in",
    "Name; municipality; cohort; role – e.g. Anna Example; Potsdam; 2; Smart City Manager",
)
NO_SPACE = Localized(
    "Einen Space betreibe ich nicht: In der Konfiguration fehlt [space].",
    "I run no space: the configuration has no [space].",
)
NOT_ON_ROSTER = Localized(
    "{user} steht nicht im Mitgliederverzeichnis.", "{user} is not on the roster."
)
ADDED = Localized("{user} ist im Verzeichnis: {entry}.", "{user} is on the roster: {entry}.")
INVITING = Localized(
    " Die Einladungen verschicke ich im Hintergrund und antworte hier, sobald sie draußen sind.",
    " I am sending the invitations in the background and will answer here once they are out.",
)
CONFIRM_REMOVAL = Localized(
    "Wirklich entfernen? {user} ({entry}) wird aus dem Verzeichnis gelöscht und aus dem Space "
    "und allen seinen Räumen entfernt. Bestätigen: {command}",
    "Really remove? {user} ({entry}) is deleted from the roster and removed from the space and "
    "all its rooms. Confirm: {command}",
)
CONFIRM_WORDS = frozenset({"bestätigen", "bestaetigen", "confirm", "ja", "yes"})
NOT_A_CONFIRMATION = Localized(
    "„{word}“ bestätigt nichts; schreib „bestätigen“.",
    "“{word}” confirms nothing; write “confirm”.",
)
REMOVED = Localized("{user} ist aus dem Verzeichnis gelöscht.", "{user} is off the roster.")
REMOVING = Localized(
    "{user} ist aus dem Verzeichnis gelöscht. Aus dem Space und seinen Räumen entferne ich "
    "die Person im Hintergrund und antworte hier, sobald es getan ist.",
    "{user} is off the roster. I am removing them from the space and its rooms in the "
    "background and will answer here once it is done.",
)
NO_MATCH = Localized(
    "Niemand im Verzeichnis passt zu „{query}“. Such nach Kommune, Name oder Durchgang.",
    "Nobody on the roster matches “{query}”. Search by municipality, name or cohort.",
)
EMPTY_ROSTER = Localized(
    "Das Verzeichnis ist leer. Aufnehmen: {add} · Einlesen: {import_}",
    "The roster is empty. Add: {add} · Import: {import_}",
)
ROSTER_TITLE = Localized("Mitgliederverzeichnis ({count})", "Roster ({count})")
COHORT = Localized("Durchgang {cohort}", "cohort {cohort}")
NO_FILE = Localized(
    "Antworte mit diesem Befehl auf eine Nachricht mit der Datei (CSV oder TOML, höchstens "
    "1 MB). Spalten: matrix_id; name; kommune; durchgang; rolle.",
    "Reply with this command to a message with the file (CSV or TOML, at most 1 MB). "
    "Columns: matrix_id; name; municipality; cohort; role.",
)
NOT_TEXT = Localized(
    "Die Datei ist kein Text in UTF-8 (aus Excel: „CSV UTF-8“ speichern).",
    "The file is not UTF-8 text (from Excel: save as “CSV UTF-8”).",
)
IMPORT_SUMMARY = Localized(
    "Einlesen: {added} neu, {changed} geändert, {unchanged} unverändert, {rejected} abgelehnt.",
    "Import: {added} new, {changed} changed, {unchanged} unchanged, {rejected} rejected.",
)
IMPORT_NOTHING_CHANGED = Localized(
    "Wegen der abgelehnten Zeilen habe ich nichts geändert. Nur die gültigen übernehmen: {command}",
    "Because of the rejected lines I changed nothing. To take only the valid ones: {command}",
)
LINE = Localized("Zeile {line}: {reason}", "line {line}: {reason}")
NOT_IN_FILE = Localized(
    "Nicht in der Datei (bleiben im Verzeichnis; entfernen mit {command}): {people}",
    "Not in the file (they stay on the roster; remove with {command}): {people}",
)
ANYWAY_WORDS = frozenset({"--trotzdem", "trotzdem", "--anyway", "anyway"})
UNKNOWN_OPTION = Localized(
    "„{word}“ kenne ich hier nicht; möglich ist --trotzdem.",
    "I don't know “{word}” here; possible: --anyway.",
)
REJECTING = Localized(
    "Die Anfrage von {user} lehne ich im Hintergrund ab und antworte hier, sobald es getan ist.",
    "I am turning down the request of {user} in the background and will answer here once done.",
)
RECONCILING = Localized(
    "Der Abgleich des Space läuft. Das Ergebnis schicke ich als Antwort hierher, sobald er "
    "fertig ist; Einladungen warten dabei oft die Grenzen des Homeservers ab.",
    "The space is being reconciled. I will answer here with the result once it is done; "
    "invitations often wait out the homeserver's limits on the way.",
)
MEMBERS_ONLY = Localized(
    "Das Verzeichnis sehen nur Mitglieder des Netzwerks.",
    "Only members of the network see the roster.",
)
NO_KNOCK = Localized("Von {user} liegt keine Anfrage vor.", "There is no request from {user}.")


def _space(ctx: CommandContext) -> Space:
    space = space_of(ctx)
    if space is None:
        raise ConversionError(NO_SPACE)
    return space


def describe(entry: RosterEntry, language: Language) -> str:
    return f"{entry.name}, {details(entry, language)}"


def details(entry: RosterEntry, language: Language) -> str:
    """Municipality, cohort and role."""
    parts = [entry.municipality] if entry.municipality else []
    if entry.cohort is not None:
        parts.append(COHORT.format(language, cohort=entry.cohort))
    parts.append(entry.role_name(language))
    return ", ".join(parts)


def entry_of(row: RosterMember) -> RosterEntry:
    return RosterEntry(row.user_id, row.name, row.municipality, row.cohort, row.role)  # type: ignore[arg-type]


def member_row(entry: RosterEntry) -> RosterMember:
    return RosterMember(
        user_id=entry.user_id,
        name=entry.name,
        municipality=entry.municipality,
        cohort=entry.cohort,
        role=entry.role,
        welcomed=False,
    )


async def stored_roster(db: Database) -> dict[str, RosterEntry]:
    return {
        user_id: RosterEntry(user_id, name, municipality, cohort, role)  # type: ignore[arg-type]
        for user_id, name, municipality, cohort, role in await roster.member_values(db)
    }


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
    _space(ctx)
    await ctx.reply(RECONCILING.get(ctx.language))
    await queue(ctx, RECONCILE_JOB)


@group.command(
    "mitglieder",
    aliases=("members",),
    help=Localized(
        "Zeigt das Mitgliederverzeichnis: Name, Kommune, Durchgang, Rolle, Matrix-ID.",
        "Shows the roster: name, municipality, cohort, role, Matrix ID.",
    ),
    role=Role.NETWORK,
)
async def list_members(ctx: CommandContext) -> None:
    entries = sorted(
        (await stored_roster(ctx.db)).values(),
        key=lambda e: (e.role, e.cohort or 0, e.municipality.casefold(), e.name.casefold()),
    )
    if not entries:
        await ctx.reply(
            EMPTY_ROSTER.html(
                ctx.language,
                add=ctx.hint("mitglied hinzufügen"),
                import_=ctx.hint("mitglieder import"),
            )
        )
        return
    items = [
        Markup("{}, {}").format(pill(e.user_id, e.name), details(e, ctx.language)) for e in entries
    ]
    title = ROSTER_TITLE.html(ctx.language, count=len(entries))
    await ctx.reply(bold(title) + bullet_list(items))


def _details(ctx: CommandContext, user_id: str, details: str) -> RosterEntry:
    parts = [part.strip() for part in details.split(";")]
    row = dict(zip(("name", "municipality", "cohort", "role"), parts, strict=False))
    return _checked(ctx, {**row, "user_id": user_id})


def _checked(ctx: CommandContext, row: dict[str, str]) -> RosterEntry:
    return checked_entry(ctx.ports, row)


def checked_entry(ports: Ports, row: Mapping[str, str]) -> RosterEntry:
    """One roster entry as `!mitglied hinzufügen` takes it; ConversionError says what is wrong."""
    checked = check_entry(0, row, cohorts_of(ports), ports.settings.allowed_servers)
    if isinstance(checked, Rejected):
        raise ConversionError(checked.reason, **checked.values)
    return checked


async def put_on_roster(ports: Ports, entry: RosterEntry) -> bool:
    """`!mitglied hinzufügen`'s first half: `entry` on the roster at once. Whether a space
    runs, whose invitations (ADMIT_JOB, member_jobs) the caller queues after its answer."""
    await roster.put(ports.db, [member_row(entry)])
    return space_in(ports) is not None


async def take_off_roster(ports: Ports, user_id: str) -> bool:
    """`!mitglied entfernen`'s first half: `user_id` off the roster at once, and the space
    knows it (so nobody admits them meanwhile). Whether a space runs, whose removals
    (REMOVE_JOB) the caller queues after its answer."""
    await roster.remove(ports.db, user_id)
    space = space_in(ports)
    if space is None:
        return False
    await space.refresh()
    return True


async def _add(ctx: CommandContext, entry: RosterEntry) -> None:
    inviting = await put_on_roster(ctx.ports, entry)
    html = ADDED.html(
        ctx.language,
        user=pill(entry.user_id, entry.name),
        entry=describe(entry, ctx.language),
    )
    if not inviting:
        await ctx.reply(html)
        return
    # The invitations may wait out the homeserver's limits: they run beside the sync loop.
    await ctx.reply(html + INVITING.markup(ctx.language))
    await queue(ctx, ADMIT_JOB, people=[[entry.user_id, entry.name]])


@group.command(
    "mitglied hinzufügen",
    de_aliases=("mitglied hinzufuegen",),
    aliases=("member add",),
    help=Localized(
        "Nimmt jemanden ins Verzeichnis auf (oder ändert den Eintrag) und lädt in den Space "
        "und die Räume der Rolle ein.\n"
        "Beispiel: !mitglied hinzufügen @anna:example.org Anna Beispiel; Potsdam; 2; "
        "Smart City Manager:in",
        "Puts someone on the roster (or changes their entry) and invites them to the space and "
        "the rooms of their role.\n"
        "Example: !member add @anna:example.org Anna Example; Potsdam; 2; Smart City Manager",
    ),
    args=(USER, Arg("angaben", Rest(max_length=600), DETAILS_HELP, name_en="details")),
    role=Role.NETWORK,
)
async def add_member(ctx: CommandContext, person: str, angaben: str) -> None:
    await _add(ctx, _details(ctx, person, angaben))


@group.command(
    "mitglied entfernen",
    aliases=("member remove",),
    help=Localized(
        "Löscht jemanden aus dem Verzeichnis und entfernt die Person aus dem Space und allen "
        "Räumen – nach einer Rückfrage.",
        "Deletes someone from the roster and removes them from the space and every room – after "
        "asking once more.",
    ),
    args=(
        USER,
        Arg(
            "bestätigen",
            Word(max_length=20),
            Localized("„bestätigen“, nach der Rückfrage", "“confirm”, after being asked"),
            name_en="confirm",
            optional=True,
        ),
    ),
    role=Role.NETWORK,
)
async def remove_member(ctx: CommandContext, person: str, bestätigen: str | None) -> None:
    stored = await roster.get(ctx.db, person)
    if stored is None:
        raise ConversionError(NOT_ON_ROSTER, user=person)
    if bestätigen is None:
        confirm = "confirm" if ctx.language == "en" else "bestätigen"
        await ctx.reply(
            CONFIRM_REMOVAL.html(
                ctx.language,
                user=pill(person, stored.name),
                entry=escape(describe(entry_of(stored), ctx.language)),
                command=ctx.hint("mitglied entfernen", person, confirm),
            )
        )
        return
    if bestätigen.lower() not in CONFIRM_WORDS:
        raise ConversionError(NOT_A_CONFIRMATION, word=bestätigen)
    if not await take_off_roster(ctx.ports, person):
        await ctx.reply(REMOVED.html(ctx.language, user=pill(person, stored.name)))
        return
    await ctx.reply(REMOVING.html(ctx.language, user=pill(person, stored.name)))
    await queue(ctx, REMOVE_JOB, user_id=person, name=stored.name)


@group.command(
    "mitglieder import",
    aliases=("members import",),
    help=Localized(
        "Liest das Verzeichnis aus einer Datei (CSV wie aus Excel, oder TOML): als Antwort auf "
        "die Nachricht mit der Datei. Meldet neue, geänderte, unveränderte und abgelehnte "
        "Zeilen; bei Fehlern ändert es nichts, außer mit --trotzdem.",
        "Reads the roster from a file (CSV as Excel writes it, or TOML): as a reply to the "
        "message with the file. Reports new, changed, unchanged and rejected lines; with errors "
        "it changes nothing, unless --anyway.",
    ),
    args=(
        Arg(
            "trotzdem",
            Word(max_length=20),
            Localized("--trotzdem: nur die gültigen Zeilen übernehmen", "--anyway: valid lines"),
            name_en="anyway",
            optional=True,
        ),
    ),
    role=Role.NETWORK,
)
async def import_members(ctx: CommandContext, trotzdem: str | None) -> None:
    if trotzdem is not None and trotzdem.lower() not in ANYWAY_WORDS:
        raise ConversionError(UNKNOWN_OPTION, word=trotzdem)
    data = await ctx.replied_file(MAX_ROSTER_FILE)
    if data is None:
        raise ConversionError(NO_FILE)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(NOT_TEXT) from exc
    plan, applied = await import_roster(
        ctx.db, text, cohorts_of(ctx.ports), ctx.allowed_servers, trotzdem is not None
    )
    inviting = await after_import(ctx.ports, plan, applied)
    anyway = "--anyway" if ctx.language == "en" else "--trotzdem"
    hints = (ctx.hint("mitglieder import", anyway), ctx.hint("mitglied entfernen"))
    await ctx.reply(render_import(plan, applied, inviting, ctx.language, *hints))
    if inviting:
        await queue(ctx, ADMIT_JOB, people=imported_people(plan))


async def import_roster(
    db: Database,
    text: str,
    cohorts: Sequence[int],
    allowed_servers: Sequence[str],
    apply_valid: bool,
) -> tuple[ImportPlan, bool]:
    """Check a roster file against the stored roster; write it if every line is valid (or
    `apply_valid`), and say whether it was written. An import never removes anyone. Raises
    ConversionError for an unreadable file."""
    plan = await plan_roster(db, text, cohorts, allowed_servers)
    applied = apply_valid or not plan.rejected
    if applied and plan.writes:
        await roster.put(db, [member_row(entry) for entry in plan.writes])
    return plan, applied


async def plan_roster(
    db: Database, text: str, cohorts: Sequence[int], allowed_servers: Sequence[str]
) -> ImportPlan:
    """What importing a roster file would change, line by line, without writing anything.
    Raises ConversionError for an unreadable file."""
    try:
        rows = read_rows(text)
    except RosterFileError as exc:
        raise ConversionError(exc.reason, **exc.values) from exc
    return plan_import(rows, await stored_roster(db), cohorts, allowed_servers)


async def after_import(ports: Ports, plan: ImportPlan, applied: bool) -> bool:
    """After an import: the space learns the roster it wrote. Whether the new people are to be
    invited (ADMIT_JOB with `imported_people`), which the caller queues after its answer."""
    space = space_in(ports)
    if space is None or not applied:
        return False
    await space.refresh()
    return bool(plan.added)


def imported_people(plan: ImportPlan) -> list[list[str]]:
    """The ADMIT_JOB's people of an import."""
    return [[entry.user_id, entry.name] for entry in plan.added]


def import_summary(plan: ImportPlan, language: Language) -> str:
    """How many lines are new, changed, unchanged and rejected."""
    return IMPORT_SUMMARY.format(
        language,
        added=len(plan.added),
        changed=len(plan.changed),
        unchanged=len(plan.unchanged),
        rejected=len(plan.rejected),
    )


def render_import(
    plan: ImportPlan,
    applied: bool,
    inviting: bool,
    language: Language,
    anyway_command: Markup,
    remove_command: Markup,
) -> Markup:
    html = escape(import_summary(plan, language))
    items = [
        LINE.html(language, line=rejected.line, reason=rejected.text(language))
        for rejected in plan.rejected[:50]
    ]
    if items:
        html += bullet_list(items)
    if not applied:
        html += IMPORT_NOTHING_CHANGED.html(language, command=anyway_command)
    if inviting:
        html += INVITING.markup(language)
    if plan.not_in_file:
        people = pills([(entry.user_id, entry.name) for entry in plan.not_in_file[:30]])
        html += BR + NOT_IN_FILE.html(language, command=remove_command, people=people)
    return html


@group.command(
    "zulassen",
    aliases=("admit",),
    help=Localized(
        "Nimmt jemanden auf, der um Aufnahme in den Space gebeten hat: ins Verzeichnis (ohne "
        "Angaben als Gast) und in den Space und die Räume der Rolle.",
        "Admits someone who asked to join the space: onto the roster (without details as a "
        "guest) and into the space and the rooms of their role.",
    ),
    args=(
        USER,
        Arg("angaben", Rest(max_length=600), DETAILS_HELP, name_en="details", optional=True),
    ),
    role=Role.NETWORK,
)
async def admit(ctx: CommandContext, person: str, angaben: str | None) -> None:
    if angaben is not None:
        await _add(ctx, _details(ctx, person, angaben))
        return
    knock = await roster.knock_of(ctx.db, person)
    name = (knock.display_name if knock else None) or person[1:].split(":", 1)[0]
    # The display name as it is: a ";" in it is part of the name, not a field separator.
    guest = {"user_id": person, "name": name, "municipality": "", "cohort": "", "role": "Gast"}
    await _add(ctx, _checked(ctx, guest))


@group.command(
    "ablehnen",
    aliases=("reject",),
    help=Localized(
        "Lehnt die Bitte um Aufnahme in den Space ab.", "Turns down a request to join the space."
    ),
    args=(USER,),
    role=Role.NETWORK,
)
async def reject(ctx: CommandContext, person: str) -> None:
    _space(ctx)
    if await roster.knock_of(ctx.db, person) is None:
        raise ConversionError(NO_KNOCK, user=person)
    shown = person_pill(ctx.ports.homeserver, [ctx.room_id], person)
    await ctx.reply(REJECTING.html(ctx.language, user=shown))
    await queue(ctx, REJECT_JOB, user_id=person)


@group.command(
    "wer",
    aliases=("who",),
    help=Localized(
        "Findet Alumni im Verzeichnis: nach Kommune, Name oder Durchgang.\n"
        "Beispiele: !wer Potsdam · !wer Anna · !wer Durchgang 2",
        "Finds alumni on the roster: by municipality, name or cohort.\n"
        "Examples: !who Potsdam · !who Anna · !who cohort 2",
    ),
    args=(
        Arg(
            "suche",
            Rest(max_length=100),
            Localized("Kommune, Name oder Durchgang", "municipality, name or cohort"),
            name_en="query",
        ),
    ),
)
async def who(ctx: CommandContext, suche: str) -> None:
    # Names and municipalities are for the network, not for anyone on an allowed server.
    if ctx.role < Role.NETWORK and await roster.get(ctx.db, ctx.sender) is None:
        raise ConversionError(MEMBERS_ONLY)
    found = [
        entry for entry in (await stored_roster(ctx.db)).values() if matches(entry, suche.strip())
    ]
    if not found:
        await ctx.reply(NO_MATCH.html(ctx.language, query=escape(suche.strip())))
        return
    found.sort(key=lambda e: (e.municipality.casefold(), e.name.casefold()))
    items = [
        Markup("{} – {}").format(
            link(f"https://matrix.to/#/{e.user_id}", e.name), details(e, ctx.language)
        )
        for e in found[:50]
    ]
    await ctx.reply(bullet_list(items))
