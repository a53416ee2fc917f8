"""Events the bot cannot decrypt yet: parked (not marked handled), their key asked for, read
again once it has arrived so they are handled once, and, after a wait, one direct message to
the sender."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from nio import AsyncClient, MegolmEvent, RoomGetEventResponse

from bot.key_requests import KeyRequests
from bot.metrics import Metrics
from commands.core.i18n import Language
from commands.core.ports import DirectMessages
from commands.core.rendering import Markup, escape
from storage import bot_state
from storage.bot_state import ParkedEvent
from storage.database import Database

log = logging.getLogger(__name__)

# A key that has not come in two days will not come: the event is given up (its sender was told).
GIVE_UP_SECONDS = 2 * 24 * 3600.0

NOTICE: dict[Language, str] = {
    "de": (
        "🔒 Deine verschlüsselte Nachricht im Raum {room} konnte ich nicht lesen: "
        "Dein Gerät hat mir den Schlüssel dafür nicht gegeben. Falls sie für mich war, sende "
        "sie bitte noch einmal. Bleibt es dabei, prüfe in Element unter "
        "Einstellungen → Sicherheit, ob Nachrichten an nicht verifizierte Geräte gesendet werden."
    ),
    "en": (
        "🔒 I could not read your encrypted message in the room {room}: your device did not "
        "give me its key. If it was meant for me, please send it again. If this keeps "
        "happening, check in Element under Settings → Security whether messages are sent to "
        "unverified devices."
    ),
}


def notice_html(language: Language, room: str) -> Markup:
    """The notice as HTML: the text is ours but plain (escaped), the room's name is escaped."""
    return escape(NOTICE[language]).format(room=room)


def parked_from(room_id: str, event: dict[str, Any], now: float) -> ParkedEvent | None:
    """An encrypted timeline event nio could not decrypt, as a row to park; None if it is not
    one (or lacks what is needed to find its key again)."""
    if event.get("type") != "m.room.encrypted":
        return None
    content = event.get("content") or {}
    session_id = content.get("session_id")
    if not isinstance(session_id, str) or not isinstance(event.get("event_id"), str):
        return None
    sender_key = content.get("sender_key")
    return ParkedEvent(
        event_id=event["event_id"],
        room_id=room_id,
        sender=str(event.get("sender", "")),
        session_id=session_id,
        sender_key=sender_key if isinstance(sender_key, str) else "",
        parked_at=now,
    )


def due_notices(parked: list[ParkedEvent], now: float, wait: float) -> list[ParkedEvent]:
    """The parked events whose sender is told now: waited long enough, not told yet, one per
    sender (the oldest)."""
    due: dict[str, ParkedEvent] = {}
    told = {p.sender for p in parked if p.notified}
    for item in sorted(parked, key=lambda p: p.parked_at):
        if item.notified or item.sender in told or item.sender in due:
            continue
        if now - item.parked_at >= wait:
            due[item.sender] = item
    return list(due.values())


class Undecryptable:
    def __init__(
        self,
        client: AsyncClient,
        db: Database,
        metrics: Metrics,
        direct: DirectMessages,
        wait: dt.timedelta,
        key_requests: KeyRequests | None = None,
    ) -> None:
        self.client = client
        self.key_requests = key_requests
        self.db = db
        self.metrics = metrics
        self.direct = direct
        self.wait = wait.total_seconds()
        # How many events are parked, once read: every sync batch asks, and almost always
        # none is, so the table is not read before each answer. None: read it.
        self.count: int | None = None

    async def park(self, room_id: str, events: list[dict[str, Any]]) -> None:
        now = time.time()
        for event in events:
            parked = parked_from(room_id, event, now)
            if parked is not None and await bot_state.park_event(self.db, parked):
                log.info("parked %s in %s: no key for it yet", parked.event_id, room_id)
                self.metrics.undecryptable.inc()
                self.count = None
                if self.key_requests is not None:
                    await self.key_requests.ask(room_id, event)

    async def _parked(self) -> list[ParkedEvent]:
        if self.count == 0:
            return []
        parked = await bot_state.parked_events(self.db)
        self.count = len(parked)
        self.metrics.parked.set(len(parked))
        return parked

    async def readable_now(self) -> list[tuple[str, dict[str, Any]]]:
        """The parked events whose key has arrived, decrypted: (room id, event as JSON)."""
        olm = self.client.olm
        if olm is None:
            return []
        found = []
        parked = await self._parked()
        for item in parked:
            if item.sender_key and not olm.inbound_group_store.get(
                item.room_id, item.sender_key, item.session_id
            ):
                continue
            response = await self.client.room_get_event(item.room_id, item.event_id)
            if not isinstance(response, RoomGetEventResponse):
                continue
            if not isinstance(response.event, MegolmEvent):
                found.append((item.room_id, response.event.source))
        return found

    async def done(self, event_id: str) -> None:
        await bot_state.unpark_event(self.db, event_id)
        self.count = None

    async def tell_senders(self, allowed: Callable[[str], bool]) -> None:
        """One direct message to whoever wrote what the bot still cannot read after the wait;
        `allowed(user_id)` keeps strangers from getting one."""
        parked = await self._parked()
        now = time.time()
        for item in parked:
            if item.notified and now - item.parked_at > GIVE_UP_SECONDS:
                await bot_state.unpark_event(self.db, item.event_id)
                self.count = None
        for item in due_notices(parked, now, self.wait):
            await bot_state.set_parked_notified(self.db, item.event_id)
            if item.sender == self.client.user_id or not allowed(item.sender):
                continue
            room = self.client.rooms.get(item.room_id)
            name = room.display_name if room is not None else item.room_id
            language = await self.direct.language_of(item.sender)
            await self.direct.send(
                item.sender, notice_html(language, name), "undecryptable", item.event_id
            )
