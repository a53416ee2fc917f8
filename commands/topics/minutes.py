"""The minutes of an event as Markdown (the file) and as an HTML summary (the message): the
agenda, per topic its notes, decisions and action items, and who took part."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from commands.core.i18n import NUMBERED, Language, Localized
from commands.core.plurals import Plural
from commands.core.rendering import BR, Markup, bold, bullet_list, md
from commands.core.time_phrases import format_when
from commands.topics.plan import (
    DATE_FORMAT,
    STATUS_NAMES,
    EntryView,
    TopicView,
    due_text,
    entry_html,
    title_html,
)


@dataclass(frozen=True)
class MinutesView:
    event_id: int
    title: str
    starts_at: dt.datetime
    place: str | None
    timezone: str
    agenda: Sequence[tuple[TopicView, Sequence[EntryView]]]
    # Matrix ids of those who said yes.
    participants: Sequence[str]
    # Matrix id → display name (from the roster), where known.
    names: Mapping[str, str]

    def name(self, user_id: str | None) -> str:
        return self.names.get(user_id or "", user_id or "")


TITLE = Localized("Protokoll: {title}", "Minutes: {title}")
WHEN = Localized("Termin", "Date")
WHERE = Localized("Ort", "Place")
PARTICIPANTS = Localized("Teilnehmende ({count})", "Participants ({count})")
NOBODY = Localized("niemand hat zugesagt", "nobody said yes")
AGENDA = Localized("Tagesordnung", "Agenda")
EMPTY_AGENDA = Localized(
    "Die Tagesordnung ist leer (setzen: !agenda {id} setzen 3 1 5).",
    "The agenda is empty (set it: !agenda {id} set 3 1 5).",
)
NOTES = Localized("Notizen", "Notes")
DECISIONS = Localized("Beschlüsse", "Decisions")
ACTIONS = Localized("Aufgaben", "Action items")
OPEN_ACTIONS = Localized("Offene Aufgaben", "Open action items")
NOTHING = Localized("nichts festgehalten", "nothing recorded")
OWNER = Localized("verantwortlich: {owner}", "owner: {owner}")
NOTES_COUNT = Plural(
    Localized("{count} Notiz", "{count} note"), Localized("{count} Notizen", "{count} notes")
)
DECISIONS_COUNT = Plural(
    Localized("{count} Beschluss", "{count} decision"),
    Localized("{count} Beschlüsse", "{count} decisions"),
)
ACTIONS_COUNT = Plural(
    Localized("{count} Aufgabe", "{count} action item"),
    Localized("{count} Aufgaben", "{count} action items"),
)
FILE_HINT = Localized(
    "Das ganze Protokoll steht in der Datei; herunterladen auch hier: {link}",
    "The full minutes are in the file; also to download here: {link}",
)


def _of(entries: Sequence[EntryView], kind: str) -> list[EntryView]:
    return [entry for entry in entries if entry.kind == kind]


def _action_text(entry: EntryView, minutes: MinutesView, language: Language) -> str:
    parts = [OWNER.format(language, owner=minutes.name(entry.owner))]
    if entry.due is not None:
        parts.append(due_text(entry.due, language))
    return ", ".join(parts)


def render_markdown(minutes: MinutesView, language: Language) -> str:
    zone = ZoneInfo(minutes.timezone)
    lines = [f"# {md(TITLE.format(language, title=minutes.title))}", ""]
    lines.append(f"**{WHEN.get(language)}:** {md(format_when(minutes.starts_at, zone, language))}")
    if minutes.place:
        lines.append(f"**{WHERE.get(language)}:** {md(minutes.place)}")
    lines.append("")
    people = sorted((minutes.name(p) for p in minutes.participants), key=str.casefold)
    lines += [f"## {PARTICIPANTS.format(language, count=len(people))}", ""]
    lines += [f"- {md(person)}" for person in people] or [NOBODY.get(language)]
    lines += ["", f"## {AGENDA.get(language)}", ""]
    if not minutes.agenda:
        lines.append(md(EMPTY_AGENDA.format(language, id=minutes.event_id)))
    for number, (topic, _) in enumerate(minutes.agenda, 1):
        status = STATUS_NAMES[topic.status].get(language)
        lines.append(
            f"{number}. {md(topic.title)} ({NUMBERED.format(language, id=topic.id)}, {status})"
        )
    for number, (topic, entries) in enumerate(minutes.agenda, 1):
        lines += ["", f"## {number}. {md(topic.title)}", ""]
        if not entries:
            lines.append(NOTHING.get(language))
        for heading, kind in ((NOTES, "note"), (DECISIONS, "decision"), (ACTIONS, "action")):
            chosen = _of(entries, kind)
            if not chosen:
                continue
            lines += [f"### {heading.get(language)}", ""]
            for entry in chosen:
                when = entry.created_at.astimezone(zone).strftime(f"{DATE_FORMAT} %H:%M")
                if kind == "action":
                    box = "x" if entry.done else " "
                    details = _action_text(entry, minutes, language)
                    lines.append(f"- [{box}] {md(entry.text)} — {md(details)}")
                else:
                    lines.append(f"- {md(entry.text)} — {md(minutes.name(entry.author))}, {when}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_summary(minutes: MinutesView, language: Language, link: Markup) -> Markup:
    """The message in the room: agenda with what was recorded, and the open action items."""
    zone = ZoneInfo(minutes.timezone)
    when = format_when(minutes.starts_at, zone, language)
    html = Markup("<b>📝 {}</b> ({})<br>").format(TITLE.format(language, title=minutes.title), when)
    html += PARTICIPANTS.html(language, count=len(minutes.participants))
    items = []
    open_actions = []
    for topic, entries in minutes.agenda:
        counts = ", ".join(
            amount.format(language, len(_of(entries, kind)))
            for amount, kind in (
                (NOTES_COUNT, "note"),
                (DECISIONS_COUNT, "decision"),
                (ACTIONS_COUNT, "action"),
            )
        )
        items.append(
            Markup("{} ({}) – {}").format(
                title_html(topic), NUMBERED.format(language, id=topic.id), counts
            )
        )
        for entry in _of(entries, "action"):
            if not entry.done:
                details = _action_text(entry, minutes, language)
                open_actions.append(Markup("{} – {}").format(entry_html(entry), details))
    html += BR + bold(AGENDA.markup(language))
    html += (
        Markup("<ol>{}</ol>").format(
            Markup("").join(Markup("<li>{}</li>").format(item) for item in items)
        )
        if items
        else BR + EMPTY_AGENDA.format(language, id=minutes.event_id)
    )
    if open_actions:
        html += bold(OPEN_ACTIONS.markup(language)) + bullet_list(open_actions)
    return html + FILE_HINT.html(language, link=link)
