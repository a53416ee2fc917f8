"""Where the crypto store lives, and a start that finds the stored device's store missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PASSWORD_ENV, ConfigError, load_config, parse_config
from bot.login import LoginFailed, check_store, store_file

SECRET = {PASSWORD_ENV: "geheim"}
USER = "@alumni-bot:example.org"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[matrix]\nhomeserver = "https://matrix.example.org"\nuser_id = "{USER}"\n{text}'
    )
    return path


def test_the_store_defaults_to_beside_the_sqlite_database(tmp_path: Path) -> None:
    database = tmp_path / "db" / "bot.db"
    path = write(tmp_path, f'[storage]\nurl = "sqlite+aiosqlite:///{database}"\n')
    assert load_config(path, SECRET).matrix.crypto_store == tmp_path / "db" / "crypto-store"


def test_without_sqlite_the_store_is_in_the_data_dir_beside_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\nurl = "postgresql+asyncpg://bot@db/bot"\n')
    assert load_config(path, SECRET).matrix.crypto_store == tmp_path / "data" / "crypto-store"


def test_a_configured_store_is_relative_to_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'crypto_store = "keys/store"\nonly_cross_signed_devices = true\n')
    matrix = load_config(path, SECRET).matrix
    assert matrix.crypto_store == tmp_path / "keys" / "store"
    assert matrix.only_cross_signed_devices is True
    assert matrix.new_device is False


def test_only_cross_signed_devices_must_be_a_boolean() -> None:
    raw = {
        "matrix": {
            "homeserver": "https://m.example.org",
            "user_id": USER,
            "only_cross_signed_devices": "yes",
        }
    }
    with pytest.raises(ConfigError, match=r"matrix\.only_cross_signed_devices"):
        parse_config(raw, SECRET)


def test_the_stored_devices_store_is_accepted(tmp_path: Path) -> None:
    store_file(tmp_path, USER, "DEVICEA").write_bytes(b"")
    check_store(tmp_path, USER, "DEVICEA")


def test_a_missing_store_is_an_error_never_a_new_store(tmp_path: Path) -> None:
    with pytest.raises(LoginFailed, match=r"DEVICEA is missing.*no store of this account"):
        check_store(tmp_path / "gone", USER, "DEVICEA")
    assert not (tmp_path / "gone").exists()


def test_a_store_of_another_device_is_named(tmp_path: Path) -> None:
    store_file(tmp_path, USER, "DEVICEB").write_bytes(b"")
    with pytest.raises(LoginFailed, match=r"holds only @alumni-bot:example.org_DEVICEB\.db"):
        check_store(tmp_path, USER, "DEVICEA")
