"""Configuration loading: valid files give typed values, every mistake names its key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.config import (
    PASSWORD_ENV,
    TOKEN_ENV,
    BotConfig,
    Config,
    ConfigError,
    HttpConfig,
    StorageConfig,
    load_config,
    parse_config,
)
from bot.sync_loop import long_poll_seconds

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = {PASSWORD_ENV: "geheim"}
REMOTE = {
    "matrix": {"homeserver": "https://matrix.example.org", "user_id": "@alumni-bot:example.org"}
}
LOCAL = {"matrix": {"user_id": "@alumni-bot:localhost"}}


def with_values(base: dict[str, Any], **tables: dict[str, Any]) -> dict[str, Any]:
    """`base` with the keys of each given table set (a table value of None removes that key)."""
    raw = copy.deepcopy(base)
    for table, values in tables.items():
        target = raw.setdefault(table, {})
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    return raw


def test_minimal_remote_config_gets_the_defaults() -> None:
    config = parse_config(REMOTE, SECRET)

    assert config.matrix.homeserver == "https://matrix.example.org"
    assert config.matrix.user_id == "@alumni-bot:example.org"
    assert config.matrix.password == "geheim"
    assert config.matrix.access_token is None
    assert config.matrix.device_name == "alumni-bot"
    assert config.matrix.send_rate_per_second is None
    assert config.matrix.send_burst == 10
    assert config.bot == BotConfig()
    assert config.storage == StorageConfig()
    assert config.http == HttpConfig(host="127.0.0.1", port=8080)
    assert config.server_name == "example.org"


def test_local_homeserver_needs_no_secret() -> None:
    config = parse_config(LOCAL, {})

    assert config.matrix.homeserver is None
    assert config.matrix.password is None
    assert config.matrix.access_token is None


def test_access_token_alone_is_enough() -> None:
    config = parse_config(REMOTE, {TOKEN_ENV: "syt_token"})

    assert config.matrix.access_token == "syt_token"
    assert config.matrix.password is None


def test_trailing_slash_of_homeserver_is_dropped() -> None:
    raw = with_values(REMOTE, matrix={"homeserver": "https://matrix.example.org/"})

    assert parse_config(raw, SECRET).matrix.homeserver == "https://matrix.example.org"


def test_full_config_is_read_into_typed_values() -> None:
    raw = {
        "matrix": {
            "homeserver": "http://127.0.0.1:8008",
            "user_id": "@alumni-bot:example.org:8448",
            "device_name": "alumni-bot-test",
            "send_rate_per_second": 2,
            "send_burst": 3,
        },
        "bot": {
            "command_prefix": "?",
            "language": "en",
            "timezone": "UTC",
            "organisers": ["@anna:example.org", "@ben:other.example"],
            "allowed_servers": ["example.org", "other.example:8448"],
        },
        "storage": {"url": "postgresql+asyncpg://bot@db/alumni"},
        "http": {"listen": "[::1]:9100"},
    }

    config = parse_config(raw, SECRET)

    assert config.matrix.send_rate_per_second == 2.0
    assert isinstance(config.matrix.send_rate_per_second, float)
    assert config.matrix.send_burst == 3
    assert config.matrix.device_name == "alumni-bot-test"
    assert config.server_name == "example.org:8448"
    assert config.bot == BotConfig(
        command_prefix="?",
        language="en",
        timezone="UTC",
        organisers=("@anna:example.org", "@ben:other.example"),
        allowed_servers=("example.org", "other.example:8448"),
    )
    assert config.storage.url == "postgresql+asyncpg://bot@db/alumni"
    assert config.http == HttpConfig(host="::1", port=9100)


@pytest.mark.parametrize(
    ("raw", "env", "key"),
    [
        pytest.param({}, {}, "matrix.user_id", id="no-matrix-table"),
        pytest.param({"matrix": {}}, {}, "matrix.user_id", id="missing-user-id"),
        pytest.param(
            with_values(LOCAL, matrix={"user_id": 42}), {}, "matrix.user_id", id="uid-int"
        ),
        pytest.param(
            with_values(LOCAL, matrix={"user_id": "alumni-bot"}), {}, "matrix.user_id", id="no-at"
        ),
        pytest.param(
            with_values(LOCAL, matrix={"user_id": "@alumni-bot"}),
            {},
            "matrix.user_id",
            id="no-server",
        ),
        pytest.param(
            with_values(LOCAL, matrix={"user_id": "@alumni bot:example.org"}),
            {},
            "matrix.user_id",
            id="space-in-user-id",
        ),
        pytest.param(
            with_values(REMOTE, matrix={"homeserver": "matrix.example.org"}),
            SECRET,
            "matrix.homeserver",
            id="homeserver-without-scheme",
        ),
        pytest.param(
            with_values(REMOTE, matrix={"homeserver": "ftp://matrix.example.org"}),
            SECRET,
            "matrix.homeserver",
            id="homeserver-ftp",
        ),
        pytest.param(
            with_values(REMOTE, matrix={"homeserver": "https://"}),
            SECRET,
            "matrix.homeserver",
            id="homeserver-no-host",
        ),
        pytest.param(
            with_values(REMOTE, matrix={"homeserver": "https://matrix example.org"}),
            SECRET,
            "matrix.homeserver",
            id="homeserver-with-space",
        ),
        pytest.param(REMOTE, {}, "matrix", id="no-secret"),
        pytest.param(REMOTE, {PASSWORD_ENV: "", TOKEN_ENV: ""}, "matrix", id="empty-secret"),
        pytest.param(
            with_values(LOCAL, matrix={"send_rate_per_second": 0}),
            {},
            "matrix.send_rate_per_second",
            id="rate-zero",
        ),
        pytest.param(
            with_values(LOCAL, matrix={"send_rate_per_second": True}),
            {},
            "matrix.send_rate_per_second",
            id="rate-bool",
        ),
        pytest.param(
            with_values(LOCAL, matrix={"send_burst": 1.5}), {}, "matrix.send_burst", id="burst"
        ),
        pytest.param({**LOCAL, "database": {}}, {}, "database", id="unknown-top-level"),
        pytest.param(
            with_values(LOCAL, matrix={"password": "geheim"}),
            {},
            "matrix.password",
            id="password-in-file",
        ),
        pytest.param(with_values(LOCAL, bot={"prefix": "!"}), {}, "bot.prefix", id="unknown-bot"),
        pytest.param(
            with_values(LOCAL, storage={"path": "x.db"}), {}, "storage.path", id="unknown-storage"
        ),
        pytest.param(with_values(LOCAL, http={"port": 8080}), {}, "http.port", id="unknown-http"),
        pytest.param({**LOCAL, "bot": "de"}, {}, "bot", id="bot-not-a-table"),
        pytest.param(
            with_values(LOCAL, bot={"command_prefix": ""}), {}, "bot.command_prefix", id="prefix"
        ),
        pytest.param(
            with_values(LOCAL, bot={"command_prefix": "! "}),
            {},
            "bot.command_prefix",
            id="prefix-space",
        ),
        pytest.param(with_values(LOCAL, bot={"language": "fr"}), {}, "bot.language", id="lang"),
        pytest.param(
            with_values(LOCAL, bot={"timezone": "Europe/Atlantis"}),
            {},
            "bot.timezone",
            id="unknown-timezone",
        ),
        pytest.param(
            with_values(LOCAL, bot={"timezone": "../../etc/passwd"}),
            {},
            "bot.timezone",
            id="timezone-path",
        ),
        pytest.param(
            with_values(LOCAL, bot={"organisers": "@anna:example.org"}),
            {},
            "bot.organisers",
            id="organisers-not-a-list",
        ),
        pytest.param(
            with_values(LOCAL, bot={"organisers": ["@anna:example.org", 7]}),
            {},
            "bot.organisers",
            id="organisers-not-strings",
        ),
        pytest.param(
            with_values(LOCAL, bot={"organisers": ["@anna:example.org", "ben"]}),
            {},
            "bot.organisers[1]",
            id="organiser-bad-id",
        ),
        pytest.param(
            with_values(LOCAL, bot={"allowed_servers": "example.org"}),
            {},
            "bot.allowed_servers",
            id="servers-not-a-list",
        ),
        pytest.param(
            with_values(LOCAL, bot={"allowed_servers": ["example.org", "https://example.org"]}),
            {},
            "bot.allowed_servers[1]",
            id="server-is-a-url",
        ),
        pytest.param(
            with_values(LOCAL, bot={"allowed_servers": ["@anna:example.org"]}),
            {},
            "bot.allowed_servers[0]",
            id="server-is-a-user",
        ),
        pytest.param(with_values(LOCAL, http={"listen": "8080"}), {}, "http.listen", id="no-host"),
        pytest.param(with_values(LOCAL, http={"listen": ":8080"}), {}, "http.listen", id="colon"),
        pytest.param(
            with_values(LOCAL, http={"listen": "localhost:"}), {}, "http.listen", id="no-port"
        ),
        pytest.param(
            with_values(LOCAL, http={"listen": "localhost:http"}), {}, "http.listen", id="port-name"
        ),
        pytest.param(
            with_values(LOCAL, http={"listen": "127.0.0.1:70000"}),
            {},
            "http.listen",
            id="port-too-big",
        ),
        pytest.param(with_values(LOCAL, http={"listen": 8080}), {}, "http.listen", id="int"),
        pytest.param(
            with_values(LOCAL, http={"listen": "::1"}), {}, "http.listen", id="ipv6-no-port"
        ),
        pytest.param(
            with_values(LOCAL, http={"listen": "127.0.0.1:²"}),
            {},
            "http.listen",
            id="superscript-digit",
        ),
    ],
)
def test_error_names_the_key(raw: dict[str, Any], env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, env)

    assert str(caught.value).startswith(f"{key}:")


def test_missing_secret_names_both_variables() -> None:
    with pytest.raises(ConfigError, match=f"{PASSWORD_ENV}.*{TOKEN_ENV}"):
        parse_config(REMOTE, {"ALUMNI_BOT_OTHER": "x"})


def test_load_config_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[matrix]\nhomeserver = "https://matrix.example.org"\n'
        'user_id = "@alumni-bot:example.org"\n\n'
        '[bot]\norganisers = ["@anna:example.org"]\ntimezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )

    config = load_config(path, {TOKEN_ENV: "syt_token"})

    assert config.matrix.access_token == "syt_token"
    assert config.bot.organisers == ("@anna:example.org",)


def test_load_config_takes_secrets_from_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[matrix]\nhomeserver = "https://matrix.example.org"\n'
        'user_id = "@alumni-bot:example.org"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.setenv(PASSWORD_ENV, "aus-der-umgebung")

    assert load_config(path).matrix.password == "aus-der-umgebung"


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[matrix]\nuser_id = "@alumni-bot:example.org\n', encoding="utf-8")

    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load_config(path, {})

    assert str(caught.value).startswith(f"{path}:")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"

    with pytest.raises(ConfigError, match="file not found") as caught:
        load_config(path, {})

    assert str(caught.value).startswith(f"{path}:")


def test_error_in_a_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[matrix]\nuser_id = "@alumni-bot:localhost"\n[bot]\ntimezone = "Berlin"\n',
        encoding="utf-8",
    )

    with pytest.raises(ConfigError, match=r"^bot\.timezone: .*'Berlin'"):
        load_config(path, {})


@pytest.mark.parametrize("env", [{PASSWORD_ENV: "geheim"}, {TOKEN_ENV: "syt_token"}])
def test_example_config_loads(env: dict[str, str]) -> None:
    config = load_config(REPO_ROOT / "config.example.toml", env)

    assert isinstance(config, Config)
    assert config.matrix.user_id.startswith("@")


def test_survey_files_are_read_relative_to_the_config_and_checked(tmp_path: Path) -> None:
    (tmp_path / "surveys").mkdir()
    survey = tmp_path / "surveys" / "bedarfe.toml"
    survey.write_text(
        'titel = "Bedarfe"\nende = "15.12.2026 18:00"\n[[frage]]\ntext = "Was?"\nart = "text"\n',
        encoding="utf-8",
    )
    path = tmp_path / "config.toml"
    path.write_text(
        '[matrix]\nuser_id = "@alumni-bot:localhost"\n'
        '[bot]\nsurveys = ["surveys/bedarfe.toml"]\n'
        '[http]\npublic_url = "https://bot.example.org/"\n',
        encoding="utf-8",
    )
    config = load_config(path, {})
    assert config.bot.surveys == (survey.resolve(),)
    assert config.http.base_url == "https://bot.example.org"

    survey.write_text('titel = "Bedarfe"\n[[frage]]\ntext = "Was?"\nart = "text"\n')
    with pytest.raises(
        ConfigError, match=r"^bot\.surveys\[0\]: .*bedarfe\.toml: “ende” is missing"
    ):
        load_config(path, {})
    survey.unlink()
    with pytest.raises(ConfigError, match=r"^bot\.surveys\[0\]: .*No such file"):
        load_config(path, {})


def test_the_public_address_defaults_to_where_the_server_listens() -> None:
    assert parse_config(LOCAL, {}).http.base_url == "http://127.0.0.1:8080"
    ipv6 = parse_config(with_values(LOCAL, http={"listen": "[::1]:9000"}), {})
    assert ipv6.http.base_url == "http://[::1]:9000"
    with pytest.raises(ConfigError, match=r"^http\.public_url: "):
        parse_config(with_values(LOCAL, http={"public_url": "bot.example.org"}), {})


def test_the_health_threshold_is_a_number_of_seconds_and_the_long_poll_fits_in_it() -> None:
    assert parse_config(LOCAL, {}).http.unhealthy_after_seconds == 75.0
    assert long_poll_seconds(75.0) == 30.0
    quick = parse_config(with_values(LOCAL, http={"unhealthy_after_seconds": 5}), {})
    assert quick.http.unhealthy_after_seconds == 5.0
    assert long_poll_seconds(5.0) == 2.0
    for wrong in (0, "75", True):
        with pytest.raises(ConfigError, match=r"^http\.unhealthy_after_seconds: "):
            parse_config(with_values(LOCAL, http={"unhealthy_after_seconds": wrong}), {})
