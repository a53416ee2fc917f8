"""Logs the bot in, reusing the stored device and token so that a restart keeps its device."""

from __future__ import annotations

import logging

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse

from bot.config import MatrixConfig
from storage import bot_state
from storage.bot_state import StoredLogin
from storage.database import Database

log = logging.getLogger(__name__)


class LoginFailed(RuntimeError):
    pass


def new_client(matrix: MatrixConfig, homeserver: str) -> AsyncClient:
    # 429s and connection errors come back to us: the send path and the sync loop retry themselves.
    config = AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=1,
        request_timeout=60,
        encryption_enabled=False,
        store_sync_tokens=False,
    )
    return AsyncClient(homeserver, matrix.user_id, config=config)


async def log_in(matrix: MatrixConfig, homeserver: str, db: Database) -> AsyncClient:
    client = new_client(matrix, homeserver)
    stored = await bot_state.load_login(db, matrix.user_id)
    if stored is not None and stored.homeserver == homeserver:
        client.restore_login(matrix.user_id, stored.device_id, stored.access_token)
        if await _token_works(client):
            log.info("reusing device %s", stored.device_id)
            return client
        log.warning("stored access token no longer works; logging in again on the same device")
        client.access_token = ""
    if matrix.access_token is not None:
        client.access_token = matrix.access_token
        whoami = await client.whoami()
        if not isinstance(whoami, WhoamiResponse) or whoami.user_id != matrix.user_id:
            await client.close()
            raise LoginFailed(
                f"ALUMNI_BOT_ACCESS_TOKEN is not valid for {matrix.user_id}: {whoami}"
            )
        client.restore_login(matrix.user_id, whoami.device_id or "", matrix.access_token)
    elif matrix.password is not None:
        response = await client.login(matrix.password, device_name=matrix.device_name)
        if not isinstance(response, LoginResponse):
            await client.close()
            raise LoginFailed(f"login as {matrix.user_id} failed: {response}")
    else:
        await client.close()
        raise LoginFailed("no stored login and neither ALUMNI_BOT_PASSWORD nor a token given")
    await bot_state.save_login(
        db, matrix.user_id, StoredLogin(homeserver, client.device_id, client.access_token)
    )
    log.info("logged in as %s on device %s", matrix.user_id, client.device_id)
    return client


async def _token_works(client: AsyncClient) -> bool:
    response = await client.whoami()
    return isinstance(response, WhoamiResponse) and response.user_id == client.user_id
