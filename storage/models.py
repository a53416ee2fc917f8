"""SQLAlchemy models of the bot's own tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
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


class PendingJob(Base):
    """Slow work taken from a sync batch, run beside the sync loop; deleted once done."""

    __tablename__ = "pending_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    # The same work is queued once, however often its batch is replayed (e.g. the event id).
    key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class UserSetting(Base):
    __tablename__ = "user_setting"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    # False: the person asked for no direct messages about events they have not answered.
    event_dms: Mapped[bool | None] = mapped_column(Boolean)


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
    # The text's formatting as the organiser typed it, sanitised to the Matrix allowlist.
    html: Mapped[str | None] = mapped_column(Text)
    # The organiser picked @room: the post notifies the whole room where the bot may.
    room_mention: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
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


class Event(Base):
    """An event such as a workshop: what, when, where, which rooms, which reminders."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    command_room_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(255))
    online_link: Mapped[str | None] = mapped_column(String(1024))
    agenda_link: Mapped[str | None] = mapped_column(String(1024))
    description: Mapped[str | None] = mapped_column(Text)
    # The description as the organiser formatted it, sanitised to the Matrix HTML allowlist.
    description_html: Mapped[str | None] = mapped_column(Text)
    closed: Mapped[bool] = mapped_column(Boolean)
    room_ids: Mapped[list[str]] = mapped_column(JSON)
    # Seconds before the start at which reminders go out.
    reminder_offsets: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # The command that made the latest change: replaying it after a crash changes nothing.
    last_change_event_id: Mapped[str | None] = mapped_column(String(255))
    # RFC 5545 SEQUENCE: bumped on every change people should see in their calendars.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class EventPost(Base):
    """A post about an event that is due (announcement, change, cancellation, reminder, or the
    direct messages to those who have not answered): an outbox row, sent exactly once."""

    __tablename__ = "event_post"
    # With the due time: an event moved later gets its reminders again for the new date.
    # Ids never reused (SQLite's AUTOINCREMENT): transaction ids are derived from them.
    __table_args__ = (
        UniqueConstraint("event_id", "kind", "key", "room_id", "due"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The reminder offset in seconds, or the event's sequence for announcements and changes.
    key: Mapped[int] = mapped_column(Integer)
    # The room to post in; "" for direct messages, which go to several people.
    room_id: Mapped[str] = mapped_column(String(255))
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    matrix_event_id: Mapped[str | None] = mapped_column(String(255), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A change notice's {field: [before, after]}: the event row holds only the newest values.
    changes: Mapped[dict[str, list[object]] | None] = mapped_column(JSON)


class EventMessage(Base):
    """Another message of the bot that is about an event (e.g. the answer to `!termin 3`), so
    a reaction to it answers the event like one to its posts."""

    __tablename__ = "event_message"

    matrix_event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)


class EventNudge(Base):
    """One direct message to one person about one reminder offset: never sent twice."""

    __tablename__ = "event_nudge"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("event_post.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(255))
    room_id: Mapped[str] = mapped_column(String(255))
    matrix_event_id: Mapped[str] = mapped_column(String(255))


class Rsvp(Base):
    """One person's answer to one event; a new answer replaces the old one."""

    __tablename__ = "rsvp"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    answer: Mapped[str] = mapped_column(String(8))
    # The reaction that gave the answer; taking that reaction back withdraws the answer.
    reaction_event_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # Its room: a later answer redacts it there, so that Element shows the current answer only.
    reaction_room_id: Mapped[str | None] = mapped_column(String(255))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class DirectRoom(Base):
    """The direct-message room the bot opened with a person."""

    __tablename__ = "direct_room"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255))


class Poll(Base):
    """A native Matrix poll the bot started; its votes live in the room and are mirrored here."""

    __tablename__ = "poll"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    room_id: Mapped[str] = mapped_column(String(255))
    question: Mapped[str] = mapped_column(Text)
    # [{"id": "a1", "text": "…"}, …] in the order shown.
    answers: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    max_selections: Mapped[int] = mapped_column(Integer)
    disclosed: Mapped[bool] = mapped_column(Boolean)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    start_event_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    end_event_id: Mapped[str | None] = mapped_column(String(255))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The latest `!umfrage erinnern` command, and the one whose direct messages went out.
    remind_event_id: Mapped[str | None] = mapped_column(String(255))
    reminded_event_id: Mapped[str | None] = mapped_column(String(255))
    # The live result message of a disclosed poll, edited as votes come in.
    live_event_id: Mapped[str | None] = mapped_column(String(255))
    # The final result posted after the end ("-" if the room refused it).
    final_event_id: Mapped[str | None] = mapped_column(String(255))
    # The live result shows the counts per answer (`--zwischenstand`); else only how many voted,
    # as Element shows a disclosed poll to whoever has not voted.
    live_counts: Mapped[bool] = mapped_column(Boolean, default=False)
    # The `!umfrage beenden` that ended the poll, and who sent it if it was given in the poll's
    # room: then the final result answers that command, which needs no reply of its own.
    end_command_event_id: Mapped[str | None] = mapped_column(String(255), index=True)
    ended_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Counts every write to the poll's responses and end events; the database's own triggers
    # keep it (migration 0013), so no path that writes them can forget to.
    changes: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    # The tally as last counted, and the `changes` it was counted at: it is the poll's result
    # while `changes` has not moved since (the pages show many polls of thousands of votes).
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tally_changes: Mapped[int | None] = mapped_column(Integer)


class PollResponse(Base):
    """One response event as the room has it; `id` is the order the bot first saw it."""

    __tablename__ = "poll_response"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(255))
    origin_server_ts: Mapped[int] = mapped_column(BigInteger)
    # {"answers": <raw value>} or {} when the content had none: the tally judges it.
    raw: Mapped[dict[str, object]] = mapped_column(JSON)


class PollEnd(Base):
    """An end event for a poll; only a valid one (creator, or power to redact) ends it."""

    __tablename__ = "poll_end"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(255))
    origin_server_ts: Mapped[int] = mapped_column(BigInteger)
    valid: Mapped[bool] = mapped_column(Boolean)


class Survey(Base):
    """A needs survey (Bedarfserhebung): its questions, when it is open, anonymous or named."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "event:<id of the creating command>" or "file:<path of its TOML file>".
    source: Mapped[str] = mapped_column(String(1024), unique=True)
    # A file's survey is updated from the file only while nobody has answered.
    definition_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    # [{"text": …, "kind": "single|multiple|scale|text", "options": […], …}, …]
    questions: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # Rooms (as written, or ids) whose members are invited by direct message at the opening.
    invite_rooms: Mapped[list[str]] = mapped_column(JSON)
    # The roster roles it is for (commands.core.roster_roles); None: the municipal ones.
    audience: Mapped[list[str] | None] = mapped_column(JSON)
    invited: Mapped[bool] = mapped_column(Boolean, default=False)
    # The close was handled: conversations in progress ended, the creator told.
    closed_handled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class SurveySession(Base):
    """A survey conversation in progress, one per person. The only place an anonymous answer is
    ever held together with who gave it: removed on submit, on cancel and at the close."""

    __tablename__ = "survey_session"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[str] = mapped_column(String(255))
    # The language the questions are asked in.
    language: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)
    reviewing: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    # "abbrechen" was written once with answers given; once more throws them away.
    cancelling: Mapped[bool] = mapped_column(Boolean, default=False)
    # A named survey answered before, whose stored answers are being changed.
    changing: Mapped[bool] = mapped_column(Boolean)
    # The message last applied: handled again after a crash, it is not applied twice.
    last_event_id: Mapped[str | None] = mapped_column(String(255))
    # The conversation's messages (questions and answers): an anonymous one is redacted from
    # the direct chat once the answers are sent.
    message_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class SurveyParticipant(Base):
    """That a person took part, so nobody answers twice; nothing about what they answered."""

    __tablename__ = "survey_participant"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    # The message that sent the answers: handled again after a crash, it is thanked again.
    submit_event_id: Mapped[str] = mapped_column(String(255))


class SurveyResponse(Base):
    """One person's submitted answers. Anonymous ones carry no person, no time, a random id, and
    the survey's rows are rewritten in random order on each submit, so neither a column nor the
    storage order can join them to the participation record."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "respondent"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    # {"<question index>": answer}; see commands.surveys.flow.Answer.
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    # Named surveys only.
    respondent: Mapped[str | None] = mapped_column(String(255))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SurveyInvite(Base):
    """A person was invited to a survey by direct message: never twice."""

    __tablename__ = "survey_invite"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)


class Need(Base):
    """A need noted with `!bedarf <text> #tag` from any room."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    author: Mapped[str] = mapped_column(String(255))
    room_id: Mapped[str] = mapped_column(String(255))
    # How the room was shown when the need was noted (its alias or name).
    room_label: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)


class RosterMember(Base):
    """Someone who belongs to the network; nobody else gets into the space and its rooms."""

    __tablename__ = "roster_member"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    municipality: Mapped[str] = mapped_column(String(255))
    cohort: Mapped[int | None] = mapped_column(Integer)
    # manager | supervisor | organiser | guest (commands.space.roster_plan.RosterRole).
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The welcome message went out (once, when they first joined the space).
    welcomed: Mapped[bool] = mapped_column(Boolean, default=False)


class SpaceRoom(Base):
    """A room the bot runs for the space (key "space" is the space itself), by config key."""

    __tablename__ = "space_room"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255), unique=True)
    # False once the room was left out of the configuration and unlinked.
    linked: Mapped[bool] = mapped_column(Boolean, default=True)


class Knock(Base):
    """Someone outside the roster asked to join the space; the organisers decide."""

    __tablename__ = "knock"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    knocked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class Topic(Base):
    """A discussion topic someone proposed; its message in the room is the thread of its notes
    and the place to support it with 👍."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    room_id: Mapped[str] = mapped_column(String(255))
    # The bot's message presenting the topic (the thread root); set once it is sent.
    message_event_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # The title's formatting as its author typed it, sanitised; None for a plain title.
    title_html: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON)
    # The event (workshop) it belongs to, if any.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    # proposed | agenda | discussed | done | rejected | merged
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    agenda_position: Mapped[int | None] = mapped_column(Integer)
    merged_into: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class TopicVote(Base):
    """One person's support of a topic; by reaction (withdrawn with it) or by command."""

    __tablename__ = "topic_vote"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    reaction_event_id: Mapped[str | None] = mapped_column(String(255), index=True)


class TopicEntry(Base):
    """A note, decision or action item of a topic, from a thread reply or a command; an edit of
    that message updates it, a redaction removes it."""

    __tablename__ = "topic_entry"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    # note | decision | action
    kind: Mapped[str] = mapped_column(String(16))
    # The message it was logged from (a thread reply or a command).
    matrix_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    # True if the message was a command: its edits are read as that command again.
    from_command: Mapped[bool] = mapped_column(Boolean)
    author: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    # The text's formatting as its author typed it, sanitised; None for plain text.
    html: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(255))
    due: Mapped[dt.date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TopicEntryEdit(Base):
    """An edit of a logged message: redacting it takes the entry with it (the log never keeps
    what its author deleted)."""

    __tablename__ = "topic_entry_edit"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("topic_entry.id", ondelete="CASCADE"), index=True
    )


class WebLogin(Base):
    """A one-time login link to the web page, sent by direct message: only its hash is kept,
    bound to one Matrix user, used once, valid for minutes."""

    __tablename__ = "web_login"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
