"""The web page for organisers and members, also as an Element widget: login by a one-time
link sent by direct message, and pages that show and act on what other features keep —
events (commands.events), polls (commands.polls), needs surveys and needs (commands.surveys),
the roster (commands.space) — through the same domain code and rights as their commands."""

from __future__ import annotations

from commands.core.feature import Feature
from commands.web import commands, deferred

# The pages are imported and set up at their first request (deferred), not at start.
FEATURE = Feature("web", groups=(commands.group,), routes=deferred.routes)
