"""A file the bot makes (an export, minutes) with its name and type."""

from __future__ import annotations

from dataclasses import dataclass

CSV_TYPE = "text/csv"
MARKDOWN_TYPE = "text/markdown"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    data: bytes
    mimetype: str
