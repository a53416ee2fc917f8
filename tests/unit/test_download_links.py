"""Signed download links: genuine and fresh ones name their path; forged, altered or expired
ones name nothing."""

from __future__ import annotations

import datetime as dt

from bot.download_links import VALID_FOR, DownloadLinks

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LINKS = DownloadLinks(b"k" * 32, "https://bot.example.org")


def test_a_link_names_its_path_for_a_day() -> None:
    link = LINKS.link("needs/de/survey-3.csv", NOW)
    assert link.startswith("https://bot.example.org/downloads/")
    token = link.rsplit("/", 1)[1]
    assert LINKS.path_of(token, NOW) == "needs/de/survey-3.csv"
    assert LINKS.path_of(token, NOW + VALID_FOR - dt.timedelta(seconds=1)) is not None
    assert LINKS.path_of(token, NOW + VALID_FOR + dt.timedelta(seconds=1)) is None


def test_forged_and_altered_links_name_nothing() -> None:
    token = LINKS.token("needs/de/notes.csv", NOW)
    payload, signature = token.split(".")
    other = DownloadLinks(b"x" * 32, "https://bot.example.org")
    assert other.path_of(token, NOW) is None
    assert LINKS.path_of(payload + "." + signature[:-2] + "AA", NOW) is None
    forged = LINKS.token("needs/de/survey-9.csv", NOW).split(".")[0]
    assert LINKS.path_of(forged + "." + signature, NOW) is None
    for junk in ("", ".", "abc", "a.b.c", "!!!." + signature, payload + ".ä€", "ü.ü"):
        assert LINKS.path_of(junk, NOW) is None


def test_a_link_is_valid_as_long_as_configured() -> None:
    links = DownloadLinks(b"k" * 32, "https://bot.example.org", valid_for=dt.timedelta(hours=2))
    token = links.token("minutes/de/1.md", NOW)
    assert links.path_of(token, NOW + dt.timedelta(hours=2) - dt.timedelta(seconds=1))
    assert links.path_of(token, NOW + dt.timedelta(hours=2, seconds=1)) is None
