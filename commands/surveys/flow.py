"""The survey conversation as pure steps: read an answer (by number or text) or a word that moves
around (back, skip, clear, go to question N, overview, submit, cancel), and say what comes next."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from commands.core.i18n import Localized
from commands.core.plurals import Plural
from commands.surveys.definition import SCALE, Question

MAX_TEXT_ANSWER = 2000
# An answer as stored: an option index (single), sorted option indexes (multiple), 1–5 (scale)
# or the text (free text). A question without an entry has no answer.
Answer = int | list[int] | str
Answers = dict[str, Answer]

# Only words no one would give as an answer: "stop", "fertig" or "weiter" could well be one.
WORDS: dict[str, str] = {
    "zurück": "back",
    "zurueck": "back",
    "back": "back",
    "überspringen": "skip",
    "ueberspringen": "skip",
    "skip": "skip",
    "leeren": "clear",
    "clear": "clear",
    "übersicht": "overview",
    "uebersicht": "overview",
    "overview": "overview",
    "absenden": "submit",
    "submit": "submit",
    "abbrechen": "cancel",
    "cancel": "cancel",
}
JUMP_RE = re.compile(r"(?:frage|question|nr\.?|no\.?)\s*([0-9]{1,3})", re.IGNORECASE)
NUMBERS_RE = re.compile(r"[0-9]{1,3}(?:\s*[,;/ ]\s*[0-9]{1,3})*")

NOT_AN_OPTION = Localized(
    "„{text}“ ist keine der Antworten. Schreib eine Nummer von 1 bis {count} oder den Text "
    "einer Antwort.",
    "“{text}” is not one of the answers. Write a number from 1 to {count} or an answer's text.",
)
ONE_ONLY = Localized(
    "Hier geht nur eine Antwort. Schreib eine Nummer von 1 bis {count}.",
    "Only one answer here. Write a number from 1 to {count}.",
)
TOO_MANY = Plural(
    Localized(
        "Hier geht höchstens {limit} Antwort, du hast {count} gewählt.",
        "At most {limit} answer here; you chose {count}.",
    ),
    Localized(
        "Hier gehen höchstens {limit} Antworten, du hast {count} gewählt.",
        "At most {limit} answers here; you chose {count}.",
    ),
    counted="limit",
)
NOT_ON_SCALE = Localized(
    "„{text}“ liegt nicht auf der Skala. Schreib eine Zahl von 1 bis 5.",
    "“{text}” is not on the scale. Write a number from 1 to 5.",
)
TEXT_TOO_LONG = Localized(
    "Die Antwort ist {length} Zeichen lang, erlaubt sind {limit}. Bitte kürzer.",
    "The answer is {length} characters long; the limit is {limit}. Please shorten it.",
)
NO_SUCH_QUESTION = Localized(
    "Eine Frage {number} gibt es nicht; die letzte ist Frage {count}.",
    "There is no question {number}; the last one is question {count}.",
)
REQUIRED = Localized(
    "Frage {number} muss beantwortet werden.", "Question {number} needs an answer."
)
FIRST_ALREADY = Localized("Das ist schon die erste Frage.", "This is the first question already.")
CONFIRM_CANCEL = Localized(
    "Wirklich abbrechen? Dann verwerfe ich deine Antworten. Schreib noch einmal „abbrechen“ – "
    "oder antworte einfach weiter.",
    "Really cancel? Then I throw your answers away. Write “cancel” once more – or just go on "
    "answering.",
)


@dataclass(frozen=True)
class Conversation:
    """Where a person is: at a question (0-based) or, at len(questions), the overview. Once
    they have seen the overview (`reviewing`), each change leads back to it."""

    position: int = 0
    answers: Answers = field(default_factory=dict)
    reviewing: bool = False
    # "abbrechen" was written once with answers given: once more throws them away.
    cancelling: bool = False

    def at(self, position: int, answers: Answers | None = None, *, count: int) -> Conversation:
        return Conversation(
            position=position,
            answers=self.answers if answers is None else answers,
            reviewing=self.reviewing or position >= count,
        )


@dataclass(frozen=True)
class Step:
    """What to do after a message: ask `conversation.position` (or show the overview), submit
    or cancel; `problem` is a reason the message was not taken, `note` something to say first."""

    conversation: Conversation
    action: Literal["ask", "submit", "cancel"] = "ask"
    problem: Localized | None = None
    values: Mapping[str, object] = field(default_factory=dict)


def step(questions: Sequence[Question], conversation: Conversation, text: str) -> Step:
    """Apply one message of the person to the conversation."""
    count = len(questions)
    position = min(conversation.position, count)
    word = WORDS.get(_plain(text))
    if word == "cancel":
        if conversation.cancelling or not conversation.answers:
            return Step(conversation, "cancel")
        return Step(replace(conversation, cancelling=True), problem=CONFIRM_CANCEL)
    conversation = replace(conversation, cancelling=False)
    if word == "overview":
        return Step(conversation.at(count, count=count))
    if word == "submit":
        missing = first_missing(questions, conversation.answers)
        if missing is not None:
            return Step(
                conversation.at(missing, count=count),
                problem=REQUIRED,
                values={"number": missing + 1},
            )
        return Step(conversation, "submit")
    if word == "back":
        if position == 0:
            return Step(conversation, problem=FIRST_ALREADY)
        return Step(conversation.at(position - 1, count=count))
    jump = JUMP_RE.fullmatch(text.strip())
    # On the overview a bare number picks the question to change.
    number_typed = jump[1] if jump else text.strip() if position == count else ""
    if number_typed.isascii() and number_typed.isdecimal():
        number = int(number_typed)
        if not 1 <= number <= count:
            return Step(
                conversation, problem=NO_SUCH_QUESTION, values={"number": number, "count": count}
            )
        return Step(conversation.at(number - 1, count=count))
    if position == count:
        return Step(conversation, problem=NOT_AN_ACTION_HERE)
    question = questions[position]
    answers = dict(conversation.answers)
    key = str(position)
    if word == "skip":
        if question.required and key not in answers:
            return Step(conversation, problem=REQUIRED, values={"number": position + 1})
        return Step(_advance(conversation, answers, position, count))
    if word == "clear":
        if question.required:
            return Step(conversation, problem=REQUIRED, values={"number": position + 1})
        answers.pop(key, None)
        return Step(_advance(conversation, answers, position, count))
    result = read_answer(question, text)
    if isinstance(result, Rejected):
        return Step(conversation, problem=result.problem, values=result.values)
    answers[key] = result
    return Step(_advance(conversation, answers, position, count))


NOT_AN_ACTION_HERE = Localized(
    "Schreib „absenden“, um deine Antworten zu senden, oder die Nummer einer Frage, um sie zu "
    "ändern.",
    "Write “submit” to send your answers, or a question's number to change it.",
)


def _advance(
    conversation: Conversation, answers: Answers, position: int, count: int
) -> Conversation:
    """The next question; once the overview has been seen, back to the overview."""
    following = count if conversation.reviewing else position + 1
    return conversation.at(min(following, count), answers, count=count)


def first_missing(questions: Sequence[Question], answers: Mapping[str, Answer]) -> int | None:
    for index, question in enumerate(questions):
        if question.required and str(index) not in answers:
            return index
    return None


@dataclass(frozen=True)
class Rejected:
    problem: Localized | Plural
    values: Mapping[str, object] = field(default_factory=dict)


def read_answer(question: Question, text: str) -> Answer | Rejected:
    """The answer a message gives to `question`, or why it gives none."""
    typed = text.strip()
    if question.kind == "text":
        if len(typed) > MAX_TEXT_ANSWER:
            return Rejected(TEXT_TOO_LONG, {"length": len(typed), "limit": MAX_TEXT_ANSWER})
        return typed
    if question.kind == "scale":
        return _scale(question, typed)
    picked = _options(question.options, typed)
    if isinstance(picked, Rejected):
        return picked
    if question.kind == "single":
        if len(picked) != 1:
            return Rejected(ONE_ONLY, {"count": len(question.options)})
        return picked[0]
    limit = question.max_choices or len(question.options)
    if len(picked) > limit:
        return Rejected(TOO_MANY, {"limit": limit, "count": len(picked)})
    return picked


def _scale(question: Question, typed: str) -> int | Rejected:
    plain = _plain(typed)
    number = plain.split("/")[0].strip()
    if number.isascii() and number.isdecimal() and int(number) in SCALE:
        return int(number)
    if question.low_label and plain == _plain(question.low_label):
        return SCALE[0]
    if question.high_label and plain == _plain(question.high_label):
        return SCALE[-1]
    return Rejected(NOT_ON_SCALE, {"text": typed[:80]})


def _options(options: Sequence[str], typed: str) -> list[int] | Rejected:
    """Numbers ("2", "1, 3", "1 3"), an option's text, or several texts separated by commas."""
    count = len(options)
    if NUMBERS_RE.fullmatch(typed.rstrip(".")):
        numbers = [int(n) for n in re.findall(r"[0-9]+", typed)]
        bad = next((n for n in numbers if not 1 <= n <= count), None)
        if bad is not None:
            return Rejected(NOT_AN_OPTION, {"text": str(bad), "count": count})
        return sorted({n - 1 for n in numbers})
    whole = _match_option(options, typed)
    if whole is not None:
        return [whole]
    picked: set[int] = set()
    for part in re.split(r"[,;\n]", typed):
        if not part.strip():
            continue
        index = _match_option(options, part)
        if index is None:
            return Rejected(NOT_AN_OPTION, {"text": part.strip()[:80], "count": count})
        picked.add(index)
    if not picked:
        return Rejected(NOT_AN_OPTION, {"text": typed[:80], "count": count})
    return sorted(picked)


def _match_option(options: Sequence[str], typed: str) -> int | None:
    """The option written out (case, accents and spacing aside), or the one it starts."""
    wanted = _plain(typed.rstrip("."))
    if not wanted:
        return None
    plain = [_plain(option) for option in options]
    if wanted in plain:
        return plain.index(wanted)
    starting = [index for index, option in enumerate(plain) if option.startswith(wanted)]
    return starting[0] if len(starting) == 1 and len(wanted) >= 3 else None


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def answer_text(question: Question, answer: Answer | None) -> str | None:
    """How an answer reads (plain text), None for none."""
    if answer is None:
        return None
    if question.kind == "single" and isinstance(answer, int):
        return question.options[answer]
    if question.kind == "multiple" and isinstance(answer, list):
        return ", ".join(question.options[index] for index in answer)
    return str(answer)


def valid_answers(questions: Sequence[Question], answers: Mapping[str, object]) -> Answers:
    """Stored answers that still fit the questions (anything else is dropped, never guessed)."""
    kept: Answers = {}
    for index, question in enumerate(questions):
        value = _fitting(question, answers.get(str(index)))
        if value is not None:
            kept[str(index)] = value
    return kept


def _fitting(question: Question, value: object) -> Answer | None:
    if isinstance(value, bool):
        return None
    options = range(len(question.options))
    if question.kind == "single" and isinstance(value, int) and value in options:
        return value
    if question.kind == "multiple" and isinstance(value, list) and value:
        if all(isinstance(v, int) and not isinstance(v, bool) and v in options for v in value):
            return sorted(set(value))
        return None
    if question.kind == "scale" and isinstance(value, int) and value in SCALE:
        return value
    if question.kind == "text" and isinstance(value, str) and value:
        return value
    return None
