"""The records of processing (Art. 30 GDPR) of the bot's own tables: every table that holds
personal data with its purpose, retention and handling on access and erasure, written to
`docs/datenschutz.md` from the models so the page cannot
drift from the tables (`python -m commands.privacy` writes it)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path

from sqlalchemy import MetaData, Table

from commands.core.i18n import Localized
from storage.models import Base
from storage.privacy import HANDLING, Erasure, Retention

DOC = Path(__file__).resolve().parents[2] / "docs" / "datenschutz.md"
# Columns that hold a person's Matrix id; a table with one must be handled (HANDLING, RECORDS).
USER_COLUMN_RE = re.compile(
    r"^(user_id|sender|author|owner|created_by|ended_by|respondent|\w+_by|\w*user\w*)$"
)
DEFAULTS = Retention()


@dataclass(frozen=True)
class Record:
    purpose: Localized
    retention: Localized


def _days(key: str) -> int:
    value: int = getattr(DEFAULTS, key)
    return value


KEPT_UNTIL_ERASED = Localized(
    "bis zur Löschung auf Antrag (`!daten-löschen`)",
    "until erased on request (`!erase-my-data`)",
)
RECORDS: dict[str, Record] = {
    "handled_event": Record(
        Localized(
            "Ereignis-IDs bearbeiteter Nachrichten, damit kein Befehl zweimal ausgeführt wird",
            "ids of handled messages, so that no command runs twice",
        ),
        Localized(
            f"{_days('handled_events')} Tage (`retention.handled_events`)",
            f"{_days('handled_events')} days (`retention.handled_events`)",
        ),
    ),
    "web_login": Record(
        Localized(
            "Einmal-Anmeldelinks zur Webseite (nur ihr Hash), an eine Person gebunden",
            "one-time login links to the web page (only their hash), bound to one person",
        ),
        Localized("10 Minuten gültig, danach gelöscht", "valid for 10 minutes, then deleted"),
    ),
    "device_login": Record(
        Localized("Anmeldung des Bot-Kontos selbst (kein Mitglied)", "the bot account's login"),
        Localized("solange der Bot läuft", "while the bot runs"),
    ),
    "bot_state": Record(
        Localized(
            "Werte des Bots selbst (Sync-Position); solange ein Abgleich des Space läuft, was er "
            "schon getan hat (wen er eingeladen hat), damit er nach einem Absturz weiterläuft "
            "und alles einmal meldet; wem der Bot Organisationsrechte gab, damit er nur diese "
            "zurücknimmt",
            "the bot's own values (sync position); while a reconcile of the space runs, what it "
            "has done (whom it invited), so that it resumes after a crash and reports everything "
            "once; whom the bot gave organiser power, so that it takes back only that",
        ),
        Localized(
            "der Stand eines Abgleichs bis zu dessen Ende (Minuten); die Organisationsrechte, "
            "bis die Person keine Organisatorin mehr ist",
            "a reconcile's progress until it ends (minutes); organiser power until the person "
            "organises no more",
        ),
    ),
    "pending_job": Record(
        Localized(
            "langsame Arbeit neben der Sync-Schleife (Einladen, Entfernen, Begrüßen, "
            "Beitrittsanfragen), mit dem Ereignis oder Befehl, der sie auslöste",
            "slow work beside the sync loop (inviting, removing, welcoming, knocks), with the "
            "event or command that caused it",
        ),
        Localized(
            "bis die Arbeit getan ist (Sekunden bis Minuten)", "until done (seconds to minutes)"
        ),
    ),
    "user_setting": Record(
        Localized(
            "Sprache und Erinnerungswunsch einer Person", "a person's language and reminders"
        ),
        KEPT_UNTIL_ERASED,
    ),
    "roster_member": Record(
        Localized(
            "Mitgliederverzeichnis: wer zum Netzwerk gehört (Name, Kommune, Durchgang, Rolle)",
            "roster: who belongs to the network (name, municipality, cohort, role)",
        ),
        Localized(
            "bis die Organisation die Person entfernt: !mitglied entfernen",
            "until the organisers remove the person: !member remove",
        ),
    ),
    "knock": Record(
        Localized("Beitrittsanfragen an den Space", "requests to join the space"),
        Localized("bis zur Entscheidung oder Löschung", "until decided or erased"),
    ),
    "direct_room": Record(
        Localized(
            "der Direktchat des Bots mit einer Person", "the bot's direct chat with a person"
        ),
        KEPT_UNTIL_ERASED,
    ),
    "rsvp": Record(
        Localized("Zu- und Absagen zu Terminen", "answers to events"),
        Localized(
            f"{_days('rsvps_after_event')} Tage nach dem Ende des Termins "
            "(`retention.rsvps_after_event`)",
            f"{_days('rsvps_after_event')} days after the event ended "
            "(`retention.rsvps_after_event`)",
        ),
    ),
    "event_nudge": Record(
        Localized(
            "dass eine Person eine Direktnachricht zu einem Termin bekam (nie zweimal)",
            "that a person got a direct message about an event (never twice)",
        ),
        Localized(
            f"{_days('direct_chats')} Tage (`retention.direct_chats`)",
            f"{_days('direct_chats')} days (`retention.direct_chats`)",
        ),
    ),
    "poll_response": Record(
        Localized("Spiegel der Stimmen einer Matrix-Umfrage", "mirror of a Matrix poll's votes"),
        Localized(
            f"{_days('closed_poll_votes')} Tage nach dem Ende der Umfrage "
            "(`retention.closed_poll_votes`)",
            f"{_days('closed_poll_votes')} days after the poll ended "
            "(`retention.closed_poll_votes`)",
        ),
    ),
    "poll_end": Record(
        Localized("wer eine Umfrage beendet hat", "who ended a poll"),
        Localized("solange die Umfrage gespeichert ist", "as long as the poll is stored"),
    ),
    "poll": Record(
        Localized("Umfragen und wer sie gestartet hat", "polls and who started them"),
        Localized("solange die Umfrage gespeichert ist", "as long as the poll is stored"),
    ),
    "topic_vote": Record(
        Localized("Unterstützung eines Themas", "support of a topic"),
        KEPT_UNTIL_ERASED,
    ),
    "need": Record(
        Localized("notierte Bedarfe (`!bedarf`) mit Verfasser:in", "noted needs with their author"),
        KEPT_UNTIL_ERASED,
    ),
    "survey_session": Record(
        Localized(
            "laufendes Gespräch einer Bedarfserhebung (Antworten bis zum Absenden)",
            "a survey conversation in progress (answers until sent)",
        ),
        Localized(
            "bis zum Absenden oder Abbrechen; spätestens "
            f"{_days('survey_conversations')} Tage nach dem Ende "
            "(`retention.survey_conversations`)",
            "until sent or cancelled; at the latest "
            f"{_days('survey_conversations')} days after the close "
            "(`retention.survey_conversations`)",
        ),
    ),
    "survey_participant": Record(
        Localized("dass eine Person teilgenommen hat (nie doppelt)", "that a person took part"),
        Localized(
            f"{_days('survey_conversations')} Tage nach dem Ende der Erhebung",
            f"{_days('survey_conversations')} days after the survey closed",
        ),
    ),
    "survey_invite": Record(
        Localized("dass eine Person eingeladen wurde (nie doppelt)", "that a person was invited"),
        Localized(
            f"{_days('survey_conversations')} Tage nach dem Ende der Erhebung",
            f"{_days('survey_conversations')} days after the survey closed",
        ),
    ),
    "survey_response": Record(
        Localized(
            "Antworten; nur bei namentlichen Erhebungen mit Person und Zeit",
            "answers; with person and time in named surveys only",
        ),
        KEPT_UNTIL_ERASED,
    ),
    "announcement": Record(
        Localized("geplante Ankündigungen und wer sie angelegt hat", "announcements and creator"),
        Localized("bis sie gelöscht werden", "until deleted"),
    ),
    "event": Record(
        Localized("Termine und wer sie angelegt hat", "events and who created them"),
        Localized("bis sie gelöscht werden", "until deleted"),
    ),
    "survey": Record(
        Localized("Bedarfserhebungen und wer sie angelegt hat", "surveys and who set them up"),
        Localized("bis sie gelöscht werden", "until deleted"),
    ),
    "topic": Record(
        Localized("Themen und wer sie vorgeschlagen hat", "topics and who proposed them"),
        Localized("bis sie gelöscht werden; bei Löschung anonymisiert", "until deleted"),
    ),
    "topic_entry": Record(
        Localized(
            "Notizen, Beschlüsse, Aufgaben im Protokoll mit Verfasser:in und Verantwortlichen",
            "notes, decisions, action items with author and owner",
        ),
        Localized(
            "solange das Protokoll gebraucht wird; bei Löschung anonymisiert",
            "as long as the minutes are needed; anonymised on erasure",
        ),
    ),
}

ERASURE_TEXT = {
    Erasure.DELETE: "gelöscht / deleted",
    Erasure.ANONYMISE: "anonymisiert / anonymised",
    Erasure.ORGANISERS: "durch die Organisation / by the organisers",
    Erasure.NOT_PERSONAL: "kein Mitglied / not a member",
    Erasure.TRANSIENT: "mit dem Ende der Arbeit / when the work ends",
}


def user_columns(table: Table) -> set[str]:
    """The columns of a table that by their name hold a person's Matrix id."""
    return {c.name for c in table.columns if USER_COLUMN_RE.match(c.name)}


def unhandled(metadata: MetaData = Base.metadata) -> list[str]:
    """What the privacy feature does not cover: each table with a person column that export,
    erasure and retention do not handle (HANDLING with every such column, and a RECORD)."""
    problems = []
    for name, table in sorted(metadata.tables.items()):
        columns = user_columns(table)
        if not columns:
            continue
        handling = HANDLING.get(name)
        if handling is None:
            problems.append(f"{name}: not in storage.privacy.HANDLING (export and erasure)")
        elif missing := columns - set(handling.columns):
            problems.append(f"{name}: HANDLING misses {', '.join(sorted(missing))}")
        if name not in RECORDS:
            problems.append(f"{name}: no RECORD (purpose and retention)")
    problems += [f"{name}: in HANDLING but no RECORD" for name in HANDLING if name not in RECORDS]
    return problems


def render() -> str:
    """The page, German first, English second, one row per table."""
    lines = [
        "# Datenschutz: Verzeichnis der Tabellen / Personal data: records of the tables",
        "",
        "<!-- Erzeugt mit / generated by `python -m commands.privacy`; "
        "nicht von Hand ändern / do not edit. -->",
        "",
        "Jede Tabelle des Bots mit personenbezogenen Daten: Zweck, Speicherdauer, was Auskunft "
        "(`!meine-daten`) und Löschung (`!daten-löschen`) tun. Die Dauern sind die "
        "Voreinstellungen von `[privacy.retention]`.",
        "",
        "Every table of the bot that holds personal data: purpose, retention, what access "
        "(`!my-data`) and erasure (`!erase-my-data`) do. The periods are the defaults of "
        "`[privacy.retention]`.",
        "",
        "| Tabelle / table | Spalten mit Personen / person columns | Zweck / purpose "
        "| Speicherdauer / retention | Auskunft / access | Löschung / erasure |",
        "|---|---|---|---|---|---|",
    ]
    for name in sorted(RECORDS):
        record = RECORDS[name]
        handling = HANDLING.get(name)
        columns = ", ".join(f"`{c}`" for c in handling.columns) if handling else "–"
        exported = "ja / yes" if handling and handling.exported else "nein / no"
        erased = ERASURE_TEXT[handling.erasure] if handling else "Frist / by retention"
        lines.append(
            f"| `{name}` | {columns} | {record.purpose.de} / {record.purpose.en} "
            f"| {record.retention.de} / {record.retention.en} | {exported} | {erased} |"
        )
    defaults = ", ".join(f"`{f.name}` = {getattr(DEFAULTS, f.name)}" for f in fields(Retention))
    lines += ["", f"Voreinstellungen / defaults (Tage / days): {defaults}.", ""]
    return "\n".join(lines)


def main() -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"{DOC}\n")
