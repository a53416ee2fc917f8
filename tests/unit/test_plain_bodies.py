"""The plain `body` of the bot's messages reads correctly on its own (clients without HTML,
notifications, screen readers): no tags, no glued words, lists as "- " lines, paragraphs
apart — for a sample of every kind of message, in both languages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from commands.core.context import BotStatus
from commands.core.i18n import LANGUAGES, Language
from commands.core.rendering import html_to_text, link
from commands.events.text import render_card
from commands.general.admin import render_status
from commands.polls.plan import render_live, render_results
from commands.surveys.commands import TO_THE_CHAT, WROTE_YOU
from commands.surveys.report import render_html, summarise
from commands.topics.minutes import MinutesView, render_summary
from commands.topics.plan import TopicView, render_topic
from tests.unit import test_needs_report as needs
from tests.unit.test_event_text import make_event
from tests.unit.test_poll_plan import tally_of, view
from tests.unit.test_topic_plan import TOPIC, entries

BERLIN = ZoneInfo("Europe/Berlin")
AT = dt.datetime(2026, 9, 29, 9, 30, tzinfo=dt.UTC)


def _minutes(language: Language) -> str:
    minutes = MinutesView(
        event_id=1,
        title="Workshop",
        starts_at=AT,
        place="Potsdam",
        timezone="Europe/Berlin",
        agenda=[(TOPIC, entries()), (TopicView(2, "Agil", [], "agenda", 0), [])],
        participants=["@ben:x", "@anna:x"],
        names={"@anna:x": "Anna Beispiel"},
    )
    return render_summary(minutes, language, "https://bot.test/minutes.md")


SAMPLES: dict[str, Callable[[Language], str]] = {
    "status": lambda language: render_status(
        BotStatus("1.0", AT, 2, 1, 0.5), language, "Europe/Berlin"
    ),
    "poll result": lambda language: render_results(
        view(ended=True), tally_of(("@a", 1, ["a1"]), ("@b", 2, ["a2"])), language
    ),
    "live result": lambda language: render_live(view(), tally_of(("@a", 1, ["a1"])), language),
    "topic with its log": lambda language: render_topic(
        TOPIC, entries(), BERLIN, language, {"@anna:x": "Anna"}
    ),
    "event card": lambda language: render_card(
        make_event(place="Potsdam", description="Mit Mittagessen"), "!", language
    ),
    "survey report": lambda language: render_html(
        needs.STATE,
        summarise(needs.QUESTIONS, needs.RESPONSES),
        needs.NEEDS,
        needs.NOW,
        language,
        "!bedarf",
    ),
    "minutes summary": _minutes,
    "live result, nobody voted": lambda language: render_live(view(), tally_of(), language),
    "questions sent to the direct chat": lambda language: WROTE_YOU.html(
        language, link=link("https://matrix.to/#/!d:x", TO_THE_CHAT.markup(language))
    ),
}
TAG = re.compile(r"</?(?:b|i|a|ul|ol|li|p|br|table|thead|tbody|tr|td|th|code|blockquote)\b")
# After these the text goes on in a new line (or after a blank one).
BLOCK_END = re.compile(r"</(?:p|ul|ol|li|blockquote|h\d|tr)>|<br\s*/?>")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_the_plain_body_reads_on_its_own(kind: str, language: Language) -> None:
    html = SAMPLES[kind](language)
    plain = html_to_text(html)
    assert not TAG.search(plain), plain
    assert "&lt;" not in plain and "&amp;" not in plain, plain
    assert "\n\n\n" not in plain and plain == plain.strip(), plain
    assert all(line == line.rstrip() for line in plain.splitlines()), plain
    # A table row is its cells joined by " | ": no cell of it, heading or not, is empty.
    for line in plain.splitlines():
        if " | " in line:
            assert all(cell.strip() for cell in line.split(" | ")), line
    # Every list item is a "- " line of its own.
    items = [line for line in plain.splitlines() if line.lstrip().startswith("- ")]
    assert len(items) == html.count("<li>"), plain
    # Whatever follows the end of a block (a paragraph, a list, a line break) starts a line:
    # nothing is glued to the text before it ("0 %2 Teilnehmende").
    lines = [line.lstrip(" -") for line in plain.splitlines()]
    for found in BLOCK_END.finditer(html):
        following = html_to_text(html[found.end() :]).split("\n", 1)[0].lstrip(" -")
        if following:
            assert any(line.startswith(following) for line in lines), (following, plain)


@pytest.mark.parametrize(
    ("kind", "language", "expected"),
    [
        ("live result, nobody voted", "de", "Bisher hat noch niemand abgestimmt."),
        ("live result, nobody voted", "en", "Nobody has voted yet."),
        (
            "questions sent to the direct chat",
            "de",
            "Ich habe dir die Fragen in unseren Direktchat geschrieben.",
        ),
        (
            "questions sent to the direct chat",
            "en",
            "I have sent you the questions in our direct chat.",
        ),
    ],
)
def test_a_sentence_reads_whole(kind: str, language: Language, expected: str) -> None:
    """No "0 Personen", no link text glued after a colon where the sentence should go on."""
    assert expected in html_to_text(SAMPLES[kind](language)).splitlines()


def test_nested_lists_are_indented_and_quotes_stand_apart() -> None:
    html = "<b>Bedarfe</b><ul><li>#it<ul><li>Personal</li><li>Geld</li></ul></li><li>B</li></ul>"
    assert html_to_text(html) == "Bedarfe\n\n- #it\n  - Personal\n  - Geld\n- B"
    quoted = "<p><b>Nr. 3</b></p><blockquote>Hallo</blockquote>Zeitplan"
    assert html_to_text(quoted) == "Nr. 3\n\nHallo\nZeitplan"
