"""Topics: reading proposals, statuses and action items, ranking by support, agenda order,
the support reaction, edits of command messages, and the minutes rendered."""

from __future__ import annotations

import datetime as dt

import pytest

from commands.core.converters import ConversionError
from commands.core.rendering import html_to_text
from commands.topics.minutes import MinutesView, render_markdown, render_summary
from commands.topics.plan import (
    EntryView,
    TopicView,
    command_rest,
    is_support,
    parse_action,
    parse_order,
    parse_proposal,
    parse_status,
    ranked,
    render_action_reminder,
    render_topic,
    render_topic_message,
)

TODAY = dt.date(2026, 9, 1)
AT = dt.datetime(2026, 9, 29, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "title", "tags", "event"),
    [
        (
            "Verankerung der Rolle in der Verwaltung",
            "Verankerung der Rolle in der Verwaltung",
            [],
            None,
        ),
        ("Tätigkeitsumfang #rolle #Umfang termin 2", "Tätigkeitsumfang", ["rolle", "umfang"], 2),
        ("Agiles Arbeiten event 12 #agil", "Agiles Arbeiten", ["agil"], 12),
        ('"Status der Digitalisierung" #it', "Status der Digitalisierung", ["it"], None),
        ("Räume #allgemein:example.org", "Räume #allgemein:example.org", [], None),
    ],
)
def test_proposals(text: str, title: str, tags: list[str], event: int | None) -> None:
    proposal = parse_proposal(text)
    assert (proposal.title, proposal.tags, proposal.event_number) == (title, tags, event)


@pytest.mark.parametrize(("text", "fragment"), [("#nur #tags", "Titel"), ("x" * 301, "301")])
def test_bad_proposals(text: str, fragment: str) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_proposal(text)
    assert fragment in caught.value.text("de")


def test_statuses() -> None:
    assert parse_status("besprochen") == ("discussed", None)
    assert parse_status("Auf der Agenda") == ("agenda", None)
    assert parse_status("rejected duplicate of 2") == ("rejected", "duplicate of 2")
    for bad, fragment in (("abgelehnt", "Grund"), ("vielleicht", "kein Stand")):
        with pytest.raises(ConversionError) as caught:
            parse_status(bad)
        assert fragment in caught.value.text("de")


def test_ranking_by_support_then_age() -> None:
    assert ranked([(1, 0), (2, 3), (3, 3), (4, 1)]) == [(2, 3), (3, 3), (4, 1), (1, 0)]


def test_agenda_order() -> None:
    assert parse_order("3 1 5") == [3, 1, 5]
    assert parse_order("#3, #1") == [3, 1]
    for bad, fragment in (("3 x", "„x“"), ("3 1 3", "zweimal"), ("", "Themennummern")):
        with pytest.raises(ConversionError) as caught:
            parse_order(bad)
        assert fragment in caught.value.text("de")


def test_action_items() -> None:
    action = parse_action("@anna:example.org Leitfaden entwerfen bis 15.12.2026", TODAY)
    assert (action.owner, action.text, action.due) == (
        "@anna:example.org",
        "Leitfaden entwerfen",
        dt.date(2026, 12, 15),
    )
    assert parse_action("@a:example.org Text until 2026-10-01", TODAY).due == dt.date(2026, 10, 1)
    assert parse_action("@a:example.org nur Text", TODAY).due is None
    # Without a year, a day already past this year is next year's.
    december = dt.date(2026, 12, 20)
    assert parse_action("@a:example.org Text bis 15.01.", december).due == dt.date(2027, 1, 15)
    assert parse_action("@a:example.org Text bis 28.12.", december).due == dt.date(2026, 12, 28)
    # With a year it is taken as written (minutes written after the fact).
    assert parse_action("@a:example.org Text bis 15.12.2026", december).due == dt.date(2026, 12, 15)
    # A display name is kept as typed; the command resolves it in its room.
    assert parse_action("Anna Leitfaden", TODAY).owner == "Anna"
    named = parse_action("„Anna Beispiel“ Leitfaden", TODAY)
    assert (named.owner, named.text) == ("Anna Beispiel", "Leitfaden")
    for bad, fragment in (("", "Wer übernimmt"), ("„Anna Text", "Wer übernimmt"),
                          ("@a:example.org ", "Text fehlt"),
                          ("@a:example.org x bis 31.02.2027", "nicht im Kalender")):  # fmt: skip
        with pytest.raises(ConversionError) as caught:
            parse_action(bad, TODAY)
        assert fragment in caught.value.text("de")


def test_support_reaction_and_edited_commands() -> None:
    assert is_support("👍") and is_support("👍🏽") and is_support("👍\ufe0f") and is_support("+1")
    assert not is_support("👎") and not is_support("✅")
    assert command_rest("!notiz 3 neuer Text") == "neuer Text"
    assert command_rest("!notiz 3 10 Leute kommen") == "10 Leute kommen"
    assert command_rest("!aufgabe #3 @a:x Text bis 1.1.") == "@a:x Text bis 1.1."
    assert command_rest("nur Text") == "nur Text"


def entries() -> list[EntryView]:
    return [
        EntryView(1, "note", "@ben:x", "Mandat <nötig>", AT),
        EntryView(2, "decision", "@orga:x", "Leitfaden kommt", AT),
        EntryView(
            3, "action", "@orga:x", "Leitfaden entwerfen", AT, "@anna:x", dt.date(2026, 12, 15)
        ),
        EntryView(4, "action", "@orga:x", "Raum buchen", AT, "@ben:x", None, done=True),
    ]


TOPIC = TopicView(1, "Verankerung | der Rolle", ["rolle"], "discussed", 3, event_id=1)


def test_a_topic_with_its_log() -> None:
    from zoneinfo import ZoneInfo

    html = render_topic(TOPIC, entries(), ZoneInfo("Europe/Berlin"), "de", {"@anna:x": "Anna"})
    assert "Mandat &lt;nötig&gt;" in html and "3 Unterstützende" in html and "besprochen" in html
    # People are pills: named by the roster's name, else (plain text) by their ID.
    assert '→ <a href="https://matrix.to/#/@anna:x">Anna</a>, bis 15.12.2026 [A3, offen]' in html
    assert "→ Anna, bis 15.12.2026 [A3, offen]" in html_to_text(html)
    assert '<a href="https://matrix.to/#/@ben:x">@ben:x</a> [A4, erledigt]' in html


def test_minutes() -> None:
    minutes = MinutesView(
        event_id=1,
        title="2. Transfer-Workshop",
        starts_at=AT,
        place="Potsdam",
        timezone="Europe/Berlin",
        agenda=[(TOPIC, entries()), (TopicView(2, "Agil", [], "agenda", 0), [])],
        participants=["@ben:x", "@anna:x"],
        names={"@anna:x": "Anna Beispiel"},
    )
    markdown = render_markdown(minutes, "de")
    assert markdown.startswith("# Protokoll: 2. Transfer-Workshop\n")
    assert "**Termin:** Di., 29.09.2026, 11:30 Uhr (MESZ)" in markdown
    assert "## Teilnehmende (2)\n\n- @ben:x\n- Anna Beispiel" in markdown
    assert (
        "1. Verankerung \\| der Rolle (Nr. 1, besprochen)\n2. Agil (Nr. 2, auf der Agenda)"
        in markdown
    )
    assert "- Mandat \\<nötig\\> — @ben:x, 29.09.2026 11:30" in markdown
    assert "- [ ] Leitfaden entwerfen — verantwortlich: Anna Beispiel, bis 15.12.2026" in markdown
    assert "- [x] Raum buchen — verantwortlich: @ben:x" in markdown
    assert "## 2. Agil\n\nnichts festgehalten" in markdown
    summary = render_summary(minutes, "en", '<a href="x">file</a>')
    assert "Participants (2)" in summary and "1 note, 1 decision, 2 action items" in summary
    assert "Leitfaden entwerfen – owner: Anna Beispiel, due 15 Dec 2026" in summary
    assert "Raum buchen" not in summary  # done


def test_action_reminder() -> None:
    entry = entries()[2]
    late = render_action_reminder(
        entry, 1, "Rolle <b>", dt.date(2026, 12, 16), "<code>!x</code>", "de"
    )
    assert "seit 15.12.2026" in late and "Rolle &lt;b&gt;" in late
    assert "heute" in render_action_reminder(entry, 1, "R", dt.date(2026, 12, 15), "", "de")


def test_formatted_titles_and_entries_are_shown_sanitised() -> None:
    from zoneinfo import ZoneInfo

    topic = TopicView(
        5, "**Rolle**", [], "proposed", 0, title_html="<strong>Rolle</strong><script>y()</script>"
    )
    note = EntryView(
        1, "note", "@ben:x", "[Leitfaden](https://ex.org)", AT,
        html='<a href="https://ex.org">Leitfaden</a><script>x()</script>',
    )  # fmt: skip
    plain = EntryView(2, "note", "@ben:x", "<b>roh</b>", AT)
    html = render_topic(topic, [note, plain], ZoneInfo("Europe/Berlin"), "de", {})
    assert "<b>Nr. 5</b> <strong>Rolle</strong> – " in html
    assert '<a href="https://ex.org">Leitfaden</a></li>' in html
    assert "&lt;b&gt;roh&lt;/b&gt;" in html
    assert "script" not in html and "()" not in html
    message = render_topic_message(topic, "en")
    assert message.startswith("<b>💬 Topic no. 5: <strong>Rolle</strong></b>")
