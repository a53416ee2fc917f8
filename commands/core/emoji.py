"""Emoji as reaction keys arrive: the same emoji with or without a variation selector (Element
sends 👍 as U+1F44D U+FE0F) and in other skin tones."""

from __future__ import annotations

import re

SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")
# U+FE0F asks for the emoji look, U+FE0E for the text look: the same emoji either way.
VARIATION_SELECTORS = re.compile("[\ufe0e\ufe0f]")


def reaction_key(key: str) -> str:
    """A reaction key reduced to the emoji itself, so 👍, 👍️ (VS16), 👍︎ (VS15) and 👍🏽 compare
    equal; reactions are grouped by exact key, but mean the same."""
    return VARIATION_SELECTORS.sub("", SKIN_TONES.sub("", key.strip()))
