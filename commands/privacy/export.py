"""A person's data as the files of `!meine-daten`: JSON (machine-readable, Art. 20 GDPR) and a
readable Markdown summary, both from what storage.privacy.export found."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from commands.core.i18n import Language, Localized
from commands.core.rendering import md
from commands.privacy.records import RECORDS

Rows = Mapping[str, Sequence[Mapping[str, object]]]

TITLE = Localized("Meine Daten beim Alumni-Bot", "My data at the alumni bot")
INTRO = Localized(
    "Alles, was der Bot über {user} speichert, Stand {when}. Nachrichten, Reaktionen und "
    "Stimmen in den Räumen liegen im Raum selbst, nicht beim Bot.",
    "Everything the bot stores about {user}, as of {when}. Messages, reactions and votes in "
    "the rooms are held by the rooms, not by the bot.",
)
NOTHING = Localized("Der Bot speichert nichts über dich.", "The bot stores nothing about you.")
ROWS = Localized("{count} Einträge", "{count} entries")


def label(table: str, language: Language) -> str:
    """A table as a reader knows it: its purpose."""
    record = RECORDS.get(table)
    return record.purpose.get(language) if record else table


def to_json(user_id: str, data: Rows, now: dt.datetime) -> bytes:
    document = {
        "user_id": user_id,
        "exported_at": now.isoformat(),
        "tables": {
            table: {"purpose": {"de": label(table, "de"), "en": label(table, "en")}, "rows": rows}
            for table, rows in data.items()
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _value(value: object) -> str:
    if isinstance(value, str):
        return md(value)
    return md(json.dumps(value, ensure_ascii=False))


def to_markdown(user_id: str, data: Rows, when: str, language: Language) -> bytes:
    """`when` is the time of the export as people read it."""
    lines = [
        f"# {TITLE.get(language)}",
        "",
        INTRO.format(language, user=md(user_id), when=md(when)),
        "",
    ]
    if not data:
        lines.append(NOTHING.get(language))
    for table, rows in data.items():
        lines += [f"## {label(table, language)} (`{table}`)", ""]
        for row in rows:
            cells = "; ".join(f"{key}: {_value(value)}" for key, value in row.items())
            lines.append(f"- {cells}")
        lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8")


def summary_items(data: Rows, language: Language) -> list[tuple[str, int]]:
    """(what, how many) per table, for the short message."""
    return count_items({table: len(rows) for table, rows in data.items()}, language)


def count_items(counts: Mapping[str, int], language: Language) -> list[tuple[str, int]]:
    """(what, how many) per table, from the counts alone (storage.privacy.export_counts)."""
    return [(label(table, language), count) for table, count in counts.items()]
