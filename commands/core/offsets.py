"""Reminder offsets, the durations before a start at which reminders go out: `7d 1d 1h`."""

from __future__ import annotations

import re

from commands.core.converters import ConversionError
from commands.core.i18n import Localized

MAX_OFFSETS = 6
MAX_OFFSET = 90 * 86400
NONE_WORDS = {"keine", "none", "-"}
OFFSET_RE = re.compile(
    r"^(\d{1,3})\s*(w|wo|wochen?|weeks?|d|t|tage?n?|days?|h|std|stunden?|hours?|m|min|minuten?|minutes?)$",
    re.IGNORECASE,
)
OFFSET_UNITS = {"w": 7 * 86400, "d": 86400, "t": 86400, "h": 3600, "s": 3600, "m": 60}

BAD_OFFSET = Localized(
    "„{value}“ ist keine Erinnerungszeit. Beispiele: 7d 1d 1h 30min, oder „keine“.",
    "“{value}” is not a reminder time. Examples: 7d 1d 1h 30min, or “none”.",
)
TOO_MANY_OFFSETS = Localized(
    "Höchstens {limit} Erinnerungen je Termin, bis {days} Tage vorher.",
    "At most {limit} reminders per event, up to {days} days before.",
)


def format_offsets(offsets: list[int]) -> str:
    """Offsets as `parse_offsets` reads them back: `7d 1d 1h 30m`; `keine` for none."""
    if not offsets:
        return "keine"
    parts = []
    for seconds in offsets:
        # Days rather than weeks: `7d 1d 1h`, as the examples say it.
        unit = next(u for u in ("d", "h", "m") if seconds % OFFSET_UNITS[u] == 0)
        parts.append(f"{seconds // OFFSET_UNITS[unit]}{unit}")
    return " ".join(parts)


def parse_offsets(words: list[str]) -> list[int]:
    """`7d 1d 1h` or `7d,1d,1h` → seconds before the start, largest first; `keine` → []."""
    parts = [part for word in words for part in word.split(",") if part]
    if not parts:
        return []
    if len(parts) == 1 and parts[0].lower() in NONE_WORDS:
        return []
    offsets = set()
    for part in parts:
        match = OFFSET_RE.match(part)
        if match is None or int(match[1]) == 0:
            raise ConversionError(BAD_OFFSET, value=part)
        unit = match[2].lower()
        seconds = int(match[1]) * OFFSET_UNITS[unit[0]]
        offsets.add(seconds)
    if not offsets or len(offsets) > MAX_OFFSETS or max(offsets) > MAX_OFFSET:
        raise ConversionError(TOO_MANY_OFFSETS, limit=MAX_OFFSETS, days=MAX_OFFSET // 86400)
    return sorted(offsets, reverse=True)
