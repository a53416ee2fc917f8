"""Signed, expiring links to files the bot's HTTP server makes on request (the needs exports):
the link itself is the right to read, handed only to organisers, valid for a day unless the
configuration says otherwise."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from storage import bot_state
from storage.database import Database

KEY_NAME = "download_link_key"
VALID_FOR = dt.timedelta(hours=24)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class DownloadLinks:
    """`base_url` is where people reach the HTTP server (config `http.public_url`);
    `valid_for` may be set by a feature (the privacy settings)."""

    key: bytes
    base_url: str
    valid_for: dt.timedelta = VALID_FOR

    def link(self, path: str, now: dt.datetime) -> str:
        return f"{self.base_url}/downloads/{self.token(path, now)}"

    def token(self, path: str, now: dt.datetime) -> str:
        expires = int((now + self.valid_for).timestamp())
        payload = _b64(json.dumps({"p": path, "e": expires}, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def path_of(self, token: str, now: dt.datetime) -> str | None:
        """The path a token grants, if it is genuine and not expired."""
        payload, _, signature = token.partition(".")
        # Bytes: compare_digest refuses str with non-ASCII characters (a crafted link).
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            data = json.loads(_unb64(payload))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("p"), str):
            return None
        expires = data.get("e")
        if not isinstance(expires, int) or expires < now.timestamp():
            return None
        return data["p"]

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())


async def load_links(db: Database, base_url: str) -> DownloadLinks:
    """The signing key is made once and kept, so links stay valid across restarts."""
    stored = await bot_state.get_value(db, KEY_NAME)
    if stored is None:
        stored = secrets.token_hex(32)
        await bot_state.set_value(db, KEY_NAME, stored)
    return DownloadLinks(bytes.fromhex(stored), base_url.rstrip("/"))
