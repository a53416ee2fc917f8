"""The messages about the space and its people: what a reconcile changed, the rights the bot
lacks, the welcome for a new member, the note to someone removed, a knock for the organisers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from commands.core.i18n import Language, Localized
from commands.core.mentions import pills
from commands.core.plurals import Plural
from commands.core.rendering import BR, Markup, bold, bullet_list
from commands.space.plan import describe
from commands.space.roster_plan import RosterEntry


@dataclass
class SpaceReport:
    """What a reconcile did and could not do; every entry is already a shown label."""

    created: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    # (room label, event type)
    changed: list[tuple[str, str]] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    # (user id, room label)
    invited: list[tuple[str, str]] = field(default_factory=list)
    # (room label, user ids) of people in an adopted room who are not on the roster.
    strangers: list[tuple[str, list[str]]] = field(default_factory=list)
    # How the people named above are shown (their roster name or display name), by user id.
    names: dict[str, str] = field(default_factory=dict)
    problems: list[Localized] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.created
            or self.adopted
            or self.changed
            or self.unlinked
            or self.invited
            or self.strangers
            or self.problems
        )


REPORT_TITLE = Localized("🏘️ Abgleich des Space", "🏘️ Space reconciled")
NOTHING = Localized(
    "Alles ist, wie es sein soll; nichts geändert.",
    "Everything is as it should be; nothing changed.",
)
CREATED = Localized("Angelegt: {rooms}", "Created: {rooms}")
ADOPTED = Localized("Übernommen: {rooms}", "Adopted: {rooms}")
CHANGED = Localized("{room}: {what} gesetzt", "{room}: {what} set")
UNLINKED = Localized(
    "Aus dem Space gelöst (nicht gelöscht): {rooms}",
    "Unlinked from the space (not deleted): {rooms}",
)
INVITED = Plural(
    Localized(
        "{count} Einladung in den Space oder einen Raum, an: {people}",
        "{count} invitation to the space or a room, to: {people}",
    ),
    # Counted per room: five people invited to the space and their rooms are many invitations.
    Localized(
        "{count} Einladungen in den Space und seine Räume, an: {people}",
        "{count} invitations to the space and its rooms, to: {people}",
    ),
)
STRANGERS = Localized(
    "In {room} sind Personen, die nicht im Verzeichnis stehen: {people}. Nimm sie mit {add} auf "
    "oder entferne sie.",
    "In {room} there are people not on the roster: {people}. Add them with {add} or remove them.",
)
PROBLEMS = Localized("Nicht möglich:", "Not possible:")

MISSING_RIGHT = Localized(
    "In {room} fehlt mir das Recht für „{what}“ ({event}): nötig ist Stufe {needed}, ich habe "
    "{has}. Gib mir dort Stufe {needed}, dann {command}.",
    "In {room} I lack the right to set the {what} ({event}): it needs level {needed}, I have "
    "{has}. Give me level {needed} there, then {command}.",
)
ALIAS_TAKEN = Localized(
    "Der Alias {alias} gehört zu einem Raum, in dem ich nicht bin. Lade mich dort ein, trag "
    "seine id in der Konfiguration ein oder wähle einen anderen Alias.",
    "The alias {alias} belongs to a room I am not in. Invite me there, put its id into the "
    "configuration or choose another alias.",
)
CANNOT_JOIN = Localized(
    "Den Raum {room} kann ich nicht betreten ({error}). Lade mich ein.",
    "I cannot join the room {room} ({error}). Invite me.",
)
CANNOT_CREATE = Localized(
    "{room} konnte ich nicht anlegen ({error}).", "I could not create {room} ({error})."
)
CANNOT_SET = Localized(
    "In {room} konnte ich „{what}“ nicht setzen ({error}).",
    "In {room} I could not set the {what} ({error}).",
)
NO_ROOM_LIST = Localized(
    "Der Homeserver sagt mir nicht, in welchen Räumen ich bin; ich versuche es beim nächsten "
    "Abgleich wieder und lege bis dahin nichts an.",
    "The homeserver does not tell me which rooms I am in; I try again at the next "
    "reconcile and create nothing until then.",
)
NOT_A_SPACE = Localized(
    "{room} ist kein Space (oder in einer Raumversion vor 7, ohne Anklopfen); nimm einen "
    "anderen Alias.",
    "{room} is not a space (or of a room version before 7, without knocking); use another alias.",
)
FOREIGN_KNOCK = Localized(
    "Achtung: {server} steht nicht in bot.allowed_servers; aufnehmen geht erst, wenn der Server "
    "dort steht.",
    "Note: {server} is not in bot.allowed_servers; admitting works only once it is.",
)
OLD_VERSION = Localized(
    "{room} hat Raumversion {version}; nur-für-Space-Mitglieder gibt es erst ab Version 9. "
    "Aktualisiere den Raum (/upgraderoom in Element).",
    "{room} has room version {version}; members-only joins need version 9 or later. Upgrade "
    "the room (/upgraderoom in Element).",
)
ROSTER_FILE_REJECTED = Localized(
    "Die Verzeichnisdatei {file} hat fehlerhafte Zeilen; ich habe nichts daraus übernommen. "
    "{lines}",
    "The roster file {file} has faulty lines; I took nothing over from it. {lines}",
)
ROSTER_FILE_UNREADABLE = Localized(
    "Die Verzeichnisdatei {file} kann ich nicht lesen: {error}",
    "I cannot read the roster file {file}: {error}",
)
NO_SPACE = Localized(
    "Ohne Space kann ich die Räume nicht verknüpfen; erst den Space einrichten.",
    "Without the space I cannot link the rooms; set up the space first.",
)


def render_report(report: SpaceReport, language: Language, add_command: Markup) -> Markup:
    """`add_command`: the command that puts someone on the roster, as HTML."""
    title = bold(REPORT_TITLE.markup(language))
    if report.empty:
        return title + BR + NOTHING.markup(language)
    items = []
    if report.created:
        items.append(CREATED.html(language, rooms=_labels(report.created)))
    if report.adopted:
        items.append(ADOPTED.html(language, rooms=_labels(report.adopted)))
    for room, event_type in report.changed:
        items.append(CHANGED.html(language, room=room, what=describe(event_type, language)))
    if report.unlinked:
        items.append(UNLINKED.html(language, rooms=_labels(report.unlinked)))
    if report.invited:
        invited = sorted(
            {user for user, _ in report.invited},
            key=lambda user: (report.names.get(user) or user).casefold(),
        )
        people = pills([(user, report.names.get(user)) for user in invited])
        items.append(INVITED.html(language, count=len(report.invited), people=people))
    for room, strangers in report.strangers:
        items.append(
            STRANGERS.html(
                language,
                room=room,
                people=pills([(user, report.names.get(user)) for user in strangers]),
                add=add_command,
            )
        )
    html = title + bullet_list(items) if items else title
    if report.problems:
        problems = [problem.get(language) for problem in report.problems]
        html += bold(PROBLEMS.markup(language)) + bullet_list(problems)
    return html


def _labels(labels: Sequence[str]) -> Markup:
    return Markup(", ").join(labels)


def missing_right(room: str, event_type: str, needed: int, has: int, command: str) -> Localized:
    return Localized(
        *(
            MISSING_RIGHT.format(
                language,
                room=room,
                what=describe(event_type, language),
                event=event_type,
                needed=needed,
                has=has,
                command=command,
            )
            for language in ("de", "en")
        )
    )


def problem(text: Localized, **values: object) -> Localized:
    """A problem with its values filled in, still in both languages."""
    return Localized(text.format("de", **values), text.format("en", **values))


# Reasons given with a removal: the person's language is unknown, so both, German first.
KICK_NOT_ON_ROSTER = (
    "Das Alumni-Netzwerk ist geschlossen: Beitreten können nur Personen aus dem "
    "Mitgliederverzeichnis. Frag die Organisation, wenn du dazugehörst. / The alumni network "
    "is closed to people outside its roster; ask the organisers if you belong to it."
)
KICK_NOT_FOR_ROLE = "Dieser Raum ist nur für {roles}. / This room is only for {roles_en}."
KICK_REMOVED = "Aus dem Alumni-Netzwerk entfernt. / Removed from the alumni network."
OUTSIDER_REMOVED = Localized(
    "🚪 {user} ist {room} beigetreten, steht aber nicht im Mitgliederverzeichnis; ich habe "
    "die Person wieder entfernt. Gehört sie dazu: {add}",
    "🚪 {user} joined {room} but is not on the roster; I removed them again. If they belong: {add}",
)
WRONG_ROLE_REMOVED = Localized(
    "🚪 {user} ({role}) ist {room} beigetreten, einem Raum nur für {roles}; ich habe die Person "
    "wieder entfernt. Soll sie hinein, ändere ihre Rolle: {change}",
    "🚪 {user} ({role}) joined {room}, a room only for {roles}; I removed them again. If they "
    "belong there, change their role: {change}",
)
KNOCKED = Localized(
    "🔔 {user} bittet um Aufnahme in den Space{reason}. Aufnehmen: {admit} · Ablehnen: {reject}",
    "🔔 {user} asks to join the space{reason}. Admit: {admit} · Reject: {reject}",
)
KNOCK_REASON = Localized(": „{reason}“", ": “{reason}”")

WELCOME = Localized(
    "<b>Willkommen im Alumni-Netzwerk Smart City Manager:innen, {name}!</b><br>Hier tauschen "
    "sich die Smart City Manager:innen aller Durchgänge mit ihren Fachvorgesetzten und der "
    "Organisation (MIL, DigitalAgentur Brandenburg) aus. Ich bin der Bot des Netzwerks: ich "
    "erinnere an Termine, stelle Umfragen und sammle die Bedarfe der Kommunen.",
    "<b>Welcome to the alumni network of the Smart City Managers, {name}!</b><br>This is where "
    "the Smart City Managers of every cohort meet their supervisors and the organisers (MIL, "
    "DigitalAgentur Brandenburg). I am the network's bot: I remind you of events, run polls and "
    "collect the needs of the municipalities.",
)
WELCOME_ROOMS = Localized("Deine Räume: {rooms}", "Your rooms: {rooms}")
WELCOME_EVENT = Localized("Nächster Termin: {event}", "Next event: {event}")
WELCOME_POLLS = Localized("Offene Umfragen: {polls}", "Open polls: {polls}")
WELCOME_SURVEYS = Localized(
    "Offene Bedarfserhebung: {surveys} – mitmachen mit {command}",
    "Open needs survey: {surveys} – take part with {command}",
)
WELCOME_PRIVACY = Localized(
    "Was ich über dich speichere und welche Rechte du hast: {command}",
    "What I store about you and what your rights are: {command}",
)
WELCOME_HELP = Localized(
    "Alle Befehle: {help}. Auf Englisch: {switch}.",
    "All commands: {help}. In German: {switch}.",
)


@dataclass(frozen=True)
class WelcomeFacts:
    rooms: list[str]
    next_event: str | None
    polls: list[str]
    surveys: list[str]


def render_welcome(
    member: RosterEntry,
    facts: WelcomeFacts,
    language: Language,
    answer_command: Markup,
    help_command: Markup,
    switch_command: Markup,
    privacy_command: Markup | None = None,
) -> Markup:
    """The commands are HTML (code) in the member's language; the switch names the other one."""
    parts = [WELCOME.html(language, name=member.name)]
    if facts.rooms:
        parts.append(WELCOME_ROOMS.html(language, rooms=_labels(facts.rooms)))
    if facts.next_event:
        parts.append(WELCOME_EVENT.html(language, event=facts.next_event))
    if facts.polls:
        parts.append(WELCOME_POLLS.html(language, polls=_labels(facts.polls)))
    if facts.surveys:
        surveys = _labels(facts.surveys)
        parts.append(WELCOME_SURVEYS.html(language, surveys=surveys, command=answer_command))
    if privacy_command:
        parts.append(WELCOME_PRIVACY.html(language, command=privacy_command))
    parts.append(WELCOME_HELP.html(language, help=help_command, switch=switch_command))
    return BR.join(parts)
