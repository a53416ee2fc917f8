"""The bot itself: help, language, status."""

from __future__ import annotations

from commands.core.feature import Feature
from commands.general import admin, commands

FEATURE = Feature("general", groups=(commands.group, admin.group))
