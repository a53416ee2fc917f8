"""The bot itself: help, language, status."""

from __future__ import annotations

from commands.core.feature import Feature, On
from commands.core.signals import DirectText
from commands.general import admin, chat, commands

FEATURE = Feature(
    "general",
    groups=(commands.group, admin.group),
    # Answers only what no other feature (a running survey) took.
    signals=(On(DirectText, chat.greet, fallback=True),),
)
