"""What organisers see of the needs: a survey's aggregates (counts per option, scale averages,
free texts grouped by #tag) and the quick-captured needs, as an HTML message, a Markdown file, a
CSV file German Excel opens (`;`, UTF-8 with BOM), and the panels of a chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from commands.core.bar_chart import Panel
from commands.core.hashtags import tags_in
from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural, format_number, format_percent
from commands.core.rendering import BR, Markup, bold, code, italic, md, table
from commands.core.time_phrases import format_when
from commands.surveys.definition import SCALE, Question
from commands.surveys.flow import Answers, answer_text
from commands.surveys.text import TITLE, SurveyView, privacy_word, state_text

BAR_WIDTH = 20
# A chat message stays readable (and far below the homeserver's 64 KiB event limit); the files
# carry everything.
TEXTS_SHOWN_PER_TAG = 8
TEXT_SHOWN_CHARS = 300
BOM = "\ufeff"
# Cells Excel would run as a formula (CSV injection) get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SubmittedResponse:
    answers: Answers
    # Named surveys only; an anonymous response has neither.
    person: str | None = None
    submitted_at: dt.datetime | None = None


@dataclass(frozen=True)
class NeedNote:
    """A need captured with `!bedarf <text> #tag`."""

    id: int
    text: str
    tags: tuple[str, ...]
    author: str
    room: str
    created_at: dt.datetime


@dataclass(frozen=True)
class QuestionSummary:
    question: Question
    answered: int
    # Per option (choice) or per scale point 1–5.
    counts: tuple[int, ...] = ()
    mean: float | None = None
    # Free texts by tag ("" for untagged), in the order first seen.
    texts: dict[str, list[str]] | None = None
    # An anonymous survey's question answered by fewer than the smallest group shown: no
    # breakdown and no free texts, only how many answered (`protect_small_groups`).
    suppressed: bool = False


def summarise(
    questions: Sequence[Question], responses: Sequence[SubmittedResponse]
) -> list[QuestionSummary]:
    summaries = []
    for index, question in enumerate(questions):
        given = [r.answers[str(index)] for r in responses if str(index) in r.answers]
        if question.kind in ("single", "multiple"):
            counts = [0] * len(question.options)
            for answer in given:
                for option in answer if isinstance(answer, list) else [answer]:
                    if isinstance(option, int) and 0 <= option < len(counts):
                        counts[option] += 1
            summaries.append(QuestionSummary(question, len(given), tuple(counts)))
        elif question.kind == "scale":
            points = [answer for answer in given if isinstance(answer, int) and answer in SCALE]
            counts = [points.count(point) for point in SCALE]
            mean = sum(points) / len(points) if points else None
            summaries.append(QuestionSummary(question, len(points), tuple(counts), mean))
        else:
            texts = [answer for answer in given if isinstance(answer, str)]
            summaries.append(QuestionSummary(question, len(texts), texts=group_by_tag(texts)))
    return summaries


def protect_small_groups(
    summaries: Sequence[QuestionSummary], min_group_size: int
) -> list[QuestionSummary]:
    """An anonymous survey's summaries with every question answered by fewer than
    `min_group_size` people reduced to the number of answers: in a small group a breakdown or
    a free text points to a person."""
    return [
        replace(summary, counts=(), mean=None, texts=None, suppressed=True)
        if summary.answered < min_group_size
        else summary
        for summary in summaries
    ]


def suppressed_questions(summaries: Sequence[QuestionSummary]) -> set[int]:
    """The indices of the questions whose answers are not shown."""
    return {index for index, summary in enumerate(summaries) if summary.suppressed}


def group_by_tag(texts: Sequence[str]) -> dict[str, list[str]]:
    """Each text under each of its tags; texts without one under ""; tags sorted, "" last."""
    groups: dict[str, list[str]] = {}
    for text in texts:
        for tag in tags_in(text) or [""]:
            groups.setdefault(tag, []).append(text)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "", item[0])))


def needs_by_tag(needs: Sequence[NeedNote]) -> dict[str, list[NeedNote]]:
    groups: dict[str, list[NeedNote]] = {}
    for need in needs:
        for tag in need.tags or ("",):
            groups.setdefault(tag, []).append(need)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "", item[0])))


KIND_NAMES = {
    "single": Localized("eine Antwort", "single choice"),
    "multiple": Localized("mehrere Antworten", "multiple choice"),
    "scale": Localized("Skala 1–5", "scale 1–5"),
    "text": Localized("Freitext", "free text"),
}
RESPONSES = Plural(
    Localized(
        "{count} Teilnahme",
        "{count} response",
    ),
    Localized(
        "{count} Teilnahmen",
        "{count} responses",
    ),
)
ANSWERED = Plural(
    Localized(
        "{count} Antwort",
        "{count} answer",
    ),
    Localized(
        "{count} Antworten",
        "{count} answers",
    ),
)
MEAN = Localized("Durchschnitt {mean} (n = {count})", "average {mean} (n = {count})")
NO_MEAN = Localized("noch keine Antworten", "no answers yet")
UNTAGGED = Localized("ohne Tag", "untagged")
MORE_TEXTS = Localized(
    "… und {count} weitere (alle im Export)", "… and {count} more (all in the export)"
)
NEEDS_TITLE = Localized("Schnell notierte Bedarfe ({count})", "Quickly noted needs ({count})")
NO_NEEDS = Localized(
    "Noch keine. Notieren: {command} Text #tag", "None yet. Note one: {command} text #tag"
)
HEADINGS = (
    Localized("Antwort", "Answer"),
    Localized("Verteilung", "Distribution"),
    Localized("Anzahl", "Count"),
    Localized("Anteil", "Share"),
)
ANSWERS_AXIS = Localized("Antworten", "Answers")
NEEDS_PANEL = Localized("Schnell notierte Bedarfe je Tag", "Quickly noted needs per tag")
SMALL_GROUP = Localized(
    "weniger als {size} Antworten: keine Aufschlüsselung, damit niemand erkennbar wird",
    "fewer than {size} answers: no breakdown, so that nobody can be recognised",
)
WITHHELD = Localized(
    "Die Antworten einer anonymen Erhebung zeige ich erst nach ihrem Ende: solange noch "
    "Antworten dazukommen, ließe sich jede neue einer Person zuordnen.",
    "I show the answers of an anonymous survey only after its end: while answers still come "
    "in, each new one could be traced to a person.",
)


@dataclass(frozen=True)
class SurveyState:
    """The survey and where it stands, for the head of a report."""

    view: SurveyView
    opens_at: dt.datetime
    responses: int
    # An anonymous survey still open: its answers are not shown yet (WITHHELD).
    withheld: bool = False
    # The smallest group an anonymous survey's answers are broken down to.
    min_group_size: int = 5

    def head(self, now: dt.datetime, language: Language) -> str:
        view = self.view
        state = state_text(self.opens_at, view.closes_at, view.timezone, now, language)
        return (
            TITLE.format(language, id=view.id, title=view.title)
            + f" ({privacy_word(view.anonymous, language)}, {state}) – "
            + RESPONSES.format(language, count=self.responses)
        )


def _shares(counts: Sequence[int], base: int) -> list[float]:
    return [count / base if base else 0.0 for count in counts]


def _choice_labels(summary: QuestionSummary) -> list[str]:
    if summary.question.kind == "scale":
        labels = [str(point) for point in SCALE]
        if summary.question.low_label:
            labels[0] += f" ({summary.question.low_label})"
        if summary.question.high_label:
            labels[-1] += f" ({summary.question.high_label})"
        return labels
    return list(summary.question.options)


def _number(value: float, language: Language) -> str:
    return format_number(value, language, decimals=1)


def _question_line(number: int, summary: QuestionSummary, language: Language) -> str:
    kind = KIND_NAMES[summary.question.kind].get(language)
    answered = ANSWERED.format(language, count=summary.answered)
    return f"{number}. {summary.question.text} ({kind}, {answered})"


def render_html(
    survey: SurveyState | None,
    summaries: Sequence[QuestionSummary],
    needs: Sequence[NeedNote],
    now: dt.datetime,
    language: Language,
    note_command: str,
) -> Markup:
    parts: list[Markup] = []
    if survey is not None:
        parts.append(bold(survey.head(now, language)))
        if survey.withheld:
            parts.append(italic(WITHHELD.markup(language)))
        for number, summary in enumerate(summaries, 1):
            parts.append(bold(_question_line(number, summary, language)))
            if summary.suppressed:
                parts.append(italic(SMALL_GROUP.html(language, size=survey.min_group_size)))
                continue
            parts.append(_html_summary(summary, language))
    parts.append(bold(NEEDS_TITLE.html(language, count=len(needs))))
    if needs:
        groups = {tag: [need.text for need in group] for tag, group in needs_by_tag(needs).items()}
        parts.append(_html_texts(groups, language))
    else:
        parts.append(NO_NEEDS.html(language, command=code(note_command)))
    return BR.join(parts)


def _html_summary(summary: QuestionSummary, language: Language) -> Markup:
    if summary.texts is not None:
        return _html_texts(summary.texts, language) if summary.texts else NO_MEAN.markup(language)
    html = Markup()
    if summary.question.kind == "scale":
        if summary.mean is None:
            return NO_MEAN.markup(language)
        mean = _number(summary.mean, language)
        html = MEAN.html(language, mean=mean, count=summary.answered)
    head = [heading.markup(language) for heading in HEADINGS]
    rows = []
    labels = _choice_labels(summary)
    for label, count, share in zip(
        labels, summary.counts, _shares(summary.counts, summary.answered), strict=True
    ):
        bar = "█" * round(share * BAR_WIDTH) or "·"
        rows.append([label, code(bar), count, format_percent(share, language)])
    return html + table(head, rows)


def _html_texts(groups: dict[str, list[str]], language: Language) -> Markup:
    items = []
    for tag, texts in groups.items():
        name = Markup("#{}").format(tag) if tag else UNTAGGED.markup(language)
        shown = Markup("").join(
            Markup("<li>{}</li>").format(_shortened(text)) for text in texts[:TEXTS_SHOWN_PER_TAG]
        )
        more = len(texts) - TEXTS_SHOWN_PER_TAG
        if more > 0:
            shown += Markup("<li><i>{}</i></li>").format(MORE_TEXTS.html(language, count=more))
        items.append(Markup("<li><b>{}</b> ({})<ul>{}</ul></li>").format(name, len(texts), shown))
    return Markup("<ul>{}</ul>").format(Markup("").join(items))


def _shortened(text: str) -> str:
    return text if len(text) <= TEXT_SHOWN_CHARS else text[: TEXT_SHOWN_CHARS - 1] + "…"


def chart_panels(
    summaries: Sequence[QuestionSummary], needs: Sequence[NeedNote], language: Language
) -> list[Panel]:
    """One panel per choice or scale question, and one of the noted needs per tag."""
    panels = [
        Panel(f"{number}. {summary.question.text}", _choice_labels(summary), list(summary.counts))
        for number, summary in enumerate(summaries, 1)
        if summary.texts is None and not summary.suppressed
    ]
    if needs:
        groups = needs_by_tag(needs)
        labels = [f"#{tag}" if tag else UNTAGGED.get(language) for tag in groups]
        panels.append(Panel(NEEDS_PANEL.get(language), labels, [len(g) for g in groups.values()]))
    return panels


# What would start a list or a numbered item at the beginning of a line.


def render_markdown(
    survey: SurveyState | None,
    summaries: Sequence[QuestionSummary],
    needs: Sequence[NeedNote],
    now: dt.datetime,
    language: Language,
    timezone: str,
) -> str:
    zone = ZoneInfo(timezone)
    lines: list[str] = []
    if survey is not None:
        lines += [f"# {md(survey.head(now, language))}", ""]
        if survey.view.description:
            lines += [md(survey.view.description), ""]
        if survey.withheld:
            lines += [f"*{WITHHELD.get(language)}*", ""]
        for number, summary in enumerate(summaries, 1):
            lines += [f"## {md(_question_line(number, summary, language))}", ""]
            if summary.suppressed:
                lines += [f"*{SMALL_GROUP.format(language, size=survey.min_group_size)}*", ""]
                continue
            lines += _markdown_summary(summary, language)
    lines += [f"# {NEEDS_TITLE.format(language, count=len(needs))}", ""]
    for tag, group in needs_by_tag(needs).items():
        name = f"#{md(tag)}" if tag else UNTAGGED.get(language)
        lines += [f"## {name} ({len(group)})", ""]
        for need in group:
            when = format_when(need.created_at, zone, language)
            lines.append(f"- {md(need.text)} — {md(need.author)}, {md(when)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _markdown_summary(summary: QuestionSummary, language: Language) -> list[str]:
    if summary.texts is not None:
        lines = []
        for tag, texts in summary.texts.items():
            name = f"#{md(tag)}" if tag else UNTAGGED.get(language)
            lines += [f"### {name} ({len(texts)})", ""] + [f"- {md(text)}" for text in texts] + [""]
        return lines or [NO_MEAN.get(language), ""]
    lines = []
    if summary.question.kind == "scale":
        if summary.mean is None:
            return [NO_MEAN.get(language), ""]
        lines += [
            MEAN.format(language, mean=_number(summary.mean, language), count=summary.answered),
            "",
        ]
    first, _, count, share = (heading.get(language) for heading in HEADINGS)
    lines += [f"| {first} | {count} | {share} |", "|---|---:|---:|"]
    for label, number, part in zip(
        _choice_labels(summary),
        summary.counts,
        _shares(summary.counts, summary.answered),
        strict=True,
    ):
        lines.append(f"| {md(label)} | {number} | {format_percent(part, language)} |")
    return [*lines, ""]


PERSON = Localized("Person", "Person")
SUBMITTED = Localized("Abgesendet", "Submitted")
NUMBER = Localized("Nr.", "No.")
NEED_COLUMNS = (
    Localized("Nr.", "No."),
    Localized("Datum", "Date"),
    Localized("Person", "Person"),
    Localized("Raum", "Room"),
    Localized("Tags", "Tags"),
    Localized("Bedarf", "Need"),
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    """`;`-separated, CRLF, UTF-8 with BOM: what German Excel opens as a table by double-click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _local(instant: dt.datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def survey_csv(
    questions: Sequence[Question],
    responses: Sequence[SubmittedResponse],
    anonymous: bool,
    language: Language,
    timezone: str,
    hidden: set[int] | None = None,
) -> bytes:
    """One line per response, one column per question; anonymous ones numbered only. The
    `hidden` questions' columns stay empty (answered by too few to show)."""
    zone = ZoneInfo(timezone)
    head: list[object] = [NUMBER.get(language)]
    if not anonymous:
        head += [PERSON.get(language), SUBMITTED.get(language)]
    rows: list[list[object]] = [head + [question.text for question in questions]]
    for number, response in enumerate(responses, 1):
        row: list[object] = [number]
        if not anonymous:
            when = response.submitted_at
            row += [response.person or "", _local(when, zone) if when else ""]
        for index, question in enumerate(questions):
            if hidden and index in hidden:
                row.append("")
                continue
            row.append(answer_text(question, response.answers.get(str(index))) or "")
        rows.append(row)
    return _csv(rows)


def needs_csv(needs: Sequence[NeedNote], language: Language, timezone: str) -> bytes:
    zone = ZoneInfo(timezone)
    rows: list[list[object]] = [[column.get(language) for column in NEED_COLUMNS]]
    for need in needs:
        tags = " ".join(f"#{tag}" for tag in need.tags)
        rows.append(
            [need.id, _local(need.created_at, zone), need.author, need.room, tags, need.text]
        )
    return _csv(rows)
