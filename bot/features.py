"""The features this bot runs, in the order their commands appear in the help: the one list
in `bot/` that names them. A new feature is a new package under `commands/` and a line here."""

from __future__ import annotations

from commands import announcements, events, general, polls, privacy, space, surveys, topics, web
from commands.core.feature import Feature
from commands.core.registry import Registry

FEATURES: tuple[Feature, ...] = (
    general.FEATURE,
    events.FEATURE,
    topics.FEATURE,
    polls.FEATURE,
    surveys.FEATURE,
    space.FEATURE,
    announcements.FEATURE,
    privacy.FEATURE,
    web.FEATURE,
)


def build_registry(features: tuple[Feature, ...] = FEATURES) -> Registry:
    return Registry(group for feature in features for group in feature.groups)
