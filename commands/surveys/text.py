"""The messages of a survey conversation: the introduction, each question with how to answer it,
the overview before sending, and what happens to the answers (anonymous or named)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural
from commands.core.rendering import BR, Markup, bold, italic
from commands.core.time_phrases import format_when
from commands.surveys.definition import Question
from commands.surveys.flow import Answer, Conversation, answer_text


@dataclass(frozen=True)
class SurveyView:
    id: int
    title: str
    description: str | None
    anonymous: bool
    closes_at: dt.datetime
    timezone: str
    questions: tuple[Question, ...]

    def closes(self, language: Language) -> str:
        return format_when(self.closes_at, ZoneInfo(self.timezone), language)


TITLE = Localized("📋 Erhebung Nr. {id}: {title}", "📋 Survey no. {id}: {title}")
ANONYMOUS = Localized(
    "Anonym: Beim Absenden werden deine Antworten ohne Bezug zu dir gespeichert; vermerkt wird "
    "nur, dass du teilgenommen hast. Danach lassen sie sich nicht mehr ändern, und ich lösche "
    "diesen Verlauf aus unserem Chat. Die Ergebnisse sieht die Organisation erst nach dem Ende.",
    "Anonymous: when you send them, your answers are stored with nothing that links them to "
    "you; only the fact that you took part is noted. After that they cannot be changed, and I "
    "delete this conversation from our chat. The organisers see the results only after the end.",
)
NAMED = Localized(
    "Mit Namen: Die Organisation sieht, wer was geantwortet hat. Ändern kannst du deine "
    "Antworten bis {closes}.",
    "Named: the organisers see who answered what. You can change your answers until {closes}.",
)
HOW_LONG = Plural(
    Localized(
        "{count} Frage, offen bis {closes}.",
        "{count} question, open until {closes}.",
    ),
    Localized(
        "{count} Fragen, offen bis {closes}.",
        "{count} questions, open until {closes}.",
    ),
)
QUESTION_HEAD = Localized("Frage {number} von {count}", "Question {number} of {count}")
REQUIRED_MARK = Localized(" (Pflicht)", " (required)")
HOW_TO = {
    "single": Localized(
        "Eine Antwort: ihre Nummer oder ihr Text.", "One answer: its number or its text."
    ),
    "multiple": Localized(
        "Eine oder mehrere Antworten{limit}: Nummern wie „1, 3“ oder Texte mit Komma getrennt.",
        "One or more answers{limit}: numbers like “1, 3” or texts separated by commas.",
    ),
    "scale": Localized("Eine Zahl von 1{low} bis 5{high}.", "A number from 1{low} to 5{high}."),
    "text": Localized(
        "Schreib deine Antwort frei; #tags wie #personal oder #it helfen beim Auswerten.",
        "Write your answer freely; #tags like #staff or #it help with the evaluation.",
    ),
}
UP_TO = Localized(" (bis zu {count})", " (up to {count})")
CURRENT = Localized("Bisher: {answer}", "So far: {answer}")
MOVES = Localized(
    "„zurück“ · „überspringen“ · „leeren“ · „übersicht“ · „abbrechen“",
    "“back” · “skip” · “clear” · “overview” · “cancel”",
)
OVERVIEW = Localized("Übersicht deiner Antworten", "Your answers")
NO_ANSWER = Localized("(keine Antwort)", "(no answer)")
SEND_HINT = Localized(
    "Schreib „absenden“, um sie zu senden, oder die Nummer einer Frage, um ihre Antwort zu "
    "ändern. „abbrechen“ verwirft alles.",
    "Write “submit” to send them, or a question's number to change its answer. “cancel” "
    "throws everything away.",
)
SEND_HINT_NAMED_AGAIN = Localized(
    "Schreib „absenden“, um die Änderungen zu speichern, oder die Nummer einer Frage, um ihre "
    "Antwort zu ändern. „abbrechen“ lässt die gespeicherten Antworten, wie sie sind.",
    "Write “submit” to save the changes, or a question's number to change its answer. "
    "“cancel” leaves the stored answers as they are.",
)
THANKS_ANONYMOUS = Localized(
    "Danke! Deine Antworten sind gespeichert – ohne Bezug zu dir; den Verlauf dazu habe ich aus "
    "unserem Chat gelöscht.",
    "Thank you! Your answers are stored – with nothing that links them to you; I deleted the "
    "conversation about them from our chat.",
)
THANKS_NAMED = Localized(
    "Danke! Deine Antworten sind gespeichert. Ändern kannst du sie bis {closes} mit {command}.",
    "Thank you! Your answers are stored. You can change them until {closes} with {command}.",
)
CANCELLED = Localized(
    "Abgebrochen; nichts wurde gespeichert. Neu beginnen: {command}",
    "Cancelled; nothing was stored. Start again: {command}",
)
CANCELLED_KEPT = Localized(
    "Abgebrochen; deine gespeicherten Antworten bleiben, wie sie waren.",
    "Cancelled; your stored answers stay as they were.",
)


STATE_UPCOMING = Localized("beginnt {when}", "opens {when}")
STATE_OPEN = Localized("offen bis {when}", "open until {when}")
STATE_CLOSED = Localized("geschlossen seit {when}", "closed since {when}")
ANONYMOUS_WORD = Localized("anonym", "anonymous")
NAMED_WORD = Localized("mit Namen", "named")


def state_text(
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    timezone: str,
    now: dt.datetime,
    language: Language,
) -> str:
    """Where a survey stands: opens …, open until …, or closed since …."""
    zone = ZoneInfo(timezone)
    if now < opens_at:
        return STATE_UPCOMING.format(language, when=format_when(opens_at, zone, language))
    state = STATE_OPEN if now < closes_at else STATE_CLOSED
    return state.format(language, when=format_when(closes_at, zone, language))


def privacy_word(anonymous: bool, language: Language) -> str:
    return (ANONYMOUS_WORD if anonymous else NAMED_WORD).get(language)


def render_intro(survey: SurveyView, language: Language) -> Markup:
    title = TITLE.html(language, id=survey.id, title=survey.title)
    parts = [bold(title)]
    if survey.description:
        parts.append(Markup.escape(survey.description))
    closes = survey.closes(language)
    parts.append(HOW_LONG.html(language, count=len(survey.questions), closes=closes))
    privacy = (
        ANONYMOUS.markup(language) if survey.anonymous else NAMED.html(language, closes=closes)
    )
    parts.append(italic(privacy))
    return BR.join(parts)


def render_question(
    questions: Sequence[Question], position: int, current: Answer | None, language: Language
) -> Markup:
    question = questions[position]
    head = QUESTION_HEAD.html(language, number=position + 1, count=len(questions))
    if question.required:
        head += REQUIRED_MARK.markup(language)
    html = Markup("<b>{}</b><br><b>{}</b>").format(head, question.text)
    if question.options:
        html += Markup("<ol>{}</ol>").format(
            Markup("").join(Markup("<li>{}</li>").format(o) for o in question.options)
        )
    else:
        html += BR
    html += _how_to(question, language)
    shown = answer_text(question, current)
    if shown is not None:
        html += BR + CURRENT.html(language, answer=italic(shown))
    return html + BR + italic(MOVES.markup(language))


def _how_to(question: Question, language: Language) -> Markup:
    how = HOW_TO[question.kind]
    if question.kind == "multiple":
        limit = UP_TO.html(language, count=question.max_choices) if question.max_choices else ""
        return how.html(language, limit=limit)
    if question.kind == "scale":
        low = f" = {question.low_label}" if question.low_label else ""
        high = f" = {question.high_label}" if question.high_label else ""
        return how.html(language, low=low, high=high)
    return how.markup(language)


def render_overview(
    survey: SurveyView, answers: Mapping[str, Answer], language: Language, *, changing: bool
) -> Markup:
    """`changing`: a named survey answered before, whose stored answers stay on cancel."""
    items = []
    for index, question in enumerate(survey.questions):
        shown = answer_text(question, answers.get(str(index)))
        answer = italic(shown) if shown is not None else NO_ANSWER.markup(language)
        items.append(Markup("<li>{} — {}</li>").format(question.text, answer))
    hint = SEND_HINT_NAMED_AGAIN if changing else SEND_HINT
    return Markup("<b>{}</b> ({})<ol>{}</ol>{}").format(
        OVERVIEW.markup(language), survey.title, Markup("").join(items), hint.markup(language)
    )


def render_position(
    survey: SurveyView, conversation: Conversation, language: Language, *, changing: bool
) -> Markup:
    """The question the person is at, or the overview."""
    if conversation.position >= len(survey.questions):
        return render_overview(survey, conversation.answers, language, changing=changing)
    current = conversation.answers.get(str(conversation.position))
    return render_question(survey.questions, conversation.position, current, language)


INVITATION = Localized(
    "Hallo! Die Organisation des Netzwerks bittet dich um deine Antworten – antworte einfach "
    "hier auf die Fragen.",
    "Hello! The network's organisers ask for your answers – just answer the questions here.",
)
INVITATION_LATER = Localized(
    "Hallo! Die Organisation bittet dich auch um Antworten zur Erhebung Nr. {id} „{title}“ "
    "(offen bis {closes}). Wenn du mit der anderen fertig bist: {command}",
    "Hello! The organisers also ask for your answers to survey no. {id} “{title}” (open until "
    "{closes}). Once you have finished the other one: {command}",
)
CLOSED_MEANWHILE = Localized(
    "Erhebung Nr. {id} ist inzwischen geschlossen; nicht abgesendete Antworten habe ich verworfen.",
    "Survey no. {id} has closed in the meantime; I discarded the answers not sent.",
)
CLOSED_REPORT = Plural(
    Localized(
        "Erhebung Nr. {id} „{title}“ ist geschlossen: {count} Teilnahme. Auswertung: {report} · "
        "Export: {export}",
        "Survey no. {id} “{title}” has closed: {count} response. Report: {report} · Export: "
        "{export}",
    ),
    Localized(
        "Erhebung Nr. {id} „{title}“ ist geschlossen: {count} Teilnahmen. Auswertung: {report} · "
        "Export: {export}",
        "Survey no. {id} “{title}” has closed: {count} responses. Report: {report} · Export: "
        "{export}",
    ),
)


def render_invitation(survey: SurveyView, language: Language, opt_out: Markup) -> Markup:
    """The unasked direct message that opens a survey conversation with its first question."""
    return (BR + BR).join(
        [
            INVITATION.markup(language),
            render_intro(survey, language),
            render_question(survey.questions, 0, None, language),
            opt_out,
        ]
    )
