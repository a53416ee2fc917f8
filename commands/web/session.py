"""The web page's sessions: encrypted cookies (aiohttp-session; HttpOnly, SameSite=Lax, Secure
behind HTTPS) holding who is logged in, their language and the CSRF token of their forms."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import Session, get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from commands.core.i18n import Language, parse_language

COOKIE_NAME = "alumni_web"
# A working day; a new login link after that.
MAX_AGE_SECONDS = 8 * 3600
USER = "user"
LANGUAGE = "lang"
CSRF = "csrf"
CSRF_FIELD = "csrf_token"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cookie_storage(key: bytes, *, secure: bool, path: str) -> EncryptedCookieStorage:
    return EncryptedCookieStorage(
        key,
        cookie_name=COOKIE_NAME,
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path=path,
    )


def with_sessions(storage: EncryptedCookieStorage) -> Callable[[Handler], Handler]:
    """Runs a handler inside aiohttp-session's middleware: the routes are the feature's, the
    application is the bot's."""
    middleware = session_middleware(storage)

    def wrap(handler: Handler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await middleware(request, handler)

        return handle

    return wrap


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
