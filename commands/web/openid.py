"""Login as an Element widget: the page asks Element for an OpenID token (widget API
`get_openid`) and the server asks the configured homeserver — never one the request names —
whose user that token belongs to."""

from __future__ import annotations

import re
from urllib.parse import quote

import aiohttp

from commands.core.converters import USER_ID_RE

# Synapse's tokens are URL-safe random strings; anything else is not worth a request.
TOKEN_RE = re.compile(r"[A-Za-z0-9._~+/=-]{1,512}")
USERINFO_PATH = "/_matrix/federation/v1/openid/userinfo"
TIMEOUT = aiohttp.ClientTimeout(total=10)


async def user_of_token(homeserver: str, access_token: str) -> str | None:
    """The Matrix user an OpenID token was issued to, as the homeserver says; None if it does
    not know the token (expired, made up) or cannot be asked."""
    if not TOKEN_RE.fullmatch(access_token):
        return None
    url = f"{homeserver.rstrip('/')}{USERINFO_PATH}?access_token={quote(access_token, safe='')}"
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.get(url, allow_redirects=False) as response,
        ):
            if response.status != 200:
                return None
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    user = body.get("sub") if isinstance(body, dict) else None
    return user if isinstance(user, str) and USER_ID_RE.fullmatch(user) else None
