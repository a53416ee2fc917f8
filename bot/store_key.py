"""The key the crypto store's olm account and sessions are encrypted with: the operator's
(ALUMNI_BOT_CRYPTO_STORE_KEY), else a random one made when the store is made and kept beside it
(mode 0600). A store whose key is gone is a start-up error, never a silently new store."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.config import STORE_KEY_ENV

KEY_FILE = "store-key"


class StoreKeyMissing(RuntimeError):
    pass


def key_file(store: Path) -> Path:
    return store / KEY_FILE


def has_store(store: Path, user_id: str) -> bool:
    """Whether the directory holds a crypto store of this account (nio names it by device)."""
    return store.is_dir() and any(store.glob(f"{user_id}_*.db"))


def store_key(store: Path, user_id: str, given: str | None, *, new_store: bool) -> str:
    """The key for `store`. `given` (from the environment) wins; else the kept key; else, when
    no store of the account is there yet or a new one is made (`new_store`), a new random key,
    kept in the store directory."""
    if given:
        return given
    path = key_file(store)
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    if has_store(store, user_id) and not new_store:
        raise StoreKeyMissing(
            f"the crypto store in {store} is there but its key is not ({path} is missing). "
            f"Put the key file back, or set {STORE_KEY_ENV} to the key it held. A store made "
            "before alumni-bot kept a key used matrix-nio's default key DEFAULT_KEY."
        )
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(32)
    # Created with its mode: never readable by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def store_key_report(store: Path, user_id: str, given: str | None) -> str:
    """What check-config says of the store's key."""
    if given:
        return f"crypto store key: from {STORE_KEY_ENV}"
    path = key_file(store)
    if path.exists():
        return f"crypto store key: kept in {path}"
    if has_store(store, user_id):
        return (
            f"crypto store key: MISSING ({store} holds a store but no {KEY_FILE}); the bot will "
            f"not start until the file is back or {STORE_KEY_ENV} is set"
        )
    return "crypto store key: none yet; made with the store at the first start"
