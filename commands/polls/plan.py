"""Pure poll logic: reading `!umfrage "Frage?" "A" "B" --max 2 --verdeckt --bis …`, the native
poll events (MSC3381, unstable names as Element sends them), the result table and the live
result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from commands.core.converters import ConversionError
from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural, format_percent
from commands.core.registry import tokens_of
from commands.core.rendering import BR, Markup, code, link, paragraph, table
from commands.core.time_phrases import format_when, parse_when
from commands.core.unasked import opt_out_line
from commands.polls.tally import Tally, winners

# The scheduler duty that plans a poll's deadline, final result and re-read.
POLL_DUTY = "poll"

START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"
STABLE_RESPONSE = "m.poll.response"
STABLE_END = "m.poll.end"
RESPONSE_TYPES = (RESPONSE, STABLE_RESPONSE)
END_TYPES = (END, STABLE_END)
TEXT = "org.matrix.msc1767.text"
DISCLOSED = "org.matrix.msc3381.poll.disclosed"
UNDISCLOSED = "org.matrix.msc3381.poll.undisclosed"

MIN_ANSWERS = 2
MAX_ANSWERS = 20
MAX_QUESTION = 300
MAX_ANSWER = 200
BAR_WIDTH = 20

FLAGS = {
    "--max": "max",
    "--verdeckt": "hidden",
    "--hidden": "hidden",
    "--undisclosed": "hidden",
    "--zwischenstand": "live",
    "--live-results": "live",
    "--bis": "until",
    "--until": "until",
    "--raum": "room",
    "--room": "room",
}

NO_QUESTION = Localized(
    'Es fehlt die Frage. So geht es: !umfrage "Frage?" "Antwort 1" "Antwort 2"',
    'The question is missing. Write: !poll "Question?" "Answer 1" "Answer 2"',
)
ANSWER_COUNT = Plural(
    Localized(
        "Eine Umfrage braucht {low} bis {high} Antworten, hier ist es {count}. Antworten mit "
        'Leerzeichen gehören in Anführungszeichen: "Antwort 1" "Antwort 2".',
        "A poll needs {low} to {high} answers; this one has {count}. Put answers with spaces "
        'in quotation marks: "Answer 1" "Answer 2".',
    ),
    Localized(
        "Eine Umfrage braucht {low} bis {high} Antworten, hier sind es {count}. Antworten mit "
        'Leerzeichen gehören in Anführungszeichen: "Antwort 1" "Antwort 2".',
        "A poll needs {low} to {high} answers; this one has {count}. Put answers with spaces "
        'in quotation marks: "Answer 1" "Answer 2".',
    ),
)
EMPTY_TEXT = Localized(
    "Frage und Antworten dürfen nicht leer sein.", "No empty question or answer."
)
TOO_LONG = Localized(
    "„{text}…“ ist zu lang: {length} Zeichen, erlaubt sind {limit}.",
    "“{text}…” is too long: {length} characters; the limit is {limit}.",
)
DUPLICATE = Localized(
    "Die Antwort „{answer}“ kommt zweimal vor.", "The answer “{answer}” appears twice."
)
BAD_MAX = Localized(
    "--max braucht eine Zahl von 1 bis {count} (so viele Antworten gibt es).",
    "--max takes a number from 1 to {count} (the number of answers).",
)
FLAG_VALUE = Localized("Nach {flag} fehlt die Angabe.", "A value must follow {flag}.")
UNKNOWN_FLAG = Localized(
    "{flag} kenne ich nicht. Möglich: --max 2, --verdeckt, --zwischenstand, --bis 30.09. 12:00, "
    "--raum #raum.",
    "I don't know {flag}. Possible: --max 2, --hidden, --live-results, --until 30.09. 12:00, "
    "--room #room.",
)
HIDDEN_AND_LIVE = Localized(
    "{hidden} und {live} schließen einander aus: Eine verdeckte Umfrage zeigt bis zum Ende "
    "kein Zwischenergebnis.",
    "{hidden} and {live} exclude each other: a hidden poll shows no results before the end.",
)
# The flags that take no value.
SWITCHES = frozenset({"hidden", "live"})


@dataclass(frozen=True)
class PollRequest:
    question: str
    answers: list[str]
    max_selections: int
    disclosed: bool
    closes_at: dt.datetime | None
    room: str | None
    # The live result shows the counts per answer to everyone, not only how many voted.
    live_counts: bool = False


def _checked(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if not text:
        raise ConversionError(EMPTY_TEXT)
    if len(text) > limit:
        raise ConversionError(TOO_LONG, text=text[:30], length=len(text), limit=limit)
    return text


def _flag(value: str, quoted: bool) -> str | None:
    """`--max` → "max"; phones turn "--" into a dash, so "—max" and "–max" count too."""
    if quoted or len(value) < 2 or value[0] not in "-–—":
        return None
    if value.lstrip("-–—")[:1].isdigit():
        return None  # "-5" is a number, not a flag
    flag = "--" + value.lstrip("-–—").lower()
    if flag not in FLAGS:
        raise ConversionError(UNKNOWN_FLAG, flag=value)
    return FLAGS[flag]


def parse_poll(text: str, now: dt.datetime, zone: ZoneInfo) -> PollRequest:
    tokens = tokens_of(text)
    words: list[str] = []
    options: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    index = 0
    while index < len(tokens):
        value, quoted = tokens[index]
        index += 1
        name = _flag(value, quoted)
        if name is None:
            words.append(value)
            continue
        # --bis takes one quoted phrase or the unquoted words up to the next flag or quoted
        # answer; --max and --raum one word; --verdeckt and --zwischenstand none. A flag is
        # never a value.
        end = index
        if name == "until" and end < len(tokens) and tokens[end][1]:
            end += 1
        elif name == "until":
            while end < len(tokens) and not tokens[end][1] and _flag(*tokens[end]) is None:
                end += 1
        elif name not in SWITCHES and end < len(tokens) and _flag(*tokens[end]) is None:
            end += 1
        options[name] = [word for word, _ in tokens[index:end]]
        typed[name] = value
        index = end
    if not words:
        raise ConversionError(NO_QUESTION)
    question = _checked(words[0], MAX_QUESTION)
    answers = [_checked(answer, MAX_ANSWER) for answer in words[1:]]
    if not MIN_ANSWERS <= len(answers) <= MAX_ANSWERS:
        raise ConversionError(ANSWER_COUNT, low=MIN_ANSWERS, high=MAX_ANSWERS, count=len(answers))
    seen: set[str] = set()
    for answer in answers:
        if answer.casefold() in seen:
            raise ConversionError(DUPLICATE, answer=answer)
        seen.add(answer.casefold())
    if "hidden" in options and "live" in options:
        raise ConversionError(HIDDEN_AND_LIVE, hidden=typed["hidden"], live=typed["live"])
    return PollRequest(
        question=question,
        answers=answers,
        max_selections=_max(options.get("max"), len(answers)),
        disclosed="hidden" not in options,
        closes_at=_until(options.get("until"), typed.get("until", ""), now, zone),
        room=_room(options.get("room"), typed.get("room", "")),
        live_counts="live" in options,
    )


def _max(values: list[str] | None, count: int) -> int:
    if values is None:
        return 1
    digits = values[0] if len(values) == 1 else ""
    if not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits) <= count:
        raise ConversionError(BAD_MAX, count=count)
    return int(digits)


def _until(
    values: list[str] | None, flag: str, now: dt.datetime, zone: ZoneInfo
) -> dt.datetime | None:
    if values is None:
        return None
    if not values:
        raise ConversionError(FLAG_VALUE, flag=flag)
    return parse_when(" ".join(values), now, zone)


def _room(values: list[str] | None, flag: str) -> str | None:
    if values is None:
        return None
    if len(values) != 1:
        raise ConversionError(FLAG_VALUE, flag=flag)
    return values[0]


def answer_ids(count: int) -> list[str]:
    return [f"a{index}" for index in range(1, count + 1)]


def start_content(
    question: str, answers: Sequence[dict[str, str]], max_selections: int, disclosed: bool
) -> dict[str, Any]:
    """The start event exactly as Element builds it, with the plain-text fallback."""
    fallback = "\n".join(
        [question, *(f"{n}. {answer['text']}" for n, answer in enumerate(answers, 1))]
    )
    return {
        TEXT: fallback,
        START: {
            "kind": DISCLOSED if disclosed else UNDISCLOSED,
            "max_selections": max_selections,
            "question": {TEXT: question, "body": question, "msgtype": "m.text"},
            "answers": [{"id": answer["id"], TEXT: answer["text"]} for answer in answers],
        },
    }


ENDED_TEXT = Localized(
    "Die Umfrage ist beendet. Meiste Stimmen: {top}",
    "The poll has ended. Top answer: {top}",
)
ENDED_NO_VOTES = Localized(
    "Die Umfrage ist beendet, ohne Stimmen.", "The poll has ended, no votes."
)


def end_content(
    start_event_id: str, answers: Sequence[dict[str, str]], result: Tally, language: Language
) -> dict[str, Any]:
    texts = {answer["id"]: answer["text"] for answer in answers}
    top = [texts[answer_id] for answer_id in winners(result)]
    text = ENDED_TEXT.format(language, top=", ".join(top)) if top else ENDED_NO_VOTES.get(language)
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id},
        END: {},
        TEXT: text,
        "body": text,
        "msgtype": "m.text",
    }


RESULT_TITLE = Localized("📊 Umfrage Nr. {id}: {question}", "📊 Poll no. {id}: {question}")
PARTICIPANTS = Plural(
    Localized("{count} teilnehmende Person", "{count} participant"),
    Localized("{count} Teilnehmende", "{count} participants"),
)
VOTES = Localized("Stimmen", "Votes")
SPOILED = Plural(
    Localized("{count} ungültige Stimme", "{count} spoiled vote"),
    Localized("{count} ungültige Stimmen", "{count} spoiled votes"),
)
UNREADABLE_VOTES = Plural(
    Localized(
        "⚠️ Verschlüsselte Antworten von {count} Person kann ich nicht lesen: ihr Schlüssel "
        "hat mich nicht erreicht. Sie sind nicht gezählt.",
        "⚠️ I cannot read encrypted answers from {count} person: their key did not reach me. "
        "They are not counted.",
    ),
    Localized(
        "⚠️ Verschlüsselte Antworten von {count} Personen kann ich nicht lesen: ihr Schlüssel "
        "hat mich nicht erreicht. Sie sind nicht gezählt.",
        "⚠️ I cannot read encrypted answers from {count} people: their key did not reach me. "
        "They are not counted.",
    ),
)
STATE_OPEN = Localized("läuft", "open")
STATE_UNTIL = Localized("läuft bis {when}", "open until {when}")
STATE_ENDED = Localized("beendet", "ended")
HIDDEN = Localized(
    "Die Ergebnisse sind bis zum Ende verdeckt; bisher {participants}.",
    "Results are hidden until the end; {participants} so far.",
)
HEADINGS = (
    Localized("Antwort", "Answer"),
    Localized("Verteilung", "Distribution"),
    Localized("Stimmen", "Votes"),
    Localized("Anteil", "Share"),
)


@dataclass(frozen=True)
class PollView:
    id: int
    question: str
    answers: list[dict[str, str]]
    disclosed: bool
    ended: bool
    closes_at: dt.datetime | None
    timezone: str
    live_counts: bool = False


def _heading(poll: PollView, language: Language) -> Markup:
    """The poll's number, question and state, as the first line of its results."""
    title = RESULT_TITLE.html(language, id=poll.id, question=poll.question)
    if poll.ended:
        state = STATE_ENDED.markup(language)
    elif poll.closes_at is not None:
        when = format_when(poll.closes_at, ZoneInfo(poll.timezone), language)
        state = STATE_UNTIL.html(language, when=when)
    else:
        state = STATE_OPEN.markup(language)
    return Markup("<b>{}</b> ({})<br>").format(title, state)


def render_results(poll: PollView, result: Tally, language: Language) -> Markup:
    """An HTML table with bars, counts and shares of the votes, and the number of people."""
    html = _heading(poll, language)
    if not poll.disclosed and not poll.ended:
        participants = PARTICIPANTS.html(language, result.voters)
        return html + HIDDEN.html(language, participants=participants)
    votes = sum(result.counts.values())
    head = [heading.markup(language) for heading in HEADINGS]
    rows = []
    top = set(winners(result))
    for answer in poll.answers:
        count = result.counts.get(answer["id"], 0)
        share = count / votes if votes else 0.0
        bar = "█" * round(share * BAR_WIDTH) or "·"
        text: str | Markup = answer["text"]
        if answer["id"] in top and poll.ended:
            text = Markup("<b>{}</b>").format(text)
        rows.append([text, code(bar), count, format_percent(share, language)])
    html += table(head, rows)
    # A paragraph of its own, so that the plain body has it on its own line after the table.
    footer = PARTICIPANTS.html(language, result.voters)
    if result.spoiled:
        footer += " · " + SPOILED.html(language, result.spoiled)
    if result.unreadable:
        footer += BR + UNREADABLE_VOTES.html(language, result.unreadable)
    return html + paragraph(footer)


VOTED = Plural(
    Localized("Bisher hat {count} Person abgestimmt.", "So far {count} person has voted."),
    Localized("Bisher haben {count} Personen abgestimmt.", "So far {count} people have voted."),
)
NOBODY_VOTED = Localized("Bisher hat noch niemand abgestimmt.", "Nobody has voted yet.")
COUNTS_AFTER_VOTING = Localized(
    "Wie die Stimmen verteilt sind, zeigt Element allen, die abgestimmt haben; das Ergebnis "
    "folgt hier, sobald die Umfrage endet.",
    "Element shows how the votes are spread to everyone who has voted; the result follows "
    "here once the poll has ended.",
)


def interim_is_private(poll: PollView) -> bool:
    """An open poll whose counts Element shows only to those who have voted: a message to the
    room says just how many have voted (a hidden poll shows no counts to anyone until the end,
    one started with `--zwischenstand` shows them to all)."""
    return poll.disclosed and not poll.ended and not poll.live_counts


def render_live(poll: PollView, result: Tally, language: Language) -> Markup:
    """The result of a poll as the whole room may see it: while it is open, like Element, the
    counts per answer only if the poll's creator asked for them (`--zwischenstand`); else just
    how many have voted, so that nobody sees the trend before voting."""
    if not interim_is_private(poll):
        return render_results(poll, result, language)
    voted = VOTED.html(language, result.voters) if result.voters else NOBODY_VOTED.markup(language)
    return _heading(poll, language) + voted + BR + COUNTS_AFTER_VOTING.markup(language)


POLL_NUDGE = Localized(
    "Hallo! Bei der Umfrage „{question}“ hast du noch nicht abgestimmt: {link}",
    "Hello! You have not voted in the poll “{question}” yet: {link}",
)
TO_THE_POLL = Localized("zur Umfrage", "to the poll")


def render_poll_nudge(
    question: str, room_id: str, start_event_id: str, prefix: str, language: Language
) -> Markup:
    url = f"https://matrix.to/#/{quote(room_id, safe='!:')}/{quote(start_event_id, safe='$:')}"
    to_poll = link(url, TO_THE_POLL.markup(language))
    html = POLL_NUDGE.html(language, question=question, link=to_poll)
    return html + BR + opt_out_line(prefix, language)
