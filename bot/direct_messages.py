"""Direct messages to people: the DM room per person (opened when needed, paced; encrypted when
the person has devices with keys, as Element decides), their language, the opt-out and the
filters features add on whom to write unasked, and the people of rooms."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from nio import AsyncClient, MatrixRoom, RoomCreateResponse, RoomPreset

from bot.cross_signing import call_homeserver
from bot.metrics import Metrics
from bot.sender import Sender
from commands.core.content import message_content, txn_id_for
from commands.core.i18n import LANGUAGES, Language
from commands.core.ports import NetworkFilter, SendRefused, Settings
from commands.core.registry import Registry
from commands.core.rendering import Markup, code
from commands.core.rooms import joined_members
from storage import bot_state, user_settings
from storage.database import Database

log = logging.getLogger(__name__)

MAX_CREATE_ATTEMPTS = 5
ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class DirectMessages:
    def __init__(
        self,
        db: Database,
        client: AsyncClient,
        sender: Sender,
        metrics: Metrics,
        settings: Settings,
        registry: Registry,
        network_filters: list[NetworkFilter],
    ) -> None:
        self.db = db
        self.registry = registry
        # For the opt-out line every such message ends with.
        self.prefix = settings.prefix
        self.client = client
        self.sender = sender
        self.metrics = metrics
        self.language = settings.language
        # Who belongs to the network (the features' filters, shared with the ports).
        self.network_filters = network_filters

    def command_text(self, name: str, language: Language, *args: object) -> str:
        """A command as the person would type it in their language (plain text)."""
        command = self.registry.find(name)
        shown = command.display_name(language) if command else name
        return " ".join([self.prefix + shown, *map(str, args)])

    def command(self, name: str, language: Language, *args: object) -> Markup:
        """`command_text` as HTML code."""
        return code(self.command_text(name, language, *args))

    def people_in(self, room_ids: Iterable[str]) -> set[str]:
        """Who has joined these rooms (not only been invited), the bot left out."""
        people: set[str] = set()
        for room_id in room_ids:
            room = self.client.rooms.get(room_id)
            if room is not None:
                people |= joined_members(room)
        people.discard(self.client.user_id)
        return people

    async def willing(self, user_ids: Iterable[str]) -> list[str]:
        """Those who did not turn direct messages off (`!erinnerungen aus`) and whom no
        feature's filter leaves out, sorted: nobody outside the network gets a message unasked."""
        allowed = await user_settings.event_dms_allowed(self.db, user_ids)
        for narrow in self.network_filters:
            allowed = await narrow(self.db, allowed)
        return sorted(allowed)

    async def language_of(self, user_id: str) -> Language:
        stored = await user_settings.get_language(self.db, user_id)
        return stored if stored in LANGUAGES else self.language  # type: ignore[return-value]

    async def send(self, user_id: str, html: Markup, kind: str, key: str) -> tuple[str, str] | None:
        """Send `html` as m.text (a DM should notify) once per (kind, key); returns (room id,
        event id), or None if no DM room could be opened or it refused the message."""
        room_id = await self.room_for(user_id)
        if room_id is None:
            return None
        content = message_content(html, msgtype="m.text")
        try:
            event_id = await self.sender.send(room_id, content, txn_id=txn_id_for(kind, key))
        except SendRefused:
            log.warning("direct message to %s refused", user_id)
            return None
        return room_id, event_id

    async def _has_device_keys(self, user_id: str) -> bool:
        """Whether the person has a device with keys: then the chat is encrypted, as Element
        and Element X open theirs."""
        if self.client.olm is None:
            return False
        status, keys = await call_homeserver(
            self.client,
            "POST",
            "/_matrix/client/v3/keys/query",
            {"device_keys": {user_id: []}},
        )
        return status == 200 and bool((keys.get("device_keys") or {}).get(user_id))

    def _know_encrypted_room(self, room_id: str, user_id: str) -> None:
        """The first message goes out before the sync brings the room: nio must know that it
        is encrypted and that the person, invited, gets the room key too."""
        room = MatrixRoom(room_id, self.client.user_id, encrypted=True)
        room.add_member(user_id, None, None, invited=True)
        self.client.rooms[room_id] = room

    async def room_for(self, user_id: str) -> str | None:
        """The direct-message room with a person, opened when there is none they are still in."""
        room_id = await bot_state.direct_room(self.db, user_id)
        room = self.client.rooms.get(room_id) if room_id else None
        # A room opened moments ago is not synced yet; one the person left is opened anew.
        if room_id is not None and (room is None or user_id in room.users):
            return room_id
        encrypted = await self._has_device_keys(user_id)
        for _attempt in range(MAX_CREATE_ATTEMPTS):
            await self.sender.bucket.acquire()
            # private_chat, not trusted_private_chat: that would make the person an admin of
            # the room, and so an organiser to the bot there.
            response = await self.client.room_create(
                is_direct=True,
                invite=[user_id],
                preset=RoomPreset.private_chat,
                initial_state=[ENCRYPTION] if encrypted else [],
            )
            if isinstance(response, RoomCreateResponse):
                await bot_state.set_direct_room(self.db, user_id, response.room_id)
                if encrypted:
                    self._know_encrypted_room(response.room_id, user_id)
                return response.room_id
            if response.status_code != "M_LIMIT_EXCEEDED":
                break
            # Synapse allows few room creations a minute; a round of many DMs waits its turn.
            await asyncio.sleep((response.retry_after_ms or 1000) / 1000)
        log.warning("could not open a direct room with %s: %s", user_id, response)
        self.metrics.errors.labels("direct").inc()
        return None
