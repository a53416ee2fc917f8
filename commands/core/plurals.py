"""Counted texts and numbers in each language's own form, by the rules of CLDR (Babel):
"1 Raum" but "0 Räume" and "2 Räume", "0,5" in German and "0.5" in English, "25 %" and "25%"."""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from babel.numbers import format_decimal
from babel.numbers import format_percent as _format_percent

from commands.core.i18n import LANGUAGES, Language, Localized
from commands.core.rendering import Markup

_LOCALES: dict[Language, Locale] = {language: Locale(language) for language in LANGUAGES}


def format_number(value: float, language: Language, *, decimals: int = 0) -> str:
    """`value` with the language's decimal sign and grouping, rounded to `decimals` places:
    `format_number(0.5, "de", decimals=1)` → "0,5"; 1234 → "1.234" / "1,234"."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[language])


def format_percent(share: float, language: Language) -> str:
    """A share from 0 to 1 as a whole percentage: "25 %" (German, with a no-break space, so
    that it never wraps), "25%" (English)."""
    return _format_percent(share, locale=_LOCALES[language])


def plural_form(count: float, language: Language) -> str:
    """CLDR's plural category of `count` in `language` ("one" or "other" for ours)."""
    return _LOCALES[language].plural_form(count)


@dataclass(frozen=True)
class Plural:
    """A text about a number of things, with the form for one and the form for all other
    numbers in each language. The placeholder named `counted` (`{count}` unless said) picks
    the form and is put in the language's number format."""

    one: Localized
    other: Localized
    counted: str = "count"

    def choose(self, language: Language, count: float) -> Localized:
        return self.one if plural_form(count, language) == "one" else self.other

    def format(self, language: Language, count: float | None = None, /, **values: object) -> str:
        """`count` (if given) is the value of the counted placeholder."""
        text, values = self._chosen(language, count, values)
        return text.format(language, **values)

    def html(self, language: Language, count: float | None = None, /, **values: object) -> Markup:
        """`format` as HTML: str values are escaped, Markup values kept."""
        text, values = self._chosen(language, count, values)
        return text.html(language, **values)

    def _chosen(
        self, language: Language, count: float | None, values: dict[str, object]
    ) -> tuple[Localized, dict[str, object]]:
        if count is not None:
            values[self.counted] = count
        number = values[self.counted]
        assert isinstance(number, int | float), (self.counted, number)
        decimals = 0 if float(number).is_integer() else 1
        values[self.counted] = format_number(number, language, decimals=decimals)
        return self.choose(language, number), values
