"""The key of the web page's session cookies: made once and kept in bot_state, so sessions
survive a restart of the bot."""

from __future__ import annotations

import base64
import secrets

from storage import bot_state
from storage.database import Database

KEY_NAME = "web_session_key"


async def load(db: Database) -> bytes:
    stored = await bot_state.get_value(db, KEY_NAME)
    if stored is None:
        stored = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        await bot_state.set_value(db, KEY_NAME, stored)
    return base64.urlsafe_b64decode(stored)
