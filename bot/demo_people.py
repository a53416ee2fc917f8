"""The demo's people: their logins kept in the data dir, their clients (on the same device at
every start), and the organiser's chat with the bot in the demo room."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from nio import AsyncClient, LoginResponse, WhoamiResponse

from bot.homeserver import LocalSynapse


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
        if entry.get("user_id") != user_id:
            entry["user_id"] = user_id
            self.save()
        return Account(user_id, entry["password"])

    def device_of(self, localpart: str) -> tuple[str, str] | None:
        entry = self.data.get(localpart, {})
        if "device_id" in entry and "access_token" in entry:
            return entry["device_id"], entry["access_token"]
        return None

    def keep_device(self, localpart: str, device_id: str, access_token: str) -> None:
        self.data[localpart] |= {"device_id": device_id, "access_token": access_token}
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data, indent=2))
        self.path.chmod(0o600)


async def client_for(base_url: str, book: AccountBook, localpart: str) -> AsyncClient:
    """A demo person's client, on the device of their earlier starts if it still works."""
    entry = book.data[localpart]
    user_id = entry["user_id"]
    client = AsyncClient(base_url, user_id)
    kept = book.device_of(localpart)
    if kept is not None:
        client.restore_login(user_id, *kept)
        whoami = await client.whoami()
        if isinstance(whoami, WhoamiResponse) and whoami.user_id == user_id:
            return client
        client.access_token = ""
    response = await client.login(entry["password"], device_name="alumni-bot demo")
    if not isinstance(response, LoginResponse):
        await client.close()
        raise RuntimeError(f"login as {user_id} failed: {response}")
    book.keep_device(localpart, response.device_id, response.access_token)
    return client


class DemoChat:
    """The organiser's client in the demo room: sends a command and waits for the bot's reply."""

    def __init__(self, client: AsyncClient, room_id: str, bot_id: str, since: str) -> None:
        self.client = client
        self.room_id = room_id
        self.bot_id = bot_id
        self.since = since

    @classmethod
    async def open(
        cls, base_url: str, book: AccountBook, localpart: str, room_id: str, bot_id: str
    ) -> DemoChat:
        client = await client_for(base_url, book, localpart)
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
