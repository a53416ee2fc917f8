"""Languages the bot speaks and a small type for text given in each of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from commands.core.rendering import Markup

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


@dataclass(frozen=True)
class Localized:
    """One text in German and English; German is the product's first language."""

    de: str
    en: str

    def get(self, language: Language) -> str:
        return self.en if language == "en" else self.de

    def format(self, language: Language, **values: object) -> str:
        """Values that are Localized themselves are put in the same language."""
        resolved = {
            key: value.get(language) if isinstance(value, Localized) else value
            for key, value in values.items()
        }
        return self.get(language).format(**resolved)

    def markup(self, language: Language) -> Markup:
        """The text as HTML: our own texts may hold tags (`<b>`), and are trusted."""
        return Markup(self.get(language))

    def html(self, language: Language, **values: object) -> Markup:
        """The text as HTML with `values` put in: a str value is escaped, a Markup kept;
        Localized values are our own texts, put in the same language as HTML."""
        resolved = {
            key: value.markup(language) if isinstance(value, Localized) else value
            for key, value in values.items()
        }
        return self.markup(language).format(**resolved)


def parse_language(text: str) -> Language | None:
    """Read a language choice as users type it: "de", "Deutsch", "EN", "english"."""
    word = text.strip().lower()
    if word in {"de", "deutsch", "german", "ger"}:
        return "de"
    if word in {"en", "englisch", "english", "eng"}:
        return "en"
    return None


# How a numbered thing (an event, a poll, a topic) is referred to: "Nr. 3" is German only.
NUMBERED = Localized("Nr. {id}", "No. {id}")
