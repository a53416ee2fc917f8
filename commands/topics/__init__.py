"""Discussion topics: proposals with support, notes from their threads, decisions and action
items, agendas of events and their minutes, search."""

from __future__ import annotations

from commands.core.feature import Feature, On
from commands.core.signals import Edit, Reaction, Redaction, ThreadReply
from commands.topics import commands, signals
from commands.topics.duty import ActionDuty

FEATURE = Feature(
    "topics",
    groups=(commands.group,),
    signals=(
        On(Reaction, signals.support),
        On(Redaction, signals.forget),
        On(ThreadReply, signals.note_from_thread, accepts=signals.is_topic_thread),
        On(Edit, signals.edit_entry, accepts=signals.is_logged),
    ),
    duties=lambda ports: (ActionDuty(ports),),
    downloads={"minutes/": commands.minutes_file},
)
