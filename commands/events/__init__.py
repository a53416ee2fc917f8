"""Events: create, change, cancel; answers by command and reaction; reminders and direct
messages to those who have not answered; calendar files and the calendar feed."""

from __future__ import annotations

from commands.core.feature import Feature, On
from commands.core.signals import Reaction, Redaction
from commands.events import commands, feed, signals
from commands.events.duty import EventDuty

FEATURE = Feature(
    "events",
    groups=(commands.group,),
    signals=(
        On(Reaction, signals.answer_by_reaction),
        On(Redaction, signals.withdraw),
    ),
    duties=lambda ports: (EventDuty(ports),),
    routes=feed.routes,
)
