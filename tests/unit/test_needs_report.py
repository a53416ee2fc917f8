"""Aggregates of the needs: counts, scale averages, free texts by #tag; HTML, Markdown, CSV for
German Excel (parsed back), and the chart's panels."""

from __future__ import annotations

import csv
import datetime as dt
import io

from commands.surveys.definition import Question
from commands.surveys.report import (
    NeedNote,
    SubmittedResponse,
    SurveyState,
    chart_panels,
    group_by_tag,
    md,
    needs_csv,
    protect_small_groups,
    render_html,
    render_markdown,
    summarise,
    suppressed_questions,
    survey_csv,
    tags_in,
)
from commands.surveys.text import SurveyView

SINGLE = Question("Wo ist die Rolle angesiedelt?", "single", ("Fachbereich", "Zentrale Stelle"))
MULTIPLE = Question("Welche Themen?", "multiple", ("Personal", "IT", "Förderung"))
SCALE = Question("Wie gut verankert?", "scale", low_label="gar nicht", high_label="sehr gut")
TEXT = Question("Welche Bedarfe?", "text")
QUESTIONS = (SINGLE, MULTIPLE, SCALE, TEXT)
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
RESPONSES = [
    SubmittedResponse({"0": 0, "1": [0, 1], "2": 4, "3": "Mehr Personal #personal #it"}),
    SubmittedResponse({"0": 1, "1": [1], "2": 2, "3": "Schulungen"}),
    SubmittedResponse({"0": 0, "2": 5, "3": '=HYPERLINK("x") #IT'}),
    SubmittedResponse({}),
]
NEEDS = [
    NeedNote(1, "Vernetzung mit KTS #austausch", ("austausch",), "@a:x", "#allgemein:x", NOW),
    NeedNote(2, "Geld für Sensorik", (), "@b:x", "!r:x", NOW),
]
VIEW = SurveyView(7, "Bedarfe <2026>", "Kurz & knapp", True, NOW + dt.timedelta(days=3),
                  "Europe/Berlin", QUESTIONS)  # fmt: skip
STATE = SurveyState(VIEW, NOW - dt.timedelta(days=1), len(RESPONSES))


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_tags() -> None:
    assert tags_in("Mehr #Personal und #IT, #it; #e-akte #über") == [
        "personal",
        "it",
        "e-akte",
        "über",
    ]
    # A room alias, an HTML entity and a lone # are no tags.
    assert tags_in("siehe #allgemein:example.org &#39; # x") == []


def test_summaries_count_options_average_scales_and_group_texts() -> None:
    single, multiple, scale, text = summarise(QUESTIONS, RESPONSES)
    assert (single.answered, single.counts) == (3, (2, 1))
    assert (multiple.answered, multiple.counts) == (2, (1, 2, 0))
    assert scale.counts == (0, 1, 0, 1, 1) and scale.mean == 11 / 3
    assert text.texts == {
        "it": ["Mehr Personal #personal #it", '=HYPERLINK("x") #IT'],
        "personal": ["Mehr Personal #personal #it"],
        "": ["Schulungen"],
    }


def test_group_by_tag_puts_untagged_last() -> None:
    assert list(group_by_tag(["b #z", "a", "c #a"])) == ["a", "z", ""]


def test_html_escapes_user_text_and_shows_bars_and_means() -> None:
    html = render_html(STATE, summarise(QUESTIONS, RESPONSES), NEEDS, NOW, "de", "!bedarf")
    assert "Bedarfe &lt;2026&gt;" in html and "<2026>" not in html
    assert "4 Teilnahmen" in html
    assert "Durchschnitt 3,7 (n = 3)" in html
    assert "<td>Fachbereich</td><td><code>" in html and "<td>67\xa0%</td>" in html
    assert "<b>#it</b> (2)" in html and "ohne Tag" in html
    assert "Schnell notierte Bedarfe (2)" in html and "#austausch" in html
    english = render_html(STATE, summarise(QUESTIONS, RESPONSES), [], NOW, "en", "!need")
    assert "average 3.7 (n = 3)" in english
    assert "None yet. Note one: <code>!need</code>" in english


def test_long_text_lists_are_cut_in_the_message_not_in_the_file() -> None:
    many = [SubmittedResponse({"3": f"Bedarf {n} #viel"}) for n in range(20)]
    summaries = summarise(QUESTIONS, many)
    html = render_html(STATE, summaries, [], NOW, "de", "!bedarf")
    assert "Bedarf 7 #viel" in html and "Bedarf 8 #viel" not in html
    assert "… und 12 weitere" in html
    markdown = render_markdown(STATE, summaries, [], NOW, "de", "Europe/Berlin")
    assert "Bedarf 19 \\#viel" in markdown


def test_markdown_report() -> None:
    markdown = render_markdown(
        STATE, summarise(QUESTIONS, RESPONSES), NEEDS, NOW, "de", "Europe/Berlin"
    )
    assert markdown.startswith("# 📋 Erhebung Nr. 7: Bedarfe \\<2026\\>")
    assert "| Fachbereich | 2 | 67\xa0% |" in markdown
    assert "## 3\\. Wie gut verankert? (Skala 1–5, 3 Antworten)" in markdown
    assert "### #it (2)" in markdown
    assert "- Vernetzung mit KTS \\#austausch — @a:x, Di., 01.12.2026, 13:00 Uhr (MEZ)" in markdown
    assert md("a|b *c* [d](e) <f>") == "a\\|b \\*c\\* \\[d\\](e) \\<f\\>"
    assert md("zwei\nZeilen") == "zwei Zeilen"
    # Nothing a person wrote becomes a heading, a list or an entity.
    assert md("# Titel") == "\\# Titel"
    assert md("3. Punkt") == "3\\. Punkt"
    assert md("- Strich") == "\\- Strich"
    assert md("A &amp; B") == "A \\&amp; B"


def test_an_open_anonymous_survey_shows_no_answers_yet() -> None:
    withheld = SurveyState(VIEW, NOW - dt.timedelta(days=1), 4, withheld=True)
    html = render_html(withheld, [], [], NOW, "de", "!bedarf")
    assert "4 Teilnahmen" in html and "erst nach ihrem Ende" in html
    markdown = render_markdown(withheld, [], [], NOW, "en", "Europe/Berlin")
    assert "only after its end" in markdown


def test_anonymous_csv_has_no_person_and_guards_formulas() -> None:
    rows = read_csv(survey_csv(QUESTIONS, RESPONSES, True, "de", "Europe/Berlin"))
    assert rows[0] == ["Nr.", *[q.text for q in QUESTIONS]]
    assert rows[1] == ["1", "Fachbereich", "Personal, IT", "4", "Mehr Personal #personal #it"]
    assert rows[3][4] == '\'=HYPERLINK("x") #IT'
    assert rows[4] == ["4", "", "", "", ""]
    assert len(rows) == 5


def test_named_csv_has_person_and_local_time() -> None:
    named = [
        SubmittedResponse({"0": 1, "3": "Zeile 1\nZeile 2; mit Semikolon"}, "@anna:x", NOW),
    ]
    rows = read_csv(survey_csv(QUESTIONS, named, False, "en", "Europe/Berlin"))
    assert rows[0][:3] == ["No.", "Person", "Submitted"]
    assert rows[1] == [
        "1",
        # A leading @ would make Excel read the cell as a formula.
        "'@anna:x",
        "01.12.2026 13:00",
        "Zentrale Stelle",
        "",
        "",
        "Zeile 1\nZeile 2; mit Semikolon",
    ]


def test_needs_csv() -> None:
    rows = read_csv(needs_csv(NEEDS, "de", "Europe/Berlin"))
    assert rows == [
        ["Nr.", "Datum", "Person", "Raum", "Tags", "Bedarf"],
        ["1", "01.12.2026 13:00", "'@a:x", "#allgemein:x", "#austausch", NEEDS[0].text],
        ["2", "01.12.2026 13:00", "'@b:x", "!r:x", "", "Geld für Sensorik"],
    ]


def test_chart_panels_for_choices_scales_and_noted_needs() -> None:
    panels = chart_panels(summarise(QUESTIONS, RESPONSES), NEEDS, "de")
    assert [panel.title for panel in panels] == [
        "1. Wo ist die Rolle angesiedelt?",
        "2. Welche Themen?",
        "3. Wie gut verankert?",
        "Schnell notierte Bedarfe je Tag",
    ]
    assert panels[2].labels == ["1 (gar nicht)", "2", "3", "4", "5 (sehr gut)"]
    assert panels[3].labels == ["#austausch", "ohne Tag"] and panels[3].counts == [1, 1]


# --- small groups of an anonymous survey ([privacy] min_group_size) ---------------------------


def test_questions_answered_by_fewer_than_the_smallest_group_keep_only_the_number() -> None:
    summaries = protect_small_groups(summarise(QUESTIONS, RESPONSES), 3)
    # SINGLE, SCALE and TEXT were answered three times, MULTIPLE twice.
    assert [s.suppressed for s in summaries] == [False, True, False, False]
    assert summaries[1].answered == 2 and summaries[1].counts == ()
    assert suppressed_questions(summaries) == {1}
    everything = protect_small_groups(summarise(QUESTIONS, RESPONSES), 5)
    assert all(s.suppressed and s.texts is None and s.mean is None for s in everything)


def test_a_small_group_shows_no_breakdown_nor_free_texts_anywhere() -> None:
    summaries = protect_small_groups(summarise(QUESTIONS, RESPONSES), 5)
    html = render_html(STATE, summaries, [], NOW, "de", "!bedarf")
    markdown = render_markdown(STATE, summaries, [], NOW, "en", "Europe/Berlin")
    assert html.count("weniger als 5 Antworten: keine Aufschlüsselung") == 4
    assert markdown.count("fewer than 5 answers: no breakdown") == 4
    for detail in ("Fachbereich", "Mehr Personal", "Schulungen", "Durchschnitt", "average", "%"):
        assert detail not in html and detail not in markdown, detail
    assert "4 Teilnahmen" in html  # the number of responses is shown
    assert chart_panels(summaries, [], "de") == []


def test_the_answers_file_leaves_the_columns_of_small_groups_empty() -> None:
    summaries = protect_small_groups(summarise(QUESTIONS, RESPONSES), 3)
    rows = read_csv(
        survey_csv(
            QUESTIONS, RESPONSES, True, "de", "Europe/Berlin", suppressed_questions(summaries)
        )
    )
    assert [row[2] for row in rows[1:]] == ["", "", "", ""]
    assert rows[1][1] == "Fachbereich"
