"""The embedded default: a local Synapse with the bot, an organiser, two members, a demo room,
and the alumni space, workshop, poll and needs survey a network would have in its first hour."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from nio import (
    AsyncClient,
    JoinResponse,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomPutStateResponse,
    RoomResolveAliasResponse,
)

from bot.app import run_bot
from bot.config import PASSWORD_ENV, Config, load_config
from bot.demo_network import (
    CONFIG_FILE,
    PEOPLE,
    ROOM_NAME,
    ROOM_TOPIC,
    ROOMS,
    ROSTER_FILE,
    SPACE_ALIAS,
    SPACE_NAME,
    SURVEY_TITLE,
    config_toml,
    roster_toml,
    survey_file,
    survey_toml,
    workshop_day,
)
from bot.demo_people import Account, AccountBook, DemoChat, client_for
from bot.homeserver import LocalSynapse, choose_port, stop_leftover, synapse_installed

DEMO_PORT = 8008
HTTP_PORT = 8080
DISPLAY_NAMES = {person.localpart: person.display_name for person in PEOPLE}


def say(german: str, english: str) -> None:
    """A progress line for the person at the terminal, German first."""
    print(f"{german} / {english}", flush=True)


async def start_local_homeserver(
    data_dir: Path, server_name: str, port: int = DEMO_PORT
) -> LocalSynapse:
    synapse_dir = data_dir / "synapse"
    if await asyncio.to_thread(stop_leftover, synapse_dir):
        say(
            "Ein noch laufender Synapse der Demo wurde beendet.",
            "Stopped a Synapse of the demo that was still running.",
        )
    chosen = await choose_port(port)
    if chosen != port:
        say(
            f"Port {port} ist belegt; Synapse nimmt Port {chosen}.",
            f"Port {port} is taken; Synapse uses port {chosen}.",
        )
    synapse = LocalSynapse(synapse_dir, port=chosen, server_name=server_name, reuse=True)
    if not await asyncio.to_thread(synapse_installed, synapse.venv_dir):
        say(
            "Installiere Synapse (beim ersten Mal, ~20 s) …",
            "Installing Synapse (first time, ~20 s)…",
        )
    say(f"Starte Synapse auf {synapse.base_url} …", f"Starting Synapse on {synapse.base_url}…")
    await synapse.start()
    return synapse


async def run_with_local_homeserver(config: Config, data_dir: Path) -> None:
    """`alumni-bot run` when no homeserver is configured."""
    server_name = config.server_name
    synapse = await start_local_homeserver(data_dir, server_name)
    try:
        book = AccountBook(data_dir / "accounts.json")
        bot = await book.ensure(synapse, config.matrix.user_id[1:].split(":")[0], "alumni-bot")
        matrix = replace(config.matrix, password=bot.password, access_token=None)
        print(f"Homeserver: {synapse.base_url}  Bot: {bot.user_id}")
        await run_bot(replace(config, matrix=matrix), synapse.base_url)
    finally:
        await synapse.stop()


@dataclass(frozen=True)
class Seeded:
    """What the demo made with the bot's commands (numbers as the bot gave them)."""

    event: int
    poll: int


async def choose_http_port(preferred: int) -> int:
    """The web page's port: `preferred` if free, else any free one (said, as for Synapse)."""
    chosen = await choose_port(preferred)
    if chosen != preferred:
        say(
            f"Port {preferred} ist belegt; die Web-Seite nimmt Port {chosen}.",
            f"Port {preferred} is taken; the web page uses port {chosen}.",
        )
    return chosen


async def run_demo(
    data_dir: Path, *, smoke: bool = False, port: int = DEMO_PORT, http_port: int = HTTP_PORT
) -> None:
    """Start everything, print the logins, run until Ctrl-C (with `smoke`: check, then exit).
    `port` is the homeserver's, `http_port` the web page's (each if free)."""
    synapse = await start_local_homeserver(data_dir, "localhost", port)
    try:
        say("Lege die Demo-Konten an …", "Creating the demo accounts…")
        book = AccountBook(data_dir / "accounts.json")
        bot = await book.ensure(synapse, "alumni-bot", "alumni-bot")
        people = {
            name: await book.ensure(synapse, name, display)
            for name, display in DISPLAY_NAMES.items()
        }
        say("Richte den Demo-Raum ein …", "Setting up the demo room…")
        room_id = await _ensure_room(synapse.base_url, book, bot, people)
        http_port = await choose_http_port(http_port)
        day = workshop_day(dt.date.today())
        config_path = write_demo_files(
            data_dir, synapse, bot, people["orga"], http_port, day, room_id
        )
        config = load_config(config_path, env={PASSWORD_ENV: bot.password})
        say("Starte den Bot …", "Starting the bot…")
        stop = asyncio.Event()
        bot_task = asyncio.create_task(run_bot(config, synapse.base_url, stop))
        try:
            chat = await DemoChat.open(synapse.base_url, book, "orga", room_id, bot.user_id)
            try:
                seeded = await _seed(chat, book, day)
                say(
                    "Warte, bis der Bot den Space eingerichtet hat …",
                    "Waiting for the bot to set up the space…",
                )
                space_id = await _wait_for_space(chat.client, synapse.server_name)
                if smoke:
                    await chat.ask("!hilfe")
                    print("Smoke-Test: der Bot hat auf !hilfe geantwortet.")
                    orga = people["orga"].user_id
                    print(f"Smoke-Test: {orga} ist in den Space {space_id} eingeladen.")
                    if await _in_space(chat.client, room_id, space_id):
                        print("Smoke-Test: der Demo-Raum gehört zum Space.")
                    web = config.http.base_url
                    if await _web_page_answers(web):
                        print(f"Smoke-Test: die Web-Seite antwortet auf {web}/web/.")
            finally:
                await chat.client.close()
            _print_banner(synapse, config, bot, people, room_id, seeded, day)
            if not smoke:
                await bot_task
        finally:
            stop.set()
            await bot_task
    finally:
        await synapse.stop()
        if not smoke:
            say("Demo beendet.", "Demo stopped.")


def write_demo_files(
    data_dir: Path,
    synapse: LocalSynapse,
    bot: Account,
    organiser: Account,
    http_port: int,
    day: dt.date,
    room_id: str,
) -> Path:
    """The configuration and roster (at every start: the ports may differ), and the survey of
    the coming workshop (once: a changed file would redefine it). The demo room `room_id` is a
    room of the space."""
    survey = survey_file(day)
    survey_path = data_dir / survey
    if not survey_path.exists():
        survey_path.write_text(survey_toml(day), encoding="utf-8")
    (data_dir / ROSTER_FILE).write_text(roster_toml(synapse.server_name), encoding="utf-8")
    config_path = data_dir / CONFIG_FILE
    text = config_toml(
        synapse.base_url,
        bot.user_id,
        organiser.user_id,
        http_port,
        data_dir / "alumni-bot.db",
        survey,
        room_id,
    )
    config_path.write_text(text, encoding="utf-8")
    return config_path


async def _ensure_room(
    base_url: str, book: AccountBook, bot: Account, people: dict[str, Account]
) -> str:
    """The organiser's demo room, with the bot at power 100 so that the space can take it in
    (link it, set its join rule and rights) like a room of its own."""
    existing = book.data.get("_room", {}).get("room_id")
    orga = await client_for(base_url, book, "orga")
    try:
        if existing:
            # A demo room of an earlier version, made before the space took it in.
            await _give_bot_power(orga, existing, bot.user_id)
            return existing
        created = await orga.room_create(
            name=ROOM_NAME,
            topic=ROOM_TOPIC,
            invite=[bot.user_id, people["mitglied1"].user_id, people["mitglied2"].user_id],
        )
        if not isinstance(created, RoomCreateResponse):
            raise RuntimeError(f"creating the demo room failed: {created}")
        await _give_bot_power(orga, created.room_id, bot.user_id)
    finally:
        await orga.close()
    for name in ("mitglied1", "mitglied2"):
        member = await client_for(base_url, book, name)
        try:
            joined = await member.join(created.room_id)
            if not isinstance(joined, JoinResponse):
                raise RuntimeError(f"{name} could not join the demo room: {joined}")
        finally:
            await member.close()
    book.data["_room"] = {"room_id": created.room_id}
    book.save()
    return created.room_id


async def _give_bot_power(client: AsyncClient, room_id: str, bot_id: str) -> None:
    state = await client.room_get_state_event(room_id, "m.room.power_levels")
    if not isinstance(state, RoomGetStateEventResponse):
        raise RuntimeError(f"reading the demo room's power levels failed: {state}")
    levels = dict(state.content)
    users = dict(levels.get("users", {}))
    if users.get(bot_id, 0) >= 100:
        return
    levels["users"] = users | {bot_id: 100}
    response = await client.room_put_state(room_id, "m.room.power_levels", levels)
    if not isinstance(response, RoomPutStateResponse):
        raise RuntimeError(f"giving the bot power in the demo room failed: {response}")


WORKSHOP = (
    '!termin neu "2. Transfer-Workshop Smart City Manager:in" {day} 10:00-16:00 ort "Potsdam" '
    "geschlossen beschreibung Organisatorische Ausgestaltung der Rolle in der Kommune: "
    "Wissenstransfer, Austausch und die Erhebung weiterer kommunaler Bedarfe. Mit den "
    "Fachvorgesetzten und der KTS."
)
WORKSHOP_TOPICS = (
    "Organisatorische Rahmenbedingungen und Verankerung in den Verwaltungsstrukturen #rolle",
    "Tätigkeitsumfang der Smart City Manager:innen #rolle",
    "Agiles Arbeiten innerhalb der Verwaltung #agil",
)
POLL = (
    '!umfrage "Welches Thema soll der Workshop am {day} vertiefen?" '
    '"Verankerung in den Verwaltungsstrukturen" "Tätigkeitsumfang" "Agiles Arbeiten" '
    '"Weitere kommunale Bedarfe" --bis {eve} 18:00'
)


async def _seed(chat: DemoChat, book: AccountBook, day: dt.date) -> Seeded:
    """Once each, made with the bot's own commands as an organiser would: the workshop of the
    announcement this product grew from, with its three topics on the agenda, and a poll on
    what it should go into."""
    seeded = dict(book.data.get("_seeded", {}))
    if "event" not in seeded:
        created = await chat.ask(WORKSHOP.format(day=f"{day:%d.%m.%Y}"))
        event = _number(created, "the demo workshop")
        numbers = []
        for title in WORKSHOP_TOPICS:
            numbers.append(_number(await chat.ask(f"!thema {title} termin {event}"), title))
        await chat.ask(f"!agenda {event} setzen {' '.join(map(str, numbers))}")
        seeded["event"] = event
        _keep_seeded(book, seeded)
        print(f"Demo: Workshop (Termin Nr. {event}) mit {len(numbers)} Themen auf der Agenda.")
    if "poll" not in seeded:
        eve = day - dt.timedelta(days=1)
        asked = POLL.format(day=f"{day:%d.%m.}", eve=f"{eve:%d.%m.%Y}")
        seeded["poll"] = _number(await chat.ask(asked), "the demo poll")
        _keep_seeded(book, seeded)
        print(f"Demo: Umfrage Nr. {seeded['poll']} zu den Themen des Workshops.")
    return Seeded(event=seeded["event"], poll=seeded["poll"])


def _number(reply: str, what: str) -> int:
    found = re.search(r"Nr\. (\d+)", reply)
    if found is None:
        raise RuntimeError(f"{what} was not created: {reply}")
    return int(found[1])


def _keep_seeded(book: AccountBook, seeded: dict[str, int]) -> None:
    book.data["_seeded"] = seeded  # type: ignore[assignment]
    book.save()


async def _wait_for_space(client: AsyncClient, server_name: str) -> str:
    """The space's id once the bot has made it and its rooms (in the background after its
    first sync) and invited the organiser, whose client this is."""
    since = None
    for _ in range(120):
        rooms = {**client.invited_rooms, **client.rooms}
        space_id = next((i for i, room in rooms.items() if room.name == SPACE_NAME), None)
        # Asked only once the invitation is there: an unknown alias makes nio log a warning.
        if space_id is not None and await _aliases_resolve(client, server_name):
            return space_id
        since = (await client.sync(timeout=1000, since=since)).next_batch
    raise RuntimeError("the bot did not set up the space within 2 minutes")


async def _in_space(client: AsyncClient, room_id: str, space_id: str) -> bool:
    """Whether the bot has linked the demo room to the space (it does so right after making
    the space's rooms)."""
    for _ in range(60):
        parent = await client.room_get_state_event(room_id, "m.space.parent", space_id)
        if isinstance(parent, RoomGetStateEventResponse) and parent.content.get("via"):
            return True
        await asyncio.sleep(1)
    return False


async def _aliases_resolve(client: AsyncClient, server_name: str) -> bool:
    for alias in (SPACE_ALIAS, *(key for key, *_ in ROOMS)):
        resolved = await client.room_resolve_alias(f"#{alias}:{server_name}")
        if not isinstance(resolved, RoomResolveAliasResponse):
            return False
    return True


def web_lines(config: Config) -> list[str]:
    """The banner's links to the bot's HTTP server, at the address it listens on."""
    web = config.http.base_url
    return [
        f"  Web-Seite / Web page: {web}/web/  (Anmeldelink / login link: !web im Raum / in the "
        "room)",
        f"  Web: {web}/healthz  {web}/events.ics  {web}/metrics",
    ]


async def _web_page_answers(web: str) -> bool:
    """Whether the web page is served there: without a login it asks for one (401)."""
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{web}/web/", allow_redirects=False) as response,
    ):
        return response.status == 401 and "!web" in await response.text()


def _print_banner(
    synapse: LocalSynapse,
    config: Config,
    bot: Account,
    people: dict[str, Account],
    room_id: str,
    seeded: Seeded,
    day: dt.date,
) -> None:
    space = f"#{SPACE_ALIAS}:{synapse.server_name}"
    print()
    print("alumni-bot läuft. Verbinde Element (oder einen anderen Client) mit:")
    print("  (alumni-bot is running. Connect Element or any Matrix client with:)")
    print(f"  Homeserver: {synapse.base_url}")
    for name, account in people.items():
        print(f"  {DISPLAY_NAMES[name]}: {account.user_id}  Passwort: {account.password}")
    print(f"  Bot: {bot.user_id}")
    print(f"  Raum: {ROOM_NAME} ({room_id})")
    rooms = len(ROOMS) + 1  # and the demo room
    print(f"  Space: {SPACE_NAME} ({space}), mit {rooms} Räumen / with {rooms} rooms")
    print(
        f"  Im Raum / In the room: Workshop am {day:%d.%m.%Y} (Termin Nr. {seeded.event}) mit "
        f"Agenda, Umfrage Nr. {seeded.poll}"
    )
    print(
        f"  Bedarfserhebung / Needs survey: „{SURVEY_TITLE}“ – im Direktchat mit dem Bot "
        "!bedarfe schreiben / write !needs in a direct chat with the bot"
    )
    for line in web_lines(config):
        print(line)
    print("Schreib im Raum: !hilfe   (English: !help)   Beenden / Stop: Strg+C / Ctrl-C")
    print()
