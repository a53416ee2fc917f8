"""Reads every event relating to one event back from the room (`/relations`, all pages) and
decrypts the encrypted ones with the bot's keys: the homeserver returns them as they are stored,
and matrix-nio decrypts only what comes through the sync."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import aiohttp
from nio import AsyncClient, EncryptionError, MegolmEvent

log = logging.getLogger(__name__)

# Synapse pages at most 1000 relations.
PAGE = 1000
ENCRYPTED = "m.room.encrypted"


class RoomRelations:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def of(self, room_id: str, event_id: str, rel_type: str) -> list[dict[str, Any]]:
        events = await self.fetch(room_id, event_id, rel_type)
        return [self.readable(room_id, event) for event in events]

    async def fetch(self, room_id: str, event_id: str, rel_type: str) -> list[dict[str, Any]]:
        """The raw pages (nio's helper mishandles error responses)."""
        url = (
            f"{self.client.homeserver}/_matrix/client/v1/rooms/{quote(room_id, safe='')}"
            f"/relations/{quote(event_id, safe='')}/{quote(rel_type, safe='')}"
        )
        headers = {"Authorization": f"Bearer {self.client.access_token}"}
        found: list[dict[str, Any]] = []
        params = {"limit": str(PAGE)}
        async with aiohttp.ClientSession(headers=headers) as session:
            while True:
                async with session.get(url, params=params) as response:
                    response.raise_for_status()
                    page = await response.json()
                found.extend(page.get("chunk", []))
                if not page.get("next_batch"):
                    return found
                params["from"] = page["next_batch"]

    def readable(self, room_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """The event decrypted, as the sync would have delivered it; as it is when it is not
        encrypted or its key has not come (the caller then sees `m.room.encrypted`)."""
        if event.get("type") != ENCRYPTED or self.client.olm is None:
            return event
        encrypted = MegolmEvent.from_dict(event)
        if not isinstance(encrypted, MegolmEvent):
            return event
        encrypted.room_id = room_id
        try:
            decrypted = self.client.decrypt_event(encrypted)
        except EncryptionError:
            return event
        source = getattr(decrypted, "source", None)
        if not isinstance(source, dict) or not isinstance(source.get("type"), str):
            return event
        return source
