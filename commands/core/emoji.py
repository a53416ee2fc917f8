"""Emoji as reaction keys arrive: the same emoji in other skin tones."""

from __future__ import annotations

import re

SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")
