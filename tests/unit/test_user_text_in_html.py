"""User text in the bot's messages, built by type: what a person typed into a title, a topic, a
poll or an announcement (tags, ampersands, quotes, bidi controls) stands escaped in
`formatted_body` and as typed in `body`; nothing of it becomes markup."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commands.announcements.plan import render_post
from commands.core.content import message_content
from commands.core.i18n import Language, Localized
from commands.core.mentions import pill
from commands.core.rendering import BR, Markup, bullet_list, code, escape, link, table
from commands.events.text import render_card, render_reminder
from commands.polls.plan import PollView, render_results
from commands.polls.tally import Tally
from commands.topics.plan import TopicView, render_topic_message
from storage.models import Event

BERLIN = ZoneInfo("Europe/Berlin")
DUE = dt.datetime(2026, 9, 29, 8, tzinfo=dt.UTC)
# What a person could type: a script tag, an entity, both quotes, and an override that would
# make the rest of the bot's line read backwards.
HOSTILE = "<script>alert('x')</script> & \"Co\" \u202egnuztiS\u202c"
SHOWN = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Co&quot; gnuztiS"
VISIBLE = "<script>alert('x')</script> & \"Co\" gnuztiS"
BIDI = ("\u202e", "\u202c")


def event(**changes: object) -> Event:
    values: dict[str, object] = {
        "id": 3,
        "title": HOSTILE,
        "starts_at": DUE,
        "ends_at": DUE + dt.timedelta(hours=6),
        "timezone": "Europe/Berlin",
        "place": HOSTILE,
        "online_link": None,
        "agenda_link": None,
        "description": HOSTILE,
        "description_html": None,
        "closed": False,
        "cancel_reason": None,
    }
    return Event(**(values | changes))


def poll() -> PollView:
    answers = [{"id": "a1", "text": HOSTILE}, {"id": "a2", "text": "Nein"}]
    return PollView(3, HOSTILE, answers, disclosed=True, ended=True, closes_at=None, timezone="UTC")


def topic() -> TopicView:
    return TopicView(7, HOSTILE, ["tag"], "proposed", 2, event_id=3)


MESSAGES = {
    "event card": lambda language: render_card(event(), "!", language),
    "event reminder": lambda language: render_reminder(
        event(), [("@anna:example.org", HOSTILE)], DUE - dt.timedelta(days=1), None, "!", language
    ),
    "poll result": lambda language: render_results(
        poll(), Tally({"a1": 1, "a2": 0}, voters=1, spoiled=0, ended_at=None), language
    ),
    "topic": lambda language: render_topic_message(topic(), language),
    "announcement": lambda language: render_post(HOSTILE, None, DUE, False, BERLIN, language).html,
}


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("name", MESSAGES)
def test_user_text_is_escaped_in_html_and_as_typed_in_the_body(
    name: str, language: Language
) -> None:
    html = MESSAGES[name](language)
    assert isinstance(html, Markup)
    content = message_content(html)
    formatted, body = content["formatted_body"], content["body"]
    assert SHOWN in formatted
    assert "<script" not in formatted and "& " not in formatted
    assert not any(control in formatted for control in BIDI)
    assert VISIBLE in body
    assert "&amp;" not in body and "&lt;" not in body


def test_the_announcement_body_is_the_text_as_typed() -> None:
    post = render_post(HOSTILE, None, DUE, False, BERLIN, "de")
    assert post.body == HOSTILE
    assert SHOWN in post.html


def test_a_str_given_as_html_is_sent_as_text() -> None:
    """A str is text by type: handed to the send path as the HTML, it is escaped, not trusted."""
    content = message_content(HOSTILE)  # type: ignore[arg-type]
    assert content["formatted_body"] == SHOWN
    assert content["body"] == VISIBLE


def test_str_meeting_markup_is_escaped_and_loses_its_bidi_controls() -> None:
    bold = Markup("<b>{}</b>")
    assert bold.format(HOSTILE) == f"<b>{SHOWN}</b>"
    assert Markup("<p>") + HOSTILE == f"<p>{SHOWN}"
    assert BR.join([HOSTILE, Markup("<i>ok</i>")]) == f"{SHOWN}<br><i>ok</i>"
    assert Markup("<b>%s</b>") % HOSTILE == f"<b>{SHOWN}</b>"
    assert escape(escape(HOSTILE)) == SHOWN


def test_markup_is_kept_and_not_escaped_twice() -> None:
    inner = code(HOSTILE)
    assert Markup("<p>{}</p>").format(inner) == f"<p><code>{SHOWN}</code></p>"
    assert (
        bullet_list([HOSTILE, inner]) == f"<ul><li>{SHOWN}</li><li><code>{SHOWN}</code></li></ul>"
    )


def test_links_and_pills_escape_their_address_and_label() -> None:
    assert link('https://x.test/?a=1&b="2"', HOSTILE) == (
        f'<a href="https://x.test/?a=1&amp;b=&quot;2&quot;">{SHOWN}</a>'
    )
    assert pill("@a:x.test", HOSTILE) == f'<a href="https://matrix.to/#/@a:x.test">{SHOWN}</a>'


def test_a_table_escapes_its_cells() -> None:
    assert table(["Antwort"], [[HOSTILE]]) == (
        f"<table><thead><tr><th>Antwort</th></tr></thead><tbody><tr><td>{SHOWN}</td></tr>"
        "</tbody></table>"
    )


def test_localized_html_trusts_its_own_text_and_escapes_the_values() -> None:
    text = Localized("<b>{title}</b> von {who}", "<b>{title}</b> by {who}")
    assert text.html("de", title=HOSTILE, who=pill("@a:x.test", "A")) == (
        f'<b>{SHOWN}</b> von <a href="https://matrix.to/#/@a:x.test">A</a>'
    )
    assert text.format("en", title="A & B", who="C") == "<b>A & B</b> by C"
