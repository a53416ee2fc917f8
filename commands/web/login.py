"""One-time login links to the web page: a random token, sent by direct message, kept only
as its hash, bound to one Matrix user, used once, valid for ten minutes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from storage import web
from storage.database import Database

VALID_FOR = dt.timedelta(minutes=10)
LOGIN_PATH = "/web/login/"
# token_urlsafe(32): 43 characters of the URL-safe alphabet.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(db: Database, user_id: str, now: dt.datetime) -> str:
    """A new login token for `user_id`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    await web.add_login(db, token_hash(token), user_id, now + VALID_FOR)
    # Links that can no longer be used are of no further use to anyone.
    await web.forget_logins(db, now - VALID_FOR)
    return token


async def redeem(db: Database, token: str, now: dt.datetime) -> str | None:
    """The user the token logs in, once; None if it is unknown, used or expired."""
    if not TOKEN_RE.fullmatch(token):
        return None
    return await web.redeem_login(db, token_hash(token), now)


def login_link(base_url: str, token: str) -> str:
    return f"{base_url}{LOGIN_PATH}{token}"
