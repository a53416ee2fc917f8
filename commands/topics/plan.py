"""Pure topic logic: reading a proposal (title, #tags, event), statuses in German and English,
ranking by support, ordering an agenda, reading an action item (owner, due date), and the
messages that show a topic."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from commands.core.converters import ConversionError, Date, number_in
from commands.core.emoji import reaction_key
from commands.core.formatted_text import sanitize
from commands.core.hashtags import tags_in
from commands.core.i18n import NUMBERED, Language, Localized
from commands.core.mentions import pill
from commands.core.plurals import Plural
from commands.core.registry import OPENING_QUOTES, UnclosedQuote, next_token
from commands.core.rendering import BR, Markup, bold, bullet_list, escape, italic
from commands.core.time_phrases import format_date, format_when

# The scheduler duty that plans action items due.
ACTION_DUTY = "action"

MAX_TITLE = 300
MAX_ENTRY = 4000
EVENT_RE = re.compile(
    r"(?:^|\s)(?:termin|event|zu termin|for event)\s+(?:nr\.?\s*)?(\d{1,9})\b", re.I
)
TAG_WORD_RE = re.compile(r"(?<![\w#&])#[^\W_][\w\-]{0,39}(?![\w:])")
DUE_RE = re.compile(r"\s+(?:bis|until|by|fällig)\s+(\S+)\s*$", re.IGNORECASE)
YEARLESS_RE = re.compile(r"\d{1,2}\.\d{1,2}\.")
DATE_FORMAT = "%d.%m.%Y"
# Keys as commands.core.emoji.reaction_key leaves them: without variation selectors.
SUPPORT_KEYS = frozenset({"👍", "+1"})

STATUSES: dict[str, str] = {
    "vorgeschlagen": "proposed",
    "proposed": "proposed",
    "agenda": "agenda",
    "auf der agenda": "agenda",
    "on the agenda": "agenda",
    "besprochen": "discussed",
    "discussed": "discussed",
    "erledigt": "done",
    "done": "done",
    "abgelehnt": "rejected",
    "rejected": "rejected",
}
STATUS_NAMES: dict[str, Localized] = {
    "proposed": Localized("vorgeschlagen", "proposed"),
    "agenda": Localized("auf der Agenda", "on the agenda"),
    "discussed": Localized("besprochen", "discussed"),
    "done": Localized("erledigt", "done"),
    "rejected": Localized("abgelehnt", "rejected"),
    "merged": Localized("zusammengeführt", "merged"),
}
KIND_NAMES: dict[str, Localized] = {
    "note": Localized("Notiz", "note"),
    "decision": Localized("Beschluss", "decision"),
    "action": Localized("Aufgabe", "action item"),
}

EMPTY_TITLE = Localized(
    "Das Thema braucht einen Titel, z. B. !thema Verankerung der Rolle in der Verwaltung #rolle",
    "The topic needs a title, e.g. !topic Anchoring the role in the administration #role",
)
LONG_TITLE = Localized(
    "Der Titel ist {length} Zeichen lang, erlaubt sind {limit}.",
    "The title is {length} characters long; the limit is {limit}.",
)
LONG_ENTRY = Localized(
    "Der Text ist {length} Zeichen lang, erlaubt sind {limit}. Teil ihn auf.",
    "The text is {length} characters long; the limit is {limit}. Split it up.",
)
EMPTY_ENTRY = Localized("Der Text fehlt.", "The text is missing.")
BAD_STATUS = Localized(
    "„{word}“ ist kein Stand. Möglich: vorgeschlagen, agenda, besprochen, erledigt, abgelehnt "
    "(mit Grund).",
    "“{word}” is not a status. Possible: proposed, agenda, discussed, done, rejected (with a "
    "reason).",
)
NEEDS_REASON = Localized(
    "Abgelehnt geht nur mit Grund: … abgelehnt <Grund>",
    "Rejected needs a reason: … rejected <reason>",
)
BAD_ORDER = Localized(
    "Die Reihenfolge sind Themennummern, z. B. 3 1 5; „{word}“ ist keine.",
    "The order is topic numbers, e.g. 3 1 5; “{word}” is none.",
)
TWICE_IN_ORDER = Localized(
    "Thema {number} steht zweimal in der Reihenfolge.", "Topic {number} is twice in the order."
)
NO_OWNER = Localized(
    "Wer übernimmt die Aufgabe? So: !aufgabe 3 @name:server.de Text [bis 15.12.2026]",
    "Who takes the action item? Like this: !action 3 @name:server.org text [until 2026-12-15]",
)


@dataclass(frozen=True)
class Proposal:
    title: str
    tags: list[str]
    event_number: int | None


def parse_proposal(text: str) -> Proposal:
    """`Verankerung der Rolle #rolle termin 2`: the title, its tags and the event named."""
    event = EVENT_RE.search(text)
    rest = EVENT_RE.sub(" ", text) if event else text
    tags = tags_in(rest)
    title = " ".join(TAG_WORD_RE.sub(" ", rest).split())
    # A title in quotation marks may start with a word that is a command ("status …").
    if len(title) > 1 and OPENING_QUOTES.get(title[0]) == title[-1]:
        title = title[1:-1].strip()
    if not title:
        raise ConversionError(EMPTY_TITLE)
    if len(title) > MAX_TITLE:
        raise ConversionError(LONG_TITLE, length=len(title), limit=MAX_TITLE)
    return Proposal(title, tags, int(event[1]) if event else None)


def checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ConversionError(EMPTY_ENTRY)
    if len(text) > MAX_ENTRY:
        raise ConversionError(LONG_ENTRY, length=len(text), limit=MAX_ENTRY)
    return text


def parse_status(words: str) -> tuple[str, str | None]:
    """`besprochen`, `abgelehnt doppelt mit Thema 2` → (status, reason)."""
    text = " ".join(words.split())
    for phrase in sorted(STATUSES, key=len, reverse=True):
        if text.lower() == phrase or text.lower().startswith(phrase + " "):
            status = STATUSES[phrase]
            reason = text[len(phrase) :].strip() or None
            if status == "rejected" and reason is None:
                raise ConversionError(NEEDS_REASON)
            return status, reason
    raise ConversionError(BAD_STATUS, word=text.split(" ", 1)[0] if text else "")


def is_support(key: str) -> bool:
    """👍 (any skin tone, with or without the variation selector) or "+1"."""
    return reaction_key(key) in SUPPORT_KEYS


def ranked(items: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(topic id, supporters): most supported first; among equals the older (lower) number."""
    return sorted(items, key=lambda item: (-item[1], item[0]))


def parse_order(words: str) -> list[int]:
    numbers = []
    for word in words.replace(",", " ").split():
        number = number_in(word)
        if number is None:
            raise ConversionError(BAD_ORDER, word=word)
        if number in numbers:
            raise ConversionError(TWICE_IN_ORDER, number=number)
        numbers.append(number)
    if not numbers:
        raise ConversionError(BAD_ORDER, word="")
    return numbers


@dataclass(frozen=True)
class Action:
    owner: str
    text: str
    due: dt.date | None


def parse_action(text: str, today: dt.date) -> Action:
    """`@person:server Text [bis 15.12.2026]`; the owner may also be a display name (quoted if
    it has spaces), which the command resolves in its room."""
    try:
        token = next_token(text, 0)
    except UnclosedQuote:
        token = None
    if token is None or not token[0].strip():
        raise ConversionError(NO_OWNER)
    owner, rest = token[0].strip(), text[token[1] :].strip()
    due = None
    found = DUE_RE.search(rest)
    if found is not None:
        typed = found[1]
        due = Date(today=today).convert(typed)
        if due < today and YEARLESS_RE.fullmatch(typed):
            # "bis 15.01." written in December means the coming January.
            due = due.replace(year=due.year + 1)
        rest = rest[: found.start()]
    return Action(owner, checked_text(rest), due)


def command_rest(body: str) -> str:
    """What follows `!notiz 3` in an edited command message (the text of the entry)."""
    found = re.match(r"\s*\S+\s+#?\d{1,9}\s+(.*)$", body, re.DOTALL)
    return found[1] if found else body


TOPIC_HEAD = Localized("💬 Thema Nr. {id}: {title}", "💬 Topic no. {id}: {title}")
SUPPORT_HINT = Localized(
    "Unterstützen: 👍 an dieser Nachricht · Diskussion: im Thread antworten (wird als Notiz "
    "festgehalten)",
    "Support: 👍 on this message · Discussion: reply in the thread (kept as a note)",
)
SUPPORTERS = Plural(
    Localized(
        "{count} unterstützende Person",
        "{count} supporter",
    ),
    Localized(
        "{count} Unterstützende",
        "{count} supporters",
    ),
)
FOR_EVENT = Localized("zu Termin Nr. {id}", "for event no. {id}")
MERGED_INTO = Localized("zusammengeführt mit Nr. {id}", "merged into no. {id}")
BECAUSE = Localized("Grund: {reason}", "reason: {reason}")
NO_ENTRIES = Localized("Noch keine Notizen.", "No notes yet.")
DUE = Localized("bis {date}", "due {date}")


def due_text(due: dt.date, language: Language) -> str:
    """`bis 15.12.2026` / `due 15 Dec 2026`."""
    return DUE.format(language, date=format_date(due, language))


OPEN_ACTION = Localized("offen", "open")
DONE_ACTION = Localized("erledigt", "done")


@dataclass(frozen=True)
class TopicView:
    id: int
    title: str
    tags: list[str]
    status: str
    supporters: int
    event_id: int | None = None
    reason: str | None = None
    merged_into: int | None = None
    # The title as its author formatted it (sanitised HTML), if they did.
    title_html: str | None = None


@dataclass(frozen=True)
class EntryView:
    id: int
    kind: str
    author: str
    text: str
    created_at: dt.datetime
    owner: str | None = None
    due: dt.date | None = None
    done: bool = False
    # The text as its author formatted it (sanitised HTML), if they did.
    html: str | None = None


def title_html(topic: TopicView) -> Markup:
    """The title as HTML: its author's formatting, sanitised again, or the escaped text."""
    return sanitize(topic.title_html) if topic.title_html else escape(topic.title)


def entry_html(entry: EntryView) -> Markup:
    """An entry's text as HTML: its author's formatting, sanitised again, or the escaped text."""
    return sanitize(entry.html) if entry.html else escape(entry.text)


def topic_line(topic: TopicView, language: Language) -> Markup:
    """`Nr. 3 · Title #tag – 4 Unterstützende – auf der Agenda` (HTML)."""
    tags = " ".join(f"#{tag}" for tag in topic.tags)
    number = NUMBERED.format(language, id=topic.id)
    parts = [Markup("{} {}").format(bold(number), title_html(topic)) + (f" {tags}" if tags else "")]
    parts.append(SUPPORTERS.html(language, count=topic.supporters))
    parts.append(STATUS_NAMES[topic.status].markup(language))
    if topic.event_id is not None:
        parts.append(FOR_EVENT.html(language, id=topic.event_id))
    if topic.merged_into is not None:
        parts.append(MERGED_INTO.html(language, id=topic.merged_into))
    if topic.reason:
        parts.append(escape(BECAUSE.format(language, reason=topic.reason)))
    return Markup(" – ").join(parts)


def render_topic_message(topic: TopicView, language: Language) -> Markup:
    """The message that presents a new topic: the thread root people react to."""
    head = TOPIC_HEAD.html(language, id=topic.id, title=title_html(topic))
    tags = " ".join(f"#{tag}" for tag in topic.tags)
    lines = [bold(head) + (f" {tags}" if tags else "")]
    if topic.event_id is not None:
        lines.append(FOR_EVENT.html(language, id=topic.event_id))
    lines.append(italic(SUPPORT_HINT.markup(language)))
    return BR.join(lines)


def entry_line(
    entry: EntryView, zone: ZoneInfo, language: Language, names: Mapping[str, str]
) -> Markup:
    kind = KIND_NAMES[entry.kind].markup(language)
    when = format_when(entry.created_at, zone, language)
    who = pill(entry.author, names.get(entry.author))
    line = Markup("<b>{}</b> ({}, {}): {}").format(kind, who, when, entry_html(entry))
    if entry.kind == "action":
        owner = pill(entry.owner, names.get(entry.owner)) if entry.owner else ""
        state = (DONE_ACTION if entry.done else OPEN_ACTION).markup(language)
        due = f", {due_text(entry.due, language)}" if entry.due else ""
        line += Markup(" → {}{} [A{}, {}]").format(owner, due, entry.id, state)
    return line


def render_topic(
    topic: TopicView,
    entries: Sequence[EntryView],
    zone: ZoneInfo,
    language: Language,
    names: Mapping[str, str],
) -> Markup:
    html = topic_line(topic, language)
    if not entries:
        return html + BR + NO_ENTRIES.markup(language)
    return html + bullet_list([entry_line(e, zone, language, names) for e in entries])


ACTION_REMINDER = Localized(
    "⏰ Deine Aufgabe A{id} zu Thema Nr. {topic} „{title}“ ist {when} fällig: {text}<br>"
    "Erledigt? {done}",
    "⏰ Your action item A{id} for topic no. {topic} “{title}” is due {when}: {text}<br>"
    "Done? {done}",
)
TODAY = Localized("heute", "today")
SINCE = Localized("seit {date}", "since {date}")


def render_action_reminder(
    entry: EntryView,
    topic_id: int,
    title: str,
    today: dt.date,
    done_command: Markup,
    language: Language,
) -> Markup:
    """`done_command` is HTML (code)."""
    assert entry.due is not None
    when = (
        TODAY.get(language)
        if entry.due >= today
        else SINCE.format(language, date=format_date(entry.due, language))
    )
    return ACTION_REMINDER.html(
        language,
        id=entry.id,
        topic=topic_id,
        title=title,
        when=when,
        text=entry_html(entry),
        done=done_command,
    )
