"""The web page on a real Synapse: a login link that arrives by a real direct message and works
once, expired links and forms without their CSRF token refused, a member kept off organiser
pages, and an event created through the form whose card a Matrix client sees in the room."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
import secrets
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from commands.web import login
from storage import web as web_storage
from storage.database import open_database
from tests.e2e.conftest import Room, room_with
from tests.e2e.harness import BotProcess, Event, MatrixUser

pytestmark = pytest.mark.e2e

LINK_RE = re.compile(r"https?://[^\s<>\"]+/web/login/[A-Za-z0-9_-]+")


def element_text(body: str) -> dict[str, Any]:
    """What Element sends for a plain command (element.md §1)."""
    return {"msgtype": "m.text", "body": body, "m.mentions": {}}


async def notifications(user: MatrixUser) -> list[dict[str, Any]]:
    url = f"{user.synapse.base_url}/_matrix/client/v3/notifications"
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == 200, await response.text()
        return list((await response.json())["notifications"])


def bot_messages(user: MatrixUser, room_id: str, bot_id: str, needle: str) -> list[Event]:
    return [
        event
        for room, event in user.events
        if room == room_id
        and event.get("sender") == bot_id
        and event.get("type") == "m.room.message"
        and needle in event.get("content", {}).get("body", "")
    ]


async def login_link(
    user: MatrixUser, room: Room, other_rooms: frozenset[str] = frozenset()
) -> str:
    """`!web` in the room; the link from the direct message the bot then sends."""
    command = await user.client.room_send(room.room_id, "m.room.message", element_text("!web"))
    reply = await user.wait_reply(command.event_id, room.bot.user_id)
    assert "Direktnachricht" in reply["content"]["body"]
    invites = await user.wait_for(lambda: user.invites - {room.room_id, *other_rooms}, within=30)
    (direct,) = invites
    await user.join(direct)
    (message,) = await user.wait_for(
        lambda: bot_messages(user, direct, room.bot.user_id, "/web/login/")
    )
    # m.text: the person asked for the link and hears it arrive; the link is a real anchor.
    assert message["content"]["msgtype"] == "m.text"
    match = LINK_RE.search(message["content"]["body"])
    assert match, message["content"]["body"]
    assert f'href="{match[0]}"' in message["content"]["formatted_body"]
    return match[0]


def browser() -> aiohttp.ClientSession:
    # unsafe: keep cookies of an IP address (the bot listens on 127.0.0.1).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def base(bot: BotProcess) -> str:
    return f"http://127.0.0.1:{bot.http_port}"


async def expired_link(bot: BotProcess, user_id: str) -> str:
    """A login link for `user_id` whose ten minutes are over (stored as `!web` stores one)."""
    token = secrets.token_urlsafe(32)
    db = await open_database(bot.storage_url)
    try:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        await web_storage.add_login(db, login.token_hash(token), user_id, past)
    finally:
        await db.close()
    return f"{base(bot)}/web/login/{token}"


def logged_in_as(user: MatrixUser) -> str:
    """The header names the person as the rooms do (by Synapse's default display name, the
    localpart), not by their Matrix id."""
    return f"Angemeldet als {user.user_id[1:].split(':')[0]}</span>"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match[1]


async def test_login_link_works_once_and_the_form_creates_an_event(room: Room) -> None:
    link = await login_link(room.orga, room)
    # The homeserver's link preview fetches the link: that must not use it up.
    preview = {"User-Agent": "Synapse (bot; +https://github.com/element-hq/synapse)"}
    async with browser() as previewer, previewer.get(link, headers=preview) as response:
        assert response.status == 200
        assert "Set-Cookie" not in response.headers
    async with browser() as page:
        async with page.get(link) as response:
            assert response.status == 200
            assert str(response.url) == f"{base(room.bot)}/web/"
            html = await response.text()
            cookie = response.history[0].headers["Set-Cookie"]
        assert '<html lang="de">' in html and logged_in_as(room.orga) in html
        assert room.orga.user_id not in html
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/web" in cookie
        # Once only: the same link in another browser is refused.
        async with browser() as other, other.get(link) as again:
            assert again.status == 403
            assert "gilt nicht" in await again.text()

        async with page.get(f"{base(room.bot)}/web/events/new") as response:
            assert response.status == 200
            form_html = await response.text()
        assert f'value="{room.room_id}"' in form_html
        assert '<label for="title">' in form_html and '<label for="date">' in form_html
        start = dt.date.today() + dt.timedelta(days=30)
        fields = {
            "form_id": hidden(form_html, "form_id"),
            "title": "Web-Workshop <b>Daten</b>",
            "date": start.isoformat(),
            "start": "10:00",
            "end": "16:00",
            "place": "Potsdam",
            "online_link": "https://meet.example.org/ws",
            "rooms": room.room_id,
        }
        # Without the form's CSRF token the POST is refused and nothing is created.
        async with page.post(f"{base(room.bot)}/web/events/new", data=fields) as response:
            assert response.status == 403
        fields["csrf_token"] = hidden(form_html, "csrf_token")
        # The same validation messages as the command's.
        wrong = fields | {"end": "09:00", "form_id": secrets.token_urlsafe(16)}
        async with page.post(f"{base(room.bot)}/web/events/new", data=wrong) as response:
            assert response.status == 400
            assert "liegt nicht nach dem Beginn" in await response.text()
        async with page.post(f"{base(room.bot)}/web/events/new", data=fields) as response:
            assert response.status == 200
            events_html = await response.text()
        number = re.search(r"Termin Nr\. (\d+) angelegt", events_html)
        assert number, events_html
        assert "Web-Workshop &lt;b&gt;Daten&lt;/b&gt;" in events_html
        assert "<b>Daten</b>" not in events_html
        assert f"/events/{number[1]}.ics" in events_html
        # Sent twice (a reload): still one event.
        async with page.post(f"{base(room.bot)}/web/events/new", data=fields) as response:
            assert f"Termin Nr. {number[1]} angelegt" in await response.text()
        async with page.get(f"{base(room.bot)}/web/events?lang=en") as response:
            english = await response.text()
        assert '<html lang="en">' in english
        assert english.count('<article class="card"') == 1
        async with page.get(f"{base(room.bot)}/web/") as response:
            assert '<html lang="en">' in await response.text()

    # The card comes from the event duty, as for `!termin neu`: the member's client sees it.
    needle = f"Termin Nr. {number[1]}:"
    (card,) = await room.member.wait_for(
        lambda: bot_messages(room.member, room.room_id, room.bot.user_id, needle)
    )
    assert card["content"]["msgtype"] == "m.text"
    assert "Web-Workshop <b>Daten</b>" in card["content"]["body"]
    assert "Potsdam" in card["content"]["body"]
    # An m.text without mentions: members are notified as of any message, nobody highlighted.
    seen = [
        n for n in await notifications(room.member) if n["event"]["event_id"] == card["event_id"]
    ]
    assert len(seen) == 1 and "notify" in seen[0]["actions"]
    # The command's answer to the same question agrees: the event is there, with its rooms.
    asked = await room.member.client.room_send(
        room.room_id, "m.room.message", element_text(f"!termin {number[1]}")
    )
    shown = await room.member.wait_reply(asked.event_id, room.bot.user_id)
    assert "Web-Workshop" in shown["content"]["body"]


async def test_members_stay_off_organiser_pages_and_old_links_fail(room: Room) -> None:
    async with browser() as page:
        async with page.get(f"{base(room.bot)}/web/") as response:
            assert response.status == 401
            assert "!web" in await response.text()
        link = await login_link(room.member, room)
        async with page.get(link) as response:
            assert response.status == 200
            assert logged_in_as(room.member) in await response.text()
        async with page.get(f"{base(room.bot)}/web/events/new") as response:
            assert response.status == 403
        async with page.get(f"{base(room.bot)}/web/events") as response:
            csrf = hidden(await response.text(), "csrf_token")
        fields = {
            "csrf_token": csrf,
            "form_id": secrets.token_urlsafe(16),
            "title": "Nicht erlaubt",
            "date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
            "start": "10:00",
            "rooms": room.room_id,
        }
        async with page.post(f"{base(room.bot)}/web/events/new", data=fields) as response:
            assert response.status == 403
        async with page.get(f"{base(room.bot)}/web/events") as response:
            assert "Nicht erlaubt" not in await response.text()

    # A link whose ten minutes are over is refused.
    link = await expired_link(room.bot, room.orga.user_id)
    async with browser() as page, page.get(link) as response:
        assert response.status == 403
        assert "gilt nicht" in await response.text()
        assert "alumni_web" not in response.headers.get("Set-Cookie", "")


async def openid_token(user: MatrixUser) -> str:
    """What Element asks the homeserver for when a widget calls `get_openid`."""
    url = (
        f"{user.synapse.base_url}/_matrix/client/v3/user/{quote(user.user_id)}/openid/request_token"
    )
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, headers=headers, json={}) as response,
    ):
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])


async def test_the_widget_logs_in_with_an_openid_token(room: Room) -> None:
    async with browser() as page:
        async with page.get(f"{base(room.bot)}/web/?widgetId=w1") as response:
            assert response.status == 401
            assert "/web/static/widget.js" in await response.text()
        openid = f"{base(room.bot)}/web/openid"
        # A made-up token, and a form post (which another site could send), log nobody in.
        async with page.post(openid, json={"access_token": "erfunden"}) as response:
            assert response.status == 403
        token = await openid_token(room.member)
        async with page.post(openid, data={"access_token": token}) as response:
            assert response.status == 415
        async with page.get(f"{base(room.bot)}/web/") as response:
            assert response.status == 401
        async with page.post(openid, json={"access_token": token}) as response:
            assert response.status == 200
        async with page.get(f"{base(room.bot)}/web/") as response:
            assert response.status == 200
            assert logged_in_as(room.member) in await response.text()
        async with page.get(f"{base(room.bot)}/web/events/new") as response:
            assert response.status == 403
    # The server asks only its configured homeserver: a server named in the request is ignored.
    async with browser() as page:
        fake = {"access_token": token + "x", "matrix_server_name": "evil.example.org"}
        async with page.post(f"{base(room.bot)}/web/openid", json=fake) as response:
            assert response.status == 403


async def test_a_room_organiser_announces_only_in_rooms_they_organise(room: Room) -> None:
    # The member organises the room (power 50) but not a second room of the bot's.
    levels = await room.orga.client.room_get_state_event(room.room_id, "m.room.power_levels")
    content = dict(levels.content)
    content["users"] = {**content.get("users", {}), room.member.user_id: 50}
    put = await room.orga.client.room_put_state(room.room_id, "m.room.power_levels", content)
    assert getattr(put, "event_id", None), put
    other = await room.orga.create_room(invite=[room.bot.user_id, room.member.user_id])
    await room.member.join(other)
    await room.orga.wait_membership(other, room.bot.user_id, "join")
    await room.orga.wait_membership(other, room.member.user_id, "join")
    link = await login_link(room.member, room, frozenset({other}))
    async with browser() as page:
        async with page.get(link) as response:
            assert response.status == 200
        form_html = ""
        async with asyncio.timeout(30):
            while f'value="{room.room_id}"' not in form_html:
                async with page.get(f"{base(room.bot)}/web/events/new") as response:
                    assert response.status == 200
                    form_html = await response.text()
                await asyncio.sleep(0.2)
        assert f'value="{other}"' not in form_html
        fields = {
            "csrf_token": hidden(form_html, "csrf_token"),
            "form_id": hidden(form_html, "form_id"),
            "title": "Raumtreffen",
            "date": (dt.date.today() + dt.timedelta(days=20)).isoformat(),
            "start": "18:00",
            "rooms": other,
        }
        async with page.post(f"{base(room.bot)}/web/events/new", data=fields) as response:
            assert response.status == 400
            assert "darfst du keinen Termin ankündigen" in await response.text()
        async with page.post(
            f"{base(room.bot)}/web/events/new", data=fields | {"rooms": room.room_id}
        ) as response:
            assert response.status == 200
            assert "Raumtreffen" in await response.text()


async def logged_in(page: aiohttp.ClientSession, user: MatrixUser, room: Room) -> None:
    async with page.get(await login_link(user, room)) as response:
        assert response.status == 200


async def csrf_of(page: aiohttp.ClientSession, bot: BotProcess, path: str) -> str:
    async with page.get(f"{base(bot)}{path}") as response:
        assert response.status == 200, path
        return hidden(await response.text(), "csrf_token")


async def test_a_roster_file_with_a_bad_line_is_previewed_and_refused(room: Room) -> None:
    server = room.orga.user_id.split(":", 1)[1]
    text = (
        "matrix_id;name;kommune;durchgang;rolle\r\n"
        f"@anna:{server};Anna Beispiel;Potsdam;;Gast\r\n"
        f"@ben:{server};Ben;Cottbus;;Fantasierolle\r\n"
    )
    async with browser() as page:
        await logged_in(page, room.orga, room)
        csrf = await csrf_of(page, room.bot, "/web/members")
        upload = aiohttp.FormData({"csrf_token": csrf})
        upload.add_field("file", text.encode(), filename="mitglieder.csv", content_type="text/csv")
        async with page.post(f"{base(room.bot)}/web/members/import", data=upload) as response:
            assert response.status == 400
            preview = await response.text()
        assert "<td>3</td><td>„Fantasierolle“ ist keine Rolle" in preview
        assert f"@anna:{server}</code>: Anna Beispiel, Potsdam, Gast" in preview
        # Confirmed without "only the valid lines": refused, the roster stays empty.
        confirm = {"csrf_token": csrf, "confirm": "yes", "file_text": text}
        async with page.post(f"{base(room.bot)}/web/members/import", data=confirm) as response:
            assert response.status == 400
            assert 'id="import-refused"' in await response.text()
        async with page.get(f"{base(room.bot)}/web/members") as response:
            roster_page = await response.text()
        assert "Anna Beispiel" not in roster_page and "Das Verzeichnis ist leer." in roster_page
    # The chat's roster says the same.
    asked = await room.orga.client.room_send(
        room.room_id, "m.room.message", element_text("!mitglieder")
    )
    reply = await room.orga.wait_reply(asked.event_id, room.bot.user_id)
    assert "Das Verzeichnis ist leer" in reply["content"]["body"]


async def test_an_announcement_made_on_the_page_is_posted_in_the_room(room: Room) -> None:
    async with browser() as page:
        await logged_in(page, room.orga, room)
        async with page.get(f"{base(room.bot)}/web/announcements") as response:
            form_html = await response.text()
        fields = {
            "csrf_token": hidden(form_html, "csrf_token"),
            "form_id": hidden(form_html, "form_id"),
            "when": "in 1 Minute",
            "rooms": room.room_id,
            "text": "Vom Web: **Treffen** um 10 Uhr <script>x()</script>",
        }
        async with page.post(f"{base(room.bot)}/web/announcements/new", data=fields) as response:
            assert response.status == 200
            listed = await response.text()
        # Listed formatted, cleaned as in chat.
        assert "geplant" in listed and "Vom Web: <strong>Treffen</strong> um 10 Uhr" in listed
        assert "<script>x()" not in listed
    (posted,) = await room.member.wait_for(
        lambda: bot_messages(room.member, room.room_id, room.bot.user_id, "Vom Web:"), within=120
    )
    # As if typed in Element: the Markdown as the body, its HTML (cleaned) as formatted_body.
    assert posted["content"]["body"] == fields["text"]
    assert posted["content"]["format"] == "org.matrix.custom.html"
    assert posted["content"]["formatted_body"] == "Vom Web: <strong>Treffen</strong> um 10 Uhr"


async def answer_in_direct_chat(user: MatrixUser, room: Room, answers: list[str]) -> None:
    """`!bedarfe` in the room, then each answer in the direct chat the bot opens."""
    asked = await user.client.room_send(room.room_id, "m.room.message", element_text("!bedarfe"))
    await user.wait_reply(asked.event_id, room.bot.user_id)
    invites = await user.wait_for(lambda: user.invites - {room.room_id}, within=30)
    (direct,) = invites
    await user.join(direct)
    await user.wait_for(lambda: bot_messages(user, direct, room.bot.user_id, "Erhebung Nr."))
    for answer in answers:
        sent = await user.client.room_send(direct, "m.room.message", element_text(answer))
        await user.wait_reply(sent.event_id, room.bot.user_id)


async def test_a_survey_made_on_the_page_is_answered_and_downloaded(room: Room) -> None:
    closes = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    async with browser() as page:
        await logged_in(page, room.orga, room)
        csrf = await csrf_of(page, room.bot, "/web/surveys/new")
        fields = {
            "csrf_token": csrf,
            "title": "Web-Erhebung",
            "closes_date": closes,
            "closes_time": "18:00",
            "questions": (
                '[[frage]]\ntext = "Wo ist die Rolle angesiedelt?"\nart = "einfach"\n'
                'antworten = ["Fachbereich", "Stabsstelle"]\n'
            ),
        }
        async with page.post(f"{base(room.bot)}/web/surveys/new", data=fields) as response:
            assert response.status == 200
            preview = await response.text()
        toml = re.search(r'<textarea name="toml" hidden>(.*?)</textarea>', preview, re.S)
        assert toml
        save = {
            "csrf_token": csrf,
            "confirm": "yes",
            "form_id": hidden(preview, "form_id"),
            "toml": toml[1].replace("&#34;", '"'),
        }
        async with page.post(f"{base(room.bot)}/web/surveys/new", data=save) as response:
            assert response.status == 200
            assert "ist angelegt: 1 Frage, mit Namen" in await response.text()
            number = int(str(response.url).split("/web/surveys/")[1].split("?")[0])

        await answer_in_direct_chat(room.member, room, ["2", "absenden"])

        async with page.get(f"{base(room.bot)}/web/surveys/{number}") as response:
            report = await response.text()
        assert "1 Teilnahme" in report and 'id="chart"' in report
        async with page.get(f"{base(room.bot)}/web/surveys/{number}/chart.png") as response:
            assert response.status == 200 and response.content_type == "image/png"
            assert (await response.read()).startswith(b"\x89PNG")
        url = f"{base(room.bot)}/web/surveys/{number}/files/survey-{number}.csv"
        async with page.get(url) as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            data = (await response.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert rows[0] == ["Nr.", "Person", "Abgesendet", "Wo ist die Rolle angesiedelt?"]
    assert rows[1][1] == f"'{room.member.user_id}" and rows[1][3] == "Stabsstelle"
    assert len(rows) == 2


ORGANISER_PAGES = (
    "/web/members",
    "/web/surveys",
    "/web/surveys/new",
    "/web/surveys/1",
    "/web/surveys/1/files/survey-1.csv",
    "/web/announcements",
    "/web/events/new",
)
ORGANISER_FORMS = (
    "/web/members/add",
    "/web/members/import",
    "/web/members/remove",
    "/web/surveys/new",
    "/web/announcements/new",
    "/web/announcements/1/cancel",
)


async def test_a_member_is_refused_every_organiser_page(room: Room) -> None:
    async with browser() as page:
        await logged_in(page, room.member, room)
        csrf = await csrf_of(page, room.bot, "/web/events")
        for path in ORGANISER_PAGES:
            async with page.get(f"{base(room.bot)}{path}") as response:
                assert response.status == 403, path
                assert "Kein Zugriff" in await response.text()
        for path in ORGANISER_FORMS:
            data = {"csrf_token": csrf, "user_id": room.member.user_id, "name": "Ich"}
            async with page.post(f"{base(room.bot)}{path}", data=data) as response:
                assert response.status == 403, path


async def test_an_event_changed_on_the_page_edits_its_card_and_posts_the_change(
    room: Room,
) -> None:
    async with browser() as page:
        await logged_in(page, room.orga, room)
        async with page.get(f"{base(room.bot)}/web/events/new") as response:
            form_html = await response.text()
        day = (dt.date.today() + dt.timedelta(days=15)).isoformat()
        fields = {
            "csrf_token": hidden(form_html, "csrf_token"),
            "form_id": hidden(form_html, "form_id"),
            "title": "Änderbar",
            "date": day,
            "start": "10:00",
            "place": "Potsdam",
            "rooms": room.room_id,
        }
        async with page.post(f"{base(room.bot)}/web/events/new", data=fields) as response:
            number = re.search(r"Termin Nr\. (\d+) angelegt", await response.text())
        assert number
        (card,) = await room.member.wait_for(
            lambda: bot_messages(room.member, room.room_id, room.bot.user_id, "Änderbar")
        )
        # A second room of the organiser's, to move the event into as well.
        second = await room_with(room.bot, room.orga, room.member)

        async def edit_form() -> str:
            """The form, once the bot has seen the member join the second room (before, the
            room looks like a direct chat, where no event is announced)."""
            async with asyncio.timeout(30):
                while True:
                    async with page.get(f"{base(room.bot)}/web/events/{number[1]}/edit") as got:
                        html = await got.text()
                    if f'value="{second.room_id}"' in html:
                        return html
                    await asyncio.sleep(0.2)

        edit_html = await edit_form()
        assert 'value="Potsdam"' in edit_html and 'value="7d 1d 1h"' in edit_html
        change = fields | {
            "form_id": hidden(edit_html, "form_id"),
            "place": "Cottbus",
            "description": "**Mit** Imbiss",
            "reminders": "2d",
            "closed": "yes",
        }
        url = f"{base(room.bot)}/web/events/{number[1]}/edit"
        data = [*change.items(), ("rooms", second.room_id)]
        async with page.post(url, data=data) as response:
            assert response.status == 200
            assert f"Termin Nr. {number[1]} geändert" in await response.text()

    def changed() -> list[Event]:
        return [
            event
            for event in bot_messages(room.member, room.room_id, room.bot.user_id, "Cottbus")
            if event["event_id"] != card["event_id"]
        ]

    seen = await room.member.wait_for(lambda: len(changed()) >= 2 and changed())
    edits = [e for e in seen if e["content"].get("m.relates_to", {}).get("rel_type") == "m.replace"]
    notices = [e for e in seen if e not in edits]
    # The card is edited in place; the change is posted as a notice of its own.
    assert edits and all(
        e["content"]["m.relates_to"]["event_id"] == card["event_id"] for e in edits
    )
    assert notices and "Potsdam" in notices[0]["content"]["body"]
    # What changed besides, before → after, and the card with the description as formatted.
    assert "2 Tage" in notices[0]["content"]["body"], notices[0]["content"]["body"]
    assert "Beschreibung: neu gefasst" in notices[0]["content"]["body"]
    new_card = edits[-1]["content"]["m.new_content"]
    assert "<strong>Mit</strong> Imbiss" in new_card["formatted_body"], new_card
    # The room new to the event gets the card itself.
    await room.member.wait_for(
        lambda: bot_messages(room.member, second.room_id, room.bot.user_id, "Änderbar")
    )
