"""Native Matrix polls: started, mirrored vote by vote, tallied as Element does, ended with a
final result and chart, re-read from the room at start."""

from __future__ import annotations

from commands.core.feature import Feature, On
from commands.core.signals import Redaction, Reference
from commands.polls import commands, signals
from commands.polls.duty import PollDuty

FEATURE = Feature(
    "polls",
    groups=(commands.group,),
    signals=(
        # Votes count whoever cast them, as in every client.
        On(Reference, signals.mirror, accepts=signals.is_poll_relation, from_anyone=True),
        On(Redaction, signals.forget),
    ),
    duties=lambda ports: (PollDuty(ports),),
)
