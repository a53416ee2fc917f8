"""The event messages from commands/event_text.py, built from in-memory Event rows: the time span,
the card, changes, cancellations, reminders, nudges and missed reminders; every piece of user text
must arrive HTML-escaped."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from commands.core.i18n import Language
from commands.core.rendering import html_to_text
from commands.events.plan import MAYBE, NO, YES, reaction_answer
from commands.events.text import (
    answer_command,
    change_lines,
    format_span,
    reaction_keys,
    render_cancel,
    render_card,
    render_change,
    render_missed_reminder,
    render_nudge,
    render_reminder,
)
from storage.models import Event

BERLIN = ZoneInfo("Europe/Berlin")
# One day before the event below: Monday, 28 September 2026, 10:00 in Berlin.
NOW = dt.datetime(2026, 9, 28, 8, 0, tzinfo=dt.UTC)

EVIL_TITLE = '<script>alert("x")</script> & Co'
EVIL_TITLE_HTML = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"
EVIL_PLACE = 'Haus "A" & <B>'
EVIL_PLACE_HTML = "Haus &quot;A&quot; &amp; &lt;B&gt;"
EVIL_LINK = 'https://meet.example.org/r?a=1&b="2"<x>'
EVIL_LINK_HTML = "https://meet.example.org/r?a=1&amp;b=&quot;2&quot;&lt;x&gt;"
AGENDA_LINK = "https://example.org/agenda?x=1&y=2"
AGENDA_LINK_HTML = "https://example.org/agenda?x=1&amp;y=2"
EVIL_DESCRIPTION = "Zeile 1 <i>\nZeile 2 & mehr"
EVIL_DESCRIPTION_HTML = "Zeile 1 &lt;i&gt;<br>Zeile 2 &amp; mehr"
ALLOWED_TAGS = {"a", "b", "br", "code", "i", "p"}


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def make_event(**changes: object) -> Event:
    """Tuesday, 29 September 2026, 10:00-16:00 in Berlin, no optional fields."""
    values: dict[str, object] = {
        "id": 3,
        "title": "Transfer-Workshop",
        "starts_at": utc(2026, 9, 29, 8),
        "ends_at": utc(2026, 9, 29, 14),
        "timezone": "Europe/Berlin",
        "place": None,
        "online_link": None,
        "agenda_link": None,
        "description": None,
        "description_html": None,
        "closed": False,
        "cancel_reason": None,
    }
    values.update(changes)
    return Event(**values)


def evil_event(**changes: object) -> Event:
    return make_event(
        title=EVIL_TITLE,
        place=EVIL_PLACE,
        online_link=EVIL_LINK,
        agenda_link=AGENDA_LINK,
        description=EVIL_DESCRIPTION,
        closed=True,
        cancel_reason="Krank & <heiser>",
        **changes,
    )


class _Tags(HTMLParser):
    """The tags and attributes of a piece of HTML, to see that no user text became markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags_of(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def assert_safe(markup: str) -> None:
    """Only the bot's own tags, links only to http(s), and no raw user markup."""
    for tag, attrs in tags_of(markup):
        assert tag in ALLOWED_TAGS, (tag, markup)
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"]
            assert (attrs[0][1] or "").startswith("https://")
        else:
            assert attrs == [], (tag, attrs)
    assert "<script" not in markup
    assert "<B>" not in markup
    assert "& " not in markup


# --------------------------------------------------------------------------------------------
# format_span
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "zone", "german", "english"),
    [
        # one day: the end clock is added to the start
        (
            utc(2026, 9, 29, 8),
            utc(2026, 9, 29, 14),
            "Europe/Berlin",
            "Di., 29.09.2026, 10:00–16:00 Uhr (MESZ)",
            "Tue, 29 Sep 2026, 10:00–16:00 (CEST)",
        ),
        (
            utc(2026, 12, 1, 9),
            utc(2026, 12, 1, 11, 30),
            "Europe/Berlin",
            "Di., 01.12.2026, 10:00–12:30 Uhr (MEZ)",
            "Tue, 1 Dec 2026, 10:00–12:30 (CET)",
        ),
        # a clock that looks like the date is replaced at the clock, not in the date
        (
            utc(2026, 10, 10, 8, 10),
            utc(2026, 10, 10, 10),
            "Europe/Berlin",
            "Sa., 10.10.2026, 10:10–12:00 Uhr (MESZ)",
            "Sat, 10 Oct 2026, 10:10–12:00 (CEST)",
        ),
        # over midnight: both ends in full
        (
            utc(2026, 9, 29, 20),
            utc(2026, 9, 30, 0),
            "Europe/Berlin",
            "Di., 29.09.2026, 22:00 Uhr (MESZ) – Mi., 30.09.2026, 02:00 Uhr (MESZ)",
            "Tue, 29 Sep 2026, 22:00 (CEST) – Wed, 30 Sep 2026, 02:00 (CEST)",
        ),
        (
            utc(2026, 9, 29, 8),
            utc(2026, 10, 1, 14),
            "Europe/Berlin",
            "Di., 29.09.2026, 10:00 Uhr (MESZ) – Do., 01.10.2026, 16:00 Uhr (MESZ)",
            "Tue, 29 Sep 2026, 10:00 (CEST) – Thu, 1 Oct 2026, 16:00 (CEST)",
        ),
        # one day, but the clocks change in between: both ends in full, with their zones
        (
            utc(2026, 10, 24, 23),
            utc(2026, 10, 25, 3),
            "Europe/Berlin",
            "So., 25.10.2026, 01:00 Uhr (MESZ) – So., 25.10.2026, 04:00 Uhr (MEZ)",
            "Sun, 25 Oct 2026, 01:00 (CEST) – Sun, 25 Oct 2026, 04:00 (CET)",
        ),
        # another zone: the day is the day there
        (
            utc(2026, 9, 29, 8),
            utc(2026, 9, 29, 14),
            "UTC",
            "Di., 29.09.2026, 08:00–14:00 Uhr (UTC)",
            "Tue, 29 Sep 2026, 08:00–14:00 (UTC)",
        ),
        (
            utc(2026, 9, 29, 22),
            utc(2026, 9, 29, 23),
            "Europe/Berlin",
            "Mi., 30.09.2026, 00:00–01:00 Uhr (MESZ)",
            "Wed, 30 Sep 2026, 00:00–01:00 (CEST)",
        ),
    ],
)
def test_format_span(
    starts_at: dt.datetime, ends_at: dt.datetime, zone: str, german: str, english: str
) -> None:
    assert format_span(starts_at, ends_at, ZoneInfo(zone), "de") == german
    assert format_span(starts_at, ends_at, ZoneInfo(zone), "en") == english


# --------------------------------------------------------------------------------------------
# answer commands and reactions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "answer", "language", "expected"),
    [
        ("!", YES, "de", "<code>!teilnahme 3 ja</code>"),
        ("!", NO, "de", "<code>!teilnahme 3 nein</code>"),
        ("!", MAYBE, "de", "<code>!teilnahme 3 vielleicht</code>"),
        ("!", YES, "en", "<code>!rsvp 3 yes</code>"),
        ("!", NO, "en", "<code>!rsvp 3 no</code>"),
        ("!", MAYBE, "en", "<code>!rsvp 3 maybe</code>"),
        ("?", YES, "de", "<code>?teilnahme 3 ja</code>"),
        ("&", YES, "en", "<code>&amp;rsvp 3 yes</code>"),
    ],
)
def test_answer_command(prefix: str, answer: str, language: Language, expected: str) -> None:
    assert answer_command(prefix, 3, answer, language) == expected


def test_reaction_keys_are_read_back_as_the_answers() -> None:
    keys = reaction_keys()
    assert keys == ("✅", "❌", "❔")
    assert [reaction_answer(key) for key in keys] == [YES, NO, MAYBE]


# --------------------------------------------------------------------------------------------
# render_card and render_update
# --------------------------------------------------------------------------------------------


def test_render_card_escapes_everything_the_user_wrote() -> None:
    assert render_card(evil_event(), "!", "de") == (
        f"<b>📅 Termin Nr. 3: {EVIL_TITLE_HTML}</b>"
        "<br>🕘 Di., 29.09.2026, 10:00–16:00 Uhr (MESZ)"
        f"<br>📍 Ort: {EVIL_PLACE_HTML}"
        f'<br>💻 Online: <a href="{EVIL_LINK_HTML}">{EVIL_LINK_HTML}</a>'
        f'<br>📋 Agenda: <a href="{AGENDA_LINK_HTML}">{AGENDA_LINK_HTML}</a>'
        "<br>🔒 Geschlossene Veranstaltung – nur für das Alumni-Netzwerk."
        f"<p>{EVIL_DESCRIPTION_HTML}</p>"
        "Dabei? Reagiere mit ✅ (ja), ❌ (nein) oder ❔ (vielleicht) – oder schreibe "
        "<code>!teilnahme 3 ja</code>."
    )


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(
    "render",
    [
        lambda event, language: render_card(event, "!", language),
        lambda event, language: render_change(
            event,
            {"place": ["<alt>", EVIL_PLACE], "title": ["A & B", EVIL_TITLE]},
            [("@x:example.org", "<b>X</b> & Y")],
            "!",
            language,
        ),
        lambda event, language: render_cancel(event, language),
        lambda event, language: render_reminder(
            event, [("@x:example.org", "<b>X</b> & Y")], NOW, NOW, "!", language
        ),
        lambda event, language: render_nudge(event, NOW, "!", language),
        lambda event, language: render_missed_reminder(event, 86400, NOW, language),
    ],
    ids=["card", "update", "cancel", "reminder", "nudge", "missed"],
)
def test_every_message_keeps_user_text_out_of_the_markup(render, language: Language) -> None:
    markup = render(evil_event(), language)
    assert_safe(markup)
    assert EVIL_TITLE_HTML in markup


def test_render_card_in_english() -> None:
    html = render_card(evil_event(), "!", "en")
    assert html.startswith(f"<b>📅 Event no. 3: {EVIL_TITLE_HTML}</b><br>")
    assert "<br>🕘 Tue, 29 Sep 2026, 10:00–16:00 (CEST)<br>" in html
    assert f"<br>📍 Place: {EVIL_PLACE_HTML}<br>" in html
    assert f'💻 Online: <a href="{EVIL_LINK_HTML}">' in html
    assert f'📋 Agenda: <a href="{AGENDA_LINK_HTML}">' in html
    assert "🔒 Closed event – for the alumni network only." in html
    assert html.endswith(
        "Coming? React with ✅ (yes), ❌ (no) or ❔ (maybe) – or write <code>!rsvp 3 yes</code>."
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            "<b>📅 Termin Nr. 3: Transfer-Workshop</b>"
            "<br>🕘 Di., 29.09.2026, 10:00–16:00 Uhr (MESZ)"
            "<br>🔓 Offene Veranstaltung."
            "<br>Dabei? Reagiere mit ✅ (ja), ❌ (nein) oder ❔ (vielleicht) – oder schreibe "
            "<code>!teilnahme 3 ja</code>.",
        ),
        (
            "en",
            "<b>📅 Event no. 3: Transfer-Workshop</b>"
            "<br>🕘 Tue, 29 Sep 2026, 10:00–16:00 (CEST)"
            "<br>🔓 Open event."
            "<br>Coming? React with ✅ (yes), ❌ (no) or ❔ (maybe) – or write "
            "<code>!rsvp 3 yes</code>.",
        ),
    ],
)
def test_render_card_without_optional_fields(language: Language, expected: str) -> None:
    assert render_card(make_event(), "!", language) == expected


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        ({"place": "Potsdam"}, ["📍 Ort: Potsdam"], ["💻", "📋", "<p>"]),
        (
            {"online_link": "https://meet.example.org/x"},
            ['💻 Online: <a href="https://meet.example.org/x">https://meet.example.org/x</a>'],
            ["📍", "📋"],
        ),
        (
            {"agenda_link": "https://example.org/a"},
            ['📋 Agenda: <a href="https://example.org/a">https://example.org/a</a>'],
            ["📍", "💻"],
        ),
        ({"description": "Mit Essen"}, ["<p>Mit Essen</p>Dabei?"], ["📍"]),
        ({"closed": True}, ["🔒 Geschlossene Veranstaltung"], ["🔓"]),
        ({"closed": False}, ["🔓 Offene Veranstaltung."], ["🔒"]),
        ({"place": ""}, [], ["📍"]),
        ({"id": 42}, ["Termin Nr. 42:", "<code>!teilnahme 42 ja</code>"], ["Nr. 3"]),
    ],
)
def test_render_card_shows_only_the_fields_given(
    changes: dict[str, object], present: list[str], absent: list[str]
) -> None:
    html = render_card(make_event(**changes), "!", "de")
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html


@pytest.mark.parametrize(
    ("prefix", "language", "command"),
    [
        ("!", "de", "<code>!teilnahme 3 ja</code>"),
        ("!", "en", "<code>!rsvp 3 yes</code>"),
        ("?", "de", "<code>?teilnahme 3 ja</code>"),
    ],
)
def test_render_card_answer_hint_uses_the_prefix(
    prefix: str, language: Language, command: str
) -> None:
    assert render_card(make_event(), prefix, language).endswith(f"{command}.")


# --------------------------------------------------------------------------------------------
# render_cancel
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "language", "expected"),
    [
        (
            None,
            "de",
            f"❌ Abgesagt: Termin Nr. 3 „{EVIL_TITLE_HTML}“ am "
            "Di., 29.09.2026, 10:00–16:00 Uhr (MESZ) findet nicht statt.",
        ),
        (
            "",
            "de",
            f"❌ Abgesagt: Termin Nr. 3 „{EVIL_TITLE_HTML}“ am "
            "Di., 29.09.2026, 10:00–16:00 Uhr (MESZ) findet nicht statt.",
        ),
        (
            "Krank & <heiser>",
            "de",
            f"❌ Abgesagt: Termin Nr. 3 „{EVIL_TITLE_HTML}“ am "
            "Di., 29.09.2026, 10:00–16:00 Uhr (MESZ) findet nicht statt."
            "<br>Grund: Krank &amp; &lt;heiser&gt;",
        ),
        (
            'Sick "again"',
            "en",
            f"❌ Cancelled: event no. 3 “{EVIL_TITLE_HTML}” on "
            "Tue, 29 Sep 2026, 10:00–16:00 (CEST) will not take place."
            "<br>Reason: Sick &quot;again&quot;",
        ),
    ],
)
def test_render_cancel(reason: str | None, language: Language, expected: str) -> None:
    event = make_event(title=EVIL_TITLE, cancel_reason=reason)
    assert render_cancel(event, language) == expected


# --------------------------------------------------------------------------------------------
# render_reminder
# --------------------------------------------------------------------------------------------

COMING = [("@alice:example.org", "Alice <3 & Bob"), ("@bob:example.org", "Bob")]
COMING_HTML = (
    '<a href="https://matrix.to/#/@alice:example.org">Alice &lt;3 &amp; Bob</a>, '
    '<a href="https://matrix.to/#/@bob:example.org">Bob</a>'
)


def test_render_reminder_in_full() -> None:
    html = render_reminder(evil_event(), COMING, NOW, None, "!", "de")
    assert html == "<br>".join(
        [
            f"⏰ Erinnerung: <b>{EVIL_TITLE_HTML}</b> beginnt in 1 Tag.",
            "🕘 Di., 29.09.2026, 10:00–16:00 Uhr (MESZ)",
            f"📍 Ort: {EVIL_PLACE_HTML}",
            f'💻 Online: <a href="{EVIL_LINK_HTML}">{EVIL_LINK_HTML}</a>',
            f'📋 Agenda: <a href="{AGENDA_LINK_HTML}">{AGENDA_LINK_HTML}</a>',
            f"Zugesagt: {COMING_HTML}",
            "Dabei? Reagiere mit ✅ (ja), ❌ (nein) oder ❔ (vielleicht) – oder schreibe "
            "<code>!teilnahme 3 ja</code>.",
        ]
    )


def test_render_reminder_in_english() -> None:
    html = render_reminder(make_event(place="Potsdam"), COMING, NOW, None, "!", "en")
    assert html == "<br>".join(
        [
            "⏰ Reminder: <b>Transfer-Workshop</b> starts in 1 day.",
            "🕘 Tue, 29 Sep 2026, 10:00–16:00 (CEST)",
            "📍 Place: Potsdam",
            f"Coming: {COMING_HTML}",
            "Coming? React with ✅ (yes), ❌ (no) or ❔ (maybe) – or write "
            "<code>!rsvp 3 yes</code>.",
        ]
    )


@pytest.mark.parametrize(
    ("language", "nobody"), [("de", "Noch keine Zusagen."), ("en", "Nobody has said yes yet.")]
)
def test_render_reminder_without_yes_people(language: Language, nobody: str) -> None:
    html = render_reminder(make_event(), [], NOW, None, "!", language)
    assert f"<br>{nobody}<br>" in html
    assert "matrix.to" not in html
    assert "Zugesagt" not in html
    assert "Coming: " not in html


def test_render_reminder_pills_escape_user_ids_and_names() -> None:
    coming = [('@x"y:example.org', '"><script>alert(1)</script>')]
    html = render_reminder(make_event(), coming, NOW, None, "!", "de")
    assert (
        'Zugesagt: <a href="https://matrix.to/#/@x&quot;y:example.org">'
        "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>"
    ) in html
    assert_safe(html)


@pytest.mark.parametrize(
    ("late_due", "language", "note"),
    [
        (None, "de", None),
        (None, "en", None),
        (
            utc(2026, 9, 28, 7),
            "de",
            "<i>(verspätet gesendet – geplant war Mo., 28.09.2026, 09:00 Uhr (MESZ))</i>",
        ),
        (
            utc(2026, 9, 28, 7),
            "en",
            "<i>(sent late – it was due Mon, 28 Sep 2026, 09:00 (CEST))</i>",
        ),
    ],
)
def test_render_reminder_late_note_only_when_late(
    late_due: dt.datetime | None, language: Language, note: str | None
) -> None:
    html = render_reminder(make_event(), [], NOW, late_due, "!", language)
    if note is None:
        assert "<i>" not in html
        assert "verspätet" not in html
        assert "sent late" not in html
        assert html.endswith("</code>.")
    else:
        assert html.endswith("<br>" + note)


@pytest.mark.parametrize(
    ("now", "language", "head"),
    [
        (NOW, "de", "beginnt in 1 Tag"),
        (utc(2026, 9, 29, 7), "de", "beginnt in 1 Stunde"),
        (utc(2026, 9, 22, 8), "en", "starts in 7 days"),
        (utc(2026, 9, 29, 9), "de", "läuft gerade, endet in 5 Stunden"),
        (utc(2026, 9, 29, 9), "en", "is on now, ends in 5 hours"),
    ],
)
def test_render_reminder_counts_down_from_now(
    now: dt.datetime, language: Language, head: str
) -> None:
    html = render_reminder(make_event(), [], now, None, "!", language)
    assert html.startswith(f"⏰ {'Erinnerung' if language == 'de' else 'Reminder'}: ")
    assert f"<b>Transfer-Workshop</b> {head}.<br>" in html


# --------------------------------------------------------------------------------------------
# render_nudge
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "language", "expected"),
    [
        (
            "Potsdam",
            "de",
            "Hallo! <b>Transfer-Workshop</b> beginnt in 1 Tag: "
            "Di., 29.09.2026, 10:00–16:00 Uhr (MESZ) (Potsdam). Kommst du? Antworte hier mit "
            "<code>!teilnahme 3 ja</code>, <code>!teilnahme 3 nein</code> oder "
            "<code>!teilnahme 3 vielleicht</code>."
            "<br>Keine solchen Nachrichten mehr: <code>!erinnerungen aus</code>",
        ),
        (
            None,
            "de",
            "Hallo! <b>Transfer-Workshop</b> beginnt in 1 Tag: "
            "Di., 29.09.2026, 10:00–16:00 Uhr (MESZ). Kommst du? Antworte hier mit "
            "<code>!teilnahme 3 ja</code>, <code>!teilnahme 3 nein</code> oder "
            "<code>!teilnahme 3 vielleicht</code>."
            "<br>Keine solchen Nachrichten mehr: <code>!erinnerungen aus</code>",
        ),
        (
            EVIL_PLACE,
            "en",
            "Hello! <b>Transfer-Workshop</b> starts in 1 day: "
            f"Tue, 29 Sep 2026, 10:00–16:00 (CEST) ({EVIL_PLACE_HTML}). Are you coming? "
            "Answer here with <code>!rsvp 3 yes</code>, <code>!rsvp 3 no</code> or "
            "<code>!rsvp 3 maybe</code>."
            "<br>No more messages like this: <code>!reminders off</code>",
        ),
    ],
)
def test_render_nudge(place: str | None, language: Language, expected: str) -> None:
    html = render_nudge(make_event(place=place), NOW, "!", language)
    assert html == expected


@pytest.mark.parametrize(
    ("prefix", "language", "opt_out"),
    [
        ("?", "de", "<code>?erinnerungen aus</code>"),
        ("?", "en", "<code>?reminders off</code>"),
    ],
)
def test_render_nudge_opt_out_uses_the_prefix(
    prefix: str, language: Language, opt_out: str
) -> None:
    html = render_nudge(make_event(), NOW, prefix, language)
    assert html.endswith(opt_out)
    assert f"<code>{prefix}" in html.split("<br>")[0]
    assert "<code>!" not in html


# --------------------------------------------------------------------------------------------
# render_missed_reminder
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "language", "expected"),
    [
        (
            86400,
            "de",
            f"Die Erinnerung 1 Tag vorher an Termin Nr. 3 „{EVIL_TITLE_HTML}“ wurde nicht "
            "gesendet, weil der Bot nicht lief (geplant: Mo., 28.09.2026, 10:00 Uhr (MESZ)).",
        ),
        (
            7 * 86400,
            "de",
            f"Die Erinnerung 1 Woche vorher an Termin Nr. 3 „{EVIL_TITLE_HTML}“ wurde nicht "
            "gesendet, weil der Bot nicht lief (geplant: Mo., 28.09.2026, 10:00 Uhr (MESZ)).",
        ),
        (
            5400,
            "en",
            f"The reminder 90 minutes before event no. 3 “{EVIL_TITLE_HTML}” was not sent "
            "because the bot was not running (due: Mon, 28 Sep 2026, 10:00 (CEST)).",
        ),
    ],
)
def test_render_missed_reminder(offset: int, language: Language, expected: str) -> None:
    event = make_event(title=EVIL_TITLE)
    assert render_missed_reminder(event, offset, NOW, language) == expected


# --------------------------------------------------------------------------------------------
# the plain body
# --------------------------------------------------------------------------------------------


def test_card_plain_text_reads_sensibly() -> None:
    assert html_to_text(render_card(evil_event(), "!", "de")) == "\n".join(
        [
            '📅 Termin Nr. 3: <script>alert("x")</script> & Co',
            "🕘 Di., 29.09.2026, 10:00–16:00 Uhr (MESZ)",
            '📍 Ort: Haus "A" & <B>',
            f"💻 Online: {EVIL_LINK}",
            f"📋 Agenda: {AGENDA_LINK}",
            "🔒 Geschlossene Veranstaltung – nur für das Alumni-Netzwerk.",
            "Zeile 1 <i>",
            "Zeile 2 & mehr",
            "Dabei? Reagiere mit ✅ (ja), ❌ (nein) oder ❔ (vielleicht) – oder schreibe "
            "!teilnahme 3 ja.",
        ]
    )


def test_reminder_plain_text_reads_sensibly() -> None:
    html = render_reminder(make_event(), COMING, NOW, utc(2026, 9, 28, 7), "!", "en")
    assert html_to_text(html) == "\n".join(
        [
            "⏰ Reminder: Transfer-Workshop starts in 1 day.",
            "🕘 Tue, 29 Sep 2026, 10:00–16:00 (CEST)",
            "Coming: Alice <3 & Bob, Bob",
            "Coming? React with ✅ (yes), ❌ (no) or ❔ (maybe) – or write !rsvp 3 yes.",
            "(sent late – it was due Mon, 28 Sep 2026, 09:00 (CEST))",
        ]
    )


def test_nudge_plain_text_reads_sensibly() -> None:
    html = render_nudge(make_event(place="Potsdam"), NOW, "!", "de")
    assert html_to_text(html) == (
        "Hallo! Transfer-Workshop beginnt in 1 Tag: Di., 29.09.2026, 10:00–16:00 Uhr (MESZ) "
        "(Potsdam). Kommst du? Antworte hier mit !teilnahme 3 ja, !teilnahme 3 nein oder "
        "!teilnahme 3 vielleicht.\nKeine solchen Nachrichten mehr: !erinnerungen aus"
    )


def test_render_reminder_mentions_the_maybe_people_too() -> None:
    maybe = [("@carla:example.org", None)]
    html = render_reminder(make_event(), COMING, NOW, None, "!", "de", maybe=maybe)
    assert f"Zugesagt: {COMING_HTML}<br>" in html
    assert (
        'Vielleicht: <a href="https://matrix.to/#/@carla:example.org">@carla:example.org</a><br>'
    ) in html
    english = render_reminder(make_event(), [], NOW, None, "!", "en", maybe=maybe)
    assert "Nobody has said yes yet.<br>Maybe: <a " in english


# --------------------------------------------------------------------------------------------
# the change notice: before → after
# --------------------------------------------------------------------------------------------

TUESDAY = ["2026-09-29T08:00:00+00:00", "2026-09-29T14:00:00+00:00"]
WEDNESDAY = ["2026-09-30T12:00:00+00:00", "2026-09-30T16:00:00+00:00"]


@pytest.mark.parametrize(
    ("changes", "german", "english"),
    [
        (
            {"time": [TUESDAY, WEDNESDAY]},
            "Zeit: Di., 29.09.2026, 10:00–16:00 Uhr → Mi., 30.09.2026, 14:00–18:00 Uhr (MESZ)",
            "Time: Tue, 29 Sep 2026, 10:00–16:00 → Wed, 30 Sep 2026, 14:00–18:00 (CEST)",
        ),
        (
            # across the change of the clocks both sides keep their zone
            {"time": [TUESDAY, ["2026-11-02T09:00:00+00:00", "2026-11-02T10:00:00+00:00"]]},
            "Zeit: Di., 29.09.2026, 10:00–16:00 Uhr (MESZ) → Mo., 02.11.2026, 10:00–11:00 Uhr "
            "(MEZ)",
            "Time: Tue, 29 Sep 2026, 10:00–16:00 (CEST) → Mon, 2 Nov 2026, 10:00–11:00 (CET)",
        ),
        ({"place": ["Potsdam", "Cottbus"]}, "Ort: Potsdam → Cottbus", "Place: Potsdam → Cottbus"),
        (
            {"place": [None, "Haus <B> & Co"]},
            "Ort: keine Angabe → Haus &lt;B&gt; &amp; Co",
            "Place: none → Haus &lt;B&gt; &amp; Co",
        ),
        ({"place": ["Potsdam", None]}, "Ort: Potsdam → keine Angabe", "Place: Potsdam → none"),
        ({"title": ["Alt", "Neu"]}, "Titel: Alt → Neu", "Title: Alt → Neu"),
        (
            {"online_link": [None, "https://meet.example.org/?a=1&b=2"]},
            'Online: keine Angabe → <a href="https://meet.example.org/?a=1&amp;b=2">'
            "https://meet.example.org/?a=1&amp;b=2</a>",
            'Online: none → <a href="https://meet.example.org/?a=1&amp;b=2">'
            "https://meet.example.org/?a=1&amp;b=2</a>",
        ),
        (
            {"closed": [True, False]},
            "Zugang: nur für das Alumni-Netzwerk → offen für alle",
            "Access: alumni network only → open to all",
        ),
        (
            {"reminder_offsets": [[604800, 86400], [3600]]},
            "Erinnerungen: 1 Woche, 1 Tag vorher → 1 Stunde vorher",
            "Reminders: 1 week, 1 day before → 1 hour before",
        ),
        (
            {"reminder_offsets": [[3600], []]},
            "Erinnerungen: 1 Stunde vorher → keine",
            "Reminders: 1 hour before → none",
        ),
        (
            {"description": ["Alt", "Neu <b>"]},
            "Beschreibung: neu gefasst (siehe Ankündigung)",
            "Description: rewritten (see the announcement)",
        ),
        ({"description": ["Alt", None]}, "Beschreibung: entfernt", "Description: removed"),
    ],
)
def test_change_lines_say_before_and_after(
    changes: dict[str, list[object]], german: str, english: str
) -> None:
    assert change_lines(changes, "Europe/Berlin", "de") == [german]
    assert change_lines(changes, "Europe/Berlin", "en") == [english]


def test_change_lines_come_in_a_fixed_order() -> None:
    changes = {"place": ["A", "B"], "title": ["X", "Y"], "time": [TUESDAY, WEDNESDAY]}
    lines = change_lines(changes, "Europe/Berlin", "de")
    assert [line.split(":")[0] for line in lines] == ["Titel", "Zeit", "Ort"]


def test_render_change_mentions_yes_and_maybe_by_pill() -> None:
    html = render_change(
        make_event(title="Workshop <1>"),
        {"place": ["Potsdam", "Cottbus"]},
        COMING,
        "!",
        "de",
    )
    assert html == (
        "<b>✏️ Geändert: Termin Nr. 3 „Workshop &lt;1&gt;“</b>"
        "<br>Ort: Potsdam → Cottbus"
        f"<br>Zur Kenntnis: {COMING_HTML}"
        "<br>Dabei? Reagiere mit ✅ (ja), ❌ (nein) oder ❔ (vielleicht) – oder schreibe "
        "<code>!teilnahme 3 ja</code>."
    )
    english = render_change(make_event(), {"title": ["A", "B"]}, [], "!", "en")
    assert english.startswith("<b>✏️ Changed: event no. 3 “Transfer-Workshop”</b><br>Title: A → B")
    assert "For your attention" not in english and "matrix.to" not in english


def test_render_cancel_mentions_those_who_said_yes_or_maybe() -> None:
    html = render_cancel(make_event(), "en", COMING)
    assert html.endswith(f"<br>For your attention: {COMING_HTML}")
    assert "Zur Kenntnis" not in render_cancel(make_event(), "de")


# --------------------------------------------------------------------------------------------
# the organiser's formatted description
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("<strong>Workshop</strong> mit Essen", "<p><strong>Workshop</strong> mit Essen</p>"),
        ("<ul><li>eins</li><li>zwei</li></ul>", "<ul><li>eins</li><li>zwei</li></ul>"),
        # stored HTML is cleaned again on the way out
        ('<p onclick="x()">Hallo<script>alert(1)</script></p>', "<p>Hallo</p>"),
    ],
)
def test_render_card_keeps_the_formatted_description(stored: str, shown: str) -> None:
    html = render_card(make_event(description="plain", description_html=stored), "!", "de")
    assert f"Offene Veranstaltung.{shown}Dabei?" in html
    assert "plain" not in html
