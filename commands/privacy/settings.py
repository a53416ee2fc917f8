"""The [privacy] table of the configuration: the operator's privacy notice, how long each kind
of data is kept, and the smallest group a survey result may be broken down to. Errors name the
key."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from commands.core.ports import Settings
from storage.privacy import Retention

TABLE = "privacy"
NOTICE_KEYS = ("controller", "contact", "purposes", "legal_basis", "retention", "rights")
RETENTION_KEYS = tuple(f.name for f in fields(Retention))
KEYS = {"notice", "retention", "min_group_size", "download_link_hours"}
DEFAULT_DOWNLOAD_LINK_HOURS = 24
DEFAULT_MIN_GROUP_SIZE = 5


@dataclass(frozen=True)
class Notice:
    """The privacy notice as the operator words it (German; shown as written)."""

    controller: str = ""
    contact: str = ""
    purposes: str = ""
    legal_basis: str = ""
    retention: str = ""
    rights: str = ""

    @property
    def given(self) -> bool:
        return any(getattr(self, key) for key in NOTICE_KEYS)


@dataclass(frozen=True)
class PrivacyConfig:
    notice: Notice = field(default_factory=Notice)
    retention: Retention = field(default_factory=Retention)
    # Below this many answers an anonymous survey shows no breakdown and no free texts.
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    # How long a download link (an export, the minutes) stays valid.
    download_link_hours: int = DEFAULT_DOWNLOAD_LINK_HOURS


def _unknown(table: dict[str, Any], known: set[str] | tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise ValueError(f"{prefix}{key}: unknown key (known: {', '.join(sorted(known))})")


def _sub(table: dict[str, Any], key: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"privacy.{key}: must be a table ([privacy.{key}])")
    return value


def _whole(value: object, key: str, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{key}: must be a whole number >= {minimum}, got {value!r}")
    return value


def parse_privacy(table: dict[str, Any]) -> PrivacyConfig:
    _unknown(table, KEYS, "privacy.")
    notice_raw = _sub(table, "notice")
    _unknown(notice_raw, NOTICE_KEYS, "privacy.notice.")
    for key, value in notice_raw.items():
        if not isinstance(value, str):
            raise ValueError(f"privacy.notice.{key}: must be text, got {value!r}")
    retention_raw = _sub(table, "retention")
    _unknown(retention_raw, RETENTION_KEYS, "privacy.retention.")
    days = {
        key: _whole(value, f"privacy.retention.{key}", 1) for key, value in retention_raw.items()
    }
    size = _whole(table.get("min_group_size", DEFAULT_MIN_GROUP_SIZE), "privacy.min_group_size", 1)
    hours = _whole(
        table.get("download_link_hours", DEFAULT_DOWNLOAD_LINK_HOURS),
        "privacy.download_link_hours",
        1,
    )
    return PrivacyConfig(
        notice=Notice(**{k: v.strip() for k, v in notice_raw.items()}),
        retention=Retention(**days),
        min_group_size=size,
        download_link_hours=hours,
    )


def privacy_of(settings: Settings) -> PrivacyConfig:
    """The [privacy] table, or its defaults when the configuration has none."""
    found = settings.sections.get(TABLE)
    return found if isinstance(found, PrivacyConfig) else PrivacyConfig()
