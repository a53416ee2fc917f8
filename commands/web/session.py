"""The web page's sessions: encrypted cookies (aiohttp-session; HttpOnly, SameSite=Lax, Secure
behind HTTPS) holding who is logged in, their language and the CSRF token of their forms."""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from commands.core.i18n import Language, parse_language
from storage import bot_state
from storage.database import Database

if TYPE_CHECKING:
    from aiohttp_session import Session
    from aiohttp_session.cookie_storage import EncryptedCookieStorage

KEY_NAME = "web_session_key"
COOKIE_NAME = "alumni_web"
# A working day; a new login link after that.
MAX_AGE_SECONDS = 8 * 3600
USER = "user"
LANGUAGE = "lang"
CSRF = "csrf"
CSRF_FIELD = "csrf_token"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class CookieSettings:
    """What the session cookies are made with; the storage itself comes with the first request."""

    key: bytes
    secure: bool
    path: str


async def cookie_settings(db: Database, *, secure: bool, path: str) -> CookieSettings:
    """The key is made once and kept, so sessions survive a restart of the bot."""
    stored = await bot_state.get_value(db, KEY_NAME)
    if stored is None:
        stored = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        await bot_state.set_value(db, KEY_NAME, stored)
    return CookieSettings(base64.urlsafe_b64decode(stored), secure, path)


def cookie_storage(settings: CookieSettings) -> EncryptedCookieStorage:
    """Encrypted cookies: HttpOnly, SameSite=Lax, Secure behind HTTPS."""
    # aiohttp-session is imported with the first request, not at start: with its cryptography
    # it costs about 9 MB of memory, which a bot whose web page nobody opens need not pay.
    from aiohttp_session.cookie_storage import EncryptedCookieStorage

    return EncryptedCookieStorage(
        settings.key,
        cookie_name=COOKIE_NAME,
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.secure,
        path=settings.path,
    )


def with_sessions(settings: CookieSettings) -> Callable[[Handler], Handler]:
    """Runs a handler inside aiohttp-session's middleware: the routes are the feature's, the
    application is the bot's. The middleware is made by the first request."""
    made: list[Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]] = []

    def wrap(handler: Handler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            if not made:
                from aiohttp_session import session_middleware

                made.append(session_middleware(cookie_storage(settings)))
            return await made[0](request, handler)

        return handle

    return wrap


async def get_session(request: web.Request) -> Session:
    """The request's session (aiohttp-session is imported by the first request)."""
    import aiohttp_session

    return await aiohttp_session.get_session(request)


async def new_session(request: web.Request) -> Session:
    import aiohttp_session

    return await aiohttp_session.new_session(request)


async def log_in(request: web.Request, user_id: str, language: Language | None) -> Session:
    """A fresh session (never one a link's opener brought along) for `user_id`."""
    session = await new_session(request)
    session[USER] = user_id
    session[CSRF] = secrets.token_urlsafe(32)
    if language is not None:
        session[LANGUAGE] = language
    return session


async def user_of(request: web.Request) -> str | None:
    session = await get_session(request)
    user = session.get(USER)
    return user if isinstance(user, str) else None


async def language_of(request: web.Request, default: Language) -> Language:
    """`?lang=en` switches and is kept in the session; else the session's, else `default`."""
    session = await get_session(request)
    asked = parse_language(request.query.get("lang", ""))
    if asked is not None:
        if session.get(LANGUAGE) != asked:
            session[LANGUAGE] = asked
        return asked
    return parse_language(str(session.get(LANGUAGE, ""))) or default


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get(CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF] = token
    return token


async def check_csrf(request: web.Request, sent: str | None) -> bool:
    session = await get_session(request)
    expected = session.get(CSRF)
    return (
        isinstance(expected, str)
        and isinstance(sent, str)
        and hmac.compare_digest(expected.encode(), sent.encode())
    )
