import json
from pathlib import Path
from typing import Any

from bot.homeserver import free_port, write_synapse_config

RELAXED_LIMITERS = [
    "rc_message",
    "rc_registration",
    "rc_login.address",
    "rc_login.account",
    "rc_login.failed_attempts",
    "rc_joins.local",
    "rc_joins.remote",
    "rc_joins_per_room",
    "rc_invites.per_room",
    "rc_invites.per_user",
    "rc_invites.per_issuer",
    "rc_room_creation",
    "rc_3pid_validation",
    "rc_admin_redaction",
    "rc_media_create",
    "rc_reports",
    "rc_presence.per_user",
    "rc_delayed_event_mgmt",
]


def read_yaml(path: Path) -> dict[str, Any]:
    # The module writes JSON, which is valid YAML; PyYAML is not a dependency.
    return json.loads(path.read_text())


def lookup(config: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        config = config[part]
    return config


def test_listens_on_loopback_client_api_only(tmp_path: Path) -> None:
    port = free_port()
    config = read_yaml(write_synapse_config(tmp_path, port).config)

    [listener] = config["listeners"]
    assert listener["bind_addresses"] == ["127.0.0.1"]
    assert listener["port"] == port
    assert listener["type"] == "http"
    assert listener["tls"] is False
    assert listener["x_forwarded"] is False
    assert listener["resources"] == [{"names": ["client", "openid"], "compress": False}]
    assert config["server_name"] == "localhost"
    assert config["database"]["name"] == "sqlite3"
    assert Path(config["database"]["args"]["database"]).parent == tmp_path.resolve()
    assert config["enable_registration"] is False
    assert config["trusted_key_servers"] == []
    assert config["bcrypt_rounds"] == 4


def test_logs_warnings_to_a_file_in_the_data_dir(tmp_path: Path) -> None:
    files = write_synapse_config(tmp_path, free_port())
    log_config = read_yaml(Path(read_yaml(files.config)["log_config"]))

    assert log_config["root"] == {"level": "WARNING", "handlers": ["file"]}
    assert log_config["handlers"]["file"]["filename"] == str(files.log)
    assert files.log.parent == tmp_path.resolve()


def test_rate_limits_are_relaxed_unless_opted_out(tmp_path: Path) -> None:
    relaxed = read_yaml(write_synapse_config(tmp_path / "relaxed", free_port()).config)
    default = read_yaml(write_synapse_config(tmp_path / "real", free_port(), rate_limits={}).config)

    for limiter in RELAXED_LIMITERS:
        assert lookup(relaxed, limiter) == {"per_second": 1000, "burst_count": 1000}, limiter
    assert not [key for key in default if key.startswith("rc_")]


def test_shared_secret_is_random_and_kept_on_reuse(tmp_path: Path) -> None:
    first = write_synapse_config(tmp_path, free_port())
    assert len(first.shared_secret) >= 32
    assert read_yaml(first.config)["registration_shared_secret"] == first.shared_secret

    reused = write_synapse_config(tmp_path, free_port(), reuse=True)
    fresh = write_synapse_config(tmp_path, free_port())

    assert reused.shared_secret == first.shared_secret
    assert fresh.shared_secret != first.shared_secret
    assert read_yaml(fresh.config)["registration_shared_secret"] == fresh.shared_secret
