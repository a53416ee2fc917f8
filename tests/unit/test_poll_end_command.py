"""`!umfrage beenden` against real storage (SQLite) and a recording context: which poll it ends,
that in the poll's room it sends only the end event (the final result answers it), that it
ends a poll once even when handled again after a crash, and what it says when nothing is open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from bot.features import build_registry
from commands.core.context import BotStatus, CommandContext
from commands.core.dispatch import Outcome, dispatch
from commands.core.i18n import Language
from commands.core.ports import Ports, Settings
from commands.core.registry import Role
from commands.core.rendering import html_to_text
from storage import polls
from storage.database import Database
from storage.polls import NewPoll

ROOM = "!umfragen:example.org"
OTHER_ROOM = "!orga:example.org"
END = "org.matrix.msc3381.poll.end"


@dataclass
class Recording(CommandContext):
    """Keeps what the command sends instead of sending it."""

    sent: list[str] = field(default_factory=list)

    async def reply(
        self, html: str, *, mentions: Sequence[str] = (), in_thread: bool = True
    ) -> str:
        self.sent.append("reply: " + html_to_text(html))
        return f"$reply{len(self.sent)}"

    async def post(self, room_id: str, event_type: str, content: dict[str, Any], key: str) -> str:
        self.sent.append(f"{event_type} in {room_id} ({key})")
        return f"${key}"

    def can_see(self, room_id: str) -> bool:
        return True

    async def reply_file(self, filename: str, data: bytes, mimetype: str) -> None:
        raise AssertionError("no files here")

    async def say(self, room_id: str, html: str, key: str, *, notify: bool = False) -> str:
        raise AssertionError("nothing said here")

    async def send_file(
        self, room_id: str, filename: str, data: bytes, mimetype: str, key: str
    ) -> None:
        raise AssertionError("no files here")

    async def direct_room(self) -> str | None:
        return None

    async def redact(self, room_id: str, event_ids: Sequence[str], reason: str) -> None:
        raise AssertionError("nothing redacted here")

    async def replied_file(self, limit: int) -> bytes | None:
        return None

    def download_link(self, path: str) -> str:
        return path

    def bot_status(self) -> BotStatus:
        return BotStatus("test", self.now(), 1, 0, None)

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 9, 27, 8, tzinfo=dt.UTC)

    async def resolve_room(self, reference: str) -> str:
        return self.room_id

    def room_label(self, room_id: str) -> str:
        return room_id

    def role_there(self, room_id: str) -> Role:
        return self.role


class PlannedAgain:
    def __init__(self) -> None:
        self.planned: list[int] = []

    async def changed(self, duty: str, ref: int) -> None:
        self.planned.append(ref)

    async def settled(self, duty: str, ref: int) -> None:
        return None


def context(
    db: Database,
    *,
    sender: str = "@orga:example.org",
    room_id: str = ROOM,
    event_id: str = "$end",
    language: Language = "de",
) -> Recording:
    unused: Any = None
    ports = Ports(
        db=db,
        settings=Settings(prefix="!", language=language, timezone="Europe/Berlin"),
        registry=build_registry(),
        schedules=PlannedAgain(),
        messenger=unused,
        direct=unused,
        homeserver=unused,
        errors=unused,
        links=unused,
    )
    return Recording(
        sender=sender, room_id=room_id, event_id=event_id, role=Role.MEMBER, ports=ports
    )


async def started(db: Database, source: str, room_id: str = ROOM) -> int:
    poll = await polls.create(
        db,
        NewPoll(
            source, "@orga:example.org", room_id, "Q?", [{"id": "a1", "text": "A"}], 1, True, None
        ),
    )
    await polls.set_started(db, poll.id, f"$start{source}")
    return poll.id


async def test_without_a_number_the_newest_open_poll_here_ends_with_no_reply(
    db: Database,
) -> None:
    older = await started(db, "$one")
    newer = await started(db, "$two")
    await started(db, "$three", OTHER_ROOM)
    ctx = context(db)
    assert await dispatch(ctx, "umfrage beenden") is Outcome.OK
    # Only the end event: the final result (posted by the duty) answers the command.
    assert ctx.sent == [f"{END} in {ROOM} (poll-end|{newer})"]
    row = await polls.get(db, newer)
    assert row is not None and row.status == polls.ENDED
    assert (row.end_command_event_id, row.ended_by) == ("$end", "@orga:example.org")
    assert cast(PlannedAgain, ctx.schedules).planned == [newer]
    assert (await polls.get(db, older)).status == polls.OPEN  # type: ignore[union-attr]

    # Handled again after a crash: the same poll, the same end event, nothing new.
    again = context(db)
    assert await dispatch(again, "umfrage beenden") is Outcome.OK
    assert again.sent == []
    assert (await polls.get(db, older)).status == polls.OPEN  # type: ignore[union-attr]

    # A new command ends the older one, then there is none left.
    next_one = context(db, event_id="$end2")
    assert await dispatch(next_one, "umfrage beenden") is Outcome.OK
    assert next_one.sent == [f"{END} in {ROOM} (poll-end|{older})"]
    none_left = context(db, event_id="$end3")
    assert await dispatch(none_left, "umfrage beenden") is Outcome.OK
    assert none_left.sent == [
        "reply: In diesem Raum läuft keine Umfrage, die sich beenden ließe. "
        "Offene Umfragen: !umfragen"
    ]
    english = context(db, event_id="$end4")
    assert await dispatch(english, "poll end") is Outcome.OK
    assert english.sent == ["reply: There is no open poll in this room to end. Open polls: !polls"]


async def test_ended_from_another_room_the_command_gets_a_reply(db: Database) -> None:
    number = await started(db, "$one")
    ctx = context(db, room_id=OTHER_ROOM)
    assert await dispatch(ctx, f"umfrage beenden {number}") is Outcome.OK
    assert ctx.sent == [
        f"{END} in {ROOM} (poll-end|{number})",
        f"reply: Umfrage Nr. {number} ist beendet; das Ergebnis folgt in {ROOM}.",
    ]
    row = await polls.get(db, number)
    assert row is not None and row.ended_by is None  # the final result answers no command
    later = context(db, room_id=OTHER_ROOM, event_id="$later")
    assert await dispatch(later, f"umfrage beenden {number}") is Outcome.OK
    assert later.sent == [f"reply: Umfrage Nr. {number} ist schon beendet."]


async def test_only_its_creator_or_an_organiser_ends_it(db: Database) -> None:
    number = await started(db, "$one")
    ctx = context(db, sender="@ben:example.org")
    assert await dispatch(ctx, "umfrage beenden") == Outcome.DENIED
    assert len(ctx.sent) == 1 and "kann nur beenden, wer sie gestartet hat" in ctx.sent[0]
    # A refusal says who may; the command was typed right, so no "how to type it" follows.
    assert "So geht es" not in ctx.sent[0] and "Mehr dazu" not in ctx.sent[0]
    assert (await polls.get(db, number)).status == polls.OPEN  # type: ignore[union-attr]
