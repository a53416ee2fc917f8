"""The roles of the network's roster (Smart City Manager:innen, Fachvorgesetzte, the
organisation, guests): their names in both languages and the words that name them, for the
space that keeps the roster and for what is meant for some roles only (a needs survey)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from commands.core.i18n import Language, Localized

RosterRole = Literal["manager", "supervisor", "organiser", "guest"]
ROLE_NAMES: dict[RosterRole, Localized] = {
    "manager": Localized("Smart City Manager:in", "Smart City Manager"),
    "supervisor": Localized("Fachvorgesetzte:r", "supervisor"),
    "organiser": Localized("Organisation", "organiser"),
    "guest": Localized("Gast", "guest"),
}
# The people of a role, as a sentence names them ("richtet sich an …").
ROLE_PLURALS: dict[RosterRole, Localized] = {
    "manager": Localized("Smart City Manager:innen", "Smart City Managers"),
    "supervisor": Localized("Fachvorgesetzte", "supervisors"),
    "organiser": Localized("das Organisationsteam", "the organising team"),
    "guest": Localized("Gäste", "guests"),
}
ROLE_WORDS: dict[str, RosterRole] = {
    "smart city manager:in": "manager",
    "smart city manager:innen": "manager",
    "smart city managerin": "manager",
    "smart city manager": "manager",
    "smart-city-manager:in": "manager",
    "scm": "manager",
    "manager": "manager",
    "managerin": "manager",
    "fachvorgesetzte:r": "supervisor",
    "fachvorgesetzte": "supervisor",
    "fachvorgesetzter": "supervisor",
    "vorgesetzte:r": "supervisor",
    "supervisor": "supervisor",
    "organisation": "organiser",
    "orga": "organiser",
    "organiser": "organiser",
    "organizer": "organiser",
    "gast": "guest",
    "guest": "guest",
}
# The municipalities' people: those the qualification programme trains and their superiors.
MUNICIPAL_ROLES: tuple[RosterRole, ...] = ("manager", "supervisor")
AND = Localized("und", "and")


def roles_or_municipal(stored: Iterable[str] | None) -> tuple[RosterRole, ...]:
    """The roles a stored list names (as something meant for some roles keeps them), in the
    roster's order; the municipal roles when none are stored."""
    if not stored:
        return MUNICIPAL_ROLES
    named = set(stored)
    return tuple(role for role in ROLE_NAMES if role in named)


def parse_role(text: str) -> RosterRole | None:
    word = " ".join(text.strip().lower().split())
    return ROLE_WORDS.get(word) or ROLE_WORDS.get(word.replace("*", ":").replace("_", ":"))


def roles_named(roles: Iterable[RosterRole], language: Language) -> str:
    """The people of these roles in a sentence: "Smart City Manager:innen und Fachvorgesetzte"."""
    names = [ROLE_PLURALS[role].get(language) for role in roles]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {AND.get(language)} {names[-1]}"
