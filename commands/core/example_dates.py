"""Dates for examples in help texts, computed from today so an example never lies in the past.

A help text writes `{datum+30}` for the date 30 days from today in the language's format
(`04.01.2027`, `2027-01-04`) and `{tag+30}` for the same day without the year (`04.01.`), which
falls back to the full date when that day is in another year than today.
"""

from __future__ import annotations

import datetime as dt
import re

from commands.core.i18n import Language

PLACEHOLDER = re.compile(r"\{(datum|tag)\+(\d{1,3})\}")


def in_days(today: dt.date, days: int, language: Language, *, with_year: bool = True) -> str:
    """The date `days` after `today` as a person types it in `language`."""
    day = today + dt.timedelta(days=days)
    if language == "en":
        # English help writes ISO dates: unambiguous, and the bot reads them.
        return day.isoformat()
    if with_year or day.year != today.year:
        return f"{day:%d.%m.%Y}"
    return f"{day:%d.%m.}"


def fill(text: str, today: dt.date, language: Language) -> str:
    """`text` with every date placeholder replaced."""

    def replace(match: re.Match[str]) -> str:
        return in_days(today, int(match[2]), language, with_year=match[1] == "datum")

    return PLACEHOLDER.sub(replace, text)
