"""SQLAlchemy models of the bot's own tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class KeyValue(Base):
    """Small named values of the bot itself, such as the sync position."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(4096))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class DeviceLogin(Base):
    """The device and access token of the bot account, so that a restart reuses the device."""

    __tablename__ = "device_login"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    homeserver: Mapped[str] = mapped_column(String(255))
    device_id: Mapped[str] = mapped_column(String(255))
    access_token: Mapped[str] = mapped_column(String(1024))


class HandledEvent(Base):
    """An event whose handling finished; it is never handled again."""

    __tablename__ = "handled_event"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255))
    handled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class JoinedRoom(Base):
    """When the bot joined a room: events older than that are history, never commands."""

    __tablename__ = "joined_room"

    room_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    joined_at_ms: Mapped[int] = mapped_column(BigInteger)


class UserSetting(Base):
    __tablename__ = "user_setting"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))


class Announcement(Base):
    """A one-off or recurring announcement into rooms; the source of truth for its schedule."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The command that created it: replaying that command after a crash finds this row again.
    source_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    command_room_id: Mapped[str] = mapped_column(String(255))
    room_ids: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    once_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cron: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    next_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class AnnouncementDelivery(Base):
    """One occurrence delivered to one room (or reported as missed): never sent twice."""

    __tablename__ = "announcement_delivery"
    __table_args__ = (UniqueConstraint("announcement_id", "due", "room_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
