"""The command context as the Matrix side implements it: replies go through the one send path."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nio import (
    MemoryDownloadResponse,
    RoomGetEventResponse,
    RoomRedactResponse,
    UploadResponse,
)

from commands.core import faults
from commands.core.content import file_content, message_content, relation, txn_id_for
from commands.core.context import BotStatus, CommandContext
from commands.core.converters import (
    BOT_MAY_NOT_POST,
    BOT_NOT_IN_ROOM,
    HERE_WORDS,
    NOT_ORGANISER_THERE,
    ROOM_ID_RE,
    UNKNOWN_ROOM,
    ConversionError,
)
from commands.core.i18n import Localized
from commands.core.ports import Homeserver, RetryLater
from commands.core.registry import Role
from commands.core.rendering import Markup
from commands.core.rooms import alone_with, bot_may_post, joined_members, room_id_of

log = logging.getLogger(__name__)

UPLOAD_REFUSED = Localized(
    "Die Datei konnte ich nicht hochladen (der Server antwortet {status}). Bitte sag der "
    "Organisation Bescheid.",
    "I could not upload the file (the server answers {status}). Please tell the organisers.",
)


@dataclass
class MatrixCommandContext(CommandContext):
    """Replies go through the ports' one send path; the role elsewhere and the bot's status
    come from the router."""

    role_in: Callable[[str, str], Role] = field(kw_only=True)
    status_source: Callable[[], BotStatus] = field(kw_only=True)
    replies: int = field(default=0, init=False)

    @property
    def client(self) -> Homeserver:
        return self.ports.homeserver

    async def reply(
        self, html: Markup, *, mentions: Sequence[str] = (), in_thread: bool = True
    ) -> str:
        faults.crash_point(faults.BEFORE_REPLY)
        content = message_content(
            html,
            reply_to=self.event_id,
            thread_root=self.thread_root if in_thread else None,
            mentions=[self.sender, *mentions],
        )
        return await self._send_reply(content)

    def can_see(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return room is not None and self.sender in joined_members(room)

    async def post(self, room_id: str, event_type: str, content: dict[str, Any], key: str) -> str:
        return await self.ports.messenger.send(
            room_id, content, txn_id=txn_id_for("post", key), event_type=event_type
        )

    async def reply_file(self, filename: str, data: bytes, mimetype: str) -> None:
        faults.crash_point(faults.BEFORE_REPLY)
        content = await self._uploaded(filename, data, mimetype)
        if content is not None:
            content["m.mentions"] = {"user_ids": [self.sender]}
            await self._send_reply(content | relation(self.event_id, self.thread_root))

    async def send_file(
        self, room_id: str, filename: str, data: bytes, mimetype: str, key: str
    ) -> None:
        content = await self._uploaded(filename, data, mimetype)
        if content is not None:
            await self.ports.messenger.send(room_id, content, txn_id=txn_id_for("file", key))

    async def _uploaded(self, filename: str, data: bytes, mimetype: str) -> dict[str, Any] | None:
        """The message content of a file once uploaded; None (the user told) if refused."""
        uploaded, _ = await self.client.upload(
            io.BytesIO(data), content_type=mimetype, filename=filename, filesize=len(data)
        )
        if not isinstance(uploaded, UploadResponse):
            status = getattr(uploaded.transport_response, "status", None)
            if status is None or status == 429 or status >= 500:
                raise RetryLater(f"upload of {filename} failed: {uploaded}")
            # Refused for good (too large, media repository off): say so instead of retrying.
            await self.reply(UPLOAD_REFUSED.html(self.language, status=status))
            return None
        return file_content(filename, data, mimetype, uploaded.content_uri)

    async def say(self, room_id: str, html: Markup, key: str, *, notify: bool = False) -> str:
        content = message_content(html, msgtype="m.text" if notify else "m.notice")
        return await self.ports.messenger.send(room_id, content, txn_id=txn_id_for("say", key))

    async def direct_room(self) -> str | None:
        if alone_with(self.client, self.room_id, self.sender):
            return self.room_id
        return await self.ports.direct.room_for(self.sender)

    async def replied_file(self, limit: int) -> bytes | None:
        if self.replied_to is None:
            return None
        found = await self.client.room_get_event(self.room_id, self.replied_to)
        if not isinstance(found, RoomGetEventResponse):
            return None
        content = found.event.source.get("content") or {}
        url = content.get("url")
        size = (content.get("info") or {}).get("size")
        if not isinstance(url, str) or (isinstance(size, int) and size > limit):
            return None
        downloaded = await self.client.download(url)
        if not isinstance(downloaded, MemoryDownloadResponse) or len(downloaded.body) > limit:
            return None
        return downloaded.body

    def download_link(self, path: str) -> str:
        return self.ports.links.link(path, self.now())

    async def _send_reply(self, content: dict[str, Any]) -> str:
        # The txn id depends only on the command event, so re-handling after a crash re-uses it.
        txn_id = txn_id_for("reply", self.event_id, self.replies)
        self.replies += 1
        event_id = await self.ports.messenger.send(self.room_id, content, txn_id=txn_id)
        faults.crash_point(faults.AFTER_SEND)
        return event_id

    async def redact(self, room_id: str, event_ids: Sequence[str], reason: str) -> None:
        for event_id in event_ids:
            await self.ports.messenger.bucket.acquire()
            # The same transaction id each time: redacting again after a crash is one redaction.
            response = await self.client.room_redact(
                room_id, event_id, reason, tx_id=txn_id_for("redact", event_id)
            )
            if not isinstance(response, RoomRedactResponse):
                log.warning("could not redact %s in %s: %s", event_id, room_id, response)

    def room_members(self) -> dict[str, str | None]:
        room = self.client.rooms.get(self.room_id)
        if room is None:
            return {}
        return {user_id: user.display_name for user_id, user in room.users.items()}

    def role_there(self, room_id: str) -> Role:
        return self.role_in(room_id, self.sender)

    def bot_status(self) -> BotStatus:
        return self.status_source()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def resolve_room(self, reference: str) -> str:
        if reference.lower() in HERE_WORDS:
            return self.room_id
        valid = reference.startswith("#") or ROOM_ID_RE.match(reference)
        room_id = await room_id_of(self.client, reference) if valid else None
        if room_id is None:
            raise ConversionError(UNKNOWN_ROOM, room=reference)
        room = self.client.rooms.get(room_id)
        if room is None:
            raise ConversionError(BOT_NOT_IN_ROOM, room=reference)
        if not await bot_may_post(self.client, room_id, self.ports.creators):
            raise ConversionError(BOT_MAY_NOT_POST, room=reference)
        # Posting into another room takes the organiser's right there, not only here.
        if self.role_in(room_id, self.sender) < Role.ORGANISER:
            raise ConversionError(NOT_ORGANISER_THERE, room=reference)
        return room_id

    def room_label(self, room_id: str) -> str:
        room = self.client.rooms.get(room_id)
        if room is None:
            return room_id
        return room.canonical_alias or room.name or room_id
