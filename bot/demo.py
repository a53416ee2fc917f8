"""The embedded default: a local Synapse with the bot, an organiser, two members and a demo room."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from nio import AsyncClient, JoinResponse, LoginResponse, RoomCreateResponse

from bot.app import run_bot
from bot.config import BotConfig, Config, HttpConfig, MatrixConfig, StorageConfig
from bot.homeserver import LocalSynapse, free_port, port_is_free

log = logging.getLogger(__name__)

DEMO_PORT = 8008
ROOM_NAME = "Alumni-Netzwerk Smart City Manager:innen (Demo)"
ROOM_TOPIC = (
    "Austausch der Smart City Manager:innen in Brandenburg – "
    "2. Transfer-Workshop am 29. September. Schreib !hilfe für die Befehle."
)
PEOPLE = {
    "orga": "Organisation (MIL / DigitalAgentur)",
    "mitglied1": "Smart City Managerin Beispielstadt",
    "mitglied2": "Smart City Manager Musterhausen",
}


@dataclass(frozen=True)
class Account:
    user_id: str
    password: str


class AccountBook:
    """Demo logins kept in the data dir, so a second start keeps the same users and room."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}

    async def ensure(self, synapse: LocalSynapse, localpart: str, display: str) -> Account:
        entry = self.data.get(localpart)
        if entry is None:
            entry = {"password": secrets.token_urlsafe(12)}
            self.data[localpart] = entry
            self.save()
        user_id = await synapse.register_user(localpart, entry["password"], displayname=display)
        return Account(user_id, entry["password"])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data, indent=2))
        self.path.chmod(0o600)


async def start_local_homeserver(data_dir: Path, server_name: str) -> LocalSynapse:
    port = DEMO_PORT if port_is_free(DEMO_PORT) else free_port()
    synapse = LocalSynapse(data_dir / "synapse", port=port, server_name=server_name, reuse=True)
    print(f"Starte lokalen Synapse auf http://127.0.0.1:{port} … (beim ersten Mal ~1 min)")
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


async def run_demo(data_dir: Path, *, smoke: bool = False) -> None:
    """Start everything, print the logins, run until Ctrl-C (with `smoke`: check, then exit)."""
    synapse = await start_local_homeserver(data_dir, "localhost")
    try:
        book = AccountBook(data_dir / "accounts.json")
        bot = await book.ensure(synapse, "alumni-bot", "alumni-bot")
        people = {
            name: await book.ensure(synapse, name, display) for name, display in PEOPLE.items()
        }
        http_port = 8080 if port_is_free(8080) else free_port()
        config = Config(
            # The demo homeserver relaxes its rate limits, so the bot need not pace itself.
            matrix=MatrixConfig(
                homeserver=synapse.base_url,
                user_id=bot.user_id,
                password=bot.password,
                send_rate_per_second=50.0,
                send_burst=50,
            ),
            bot=BotConfig(organisers=(people["orga"].user_id,), allowed_servers=("localhost",)),
            storage=StorageConfig(url=f"sqlite+aiosqlite:///{data_dir / 'alumni-bot.db'}"),
            http=HttpConfig(port=http_port),
        )
        stop = asyncio.Event()
        bot_task = asyncio.create_task(run_bot(config, synapse.base_url, stop))
        try:
            room_id = await _ensure_room(synapse.base_url, book, bot, people)
            chat = await DemoChat.open(synapse.base_url, people["orga"], room_id, bot.user_id)
            try:
                await _seed_workshop(chat, book)
                if smoke:
                    await chat.ask("!hilfe")
                    print("Smoke-Test: der Bot hat auf !hilfe geantwortet.")
            finally:
                await chat.client.close()
            _print_logins(synapse.base_url, http_port, bot, people, room_id)
            if not smoke:
                await bot_task
        finally:
            stop.set()
            await bot_task
    finally:
        await synapse.stop()


async def _ensure_room(
    base_url: str, book: AccountBook, bot: Account, people: dict[str, Account]
) -> str:
    existing = book.data.get("_room", {}).get("room_id")
    if existing:
        return existing
    orga = await _client(base_url, people["orga"])
    try:
        created = await orga.room_create(
            name=ROOM_NAME,
            topic=ROOM_TOPIC,
            invite=[bot.user_id, people["mitglied1"].user_id, people["mitglied2"].user_id],
        )
        if not isinstance(created, RoomCreateResponse):
            raise RuntimeError(f"creating the demo room failed: {created}")
    finally:
        await orga.close()
    for name in ("mitglied1", "mitglied2"):
        member = await _client(base_url, people[name])
        try:
            joined = await member.join(created.room_id)
            if not isinstance(joined, JoinResponse):
                raise RuntimeError(f"{name} could not join the demo room: {joined}")
        finally:
            await member.close()
    book.data["_room"] = {"room_id": created.room_id}
    book.save()
    return created.room_id


async def _client(base_url: str, account: Account) -> AsyncClient:
    client = AsyncClient(base_url, account.user_id)
    response = await client.login(account.password, device_name="alumni-bot demo")
    if not isinstance(response, LoginResponse):
        await client.close()
        raise RuntimeError(f"login as {account.user_id} failed: {response}")
    return client


WORKSHOP = (
    '!termin neu "2. Transfer-Workshop Smart City Manager:in" 29.09. 10:00-16:00 ort "Potsdam" '
    "geschlossen beschreibung Organisatorische Ausgestaltung der Rolle in der Kommune: "
    "Wissenstransfer, Austausch und die Erhebung weiterer kommunaler Bedarfe. Mit den "
    "Fachvorgesetzten und der KTS."
)
WORKSHOP_TOPICS = (
    "Organisatorische Rahmenbedingungen und Verankerung in den Verwaltungsstrukturen #rolle",
    "Tätigkeitsumfang der Smart City Manager:innen #rolle",
    "Agiles Arbeiten innerhalb der Verwaltung #agil",
)


class DemoChat:
    """The organiser's client in the demo room: sends a command and waits for the bot's reply."""

    def __init__(self, client: AsyncClient, room_id: str, bot_id: str, since: str) -> None:
        self.client = client
        self.room_id = room_id
        self.bot_id = bot_id
        self.since = since

    @classmethod
    async def open(cls, base_url: str, account: Account, room_id: str, bot_id: str) -> DemoChat:
        client = await _client(base_url, account)
        chat = cls(client, room_id, bot_id, (await client.sync(timeout=0)).next_batch)
        for _ in range(60):
            room = client.rooms[room_id]
            if bot_id in room.users and bot_id not in room.invited_users:
                return chat
            chat.since = (await client.sync(timeout=1000, since=chat.since)).next_batch
        raise RuntimeError("the bot did not join the demo room within 60 s")

    async def ask(self, text: str) -> str:
        sent = await self.client.room_send(
            self.room_id, "m.room.message", {"msgtype": "m.text", "body": text}
        )
        for _ in range(60):
            response = await self.client.sync(timeout=1000, since=self.since)
            self.since = response.next_batch
            room = response.rooms.join.get(self.room_id)
            for event in room.timeline.events if room else []:
                relates = event.source.get("content", {}).get("m.relates_to", {})
                if relates.get("m.in_reply_to", {}).get("event_id") == sent.event_id:
                    return str(event.source["content"].get("body", ""))
        raise RuntimeError(f"the bot did not answer {text.split()[0]} within 60 s")


async def _seed_workshop(chat: DemoChat, book: AccountBook) -> None:
    """Once: the workshop of the announcement this product grew from, with its three topics
    on the agenda — made with the bot's own commands, as an organiser would."""
    if book.data.get("_seeded"):
        return
    created = await chat.ask(WORKSHOP)
    found = re.search(r"Nr\. (\d+)", created)
    if found is None:
        raise RuntimeError(f"the demo workshop was not created: {created}")
    numbers = []
    for title in WORKSHOP_TOPICS:
        reply = await chat.ask(f"!thema {title} termin {found[1]}")
        numbers.append(re.search(r"Nr\. (\d+)", reply)[1])  # type: ignore[index]
    await chat.ask(f"!agenda {found[1]} setzen {' '.join(numbers)}")
    book.data["_seeded"] = {"event": int(found[1])}
    book.save()
    print(f"Demo: Workshop (Termin Nr. {found[1]}) mit {len(numbers)} Themen auf der Agenda.")


def _print_logins(
    base_url: str, http_port: int, bot: Account, people: dict[str, Account], room_id: str
) -> None:
    print()
    print("alumni-bot läuft. Verbinde Element (oder einen anderen Client) mit:")
    print(f"  Homeserver: {base_url}")
    for name, account in people.items():
        print(f"  {PEOPLE[name]}: {account.user_id}  Passwort: {account.password}")
    print(f"  Bot: {bot.user_id}   Raum: {room_id}")
    print(f"  Gesundheit: http://127.0.0.1:{http_port}/healthz  Metriken: /metrics")
    print("Schreib im Raum: !hilfe   (English: !help)   Beenden: Strg+C")
    print()
