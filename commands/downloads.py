"""Files the bot makes on request behind its signed download links: the needs exports and the
minutes of events. A path names the file; the data is read as it is at that moment."""

from __future__ import annotations

import datetime as dt

from commands.core.files import ExportFile
from commands.surveys import needs
from commands.topics import commands as topics
from storage.database import Database


async def download(db: Database, path: str, now: dt.datetime, timezone: str) -> ExportFile | None:
    """The file a download path names, or None if there is none (now)."""
    if path.startswith("needs/"):
        return await needs.export_file(db, path, now, timezone)
    if path.startswith("minutes/"):
        return await topics.minutes_file(db, path, timezone)
    return None
