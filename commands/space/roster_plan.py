"""The roster as pure data: who belongs to the network (Matrix id, name, municipality, cohort,
role), read from CSV (as Excel writes it) or TOML, checked line by line, and compared with the
stored roster so an import can say what it adds, changes, leaves as it is and rejects."""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from commands.core.converters import USER_ID_RE
from commands.core.i18n import Language, Localized
from commands.core.roster_roles import ROLE_NAMES, RosterRole, parse_role

# Roles that belong to a cohort of the qualification programme.
WITH_COHORT: frozenset[RosterRole] = frozenset({"manager", "supervisor"})
MAX_NAME = 200
MAX_ROWS = 5000

# Column names in German and English (lower case, without spaces or punctuation).
COLUMNS = {
    "matrixid": "user_id",
    "matrix": "user_id",
    "id": "user_id",
    "userid": "user_id",
    "name": "name",
    "anzeigename": "name",
    "displayname": "name",
    "kommune": "municipality",
    "municipality": "municipality",
    "stadt": "municipality",
    "durchgang": "cohort",
    "cohort": "cohort",
    "rolle": "role",
    "role": "role",
}
REQUIRED_COLUMNS = ("user_id", "name", "role")


@dataclass(frozen=True)
class RosterEntry:
    user_id: str
    name: str
    municipality: str
    cohort: int | None
    role: RosterRole

    def role_name(self, language: Language) -> str:
        return ROLE_NAMES[self.role].get(language)


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: Localized
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, language: Language) -> str:
        return self.reason.format(language, **self.values)


BAD_ID = Localized(
    "„{value}“ ist keine Matrix-ID (so: @name:server.de)",
    "“{value}” is not a Matrix ID (like @name:server.org)",
)
FOREIGN_SERVER = Localized(
    "{value}: Konten von {server} gehören nicht zum Netzwerk (erlaubt: {allowed})",
    "{value}: accounts of {server} do not belong to the network (allowed: {allowed})",
)
NO_NAME = Localized("der Name fehlt", "the name is missing")
LONG_NAME = Localized(
    "„{field}“ ist länger als {limit} Zeichen", "“{field}” is over {limit} characters"
)
NO_ROLE = Localized(
    "die Rolle fehlt (Smart City Manager:in, Fachvorgesetzte:r, Organisation, Gast)",
    "the role is missing (Smart City Manager, supervisor, organiser, guest)",
)
BAD_ROLE = Localized(
    "„{value}“ ist keine Rolle (Smart City Manager:in, Fachvorgesetzte:r, Organisation, Gast)",
    "“{value}” is not a role (Smart City Manager, supervisor, organiser, guest)",
)
BAD_COHORT = Localized(
    "„{value}“ ist kein bekannter Durchgang (bekannt: {known})",
    "“{value}” is not a known cohort (known: {known})",
)
NEEDS_COHORT = Localized(
    "{role} brauchen einen Durchgang (bekannt: {known})",
    "{role} need a cohort (known: {known})",
)
TWICE = Localized("{value} steht schon in Zeile {first}", "{value} is already on line {first}")
NOT_A_TABLE = Localized(
    "Die Datei ist weder CSV mit den Spalten {columns} noch TOML mit [[mitglied]]-Einträgen.",
    "The file is neither CSV with the columns {columns} nor TOML with [[member]] entries.",
)
MISSING_COLUMNS = Localized(
    "Es fehlen die Spalten {missing} (gefunden: {found}).",
    "The columns {missing} are missing (found: {found}).",
)
TOO_MANY_ROWS = Localized(
    "Mehr als {limit} Zeilen; bitte teilen.", "More than {limit} lines; please split the file."
)


class RosterFileError(ValueError):
    def __init__(self, reason: Localized, **values: object) -> None:
        super().__init__(reason.format("en", **values))
        self.reason = reason
        self.values = values

    def text(self, language: Language) -> str:
        return self.reason.format(language, **self.values)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).lower())


def parse_cohort(text: str) -> int | None:
    """ "2", "Durchgang 2", "2. Durchgang", "D2" → 2."""
    found = re.fullmatch(
        r"(?:durchgang|cohort|d)?\s*(\d{1,2})\.?\s*(?:durchgang)?", text.strip().lower()
    )
    return int(found[1]) if found else None


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) of a CSV (`;` or `,`, with or without BOM) or TOML file."""
    text = text.lstrip("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return _csv_rows(text)
    entries = data.get("mitglied", data.get("member"))
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RosterFileError(NOT_A_TABLE, columns=", ".join(REQUIRED_COLUMNS))
    return [
        (number, {COLUMNS.get(_key(k), k): _plain(v) for k, v in entry.items()})
        for number, entry in enumerate(entries, 1)
    ]


def _plain(value: Any) -> str:
    return str(value) if not isinstance(value, str) else value


def _csv_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    lines = text.splitlines()
    if not lines:
        raise RosterFileError(NOT_A_TABLE, columns=", ".join(REQUIRED_COLUMNS))
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, [])
    columns = [COLUMNS.get(_key(name), "") for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        found = ", ".join(name.strip() for name in header) or "–"
        raise RosterFileError(MISSING_COLUMNS, missing=", ".join(missing), found=found)
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise RosterFileError(TOO_MANY_ROWS, limit=MAX_ROWS)
        row = {column: cell for column, cell in zip(columns, cells, strict=False) if column}
        rows.append((reader.line_num, row))
    return rows


def check_entry(
    line: int, row: Mapping[str, str], cohorts: Sequence[int], allowed_servers: Iterable[str]
) -> RosterEntry | Rejected:
    """One roster line, or why it cannot be taken."""
    user_id = row.get("user_id", "").strip()
    if not USER_ID_RE.match(user_id):
        return Rejected(line, BAD_ID, {"value": user_id[:80]})
    server = user_id.split(":", 1)[1]
    allowed = sorted(set(allowed_servers))
    if server not in allowed:
        return Rejected(
            line,
            FOREIGN_SERVER,
            {"value": user_id, "server": server, "allowed": ", ".join(allowed) or "–"},
        )
    name = " ".join(row.get("name", "").split())
    if not name:
        return Rejected(line, NO_NAME)
    municipality = " ".join(row.get("municipality", "").split())
    for value, label in ((name, "name"), (municipality, "kommune")):
        if len(value) > MAX_NAME:
            return Rejected(line, LONG_NAME, {"field": label, "limit": MAX_NAME})
    role = parse_role(row.get("role", ""))
    if role is None and not row.get("role", "").strip():
        return Rejected(line, NO_ROLE, {})
    if role is None:
        return Rejected(line, BAD_ROLE, {"value": row.get("role", "").strip()[:80]})
    known = ", ".join(str(c) for c in cohorts) or "–"
    cohort_text = row.get("cohort", "").strip()
    cohort = parse_cohort(cohort_text) if cohort_text else None
    if cohort_text and (cohort is None or cohort not in cohorts):
        return Rejected(line, BAD_COHORT, {"value": cohort_text[:40], "known": known})
    if cohort is None and role in WITH_COHORT:
        return Rejected(line, NEEDS_COHORT, {"role": ROLE_NAMES[role], "known": known})
    return RosterEntry(user_id, name, municipality, cohort, role)


@dataclass(frozen=True)
class ImportPlan:
    added: list[RosterEntry]
    changed: list[tuple[RosterEntry, RosterEntry]]  # (stored, new)
    unchanged: list[RosterEntry]
    rejected: list[Rejected]
    # On the stored roster but not in the file: an import never removes anyone.
    not_in_file: list[RosterEntry]

    @property
    def writes(self) -> list[RosterEntry]:
        return self.added + [new for _, new in self.changed]


def plan_import(
    rows: Sequence[tuple[int, Mapping[str, str]]],
    stored: Mapping[str, RosterEntry],
    cohorts: Sequence[int],
    allowed_servers: Iterable[str],
) -> ImportPlan:
    added: list[RosterEntry] = []
    changed: list[tuple[RosterEntry, RosterEntry]] = []
    unchanged: list[RosterEntry] = []
    rejected: list[Rejected] = []
    first_line: dict[str, int] = {}
    servers = list(allowed_servers)
    for line, row in rows:
        checked = check_entry(line, row, cohorts, servers)
        if isinstance(checked, Rejected):
            rejected.append(checked)
            continue
        if checked.user_id in first_line:
            rejected.append(
                Rejected(
                    line, TWICE, {"value": checked.user_id, "first": first_line[checked.user_id]}
                )
            )
            continue
        first_line[checked.user_id] = line
        before = stored.get(checked.user_id)
        if before is None:
            added.append(checked)
        elif before != checked:
            changed.append((before, checked))
        else:
            unchanged.append(checked)
    missing = [entry for user_id, entry in stored.items() if user_id not in first_line]
    return ImportPlan(added, changed, unchanged, rejected, missing)


def matches(entry: RosterEntry, query: str) -> bool:
    """`!wer`: a municipality, a name (or part of either), or a cohort ("2", "Durchgang 2")."""
    cohort = parse_cohort(query)
    if cohort is not None:
        return entry.cohort == cohort
    wanted = _folded(query)
    return bool(wanted) and (wanted in _folded(entry.name) or wanted in _folded(entry.municipality))


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())
