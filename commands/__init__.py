"""The bot's features as command groups, and the framework that declares and runs them."""

from __future__ import annotations

from commands import (
    admin,
    announcements,
    events,
    general,
    needs,
    polls,
    space,
    surveys,
    topics,
)
from commands.registry import CommandGroup, Registry

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
