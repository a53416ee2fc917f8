"""The crypto store's key: random per store, kept with mode 0600, the operator's key first; a
store whose key is gone refuses to start; the store really is encrypted with it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from nio import AsyncClient, AsyncClientConfig

from bot.config import PASSWORD_ENV, STORE_KEY_ENV, MatrixConfig, load_config
from bot.login import LoginFailed, _open_store, new_client
from bot.store_key import KEY_FILE, StoreKeyMissing, store_key, store_key_report

USER = "@alumni-bot:example.org"


def make_store(store: Path, key: str, device: str = "DEVICE") -> str:
    """A real nio crypto store of one device, pickled with `key`; its curve25519 key."""
    client = AsyncClient(
        "http://127.0.0.1:1",
        USER,
        store_path=str(store),
        config=AsyncClientConfig(encryption_enabled=True, pickle_key=key),
    )
    client.restore_login(USER, device, "token")
    assert client.olm is not None
    return client.olm.account.identity_keys["curve25519"]


def test_a_new_store_gets_a_random_key_kept_beside_it_readable_only_by_the_bot(
    tmp_path: Path,
) -> None:
    first = store_key(tmp_path / "a", USER, None, new_store=True)
    other = store_key(tmp_path / "b", USER, None, new_store=True)
    assert first != other and len(first) >= 40 and first != "DEFAULT_KEY"
    path = tmp_path / "a" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The next start reads it back, whether or not the store is new.
    assert store_key(tmp_path / "a", USER, None, new_store=False) == first


def test_the_operators_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    assert store_key(tmp_path, USER, "vom-betreiber", new_store=True) == "vom-betreiber"
    assert not (tmp_path / KEY_FILE).exists()


def test_a_store_without_its_key_refuses_to_start_with_both_ways_named(tmp_path: Path) -> None:
    make_store(tmp_path, "irgendein-schluessel")
    with pytest.raises(StoreKeyMissing) as refused:
        store_key(tmp_path, USER, None, new_store=False)
    message = str(refused.value)
    assert str(tmp_path) in message and KEY_FILE in message and STORE_KEY_ENV in message
    assert not (tmp_path / KEY_FILE).exists()
    # A new device gets a new store, and with it a key.
    assert store_key(tmp_path, USER, None, new_store=True)


def test_another_accounts_store_is_no_reason_to_refuse(tmp_path: Path) -> None:
    (tmp_path / "@other:example.org_DEV.db").write_bytes(b"")
    assert store_key(tmp_path, USER, None, new_store=False)


def test_the_store_is_encrypted_with_its_key_and_a_wrong_key_is_a_clear_error(
    tmp_path: Path,
) -> None:
    key = store_key(tmp_path, USER, None, new_store=True)
    identity = make_store(tmp_path, key)
    assert make_store(tmp_path, key) == identity
    matrix = MatrixConfig(homeserver=None, user_id=USER, crypto_store=tmp_path)
    for wrong in ("DEFAULT_KEY", key + "x"):
        client = new_client(matrix, "http://127.0.0.1:1", wrong)
        with pytest.raises(LoginFailed, match="key is wrong"):
            _open_store(client, matrix, "DEVICE", "token")


def test_the_key_comes_from_the_environment_never_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[matrix]\nhomeserver = "https://m.example.org"\nuser_id = "{USER}"\n')
    env = {PASSWORD_ENV: "geheim", STORE_KEY_ENV: "aus-der-umgebung"}
    assert load_config(path, env).matrix.crypto_store_key == "aus-der-umgebung"
    assert load_config(path, {PASSWORD_ENV: "geheim"}).matrix.crypto_store_key is None


def test_check_config_says_where_the_key_is_or_that_it_is_missing(tmp_path: Path) -> None:
    assert "none yet" in store_key_report(tmp_path, USER, None)
    make_store(tmp_path, "k")
    assert "MISSING" in store_key_report(tmp_path, USER, None)
    assert STORE_KEY_ENV in store_key_report(tmp_path, USER, "k")
    store_key(tmp_path, USER, None, new_store=True)
    assert str(tmp_path / KEY_FILE) in store_key_report(tmp_path, USER, None)
