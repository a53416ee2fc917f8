"""Scheduled announcements: posts into rooms, once or recurring, sent late or reported when
the bot was down."""

from __future__ import annotations

from commands.announcements import commands
from commands.announcements.duty import AnnouncementDuty
from commands.core.feature import Feature

FEATURE = Feature(
    "announcements",
    groups=(commands.group,),
    duties=lambda ports: (AnnouncementDuty(ports),),
)
