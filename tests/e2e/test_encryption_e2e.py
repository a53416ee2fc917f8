"""Encrypted rooms and direct chats on a real Synapse, with matrix-nio[e2e] clients as members:
commands answered encrypted, announcements and reactions (the bot's own encrypted too), the same
device across restarts, a lost crypto store or its key refused, the bot's device cross-signed,
encrypted votes read back after downtime and counted when their key comes late, a kill -9
between receiving and answering, a member who left locked out, key requests answered by a
forwarded key, and features in encrypted rooms: an event reminder, a topic's thread note and its
edit, the needs survey answered in an encrypted direct chat."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    LoginResponse,
    MegolmEvent,
    RoomKeyRequest,
    RoomLeaveResponse,
    RoomPreset,
    RoomPutStateResponse,
    RoomSendResponse,
    SyncResponse,
    ToDeviceMessage,
    ToDeviceResponse,
)
from signedjson.key import decode_verify_key_bytes
from signedjson.sign import verify_signed_json
from unpaddedbase64 import decode_base64

from bot.cross_signing import ensure_cross_signed, key_signed_by, only_key
from bot.homeserver import LocalSynapse
from bot.sync_loop import crypto_upkeep
from commands.core import faults
from tests.e2e.harness import PASSWORD, BotProcess, Event, MatrixUser, unique
from tests.e2e.test_polls_e2e import RESPONSE, START, counts_in

ENCRYPTION_STATE = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


@dataclass
class LateKey:
    bot_id: str
    device: Any
    room_key: dict[str, str]


class EncryptedUser(MatrixUser):
    """A member whose client encrypts and decrypts (its own crypto store), as Element does."""

    def __init__(self, synapse: LocalSynapse, user_id: str, store: Path) -> None:
        super().__init__(synapse, user_id)
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            synapse.base_url,
            user_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
        )
        # Events that reached this client encrypted and that it could decrypt.
        self.decrypted: set[str] = set()
        # Room key requests other devices sent this one.
        self.key_requests: list[RoomKeyRequest] = []

    @classmethod
    async def create_encrypted(cls, synapse: LocalSynapse, localpart: str, store: Path) -> Any:
        user_id = await synapse.register_user(unique(localpart), PASSWORD)
        user = cls(synapse, user_id, store)
        response = await user.client.login(PASSWORD, device_name="e2e")
        assert isinstance(response, LoginResponse), response
        await crypto_upkeep(user.client)
        first = await user.client.sync(timeout=0)
        assert isinstance(first, SyncResponse), first
        user._task = asyncio.create_task(user._sync_forever(first.next_batch))
        return user

    async def _sync_forever(self, since: str) -> None:
        while True:
            response = await self.client.sync(timeout=2000, since=since)
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            await crypto_upkeep(self.client)
            since = response.next_batch
            self.invites |= set(response.rooms.invite)
            self.key_requests += [
                event for event in response.to_device_events if isinstance(event, RoomKeyRequest)
            ]
            for room_id, room in response.rooms.join.items():
                for event in room.timeline.events:
                    if getattr(event, "decrypted", False):
                        self.decrypted.add(event.event_id)
                    self._note(room_id, event.source)
            async with self._changed:
                self._changed.notify_all()

    async def send_text(self, room_id: str, body: str, **extra: Any) -> str:
        content = {"msgtype": "m.text", "body": body, "m.mentions": {}, **extra}
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """Encrypted, as Element sends reactions in encrypted rooms (nio would send them clear)."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        client = self.client
        if not client.rooms[room_id].members_synced:
            await client.joined_members(room_id)
        if client.olm.should_share_group_session(room_id):
            await client.share_group_session(room_id, ignore_unverified_devices=True)
        event_type, encrypted = client.encrypt(room_id, "m.reaction", content)
        method, path, data = Api.room_send(
            client.access_token, room_id, event_type, encrypted, unique("txn")
        )
        response = await client._send(RoomSendResponse, method, path, data, (room_id,))
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def vote(self, room_id: str, start: str, answers: list[str]) -> str:
        """An encrypted poll response, as Element sends it in an encrypted room."""
        content = {
            "m.relates_to": {"rel_type": "m.reference", "event_id": start},
            RESPONSE: {"answers": answers},
        }
        response = await self.client.room_send(
            room_id, RESPONSE, content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def withhold_room_key(self, room_id: str, bot_id: str) -> LateKey:
        """Share a new room key with everyone but the bot's device (as a client whose key
        never reached it); the key, to send it later."""
        client = self.client
        await client.joined_members(room_id)
        client.olm.users_for_key_query.add(bot_id)
        await client.keys_query()
        (device,) = client.device_store.active_user_devices(bot_id)
        client.blacklist_device(device)
        await client.share_group_session(room_id, ignore_unverified_devices=True)
        session = client.olm.outbound_group_sessions[room_id]
        room_key = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "room_id": room_id,
            "session_id": session.id,
            "session_key": session.session_key,
        }
        return LateKey(bot_id, device, room_key)

    async def send_room_key(self, late: LateKey) -> None:
        """The withheld room key, olm-encrypted to the bot's device."""
        client, device = self.client, late.device
        await client.keys_claim({late.bot_id: [device.id]})
        olm_session = client.olm.session_store.get(device.curve25519)
        payload = client.olm._olm_encrypt(olm_session, device, "m.room_key", late.room_key)
        sent = await client.to_device(
            ToDeviceMessage("m.room.encrypted", late.bot_id, device.id, payload)
        )
        assert isinstance(sent, ToDeviceResponse), sent

    async def forward_room_key(self, late: LateKey) -> None:
        """The withheld room key as a key forwarded by the device that made the session."""
        client, device = self.client, late.device
        room_id, session_id = late.room_key["room_id"], late.room_key["session_id"]
        own_key = client.olm.account.identity_keys["curve25519"]
        group_session = client.olm.inbound_group_store.get(room_id, own_key, session_id)
        await client.keys_claim({late.bot_id: [device.id]})
        olm_session = client.olm.session_store.get(device.curve25519)
        message = client.olm._encrypt_forwarding_key(room_id, group_session, olm_session, device)
        sent = await client.to_device(message)
        assert isinstance(sent, ToDeviceResponse), sent

    def can_decrypt(self, room_id: str, raw: Event) -> bool:
        """Whether this client's keys open an encrypted event as the homeserver holds it."""
        event = MegolmEvent.from_dict(raw)
        assert isinstance(event, MegolmEvent), event
        event.room_id = room_id
        try:
            self.client.decrypt_event(event)
        except EncryptionError:
            return False
        return True

    async def wait_room(self, room_id: str) -> None:
        """Until this client's sync knows the room (it encrypts only for rooms it knows)."""
        await self.wait_for(lambda: room_id in self.client.rooms)

    async def wait_decrypted_reply(self, event_id: str, bot_id: str) -> Event:
        reply = await self.wait_reply(event_id, bot_id)
        assert reply["event_id"] in self.decrypted, reply
        return reply


@dataclass
class Encrypted:
    bot: BotProcess
    orga: EncryptedUser
    member: EncryptedUser
    room_id: str


@pytest_asyncio.fixture
async def encrypted(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[Encrypted]:
    """An encrypted room of an organiser with the bot and a member, all with E2EE clients."""
    orga = await EncryptedUser.create_encrypted(synapse, "orga", tmp_path / "orga-store")
    member = await EncryptedUser.create_encrypted(synapse, "mitglied", tmp_path / "member-store")
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(synapse, tmp_path / "bot", bot_id, [orga.user_id], [synapse.server_name])
    await bot.start()
    room_id = await orga.create_room(
        invite=[bot_id, member.user_id], initial_state=[ENCRYPTION_STATE]
    )
    await member.join(room_id)
    await orga.wait_membership(room_id, bot_id, "join")
    await orga.wait_membership(room_id, member.user_id, "join")
    await member.wait_membership(room_id, bot_id, "join")
    for user in (orga, member):
        await user.wait_room(room_id)
    try:
        yield Encrypted(bot, orga, member, room_id)
    finally:
        await bot.stop()
        for user in (orga, member):
            await user.close()


def bot_texts(user: MatrixUser, room_id: str, bot_id: str, needle: str) -> list[Event]:
    return [
        event
        for room, event in user.events
        if room == room_id
        and event.get("sender") == bot_id
        and needle in event.get("content", {}).get("body", "")
    ]


def bot_reactions(user: MatrixUser, room_id: str, bot_id: str, target: Event) -> list[Event]:
    return [
        event
        for room, event in user.events
        if room == room_id
        and event.get("sender") == bot_id
        and event.get("type") == "m.reaction"
        and event["content"].get("m.relates_to", {}).get("event_id") == target["event_id"]
    ]


async def client_get(user: MatrixUser, path: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{user.synapse.base_url}{path}", headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


async def client_post(user: MatrixUser, path: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {user.client.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{user.synapse.base_url}{path}", json=body, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


async def raw_event(user: MatrixUser, room_id: str, event_id: str) -> Event:
    """The event as the homeserver holds it (encrypted where it was sent encrypted)."""
    return await client_get(user, f"/_matrix/client/v3/rooms/{room_id}/event/{event_id}")


async def assert_ciphertext_on_server(user: MatrixUser, room_id: str, event_id: str) -> None:
    raw = await raw_event(user, room_id, event_id)
    assert raw["type"] == "m.room.encrypted", raw
    assert "body" not in raw["content"]


async def bot_devices(user: MatrixUser, bot_id: str) -> dict[str, Any]:
    keys = await client_post(user, "/_matrix/client/v3/keys/query", {"device_keys": {bot_id: []}})
    return keys


async def test_a_command_in_an_encrypted_room_is_answered_encrypted(encrypted: Encrypted) -> None:
    e = encrypted
    event_id = await e.member.send_text(e.room_id, "!hilfe")
    reply = await e.member.wait_decrypted_reply(event_id, e.bot.user_id)
    assert "!termine" in reply["content"]["body"]
    assert reply["content"]["m.mentions"] == {"user_ids": [e.member.user_id]}
    # The homeserver holds only ciphertext of the answer.
    await assert_ciphertext_on_server(e.member, e.room_id, reply["event_id"])


async def test_an_announcement_reaches_the_encrypted_room(encrypted: Encrypted) -> None:
    e = encrypted
    command = await e.orga.send_text(
        e.room_id, "!ankuendigung in 2 Sekunden in hier: Der Stammtisch beginnt gleich"
    )
    await e.orga.wait_decrypted_reply(command, e.bot.user_id)
    posts = await e.member.wait_for(
        lambda: bot_texts(e.member, e.room_id, e.bot.user_id, "Der Stammtisch beginnt gleich"),
        within=30,
    )
    assert posts[0]["event_id"] in e.member.decrypted
    assert posts[0]["content"]["msgtype"] == "m.text"
    await assert_ciphertext_on_server(e.member, e.room_id, posts[0]["event_id"])


async def event_card(e: Encrypted, command: str, place: str) -> Event:
    """The organiser creates an event at `place`; its card in the room, decrypted by the member."""
    asked = await e.orga.send_text(e.room_id, command)
    await e.orga.wait_decrypted_reply(asked, e.bot.user_id)
    cards = await e.member.wait_for(lambda: bot_texts(e.member, e.room_id, e.bot.user_id, place))
    card = cards[0]
    assert card["event_id"] in e.member.decrypted
    return card


async def test_an_encrypted_reaction_answers_an_event(encrypted: Encrypted) -> None:
    e = encrypted
    command = '!termin neu "Stammtisch" übermorgen 18-20 Uhr ort "Cottbus"'
    card = await event_card(e, command, "Cottbus")
    # The bot's own ✅ ❌ ❔ under the card are encrypted, as Element encrypts reactions.
    offered = await e.member.wait_for(
        lambda: (
            len(reactions := bot_reactions(e.member, e.room_id, e.bot.user_id, card)) == 3
            and reactions
        )
    )
    for reaction in offered:
        assert reaction["event_id"] in e.member.decrypted, reaction
        await assert_ciphertext_on_server(e.member, e.room_id, reaction["event_id"])
    await e.member.react(e.room_id, card["event_id"], "✅")
    listing, shown = "", ""
    for _attempt in range(20):
        asked = await e.orga.send_text(e.room_id, "!termin antworten 1")
        content = (await e.orga.wait_decrypted_reply(asked, e.bot.user_id))["content"]
        # People are shown as pills: their name in the body, their id in the link.
        listing, shown = content["body"], content.get("formatted_body", "")
        if e.member.user_id in shown:
            break
        await asyncio.sleep(0.5)
    assert "Zugesagt (1)" in listing and f"https://matrix.to/#/{e.member.user_id}" in shown


async def open_direct_chat(member: EncryptedUser, bot_id: str) -> str:
    """A direct chat with the bot, encrypted from its start as Element X opens one; joined."""
    room_id = await member.create_room(
        invite=[bot_id],
        is_direct=True,
        preset=RoomPreset.trusted_private_chat,
        initial_state=[
            {
                "type": "m.room.guest_access",
                "state_key": "",
                "content": {"guest_access": "can_join"},
            },
            ENCRYPTION_STATE,
        ],
    )
    await member.wait_membership(room_id, bot_id, "join")
    await member.wait_room(room_id)
    return room_id


async def test_an_encrypted_direct_chat_as_element_opens_it(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    member = await EncryptedUser.create_encrypted(synapse, "mitglied", tmp_path / "member-store")
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(synapse, tmp_path / "bot", bot_id, [], [synapse.server_name])
    await bot.start()
    try:
        room_id = await open_direct_chat(member, bot_id)
        event_id = await member.send_text(room_id, "!hilfe")
        reply = await member.wait_decrypted_reply(event_id, bot_id)
        assert "!termine" in reply["content"]["body"]
        await assert_ciphertext_on_server(member, room_id, reply["event_id"])
    finally:
        await bot.stop()
        await member.close()


async def test_a_restart_keeps_the_device_and_a_lost_store_or_its_key_is_refused(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    first = await e.member.send_text(e.room_id, "!hilfe")
    await e.member.wait_decrypted_reply(first, e.bot.user_id)
    devices_before = set((await bot_devices(e.member, e.bot.user_id))["device_keys"][e.bot.user_id])
    assert len(devices_before) == 1

    await e.bot.stop()
    await e.bot.start()
    again = await e.member.send_text(e.room_id, "!hilfe")
    await e.member.wait_decrypted_reply(again, e.bot.user_id)
    devices_after = set((await bot_devices(e.member, e.bot.user_id))["device_keys"][e.bot.user_id])
    assert devices_after == devices_before

    # Without its crypto store the bot refuses to start instead of reusing the device id with
    # new keys; with the store back it runs on the same device.
    await e.bot.stop()
    store = e.bot.crypto_store
    assert store.is_dir()
    moved = e.bot.workdir / "crypto-store-away"
    shutil.move(store, moved)
    await e.bot.start(wait_healthy=False)
    assert await e.bot.wait_exit() == 1
    assert "crypto store" in e.bot.log_tail() and "--new-device" in e.bot.log_tail()
    shutil.move(moved, store)
    await e.bot.start()
    third = await e.member.send_text(e.room_id, "!hilfe")
    await e.member.wait_decrypted_reply(third, e.bot.user_id)
    devices_last = set((await bot_devices(e.member, e.bot.user_id))["device_keys"][e.bot.user_id])
    assert devices_last == devices_before

    # The store is encrypted with a random key kept beside it, for the bot alone; without
    # that key the store is refused, and the operator's key from the environment opens it.
    await e.bot.stop()
    key_file = store / "store-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 40
    key_file.unlink()
    await e.bot.start(wait_healthy=False)
    assert await e.bot.wait_exit() == 1
    assert "store-key" in e.bot.log_tail() and "ALUMNI_BOT_CRYPTO_STORE_KEY" in e.bot.log_tail()
    await e.bot.start(extra_env={"ALUMNI_BOT_CRYPTO_STORE_KEY": key})
    fourth = await e.member.send_text(e.room_id, "!hilfe")
    await e.member.wait_decrypted_reply(fourth, e.bot.user_id)
    assert not key_file.exists()


def cross_signing_of(keys: dict[str, Any], user_id: str) -> tuple[str, str]:
    """The master and self-signing public keys in a /keys/query answer, checked: the
    self-signing key carries the master key's signature."""
    master = only_key(keys["master_keys"][user_id])
    self_signing = keys["self_signing_keys"][user_id]
    assert master is not None
    assert key_signed_by(user_id, self_signing, master)
    public = only_key(self_signing)
    assert public is not None
    return master, public


def assert_device_cross_signed(keys: dict[str, Any], user_id: str) -> str:
    """Verified with signedjson from another client's view; returns the master key."""
    master, self_signing = cross_signing_of(keys, user_id)
    devices = keys["device_keys"][user_id]
    assert len(devices) == 1
    (device_id, device), *_ = devices.items()
    assert key_signed_by(user_id, device, self_signing)
    # The device's own signature is kept beside the new one.
    own = f"ed25519:{device_id}"
    verify_signed_json(
        device, user_id, decode_verify_key_bytes(own, decode_base64(device["keys"][own]))
    )
    return master


async def test_the_bots_device_is_cross_signed_by_a_lasting_identity(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    master = assert_device_cross_signed(await bot_devices(e.member, e.bot.user_id), e.bot.user_id)
    recovery = recovery_key_in(e.bot.log_path.read_text())
    assert recovery is not None
    keys_file = e.bot.crypto_store / "cross-signing.json"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600

    # A restart keeps the identity and shows no new recovery key.
    await e.bot.stop()
    await e.bot.start()
    keys = await bot_devices(e.member, e.bot.user_id)
    assert assert_device_cross_signed(keys, e.bot.user_id) == master
    assert e.bot.log_path.read_text().count("Recovery key") == 1

    # Without its keys file the bot will not make a second identity on its own ...
    await e.bot.stop()
    keys_file.unlink()
    await e.bot.start(wait_healthy=False)
    assert await e.bot.wait_exit() == 1
    assert "--replace-identity" in e.bot.log_tail() and master in e.bot.log_tail()
    # ... the recovery key restores it ...
    await e.bot.start(extra_env={"ALUMNI_BOT_RECOVERY_KEY": recovery})
    keys = await bot_devices(e.member, e.bot.user_id)
    assert assert_device_cross_signed(keys, e.bot.user_id) == master
    # ... and the operator's consent replaces it (the homeserver asks for the password).
    await e.bot.stop()
    keys_file.unlink()
    await e.bot.start(args=("--replace-identity",))
    keys = await bot_devices(e.member, e.bot.user_id)
    replaced = assert_device_cross_signed(keys, e.bot.user_id)
    assert replaced != master
    event_id = await e.member.send_text(e.room_id, "!hilfe")
    await e.member.wait_decrypted_reply(event_id, e.bot.user_id)


def recovery_key_in(log: str) -> str | None:
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if "Recovery key" in line:
            return next((text.strip() for text in lines[index + 1 :] if text.strip()), None)
    return None


async def test_only_cross_signed_devices_get_the_room_key(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    orga = await EncryptedUser.create_encrypted(synapse, "orga", tmp_path / "orga-store")
    member = await EncryptedUser.create_encrypted(synapse, "mitglied", tmp_path / "member-store")
    # The organiser's device is cross-signed by its owner; the member's is not.
    await ensure_cross_signed(orga.client, tmp_path / "orga-keys.json", PASSWORD)
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(
        synapse,
        tmp_path / "bot",
        bot_id,
        [orga.user_id],
        [synapse.server_name],
        matrix_settings={"only_cross_signed_devices": True},
    )
    await bot.start()
    try:
        room_id = await orga.create_room(
            invite=[bot_id, member.user_id], initial_state=[ENCRYPTION_STATE]
        )
        await member.join(room_id)
        await member.wait_membership(room_id, bot_id, "join")
        await orga.wait_membership(room_id, member.user_id, "join")
        for user in (orga, member):
            await user.wait_room(room_id)
        asked = await member.send_text(room_id, "!hilfe")
        # The relation stays in the clear: the member sees an answer it cannot read.
        unreadable = await member.wait_reply(asked, bot_id)
        assert unreadable["type"] == "m.room.encrypted"
        assert unreadable["event_id"] not in member.decrypted
        again = await orga.send_text(room_id, "!hilfe")
        readable = await orga.wait_decrypted_reply(again, bot_id)
        assert "!termine" in readable["content"]["body"]
    finally:
        await bot.stop()
        for user in (orga, member):
            await user.close()


async def metric(bot: BotProcess, name: str) -> float:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{bot.http_port}/metrics") as response,
    ):
        text = await response.text()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


async def test_a_command_whose_key_comes_late_is_parked_told_and_answered_once(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    orga = await EncryptedUser.create_encrypted(synapse, "orga", tmp_path / "orga-store")
    member = await EncryptedUser.create_encrypted(synapse, "mitglied", tmp_path / "member-store")
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(
        synapse,
        tmp_path / "bot",
        bot_id,
        [orga.user_id],
        [synapse.server_name],
        bot_settings={"undecryptable_notice_minutes": 0.05},
    )
    await bot.start()
    try:
        room_id = await orga.create_room(
            invite=[bot_id, member.user_id], initial_state=[ENCRYPTION_STATE]
        )
        await member.join(room_id)
        await member.wait_membership(room_id, bot_id, "join")
        for user in (orga, member):
            await user.wait_room(room_id)
        # The member's client keeps the room key from the bot's device ...
        late_key = await member.withhold_room_key(room_id, bot_id)
        asked = await member.send_text(room_id, "!hilfe")
        # ... so the bot parks the command and, after the wait, tells the member once.
        await asyncio.sleep(3.5)
        await orga.send_text(room_id, "Hallo zusammen")
        invite = await member.wait_for(lambda: member.invites - {room_id}, within=40)
        dm = next(iter(invite))
        await member.join(dm)
        notice = (await member.wait_for(lambda: bot_texts(member, dm, bot_id, "nicht lesen")))[0]
        assert "noch einmal" in notice["content"]["body"]
        assert member.reply_to(asked, bot_id) is None
        assert await metric(bot, "alumni_bot_undecryptable_events_total") == 1

        # The key arrives late (as a forwarded or re-shared key would): the command runs once.
        await member.send_room_key(late_key)
        reply = await member.wait_decrypted_reply(asked, bot_id)
        assert "!termine" in reply["content"]["body"]
        await orga.send_text(room_id, "Noch eine Nachricht")
        await asyncio.sleep(2)
        assert await member.count_replies(room_id, asked, bot_id) == 1
        assert len(bot_texts(member, dm, bot_id, "nicht lesen")) == 1
        assert await metric(bot, "alumni_bot_undecryptable_parked") == 0
    finally:
        await bot.stop()
        for user in (orga, member):
            await user.close()


async def test_a_direct_chat_the_bot_opens_is_encrypted_for_a_member_with_keys(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    asked = await e.member.send_text(e.room_id, "!hilfe alle")
    await e.member.wait_decrypted_reply(asked, e.bot.user_id)
    dm = next(iter(await e.member.wait_for(lambda: e.member.invites - {e.room_id})))
    await e.member.join(dm)
    help_text = (await e.member.wait_for(lambda: bot_texts(e.member, dm, e.bot.user_id, "!")))[0]
    assert help_text["event_id"] in e.member.decrypted
    await assert_ciphertext_on_server(e.member, dm, help_text["event_id"])
    encryption = await client_get(
        e.member, f"/_matrix/client/v3/rooms/{dm}/state/m.room.encryption/"
    )
    assert encryption["algorithm"] == "m.megolm.v1.aes-sha2"


async def test_a_room_that_turns_encryption_on_is_answered_encrypted_from_then_on(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    orga = await EncryptedUser.create_encrypted(synapse, "orga", tmp_path / "orga-store")
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    bot = BotProcess(synapse, tmp_path / "bot", bot_id, [orga.user_id], [synapse.server_name])
    await bot.start()
    try:
        room_id = await orga.create_room(invite=[bot_id])
        await orga.wait_membership(room_id, bot_id, "join")
        await orga.wait_room(room_id)
        clear = await orga.send_text(room_id, "!hilfe")
        before = await orga.wait_reply(clear, bot_id)
        assert before["type"] == "m.room.message" and before["event_id"] not in orga.decrypted
        state = await orga.client.room_put_state(
            room_id, "m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}
        )
        assert isinstance(state, RoomPutStateResponse), state
        await orga.wait_for(lambda: orga.client.rooms[room_id].encrypted)
        asked = await orga.send_text(room_id, "!hilfe")
        after = await orga.wait_decrypted_reply(asked, bot_id)
        assert "!termine" in after["content"]["body"]
        await assert_ciphertext_on_server(orga, room_id, after["event_id"])
    finally:
        await bot.stop()
        await orga.close()


async def test_encrypted_votes_cast_while_the_bot_is_down_are_read_back_and_counted(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    number, start = await start_poll(
        e, '!umfrage "Wann treffen wir uns?" "Morgens" "Abends" --zwischenstand'
    )
    ids = [answer["id"] for answer in start["content"][START]["answers"]]
    await e.member.vote(e.room_id, start["event_id"], [ids[0]])

    await e.bot.stop()
    await e.member.vote(e.room_id, start["event_id"], [ids[1]])  # changed while the bot is down
    await e.orga.vote(e.room_id, start["event_id"], [ids[1]])
    await e.bot.start()
    assert await poll_counts(e, number) == ({"Morgens": 0, "Abends": 2}, False)

    # The mirror wiped while the bot is down, as if the sync had missed the votes: at start
    # the bot reads them back from the room, encrypted, and decrypts them with the keys it kept.
    await e.bot.stop()
    await e.bot.query("DELETE FROM poll_response")
    await e.bot.start()
    assert await poll_counts(e, number) == ({"Morgens": 0, "Abends": 2}, False)


async def start_poll(e: Encrypted, command: str) -> tuple[int, Event]:
    """The organiser's poll: its number and its start event, as the member decrypted it."""
    asked = await e.orga.send_text(e.room_id, command)
    reply = await e.orga.wait_decrypted_reply(asked, e.bot.user_id)
    number = int(re.search(r"Nr\. (\d+)", reply["content"]["body"])[1])  # type: ignore[index]
    starts = await e.member.wait_for(
        lambda: [ev for room, ev in e.member.events if room == e.room_id and ev["type"] == START]
    )
    assert starts[0]["event_id"] in e.member.decrypted
    return number, starts[0]


async def poll_counts(e: Encrypted, number: int) -> tuple[dict[str, int], bool]:
    """The counts `!ergebnis` shows (the polls here show them while open: `--zwischenstand`),
    and whether it says some answers were unreadable."""
    asked = await e.orga.send_text(e.room_id, f"!ergebnis {number}")
    html = (await e.orga.wait_decrypted_reply(asked, e.bot.user_id))["content"]["formatted_body"]
    return counts_in(html), "nicht lesen" in html


async def test_a_hard_kill_between_receiving_and_answering_answers_once_and_readably(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    for fault in (faults.BEFORE_REPLY, faults.AFTER_SEND):
        await e.bot.stop()
        await e.bot.start(fault=fault)
        asked = await e.member.send_text(e.room_id, "!hilfe")
        assert await e.bot.wait_exit() == 137
        await e.bot.start()
        reply = await e.member.wait_decrypted_reply(asked, e.bot.user_id)
        assert "!termine" in reply["content"]["body"], fault
        # A later command is answered after it: by then a second answer would be there too.
        later = await e.member.send_text(e.room_id, "!hilfe")
        await e.member.wait_decrypted_reply(later, e.bot.user_id)
        assert await e.member.count_replies(e.room_id, asked, e.bot.user_id) == 1, fault


async def test_a_member_who_left_cannot_read_what_the_bot_posts_afterwards(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    before = await e.orga.send_text(e.room_id, "!hilfe")
    readable = await e.member.wait_decrypted_reply(before, e.bot.user_id)
    raw_before = await raw_event(e.orga, e.room_id, readable["event_id"])
    assert e.member.can_decrypt(e.room_id, raw_before)

    left = await e.member.client.room_leave(e.room_id)
    assert isinstance(left, RoomLeaveResponse), left
    await e.orga.wait_membership(e.room_id, e.member.user_id, "leave")
    after = await e.orga.send_text(e.room_id, "!hilfe")
    reply = await e.orga.wait_decrypted_reply(after, e.bot.user_id)
    raw_after = await raw_event(e.orga, e.room_id, reply["event_id"])
    # The bot began a new room key when the member left and gave it only to those still in.
    assert raw_after["content"]["session_id"] != raw_before["content"]["session_id"]
    assert not e.member.can_decrypt(e.room_id, raw_after)


async def test_an_encrypted_vote_whose_key_comes_late_is_counted_once_it_comes(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    number, start = await start_poll(e, '!umfrage "Wohin?" "Cottbus" "Potsdam" --zwischenstand')
    ids = [answer["id"] for answer in start["content"][START]["answers"]]
    late_key = await e.member.withhold_room_key(e.room_id, e.bot.user_id)
    await e.member.vote(e.room_id, start["event_id"], [ids[1]])
    assert await poll_counts(e, number) == ({"Cottbus": 0, "Potsdam": 0}, True)

    await e.member.send_room_key(late_key)
    counts: tuple[dict[str, int], bool] = ({}, True)
    for _attempt in range(20):
        counts = await poll_counts(e, number)
        if counts[1] is False:
            break
        await asyncio.sleep(0.5)
    assert counts == ({"Cottbus": 0, "Potsdam": 1}, False)


async def test_the_bot_asks_the_senders_device_for_a_missing_key_and_a_forwarded_key_answers(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    late_key = await e.member.withhold_room_key(e.room_id, e.bot.user_id)
    session_id = late_key.room_key["session_id"]
    asked = await e.member.send_text(e.room_id, "!hilfe")
    # The bot asks the device that sent the command for the key of its session ...
    requests = await e.member.wait_for(
        lambda: [r for r in e.member.key_requests if r.session_id == session_id]
    )
    assert requests[0].requesting_device_id and requests[0].room_id == e.room_id
    # ... and that device forwards it: the parked command runs once.
    await e.member.forward_room_key(late_key)
    reply = await e.member.wait_decrypted_reply(asked, e.bot.user_id)
    assert "!termine" in reply["content"]["body"]
    later = await e.orga.send_text(e.room_id, "!hilfe")
    await e.orga.wait_decrypted_reply(later, e.bot.user_id)
    assert await e.member.count_replies(e.room_id, asked, e.bot.user_id) == 1
    # Asked once for that session.
    assert len([r for r in e.member.key_requests if r.session_id == session_id]) == 1


async def test_an_event_reminder_is_posted_encrypted_and_a_member_reads_it(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    # Due in 70 s with a reminder 1 minute before: the reminder comes ~10 s after the card.
    card = await event_card(
        e, '!termin neu "Stammtisch" in 70 Sekunden ort "Potsdam" erinnerungen 1min', "Potsdam"
    )
    await e.member.react(e.room_id, card["event_id"], "✅")
    reminder = (
        await e.member.wait_for(
            lambda: bot_texts(e.member, e.room_id, e.bot.user_id, "⏰ Erinnerung"), within=40
        )
    )[0]
    assert reminder["event_id"] in e.member.decrypted
    assert "Stammtisch" in reminder["content"]["body"]
    assert reminder["content"]["msgtype"] == "m.text"
    await assert_ciphertext_on_server(e.member, e.room_id, reminder["event_id"])


async def test_a_topic_note_in_a_thread_and_its_edit_are_read_in_an_encrypted_room(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    proposed = await e.member.send_text(e.room_id, "!thema Verankerung der Rolle #rolle")
    topic = await e.member.wait_decrypted_reply(proposed, e.bot.user_id)
    assert "Thema Nr. 1: Verankerung der Rolle" in topic["content"]["body"]
    thread = {
        "rel_type": "m.thread",
        "event_id": topic["event_id"],
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": topic["event_id"]},
    }
    note = await e.member.send_text(
        e.room_id, "Die Rolle braucht ein Mandat", **{"m.relates_to": thread}
    )
    edit = {
        "m.new_content": {"msgtype": "m.text", "body": "Die Rolle braucht ein klares Mandat"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": note},
    }
    await e.member.send_text(e.room_id, "* Die Rolle braucht ein klares Mandat", **edit)
    page = ""
    for _attempt in range(20):
        asked = await e.orga.send_text(e.room_id, "!thema 1")
        page = (await e.orga.wait_decrypted_reply(asked, e.bot.user_id))["content"]["body"]
        if "klares Mandat" in page:
            break
        await asyncio.sleep(0.5)
    assert "klares Mandat" in page, page
    await assert_ciphertext_on_server(e.orga, e.room_id, note)


SURVEY = """titel = "Bedarfe der Kommunen"
anonym = true
ende = "in 3 Tagen"

[[frage]]
text = "Wo ist die Rolle angesiedelt?"
art = "einfach"
antworten = ["Fachbereich", "Stabsstelle"]

[[frage]]
text = "Welche weiteren Bedarfe hat Ihre Kommune?"
art = "text"
"""


async def test_the_needs_survey_is_answered_in_an_encrypted_direct_chat(
    encrypted: Encrypted,
) -> None:
    e = encrypted
    asked = await e.orga.send_text(e.room_id, "!bedarfe anlegen\n" + SURVEY)
    created = await e.orga.wait_decrypted_reply(asked, e.bot.user_id)
    assert "Erhebung Nr. 1" in created["content"]["body"], created["content"]["body"]
    dm = await open_direct_chat(e.member, e.bot.user_id)
    steps = (
        ("!bedarfe", "Frage 1 von 2"),
        ("stabs", "Frage 2 von 2"),
        ("Mehr Personal für die Digitalisierung #personal", "Übersicht"),
        ("absenden", "Danke"),
    )
    for text, expected in steps:
        sent = await e.member.send_text(dm, text)
        reply = await e.member.wait_decrypted_reply(sent, e.bot.user_id)
        assert expected in reply["content"]["body"], (text, reply["content"]["body"])
        await assert_ciphertext_on_server(e.member, dm, sent)
        await assert_ciphertext_on_server(e.member, dm, reply["event_id"])
    ((stored,),) = await e.bot.query("SELECT answers FROM survey_response")
    # PostgreSQL hands the JSON column back decoded, SQLite as text.
    answers = json.loads(stored) if isinstance(stored, str) else stored
    assert answers == {"0": 1, "1": "Mehr Personal für die Digitalisierung #personal"}
