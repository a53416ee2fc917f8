"""Loads the TOML configuration and validates it, naming the key and what is wrong with it."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url

from bot.features import FEATURES
from commands.core.converters import USER_ID_RE, ConversionError
from commands.core.i18n import LANGUAGES, Language
from commands.core.offsets import parse_offsets
from commands.core.ports import DEFAULT_REMINDER_OFFSETS, Settings

SERVER_RE = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
PASSWORD_ENV = "ALUMNI_BOT_PASSWORD"
TOKEN_ENV = "ALUMNI_BOT_ACCESS_TOKEN"
RECOVERY_ENV = "ALUMNI_BOT_RECOVERY_KEY"
STORE_KEY_ENV = "ALUMNI_BOT_CRYPTO_STORE_KEY"


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the key."""


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str | None
    user_id: str
    device_name: str = "alumni-bot"
    password: str | None = None
    access_token: str | None = None
    # None: send at once and follow the homeserver's M_LIMIT_EXCEEDED; a number caps the pace.
    send_rate_per_second: float | None = None
    send_burst: int = 10
    # nio's crypto store (olm account, sessions) for the stored device; None: next to the database.
    crypto_store: Path | None = None
    # Share room keys only with devices their owner cross-signed (MSC4153), not with all devices.
    only_cross_signed_devices: bool = False
    # Set by `run --new-device`, never by the file: the stored device's crypto store was lost.
    new_device: bool = False
    # Set by `run --replace-identity`: the account's cross-signing identity is replaced.
    replace_identity: bool = False
    # The recovery key of the bot's cross-signing identity (ALUMNI_BOT_RECOVERY_KEY), to restore it.
    recovery_key: str | None = None
    # The crypto store's key (ALUMNI_BOT_CRYPTO_STORE_KEY); None: the one kept beside the store.
    crypto_store_key: str | None = None


@dataclass(frozen=True)
class BotConfig:
    command_prefix: str = "!"
    language: Language = "de"
    timezone: str = "Europe/Berlin"
    organisers: tuple[str, ...] = ()
    allowed_servers: tuple[str, ...] = ()
    missed_grace_hours: float = 6.0
    # Seconds before an event's start; an event may set its own.
    event_reminders: tuple[int, ...] = DEFAULT_REMINDER_OFFSETS
    # TOML files of needs surveys, loaded at every start (relative to the configuration file).
    surveys: tuple[Path, ...] = ()
    # Minutes an encrypted event may stay unreadable before its sender is told (once).
    undecryptable_notice_minutes: float = 10.0


@dataclass(frozen=True)
class StorageConfig:
    url: str = "sqlite+aiosqlite:///./data/alumni-bot.db"


@dataclass(frozen=True)
class HttpConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # Where people reach the HTTP server (download links); default http://host:port.
    public_url: str | None = None
    # /healthz answers 503 once the sync loop has made no progress for this long.
    unhealthy_after_seconds: float = 75.0

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class Config:
    matrix: MatrixConfig
    bot: BotConfig = field(default_factory=BotConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    # The features' own tables (e.g. [space]), parsed by them, by table name.
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def server_name(self) -> str:
        return self.matrix.user_id.split(":", 1)[1]

    def settings(self) -> Settings:
        """What features read of the configuration."""
        bot = self.bot
        return Settings(
            prefix=bot.command_prefix,
            language=bot.language,
            timezone=bot.timezone,
            organisers=bot.organisers,
            allowed_servers=bot.allowed_servers,
            missed_grace=dt.timedelta(hours=bot.missed_grace_hours),
            reminder_offsets=bot.event_reminders,
            survey_files=bot.surveys,
            sections=self.sections,
            send_rate_per_second=self.matrix.send_rate_per_second,
            send_burst=self.matrix.send_burst,
        )


def load_config(path: Path, env: dict[str, str] | None = None) -> Config:
    """Read and validate the file at `path`; secrets come from `env` (default os.environ)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    config = parse_config(raw, os.environ if env is None else env)
    surveys = tuple((path.parent / survey).resolve() for survey in config.bot.surveys)
    config = replace(
        config,
        bot=replace(config.bot, surveys=surveys),
        matrix=replace(
            config.matrix, crypto_store=crypto_store_path(config, path.parent.resolve())
        ),
    )
    sections = dict(config.sections)
    for feature in FEATURES:
        table = feature.config
        try:
            if table is not None and table.resolve is not None and table.name in sections:
                sections[table.name] = table.resolve(sections[table.name], path.parent)
            if feature.check is not None:
                feature.check(replace(config, sections=sections).settings())
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    return replace(config, sections=sections)


def crypto_store_path(config: Config, config_dir: Path) -> Path:
    """The crypto store's directory: as configured (relative to the configuration file), else
    `crypto-store` beside an SQLite database file (whose relative path, like SQLite's, is the
    working directory's), else `data/crypto-store` beside the file."""
    if config.matrix.crypto_store is not None:
        return (config_dir / config.matrix.crypto_store).resolve()
    url = make_url(config.storage.url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent / "crypto-store"
    return (config_dir / "data" / "crypto-store").resolve()


def parse_config(raw: dict[str, Any], env: dict[str, str] | os._Environ[str]) -> Config:
    tables = {feature.config.name: feature.config for feature in FEATURES if feature.config}
    _reject_unknown(raw, "", {"matrix", "bot", "storage", "http", *tables})
    matrix = _table(raw, "matrix")
    bot = _table(raw, "bot")
    storage = _table(raw, "storage")
    http = _table(raw, "http")
    _reject_unknown(
        matrix,
        "matrix.",
        {
            "homeserver",
            "user_id",
            "device_name",
            "send_rate_per_second",
            "send_burst",
            "crypto_store",
            "only_cross_signed_devices",
        },
    )
    _reject_unknown(
        bot,
        "bot.",
        {
            "command_prefix",
            "language",
            "timezone",
            "organisers",
            "allowed_servers",
            "missed_grace_hours",
            "event_reminders",
            "surveys",
            "undecryptable_notice_minutes",
        },
    )
    _reject_unknown(storage, "storage.", {"url"})
    _reject_unknown(http, "http.", {"listen", "public_url", "unhealthy_after_seconds"})
    sections = {}
    for name, table in tables.items():
        if name in raw:
            try:
                sections[name] = table.parse(_table(raw, name))
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
    return Config(
        matrix=_matrix_config(matrix, env),
        bot=_bot_config(bot),
        storage=StorageConfig(url=_string(storage, "storage.url", StorageConfig.url)),
        http=_http_config(http),
        sections=sections,
    )


def _matrix_config(table: dict[str, Any], env: dict[str, str] | os._Environ[str]) -> MatrixConfig:
    homeserver = _string(table, "matrix.homeserver", "") or None
    if homeserver is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", homeserver):
        raise ConfigError(
            f"matrix.homeserver: {homeserver!r} is not an http(s) URL "
            '(e.g. "https://matrix.example.org"); leave it out to start a local homeserver'
        )
    user_id = _string(table, "matrix.user_id", None)
    if not USER_ID_RE.match(user_id):
        raise ConfigError(
            f'matrix.user_id: {user_id!r} is not a Matrix user id like "@alumni-bot:example.org"'
        )
    rate = table.get("send_rate_per_second", MatrixConfig.send_rate_per_second)
    if rate is not None and (
        not isinstance(rate, int | float) or isinstance(rate, bool) or rate <= 0
    ):
        raise ConfigError(f"matrix.send_rate_per_second: must be a number > 0, got {rate!r}")
    burst = table.get("send_burst", MatrixConfig.send_burst)
    if not isinstance(burst, int) or isinstance(burst, bool) or burst < 1:
        raise ConfigError(f"matrix.send_burst: must be a whole number >= 1, got {burst!r}")
    only_signed = table.get("only_cross_signed_devices", False)
    if not isinstance(only_signed, bool):
        raise ConfigError(
            f"matrix.only_cross_signed_devices: must be true or false, got {only_signed!r}"
        )
    store = _string(table, "matrix.crypto_store", "") or None
    password = env.get(PASSWORD_ENV) or None
    token = env.get(TOKEN_ENV) or None
    if homeserver is not None and password is None and token is None:
        raise ConfigError(
            f"matrix: no secret given; set {PASSWORD_ENV} or {TOKEN_ENV} in the environment "
            "(secrets are never read from the file)"
        )
    return MatrixConfig(
        homeserver=homeserver.rstrip("/") if homeserver else None,
        user_id=user_id,
        device_name=_string(table, "matrix.device_name", MatrixConfig.device_name),
        password=password,
        access_token=token,
        send_rate_per_second=None if rate is None else float(rate),
        send_burst=burst,
        crypto_store=Path(store) if store else None,
        only_cross_signed_devices=only_signed,
        recovery_key=env.get(RECOVERY_ENV) or None,
        crypto_store_key=env.get(STORE_KEY_ENV) or None,
    )


def _bot_config(table: dict[str, Any]) -> BotConfig:
    prefix = _string(table, "bot.command_prefix", BotConfig.command_prefix)
    if not prefix or any(ch.isspace() for ch in prefix) or len(prefix) > 3:
        raise ConfigError(f"bot.command_prefix: 1 to 3 non-space characters, got {prefix!r}")
    typed = _string(table, "bot.language", BotConfig.language)
    language = next((known for known in LANGUAGES if known == typed), None)
    if language is None:
        raise ConfigError(f"bot.language: must be one of {', '.join(LANGUAGES)}, got {typed!r}")
    timezone = _string(table, "bot.timezone", BotConfig.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f'bot.timezone: unknown time zone {timezone!r} (use an IANA name like "Europe/Berlin")'
        ) from exc
    organisers = _string_list(table, "bot.organisers")
    for index, user in enumerate(organisers):
        if not USER_ID_RE.match(user):
            raise ConfigError(f"bot.organisers[{index}]: {user!r} is not a Matrix user id")
    servers = _string_list(table, "bot.allowed_servers")
    for index, server in enumerate(servers):
        if not SERVER_RE.match(server):
            raise ConfigError(
                f'bot.allowed_servers[{index}]: {server!r} is not a server name like "example.org"'
            )
    grace = table.get("missed_grace_hours", BotConfig.missed_grace_hours)
    if not isinstance(grace, int | float) or isinstance(grace, bool) or grace < 0:
        raise ConfigError(f"bot.missed_grace_hours: must be a number >= 0, got {grace!r}")
    notice = table.get("undecryptable_notice_minutes", BotConfig.undecryptable_notice_minutes)
    if not isinstance(notice, int | float) or isinstance(notice, bool) or notice < 0:
        raise ConfigError(
            f"bot.undecryptable_notice_minutes: must be a number >= 0, got {notice!r}"
        )
    reminders = _string_list(table, "bot.event_reminders") if "event_reminders" in table else None
    try:
        offsets = (
            tuple(parse_offsets(reminders)) if reminders is not None else DEFAULT_REMINDER_OFFSETS
        )
    except ConversionError as exc:
        raise ConfigError(f"bot.event_reminders: {exc.text('en')}") from exc
    return BotConfig(
        surveys=tuple(Path(survey) for survey in _string_list(table, "bot.surveys")),
        missed_grace_hours=float(grace),
        undecryptable_notice_minutes=float(notice),
        event_reminders=offsets,
        command_prefix=prefix,
        language=language,
        timezone=timezone,
        organisers=tuple(organisers),
        allowed_servers=tuple(servers),
    )


def _http_config(table: dict[str, Any]) -> HttpConfig:
    listen = _string(table, "http.listen", "127.0.0.1:8080")
    host, sep, port_text = listen.rpartition(":")
    bare_ipv6 = ":" in host and not (host.startswith("[") and host.endswith("]"))
    valid_port = port_text.isascii() and port_text.isdecimal() and int(port_text) <= 65535
    if not sep or not host or bare_ipv6 or not valid_port:
        raise ConfigError(
            f'http.listen: expected "HOST:PORT" like "127.0.0.1:8080", got {listen!r}'
        )
    public_url = _string(table, "http.public_url", "") or None
    if public_url is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", public_url):
        raise ConfigError(
            f"http.public_url: {public_url!r} is not an http(s) URL "
            '(e.g. "https://bot.example.org")'
        )
    unhealthy = table.get("unhealthy_after_seconds", HttpConfig.unhealthy_after_seconds)
    if not isinstance(unhealthy, int | float) or isinstance(unhealthy, bool) or unhealthy < 1:
        raise ConfigError(f"http.unhealthy_after_seconds: must be a number >= 1, got {unhealthy!r}")
    return HttpConfig(
        host=host.strip("[]"),
        port=int(port_text),
        public_url=public_url,
        unhealthy_after_seconds=float(unhealthy),
    )


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a table ([{key}]), got {type(value).__name__}")
    return value


def _string(table: dict[str, Any], key: str, default: str | None) -> str:
    name = key.rsplit(".", 1)[1]
    if name not in table:
        if default is None:
            raise ConfigError(f"{key}: missing (required)")
        return default
    value = table[name]
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a string, got {type(value).__name__} {value!r}")
    return value


def _string_list(table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key.rsplit(".", 1)[1], [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{key}: must be a list of strings, got {value!r}")
    return value


def _reject_unknown(table: dict[str, Any], prefix: str, known: set[str]) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{prefix}{key}: unknown key (known: {', '.join(sorted(known))})")
