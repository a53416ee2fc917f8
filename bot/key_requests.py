"""Asks for the room key of an event the bot cannot decrypt, once per session: an
`m.room_key_request` to the bot's own other devices and to the device that sent the event (as
Element's clients ask), and accepts the key that device forwards for its own session."""

from __future__ import annotations

import logging
from typing import Any

from nio import AsyncClient, LocalProtocolError, MegolmEvent, RoomKeyRequestResponse
from nio.crypto import Olm
from nio.events import ForwardedRoomKeyEvent

log = logging.getLogger(__name__)


class KeyRequests:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        if client.olm is not None:
            accept_forwards_from_session_owners(client.olm)

    async def ask(self, room_id: str, raw: dict[str, Any]) -> bool:
        """Request the key of one undecryptable event, unless its session was asked for
        already; True if a request went out."""
        event = MegolmEvent.from_dict(raw)
        if not isinstance(event, MegolmEvent) or not event.session_id or not event.sender_key:
            return False
        event.room_id = room_id
        client = self.client
        if event.session_id in client.outgoing_key_requests:
            return False
        try:
            # To the bot's own devices; nio records the request, which lets the answer in.
            own = await client.request_room_key(event)
        except LocalProtocolError:
            return False
        if not isinstance(own, RoomKeyRequestResponse):
            log.warning("key request for a session in %s failed: %s", room_id, own)
            return False
        if event.device_id:
            request = event.as_key_request(
                event.sender, client.device_id, device_id=event.device_id
            )
            sent = await client.to_device(request)
            log.info(
                "asked %s's device %s for a room key in %s (%s)",
                event.sender,
                event.device_id,
                room_id,
                type(sent).__name__,
            )
        return True


def accept_forwards_from_session_owners(olm: Olm) -> None:
    """nio takes forwarded keys only from the bot's own verified devices. A key forwarded by
    the very device that made the session, for a session the bot asked for, is as good as the
    room key that device would have sent in the first place: accept that too."""
    own_devices_only = olm._should_accept_forward

    def should_accept(sender: str, sender_key: str, event: ForwardedRoomKeyEvent) -> bool:
        if own_devices_only(sender, sender_key, event):
            return True
        request = olm.outgoing_key_requests.get(event.session_id)
        content = event.source.get("content", {})
        return (
            request is not None
            and request.room_id == event.room_id
            and event.algorithm == request.algorithm
            and content.get("sender_key") == sender_key
            and not content.get("forwarding_curve25519_key_chain")
        )

    olm._should_accept_forward = should_accept  # type: ignore[method-assign]
