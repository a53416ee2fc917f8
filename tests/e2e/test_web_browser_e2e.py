"""The web page in a real browser (Debian's chromium driven by Playwright) against the bot and a
real Synapse: a login link read from a real direct message, used once; an event made by
keyboard in the form whose card a Matrix client sees; an answer given in chat by reaction (✅
with U+FE0F, as Element sends it) shown on the page; a member refused an organiser page, a form
without its CSRF token and an expired link refused. axe-core checks every page shown: no
serious or critical violations. One browser for the module; each person logs in once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from bot.homeserver import LocalSynapse
from tests.e2e.conftest import Room, room_with
from tests.e2e.harness import MatrixUser, start_bot
from tests.e2e.test_web_e2e import (
    answer_in_direct_chat,
    base,
    bot_messages,
    expired_link,
    login_link,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
# What Element puts in a reaction's key for ✅ (emoji with the variation selector).
YES_AS_ELEMENT_SENDS = "\u2705\ufe0f"
AXE_FAILING = {"serious", "critical"}


def chromium() -> str:
    """Debian's chromium; never skipped: the test command installs it
    (scripts/system-packages.sh), and a machine without it fails here, saying so."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    return str(CHROMIUM)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium())
        yield launched
        await launched.close()


@pytest_asyncio.fixture(scope="module")
async def site(
    synapse: LocalSynapse, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Room]:
    """One bot, its configured organiser and a member in one room, for the whole module."""
    orga = await MatrixUser.create(synapse, "orga")
    member = await MatrixUser.create(synapse, "mitglied")
    bot = await start_bot(synapse, tmp_path_factory.mktemp("web-browser"), orga)
    yield await room_with(bot, orga, member)
    await bot.stop()
    await orga.close()
    await member.close()


@dataclass
class Login:
    context: BrowserContext
    page: Page
    link: str


async def logged_in(browser: Browser, user: MatrixUser, site: Room) -> Login:
    """The link from the bot's direct message, opened in a browser of its own."""
    joined = {room_id for room_id, _event in user.events}
    link = await login_link(user, site, frozenset(joined - {site.room_id}))
    context = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = await context.new_page()
    response = await page.goto(link)
    assert response is not None and response.status == 200
    assert page.url == f"{base(site.bot)}/web/"
    return Login(context, page, link)


@pytest_asyncio.fixture(scope="module")
async def orga_login(browser: Browser, site: Room) -> AsyncIterator[Login]:
    login_ = await logged_in(browser, site.orga, site)
    yield login_
    await login_.context.close()


@pytest_asyncio.fixture(scope="module")
async def member_login(browser: Browser, site: Room) -> AsyncIterator[Login]:
    login_ = await logged_in(browser, site.member, site)
    yield login_
    await login_.context.close()


async def assert_accessible(page: Page) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    results = await Axe().run(page)
    failing = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in AXE_FAILING
    ]
    assert not failing, f"{page.url}:\n" + "\n".join(failing)


async def send_by_keyboard(page: Page, button: str) -> None:
    await page.locator("button[type=submit]", has_text=button).focus()
    await page.keyboard.press("Enter")


async def refused_by_keyboard(page: Page, button: str) -> str:
    """Send the form by keyboard; the page that refuses it must be accessible too. The
    message it reads out."""
    await send_by_keyboard(page, button)
    # The alert is on the page that answers the form: reading it waits for that page.
    alert = await page.locator("[role=alert]").inner_text()
    await assert_accessible(page)
    return alert


async def test_the_login_link_from_the_direct_message_works_once(
    browser: Browser, site: Room, orga_login: Login
) -> None:
    page = orga_login.page
    await assert_accessible(page)
    assert await page.get_attribute("html", "lang") == "de"
    # Named as the rooms name them (Synapse's default display name), not by the Matrix id.
    header = await page.locator("header").inner_text()
    assert f"Angemeldet als {site.orga.user_id[1:].split(':')[0]}" in header
    assert site.orga.user_id not in header
    # English is one link away and keeps to the session.
    await page.get_by_role("link", name="English").click()
    assert await page.get_attribute("html", "lang") == "en"
    await assert_accessible(page)
    await page.get_by_role("link", name="Deutsch").click()
    assert await page.get_attribute("html", "lang") == "de"
    # The check sees what it is for: a field without a label and grey on grey fail it.
    await page.evaluate(
        "() => { const main = document.querySelector('main');"
        " main.append(document.createElement('input'));"
        " const grey = document.createElement('p'); grey.textContent = 'grau';"
        " grey.style.color = '#aaa'; grey.style.background = '#bbb'; main.append(grey); }"
    )
    with pytest.raises(AssertionError, match=r"label \(critical\)[\s\S]*color-contrast"):
        await assert_accessible(page)
    await page.reload()

    other = await browser.new_context()
    try:
        again = await other.new_page()
        response = await again.goto(orga_login.link)
        assert response is not None and response.status == 403
        assert "gilt nicht" in await again.locator("h1").inner_text()
        await assert_accessible(again)
        # Without a session the page says how to log in.
        response = await again.goto(f"{base(site.bot)}/web/events")
        assert response is not None and response.status == 401
        assert "!web" in await again.locator("main").inner_text()
        await assert_accessible(again)
    finally:
        await other.close()


async def focus_order(page: Page, stop_at: str, most: int = 60) -> list[str]:
    """The elements Tab reaches from the top of the page, each once, until `stop_at`."""
    await page.locator("body").focus()
    order: list[str] = []
    for _ in range(most):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || e.tagName.toLowerCase() + ':' + e.textContent.trim(); }"
        )
        if not order or order[-1] != focused:
            order.append(focused)
        if focused == stop_at:
            return order
    raise AssertionError(f"Tab never reached {stop_at}: {order}")


async def test_an_event_made_by_keyboard_in_the_form_is_announced_in_the_room(
    site: Room, orga_login: Login
) -> None:
    page = orga_login.page
    await page.goto(f"{base(site.bot)}/web/")
    await page.get_by_role("link", name="Neuer Termin").click()
    assert page.url == f"{base(site.bot)}/web/events/new"
    await assert_accessible(page)

    # Every field has a label, and Tab reaches each field, the room and the button in order.
    fields = [
        *("title", "date", "start", "end", "place", "online_link", "agenda_link"),
        *("description", "reminders", "closed", "room-1"),
    ]
    for field in fields:
        labels = await page.locator(f"#{field}").evaluate(
            "e => Array.from(e.labels).map(l => l.textContent.trim())"
        )
        assert labels and all(labels), (field, labels)
    submit = "button:Termin anlegen"
    order = await focus_order(page, stop_at=submit)
    assert [item for item in order if item in (*fields, submit)] == [*fields, submit]

    # A mistake first: the same message as the command's, focusable and read out.
    start = dt.date.today() + dt.timedelta(days=40)
    await page.locator("#title").focus()
    await page.keyboard.type("Browser-Workshop <i>Daten</i>")
    # Date and time fields take typing in the browser's own order of day and month: filled.
    await page.locator("#date").fill(start.isoformat())
    await page.locator("#start").fill("10:00")
    await page.locator("#end").fill("09:00")
    await page.locator("#place").focus()
    await page.keyboard.type("Potsdam")
    await page.locator("#room-1").focus()
    await page.keyboard.press("Space")
    assert "liegt nicht nach dem Beginn" in await refused_by_keyboard(page, "Termin anlegen")
    # What was typed is kept; correct the end and send.
    assert await page.locator("#title").input_value() == "Browser-Workshop <i>Daten</i>"
    assert await page.locator("#room-1").is_checked()
    await page.locator("#end").fill("16:00")
    await send_by_keyboard(page, "Termin anlegen")
    await page.wait_for_url(re.compile(r"/web/events\?angelegt=\d+$"))
    notice = await page.get_by_role("status").inner_text()
    number = re.search(r"Termin Nr\. (\d+) angelegt", notice)
    assert number, notice
    await assert_accessible(page)
    card = page.locator(f"#termin-{number[1]}")
    assert "Browser-Workshop <i>Daten</i>" in await card.locator("h2").inner_text()

    needle = f"Termin Nr. {number[1]}:"
    (posted,) = await site.member.wait_for(
        lambda: bot_messages(site.member, site.room_id, site.bot.user_id, needle)
    )
    assert "Browser-Workshop <i>Daten</i>" in posted["content"]["body"]
    assert "Potsdam" in posted["content"]["body"]

    # The change form holds everything `!termin ändern` changes; by keyboard, as above.
    await page.goto(f"{base(site.bot)}/web/events/{number[1]}/edit")
    await assert_accessible(page)
    assert await page.locator("#reminders").input_value() == "7d 1d 1h"
    assert await page.locator("#closed").is_checked() and await page.locator("#room-1").is_checked()
    await page.locator("#reminders").fill("")
    await page.locator("#reminders").focus()
    await page.keyboard.type("3x")
    refused = await refused_by_keyboard(page, "Änderung speichern")
    assert "„3x“ ist keine Erinnerungszeit" in refused
    await page.locator("#reminders").fill("1d")
    await page.locator("#description").focus()
    await page.keyboard.type("Mit **Imbiss**")
    await send_by_keyboard(page, "Änderung speichern")
    await page.wait_for_url(re.compile(r"/web/events\?geaendert=\d+"))
    assert f"Termin Nr. {number[1]} geändert" in await page.get_by_role("status").inner_text()
    changed = f"Geändert: Termin Nr. {number[1]} "
    (notice,) = await site.member.wait_for(
        lambda: bot_messages(site.member, site.room_id, site.bot.user_id, changed)
    )
    assert "Beschreibung: neu gefasst" in notice["content"]["body"], notice["content"]["body"]
    assert "→ 1 Tag vorher" in notice["content"]["body"], notice["content"]["body"]


async def test_an_answer_given_in_chat_shows_on_the_page(
    site: Room, orga_login: Login, member_login: Login
) -> None:
    asked = await site.orga.send_text(
        site.room_id,
        '!termin neu "Stammtisch im Browser" übermorgen 18-20 Uhr ort "Cottbus"',
        **{"m.mentions": {}},
    )
    reply = await site.orga.wait_reply(asked, site.bot.user_id)
    number = re.search(r"Nr\. (\d+)", reply["content"]["body"])
    assert number, reply["content"]["body"]
    (card,) = await site.member.wait_for(
        lambda: bot_messages(site.member, site.room_id, site.bot.user_id, f"Nr. {number[1]}:")
    )
    await site.member.react(site.room_id, card["event_id"], YES_AS_ELEMENT_SENDS)

    # The organiser sees the count in the list (reloaded until the bot has it) and, on the
    # event's own page, the member's name under yes.
    page = orga_login.page
    counts = page.locator(f"#termin-{number[1]} dl")
    for _ in range(100):
        await page.goto(f"{base(site.bot)}/web/events")
        if "1 zugesagt" in await counts.inner_text():
            break
        await page.wait_for_timeout(200)
    assert "1 zugesagt" in await counts.inner_text()
    await (
        page.locator(f"#termin-{number[1]}")
        .get_by_role("link", name="Wer hat wie geantwortet?")
        .click()
    )
    assert page.url == f"{base(site.bot)}/web/events/{number[1]}"
    yes_column = page.locator(f"#termin-{number[1]} table tbody td").first
    assert site.member.user_id in await yes_column.inner_text()
    await assert_accessible(page)

    # The member sees their own answer, no names.
    mine = member_login.page
    await mine.goto(f"{base(site.bot)}/web/events")
    event = mine.locator(f"#termin-{number[1]}")
    assert "Deine Antwort: Zugesagt" in await event.inner_text()
    assert await event.locator("table").count() == 0
    await assert_accessible(mine)
    # Their own page of the event shows no names either; an unknown event is not found.
    await mine.goto(f"{base(site.bot)}/web/events/{number[1]}")
    assert await mine.locator("table").count() == 0
    assert "Deine Antwort: Zugesagt" in await mine.locator("main").inner_text()
    response = await mine.goto(f"{base(site.bot)}/web/events/{int(number[1]) + 1000}")
    assert response is not None and response.status == 404
    await assert_accessible(mine)


async def test_member_pages_forms_without_token_and_old_links_are_refused(
    browser: Browser, site: Room, orga_login: Login, member_login: Login
) -> None:
    # A member has no link to the form, and typing its address answers 403.
    mine = member_login.page
    await mine.goto(f"{base(site.bot)}/web/")
    assert await mine.get_by_role("link", name="Neuer Termin").count() == 0
    response = await mine.goto(f"{base(site.bot)}/web/events/new")
    assert response is not None and response.status == 403
    assert "Kein Zugriff" in await mine.locator("h1").inner_text()
    await assert_accessible(mine)

    # The organiser's form without its CSRF token (as a form on another site would send it).
    page = orga_login.page
    await page.goto(f"{base(site.bot)}/web/events/new")
    await page.locator("#title").fill("Ohne Token")
    await page.locator("#date").fill((dt.date.today() + dt.timedelta(days=50)).isoformat())
    await page.locator("#start").fill("10:00")
    await page.locator("#room-1").check()
    await page.locator("form.form input[name=csrf_token]").evaluate("e => e.remove()")
    async with page.expect_response(re.compile(r"/web/events/new$")) as posted:
        await page.locator("button[type=submit]", has_text="Termin anlegen").click()
    assert (await posted.value).status == 403
    assert "Formular abgelaufen" in await page.locator("h1").inner_text()
    await assert_accessible(page)
    await page.goto(f"{base(site.bot)}/web/events")
    assert "Ohne Token" not in await page.locator("main").inner_text()

    # A link whose ten minutes are over.
    link = await expired_link(site.bot, site.orga.user_id)
    fresh = await browser.new_context()
    try:
        expired = await fresh.new_page()
        response = await expired.goto(link)
        assert response is not None and response.status == 403
        assert "gilt nicht" in await expired.locator("h1").inner_text()
        assert not await fresh.cookies()
        await assert_accessible(expired)
    finally:
        await fresh.close()


async def test_a_roster_file_with_a_bad_line_is_previewed_and_refused(
    site: Room, orga_login: Login
) -> None:
    server = site.orga.user_id.split(":", 1)[1]
    text = (
        "matrix_id;name;kommune;durchgang;rolle\r\n"
        f"@anna:{server};Anna Beispiel;Potsdam;;Gast\r\n"
        f"@ben:{server};Ben;Cottbus;;Fantasierolle\r\n"
    )
    page = orga_login.page
    await page.goto(f"{base(site.bot)}/web/members")
    await assert_accessible(page)
    await page.locator("#roster-file").set_input_files(
        files=[{"name": "mitglieder.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    async with page.expect_response(re.compile(r"/web/members/import$")) as previewed:
        await page.locator("#import-roster button[type=submit]").click()
    assert (await previewed.value).status == 400
    rejected = await page.locator("#rejected-lines").inner_text()
    assert "3" in rejected and "„Fantasierolle“ ist keine Rolle" in rejected
    assert "Anna Beispiel" in await page.locator("#added-entries").inner_text()
    await assert_accessible(page)
    # Applied without "only the valid lines": refused, and the roster stays empty.
    async with page.expect_response(re.compile(r"/web/members/import$")) as applied:
        await page.locator("#apply-import button[type=submit]").click()
    assert (await applied.value).status == 400
    assert await page.locator("#import-refused").is_visible()
    await assert_accessible(page)
    await page.goto(f"{base(site.bot)}/web/members")
    assert "Das Verzeichnis ist leer." in await page.locator("main").inner_text()


def csv_rows(path: Path) -> list[list[str]]:
    """A downloaded export as Excel reads it: UTF-8 with BOM, `;` between fields."""
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


async def test_a_survey_made_on_the_page_is_answered_in_chat_and_its_csv_downloaded(
    site: Room, orga_login: Login
) -> None:
    page = orga_login.page
    await page.goto(f"{base(site.bot)}/web/surveys/new")
    await assert_accessible(page)
    await page.locator("#survey-title").fill("Browser-Erhebung")
    # Anonymous is the default; a named survey has its answers file from the first response.
    await page.locator("#survey-anonymous").uncheck()
    closes = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    await page.locator("#closes-date").fill(closes)
    await page.locator("#survey-questions").fill(
        '[[frage]]\ntext = "Wo ist die Rolle angesiedelt?"\nart = "einfach"\n'
        'antworten = ["Fachbereich", "Stabsstelle"]\n'
    )
    await page.locator("#survey-form button[type=submit]").click()
    await page.locator("#save-survey").wait_for()
    await assert_accessible(page)
    await page.locator("#save-survey button[type=submit]").click()
    await page.wait_for_url(re.compile(r"/web/surveys/\d+"))
    assert "mit Namen" in await page.get_by_role("status").inner_text()
    made = re.search(r"/web/surveys/(\d+)", page.url)
    assert made, page.url
    number = int(made[1])

    await answer_in_direct_chat(site.member, site, ["2", "absenden"])

    await page.goto(f"{base(site.bot)}/web/surveys/{number}")
    assert "1 Teilnahme" in await page.locator("main").inner_text()
    await assert_accessible(page)
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name=f"survey-{number}.csv").click()
    downloaded = await downloading.value
    rows = csv_rows(await downloaded.path())
    assert rows[0] == ["Nr.", "Person", "Abgesendet", "Wo ist die Rolle angesiedelt?"]
    assert rows[1][1] == f"'{site.member.user_id}" and rows[1][3] == "Stabsstelle"
    assert len(rows) == 2
