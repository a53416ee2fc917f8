"""The command context as the Matrix side implements it: replies go through the one send path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot import faults
from bot.sender import Sender, message_content, txn_id_for
from commands.context import BotStatus, CommandContext


@dataclass
class MatrixCommandContext(CommandContext):
    sender_path: Sender = field(kw_only=True)
    status_source: Callable[[], BotStatus] = field(kw_only=True)
    thread_root: str | None = field(default=None, kw_only=True)
    replies: int = field(default=0, init=False)

    async def reply(self, html: str, *, mentions: Sequence[str] = ()) -> None:
        faults.crash_point(faults.BEFORE_REPLY)
        content = message_content(
            html,
            reply_to=self.event_id,
            thread_root=self.thread_root,
            mentions=[self.sender, *mentions],
        )
        # The txn id depends only on the command event, so re-handling after a crash re-uses it.
        txn_id = txn_id_for("reply", self.event_id, self.replies)
        self.replies += 1
        await self.sender_path.send(self.room_id, content, txn_id=txn_id)
        faults.crash_point(faults.AFTER_SEND)

    def bot_status(self) -> BotStatus:
        return self.status_source()
