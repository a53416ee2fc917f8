"""Plain words to the bot in a direct chat: the language they are in, and the one answer."""

from __future__ import annotations

import pytest

from bot.features import build_registry
from bot.router import run_handlers
from commands.core.context import CommandContext
from commands.core.feature import On, SignalHandler
from commands.core.i18n import Language
from commands.core.rendering import html_to_text
from commands.core.signals import DirectText
from commands.general.chat import greet, written_in
from tests.unit.test_commands import make_context


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hallo", "de"),
        ("hilfe", "de"),
        ("was kannst du?", "de"),
        ("Guten Tag, wie geht das?", "de"),
        ("hello", "en"),
        ("what can you do?", "en"),
        ("Help please", "en"),
        ("👍", None),
        ("Potsdam 2026", None),
    ],
)
def test_written_in(text: str, expected: Language | None) -> None:
    assert written_in(text) == expected


@pytest.mark.parametrize(
    ("text", "preferred", "default", "starts", "names"),
    [
        ("Hallo", None, "en", "Hallo!", ("!hilfe", "!help")),
        ("what can you do?", None, "de", "Hello!", ("!help", "!hilfe")),
        ("👍", None, "de", "Hallo!", ("!hilfe",)),
        ("👍", None, "en", "Hello!", ("!help",)),
        # A stored choice of language wins over a guess.
        ("hello", "de", "de", "Hallo!", ("!hilfe",)),
    ],
)
async def test_greet_points_to_the_help_in_the_persons_language(
    text: str,
    preferred: Language | None,
    default: Language,
    starts: str,
    names: tuple[str, ...],
) -> None:
    ctx = make_context(build_registry(), default=default, preferred=preferred)

    assert await greet(ctx, DirectText(text)) is True

    reply = html_to_text(ctx.only_reply)
    assert reply.startswith(starts)
    assert all(name in reply for name in names)


def handler(name: str, calls: list[str], took: bool | None) -> SignalHandler:
    async def handle(ctx: CommandContext, signal: DirectText) -> bool | None:
        calls.append(name)
        return took

    return handle


@pytest.mark.parametrize(
    ("survey_took", "expected"),
    [
        (True, ["survey"]),
        (False, ["survey", "greet"]),
        (None, ["survey", "greet"]),
    ],
)
async def test_the_fallback_answers_only_what_nobody_took(
    survey_took: bool | None, expected: list[str]
) -> None:
    calls: list[str] = []
    # Declared first, as the general feature comes first in the list of features.
    handlers = (
        On(DirectText, handler("greet", calls, True), fallback=True),
        On(DirectText, handler("survey", calls, survey_took)),
    )

    await run_handlers(handlers, make_context(build_registry()), DirectText("1"))

    assert calls == expected
