"""Hostile input gets a clear answer: numbers are range-checked by one rule, invisible text is
no text, bidi controls are neutralised, an impossible date names the year that was meant."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commands.core.converters import NUMBER_MAX, ConversionError, Integer, Word, number_in
from commands.core.rendering import escape
from commands.core.time_phrases import ImpossibleDateError, parse_when

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), ("#7", 7), (" 12 ", 12), ("Workshop", None), ("１", None), ("7a", None)],
)
def test_number_in(text: str, expected: int | None) -> None:
    assert number_in(text) == expected


@pytest.mark.parametrize("text", ["99999999999999999999", "0", str(NUMBER_MAX + 1)])
def test_number_in_out_of_range_is_an_error(text: str) -> None:
    with pytest.raises(ConversionError):
        number_in(text)


@pytest.mark.parametrize("text", ["１", "٣", "99999999999999", "2147483648"])
def test_integer_takes_ascii_digits_within_storage(text: str) -> None:
    with pytest.raises(ConversionError):
        Integer(minimum=1).convert(text)


@pytest.mark.parametrize("text", ["", "   ", "\u200b", "\u200b \u200d\ufeff", "\u202e\u2066"])
def test_invisible_text_is_empty(text: str) -> None:
    with pytest.raises(ConversionError):
        Word().convert(text)


def test_visible_text_is_kept_as_typed() -> None:
    assert Word().convert(" Workshop\u200b ") == " Workshop\u200b "


def test_bidi_controls_are_neutralised_in_html() -> None:
    shown = escape("Termin \u202egnuztiS\u202c <b>")
    assert "\u202e" not in shown and "\u202c" not in shown
    assert shown == "Termin gnuztiS &lt;b&gt;"


@pytest.mark.parametrize("text", ["31.02. 10 Uhr", "31.02."])
def test_yearless_impossible_date_names_this_year(text: str) -> None:
    now = dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)
    with pytest.raises(ImpossibleDateError) as caught:
        parse_when(text, now, BERLIN)
    assert "31.02.2026" in caught.value.text("de")
    assert "2000" not in caught.value.text("en")
