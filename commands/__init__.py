"""The bot's features as command groups, and the framework that declares and runs them."""

from __future__ import annotations

from commands.announcements import commands as announcements
from commands.core.registry import CommandGroup, Registry
from commands.events import commands as events
from commands.general import admin
from commands.general import commands as general
from commands.polls import commands as polls
from commands.space import commands as space
from commands.surveys import commands as surveys
from commands.surveys import needs
from commands.topics import commands as topics

GROUPS: tuple[CommandGroup, ...] = (
    general.group,
    events.group,
    topics.group,
    polls.group,
    surveys.group,
    needs.group,
    space.group,
    announcements.group,
    admin.group,
)


def build_registry() -> Registry:
    return Registry(GROUPS)
