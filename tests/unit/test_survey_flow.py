"""The survey conversation step by step: answers by number or text, moving back and forth,
skipping, clearing, the overview, required questions, submit and cancel."""

from __future__ import annotations

import pytest

from commands.surveys.definition import Question
from commands.surveys.flow import (
    Conversation,
    Rejected,
    answer_text,
    read_answer,
    step,
    valid_answers,
)

SINGLE = Question("Wo?", "single", ("Fachbereich", "Zentrale Stelle", "Stabsstelle"))
MULTIPLE = Question("Was?", "multiple", ("Personal", "IT", "Förderung", "Räume"), max_choices=3)
SCALE = Question("Wie gut?", "scale", low_label="gar nicht", high_label="sehr gut")
TEXT = Question("Bedarfe?", "text")
QUESTIONS = (SINGLE, MULTIPLE, SCALE, TEXT)


def walk(*messages: str, start: Conversation | None = None) -> Conversation:
    conversation = start or Conversation()
    for message in messages:
        result = step(QUESTIONS, conversation, message)
        assert result.problem is None, (message, result)
        assert result.action == "ask"
        conversation = result.conversation
    return conversation


@pytest.mark.parametrize(
    ("question", "typed", "expected"),
    [
        (SINGLE, "2", 1),
        (SINGLE, " 3. ", 2),
        (SINGLE, "zentrale stelle", 1),
        (SINGLE, "ZENTRALE   STELLE", 1),
        (SINGLE, "Stabs", 2),
        (MULTIPLE, "1, 3", [0, 2]),
        (MULTIPLE, "3 1", [0, 2]),
        (MULTIPLE, "1,1,2", [0, 1]),
        (MULTIPLE, "IT, Förderung", [1, 2]),
        (MULTIPLE, "förderung; personal", [0, 2]),
        (MULTIPLE, "Räume", [3]),
        (SCALE, "4", 4),
        (SCALE, "4/5", 4),
        (SCALE, "sehr gut", 5),
        (SCALE, "Gar nicht", 1),
        (TEXT, "  Mehr Personal #personal  ", "Mehr Personal #personal"),
        (TEXT, "1", "1"),
    ],
)
def test_answers_are_read_by_number_or_text(
    question: Question, typed: str, expected: object
) -> None:
    assert read_answer(question, typed) == expected


@pytest.mark.parametrize(
    ("question", "typed", "fragment"),
    [
        (SINGLE, "4", "Nummer von 1 bis 3"),
        (SINGLE, "0", "Nummer von 1 bis 3"),
        (SINGLE, "1, 2", "nur eine Antwort"),
        (SINGLE, "Bürgermeister", "keine der Antworten"),
        # Too short to pick an option by its start.
        (SINGLE, "St", "keine der Antworten"),
        (MULTIPLE, "1, 2, 3, 4", "höchstens 3"),
        (MULTIPLE, "IT, Sonstiges", "„Sonstiges“ ist keine der Antworten"),
        (SCALE, "6", "nicht auf der Skala"),
        (SCALE, "gut", "nicht auf der Skala"),
        (TEXT, "x" * 2001, "2001 Zeichen"),
    ],
)
def test_a_wrong_answer_says_what_is_wrong(question: Question, typed: str, fragment: str) -> None:
    result = read_answer(question, typed)
    assert isinstance(result, Rejected)
    assert fragment in result.problem.format("de", **result.values)


def test_question_by_question_to_the_overview_and_submit() -> None:
    conversation = walk("2", "1, 3", "4", "Mehr Personal #personal")
    assert conversation.position == 4 and conversation.reviewing
    assert conversation.answers == {"0": 1, "1": [0, 2], "2": 4, "3": "Mehr Personal #personal"}
    assert step(QUESTIONS, conversation, "absenden").action == "submit"
    assert step(QUESTIONS, conversation, "Submit").action == "submit"


def test_a_wrong_answer_keeps_the_conversation_where_it_was() -> None:
    conversation = walk("2")
    result = step(QUESTIONS, conversation, "Sonstiges")
    assert result.problem is not None
    assert result.conversation == conversation


def test_back_skip_and_clear() -> None:
    conversation = walk("2", "zurück")
    assert conversation.position == 0 and conversation.answers == {"0": 1}
    conversation = walk("überspringen", "skip", start=conversation)
    assert conversation.position == 2 and conversation.answers == {"0": 1}
    conversation = walk("back", "back", "leeren", start=conversation)
    assert conversation.position == 1 and conversation.answers == {}
    assert step(QUESTIONS, Conversation(), "zurück").problem is not None


def test_from_the_overview_a_change_leads_back_to_it() -> None:
    conversation = walk("2", "1", "4", "Text")
    changed = walk("2", "IT", start=conversation)
    assert changed.position == 4
    assert changed.answers["1"] == [1]
    jumped = walk("frage 3", "überspringen", start=conversation)
    assert jumped.position == 4 and jumped.answers == conversation.answers
    assert walk("übersicht", start=Conversation()).position == 4


def test_on_the_overview_other_text_gets_a_hint() -> None:
    conversation = walk("2", "1", "4", "Text")
    result = step(QUESTIONS, conversation, "ja bitte")
    assert result.problem is not None
    assert "absenden" in result.problem.get("de")
    assert step(QUESTIONS, conversation, "frage 9").values == {"number": 9, "count": 4}


def test_required_questions_cannot_be_skipped_or_left_out() -> None:
    questions = (Question("Pflicht?", "text", required=True), TEXT)
    result = step(questions, Conversation(), "überspringen")
    assert result.problem is not None and result.conversation.position == 0
    overview = step(questions, Conversation(), "übersicht").conversation
    submitted = step(questions, overview, "absenden")
    assert submitted.action == "ask"
    assert submitted.conversation.position == 0
    assert submitted.values == {"number": 1}


def test_cancel_asks_once_more_when_answers_would_be_lost() -> None:
    assert step(QUESTIONS, Conversation(), "abbrechen").action == "cancel"
    asked = step(QUESTIONS, walk("2"), "abbrechen")
    assert asked.action == "ask" and asked.problem is not None
    assert "noch einmal" in asked.problem.get("de")
    assert step(QUESTIONS, asked.conversation, "Cancel").action == "cancel"
    # Anything else in between: carrying on, and the next "abbrechen" asks again.
    carried_on = step(QUESTIONS, asked.conversation, "IT")
    assert carried_on.problem is None and not carried_on.conversation.cancelling
    assert step(QUESTIONS, carried_on.conversation, "abbrechen").action == "ask"


@pytest.mark.parametrize("answer", ["stop", "fertig", "weiter", "done", "next"])
def test_everyday_words_are_answers_not_moves(answer: str) -> None:
    result = step((TEXT,), Conversation(), answer)
    assert result.action == "ask" and result.conversation.answers == {"0": answer}


def test_superscript_digits_are_no_numbers() -> None:
    assert isinstance(read_answer(SCALE, "²"), Rejected)
    overview = walk("2", "1", "4", "Text")
    assert step(QUESTIONS, overview, "²").problem is not None


def test_answers_read_back_as_text() -> None:
    assert answer_text(SINGLE, 1) == "Zentrale Stelle"
    assert answer_text(MULTIPLE, [0, 2]) == "Personal, Förderung"
    assert answer_text(SCALE, 4) == "4"
    assert answer_text(TEXT, None) is None


def test_stored_answers_that_no_longer_fit_are_dropped() -> None:
    stored = {"0": 7, "1": [0, 9], "2": 3, "3": "", "9": "x", "x": 1}
    assert valid_answers(QUESTIONS, stored) == {"2": 3}
    assert valid_answers(QUESTIONS, {"0": True, "1": [2, 0, 2]}) == {"1": [0, 2]}
