"""Who a needs survey is for: the roster roles it names (by default the municipal ones, Smart
City Manager:innen and Fachvorgesetzte). Nobody else is invited or asked — a guest of the
network or its organisers are no municipality. A bot that runs no space knows no roles and
asks everyone."""

from __future__ import annotations

from collections.abc import Iterable

from commands.core.i18n import Language, Localized
from commands.core.rendering import Markup
from commands.core.roster_roles import RosterRole, roles_named, roles_or_municipal
from storage import roster
from storage.database import Database
from storage.models import Survey

NOT_FOR_YOU = Localized(
    "Die Bedarfserhebung Nr. {id} „{title}“ richtet sich an {audience}. Deshalb stelle ich dir "
    "ihre Fragen nicht – danke für dein Interesse!",
    "Needs survey no. {id} “{title}” is meant for {audience}, so I will not ask you its "
    "questions – thank you for your interest!",
)
YOUR_ROLE = Localized(
    "Im Verzeichnis des Netzwerks bist du als {role} eingetragen.",
    "The network's roster lists you as {role}.",
)
# The roles as the sentence above needs them ("als Gast", "as a guest").
LISTED_AS: dict[RosterRole, Localized] = {
    "manager": Localized("Smart City Manager:in", "a Smart City Manager"),
    "supervisor": Localized("Fachvorgesetzte:r", "a supervisor"),
    "organiser": Localized("Teil des Organisationsteams", "part of the organising team"),
    "guest": Localized("Gast", "a guest"),
}
NOT_LISTED = Localized(
    "Im Verzeichnis des Netzwerks stehst du (noch) nicht; wenn das ein Versehen ist, wende dich "
    "bitte an das Organisationsteam.",
    "You are not (yet) on the network's roster; if that is a mistake, please contact the "
    "organising team.",
)


def audience_of(survey: Survey) -> tuple[RosterRole, ...]:
    return roles_or_municipal(survey.audience)


async def outside(db: Database, survey: Survey, user_ids: Iterable[str]) -> dict[str, str | None]:
    """Those among `user_ids` the survey is not for, with their roster role (None: not on the
    roster, e.g. an organiser from the configuration)."""
    wanted = set(user_ids)
    roles = await roster.roles_of(db, wanted)
    if roles is None:
        return {}
    audience = audience_of(survey)
    return {user_id: roles.get(user_id) for user_id in wanted if roles.get(user_id) not in audience}


def not_for_you(survey: Survey, role: str | None, language: Language) -> Markup:
    audience = roles_named(audience_of(survey), language)
    html = NOT_FOR_YOU.html(language, id=survey.id, title=survey.title, audience=audience)
    if role is None:
        return html + " " + NOT_LISTED.markup(language)
    name = LISTED_AS.get(role)  # type: ignore[call-overload]
    if name is not None:
        html += " " + YOUR_ROLE.html(language, role=name.get(language))
    return html
