"""Reaction keys as Element and other clients send them: with VS16 (U+FE0F), VS15 (U+FE0E), skin
tones or spaces, they mean the same emoji — for event answers and for topic support alike."""

from __future__ import annotations

import pytest

from commands.core.emoji import reaction_key
from commands.events.plan import MAYBE, NO, YES, reaction_answer
from commands.topics.plan import is_support

VS16 = "\ufe0f"
VS15 = "\ufe0e"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("👍", "👍"),
        ("👍" + VS16, "👍"),
        ("👍" + VS15, "👍"),
        ("👍🏽", "👍"),
        ("👍🏿" + VS16, "👍"),
        (" ✅ ", "✅"),
        ("❔" + VS16, "❔"),
        ("❤" + VS16, "❤"),
        (VS16, ""),
        ("+1", "+1"),
    ],
)
def test_reaction_key(key: str, expected: str) -> None:
    assert reaction_key(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("✅" + VS16, YES),
        ("✅" + VS15, YES),
        ("❌" + VS15, NO),
        ("❔" + VS16, MAYBE),
        ("❔" + VS15, MAYBE),
        ("👍🏽" + VS16, YES),
        ("✔" + VS15, YES),
    ],
)
def test_event_answers_ignore_every_variation_selector(key: str, expected: str) -> None:
    assert reaction_answer(key) == expected


@pytest.mark.parametrize("key", ["👍", "👍" + VS16, "👍" + VS15, "👍🏼" + VS16, "+1"])
def test_topic_support_as_element_sends_it(key: str) -> None:
    assert is_support(key)


@pytest.mark.parametrize("key", ["👎" + VS16, "✅", VS16, ""])
def test_other_keys_are_no_support(key: str) -> None:
    assert not is_support(key)
