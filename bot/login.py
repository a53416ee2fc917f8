"""Logs the bot in, reusing the stored device, its token and its crypto store, so that a restart
keeps the device and its keys; uploads the device's keys."""

from __future__ import annotations

import logging
from pathlib import Path

from nio import (
    AsyncClient,
    AsyncClientConfig,
    KeysUploadResponse,
    LoginResponse,
    WhoamiResponse,
)
from vodozemac import LibolmPickleException, PickleException

from bot.config import STORE_KEY_ENV, MatrixConfig
from bot.store_key import StoreKeyMissing, key_file, store_key
from storage import bot_state
from storage.bot_state import StoredLogin
from storage.database import Database

log = logging.getLogger(__name__)

DEFAULT_STORE = Path("data") / "crypto-store"


class LoginFailed(RuntimeError):
    pass


def store_dir(matrix: MatrixConfig) -> Path:
    return matrix.crypto_store or DEFAULT_STORE.resolve()


def store_file(store: Path, user_id: str, device_id: str) -> Path:
    """Where nio keeps the olm account and sessions of one device (its own naming)."""
    return store / f"{user_id}_{device_id}.db"


def check_store(store: Path, user_id: str, device_id: str) -> None:
    """The stored device's crypto store must be there: a reused device id with fresh keys breaks
    decryption for good (the homeserver keeps the old one-time keys)."""
    if store_file(store, user_id, device_id).exists():
        return
    others = sorted(path.name for path in store.glob(f"{user_id}_*.db")) if store.is_dir() else []
    found = f"it holds only {', '.join(others)}" if others else "it holds no store of this account"
    raise LoginFailed(
        f"the crypto store of device {device_id} is missing in {store} ({found}). "
        "Put the store back (matrix.crypto_store), or start with --new-device to log in as a "
        "new device; the old device's encrypted messages stay unreadable to the bot."
    )


def new_client(matrix: MatrixConfig, homeserver: str, pickle_key: str) -> AsyncClient:
    # 429s and connection errors come back to us: the send path and the sync loop retry themselves.
    config = AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=1,
        request_timeout=60,
        encryption_enabled=True,
        store_sync_tokens=False,
        pickle_key=pickle_key,
    )
    return AsyncClient(homeserver, matrix.user_id, store_path=str(store_dir(matrix)), config=config)


async def log_in(matrix: MatrixConfig, homeserver: str, db: Database) -> AsyncClient:
    """A logged-in client with its crypto store loaded and its device keys uploaded.

    `matrix.new_device` (`run --new-device`): forget the stored device, whose store was lost,
    and log in as a new one.
    """
    new_device = matrix.new_device
    stored = None if new_device else await bot_state.load_login(db, matrix.user_id)
    reuse = stored is not None and stored.homeserver == homeserver
    if stored is not None and reuse:
        check_store(store_dir(matrix), matrix.user_id, stored.device_id)
    try:
        key = store_key(
            store_dir(matrix), matrix.user_id, matrix.crypto_store_key, new_store=not reuse
        )
    except StoreKeyMissing as exc:
        raise LoginFailed(str(exc)) from None
    client = new_client(matrix, homeserver, key)
    try:
        if stored is not None and reuse:
            _open_store(client, matrix, stored.device_id, stored.access_token)
            if await _token_works(client):
                log.info("reusing device %s", stored.device_id)
                await upload_keys(client)
                return client
            log.warning("stored access token no longer works; logging in again on the same device")
            client.access_token = ""
        elif new_device:
            log.warning("--new-device: logging in as a new device with a new crypto store")
        await _fresh_login(client, matrix)
    except BaseException:
        await client.close()
        raise
    await bot_state.save_login(
        db, matrix.user_id, StoredLogin(homeserver, client.device_id, client.access_token)
    )
    log.info("logged in as %s on device %s", matrix.user_id, client.device_id)
    await upload_keys(client)
    return client


def _open_store(client: AsyncClient, matrix: MatrixConfig, device_id: str, token: str) -> None:
    """Load the stored device's crypto store; a key that does not open it is a clear error."""
    store = store_dir(matrix)
    try:
        client.restore_login(matrix.user_id, device_id, token)
    except (PickleException, LibolmPickleException):
        raise LoginFailed(
            f"the crypto store of device {device_id} in {store} does not open with the key "
            f"given ({STORE_KEY_ENV} or {key_file(store)}): the key is wrong."
        ) from None


async def _fresh_login(client: AsyncClient, matrix: MatrixConfig) -> None:
    # Made only for a new device: a start that finds the store gone must not leave an empty one.
    store_dir(matrix).mkdir(parents=True, exist_ok=True, mode=0o700)
    if matrix.access_token is not None:
        client.access_token = matrix.access_token
        whoami = await client.whoami()
        if not isinstance(whoami, WhoamiResponse) or whoami.user_id != matrix.user_id:
            raise LoginFailed(
                f"ALUMNI_BOT_ACCESS_TOKEN is not valid for {matrix.user_id}: {whoami}"
            )
        # restore_login loads (or creates) the store of the token's device.
        client.restore_login(matrix.user_id, whoami.device_id or "", matrix.access_token)
    elif matrix.password is not None:
        response = await client.login(matrix.password, device_name=matrix.device_name)
        if not isinstance(response, LoginResponse):
            raise LoginFailed(f"login as {matrix.user_id} failed: {response}")
    else:
        raise LoginFailed("no stored login and neither ALUMNI_BOT_PASSWORD nor a token given")


async def upload_keys(client: AsyncClient) -> None:
    """Publish the device keys and enough one-time keys; nio says when it is due."""
    if client.should_upload_keys:
        response = await client.keys_upload()
        if not isinstance(response, KeysUploadResponse):
            raise LoginFailed(f"uploading the device keys failed: {response}")


async def _token_works(client: AsyncClient) -> bool:
    response = await client.whoami()
    return isinstance(response, WhoamiResponse) and response.user_id == client.user_id
