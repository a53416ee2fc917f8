"""`matrix.only_cross_signed_devices`: before a new room key is shared, the devices their owner
did not cross-sign are blacklisted in nio (they get no key), the others taken back in — as
Element's "exclude insecure devices" (MSC4153)."""

from __future__ import annotations

import logging
from typing import Any

from nio import AsyncClient

from bot.cross_signing import CrossSigningError, call_homeserver, key_signed_by, only_key

log = logging.getLogger(__name__)


def cross_signed_devices(keys: dict[str, Any]) -> dict[str, set[str]]:
    """Per user in a /keys/query answer, the devices signed by a self-signing key that their
    master key signed; a user without cross-signing keys has none."""
    found: dict[str, set[str]] = {}
    for user_id, devices in (keys.get("device_keys") or {}).items():
        master = only_key((keys.get("master_keys") or {}).get(user_id))
        self_signing = (keys.get("self_signing_keys") or {}).get(user_id)
        public = only_key(self_signing)
        found[user_id] = set()
        if master is None or public is None or not key_signed_by(user_id, self_signing, master):
            continue
        for device_id, device in (devices or {}).items():
            if isinstance(device, dict) and key_signed_by(user_id, device, public):
                found[user_id].add(device_id)
    return found


class CrossSignedOnly:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def __call__(self, room_id: str) -> None:
        client = self.client
        if client.olm is None or not client.olm.should_share_group_session(room_id):
            return
        users = list(client.rooms[room_id].users)
        status, keys = await call_homeserver(
            client,
            "POST",
            "/_matrix/client/v3/keys/query",
            {"device_keys": {user: [] for user in users}},
        )
        if status != 200:
            raise CrossSigningError(f"/keys/query for {room_id} failed: {status} {keys}")
        signed = cross_signed_devices(keys)
        for user in users:
            for device in client.device_store.active_user_devices(user):
                trusted = device.id in signed.get(user, set())
                if trusted and device.blacklisted:
                    client.unblacklist_device(device)
                elif not trusted and not device.blacklisted:
                    log.info("no room keys for %s's device %s: not cross-signed", user, device.id)
                    client.blacklist_device(device)
