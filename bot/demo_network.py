"""What the demo sets up around its accounts, as files the bot reads like any operator's: the
configuration with the alumni space (rooms as in config.example.toml, and the demo room the
organiser made, taken into the space by its id), the roster of the demo accounts, the needs
survey of further municipal needs, and the workshop's date."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

CONFIG_FILE = "demo.toml"
ROSTER_FILE = "verzeichnis.toml"
SPACE_NAME = "Alumni-Netzwerk Smart City Manager:innen"
SPACE_ALIAS = "alumni"
# (key, name, topic, order, post, members): the rooms of config.example.toml.
ROOMS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("allgemein", "Allgemein", "Austausch aller Alumni", "10", "alle", "alle"),
    ("ankuendigungen", "Ankündigungen", "", "20", "organisation", "alle"),
    ("workshops", "Workshops", "Transfer-Workshops des Netzwerks", "30", "alle", "alle"),
    (
        "bedarfe",
        "Bedarfe",
        "Was unsere Kommunen brauchen – !bedarf <text> #tag",
        "40",
        "alle",
        "alle",
    ),
    ("off-topic", "Off-Topic", "", "50", "alle", "alle"),
    ("organisation", "Organisation", "", "90", "alle", "Organisation"),
)
SURVEY_TITLE = "Weitere kommunale Bedarfe"
# The room the organiser makes for the demo; the space adopts it by its id (key "demo").
ROOM_KEY = "demo"
ROOM_NAME = "Alumni-Netzwerk Smart City Manager:innen (Demo)"
ROOM_TOPIC = (
    "Austausch der Smart City Manager:innen in Brandenburg – "
    "2. Transfer-Workshop am 29. September. Schreib !hilfe für die Befehle."
)


@dataclass(frozen=True)
class DemoPerson:
    """A demo account and its line in the roster."""

    localpart: str
    display_name: str
    municipality: str
    cohort: int | None
    role: str


PEOPLE = (
    DemoPerson("orga", "Organisation (MIL / DigitalAgentur)", "Potsdam", None, "Organisation"),
    DemoPerson(
        "mitglied1",
        "Smart City Managerin Beispielstadt",
        "Beispielstadt",
        1,
        "Smart City Manager:in",
    ),
    DemoPerson(
        "mitglied2", "Smart City Manager Musterhausen", "Musterhausen", 2, "Smart City Manager:in"
    ),
    # The workshop is "mit den Fachvorgesetzten und der KTS": one of each, to try their view.
    DemoPerson(
        "vorgesetzte", "Fachvorgesetzte Beispielstadt", "Beispielstadt", 1, "Fachvorgesetzte:r"
    ),
    DemoPerson("kts", "KTS Smart Cities (Gast)", "Berlin", None, "Gast"),
)


# What `!datenschutz` shows in the demo (a real operator writes theirs; config.example.toml has
# a complete example).
DEMO_NOTICE = (
    ("controller", "Demo-Betrieb auf diesem Rechner (kein echter Verantwortlicher)."),
    ("contact", "Wer diese Demo gestartet hat."),
    (
        "purposes",
        "Vernetzung der Smart City Manager:innen: Termine und Erinnerungen, Umfragen, die "
        "Bedarfserhebung, Themen und Protokolle.",
    ),
    ("legal_basis", "Demo ohne echte Personen; im Betrieb: Art. 6 Abs. 1 lit. e DSGVO."),
    ("rights", "Auskunft, Berichtigung, Löschung, Einschränkung, Widerspruch, Beschwerde."),
)


def workshop_day(today: dt.date) -> dt.date:
    """The next 29 September (the workshop the seed text announces) with a day ahead for its
    survey, which closes the evening before."""
    this_year = dt.date(today.year, 9, 29)
    return this_year if today < this_year - dt.timedelta(days=1) else dt.date(today.year + 1, 9, 29)


def survey_file(day: dt.date) -> str:
    """One survey per workshop: a later year's demo asks again instead of reusing a closed one."""
    return f"bedarfe-{day.year}.toml"


def _string(text: str) -> str:
    # A JSON string is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def config_toml(
    homeserver: str,
    bot_user_id: str,
    organiser: str,
    http_port: int,
    database: Path,
    survey: str,
    room_id: str,
) -> str:
    """The demo's configuration; the bot's password comes from the environment, as always."""
    lines = [
        "# Written by `alumni-bot demo` at every start; see config.example.toml for every key.",
        "[matrix]",
        f"homeserver = {_string(homeserver)}",
        f"user_id = {_string(bot_user_id)}",
        'device_name = "alumni-bot demo"',
        "# The demo homeserver relaxes its rate limits, so the bot need not pace itself.",
        "send_rate_per_second = 50.0",
        "send_burst = 50",
        "",
        "[bot]",
        f"organisers = [{_string(organiser)}]",
        'allowed_servers = ["localhost"]',
        f"surveys = [{_string(survey)}]",
        "",
        "[storage]",
        f"url = {_string(f'sqlite+aiosqlite:///{database}')}",
        "",
        "[http]",
        f'listen = "127.0.0.1:{http_port}"',
        "",
        "[space]",
        f"name = {_string(SPACE_NAME)}",
        f"topic = {_string('Austausch der Smart City Manager:innen in Brandenburg')}",
        f"alias = {_string(SPACE_ALIAS)}",
        'organisers_room = "organisation"',
        "organiser_power = 50",
        "cohorts = [1, 2, 3]",
        f"roster = {_string(ROSTER_FILE)}",
    ]
    for key, name, topic, order, post, members in ROOMS:
        lines += ["", "[[space.rooms]]", f'key = "{key}"', f"name = {_string(name)}"]
        if topic:
            lines.append(f"topic = {_string(topic)}")
        lines += [f'alias = "{key}"', f'order = "{order}"', f'post = "{post}"']
        lines.append(f'members = ["{members}"]' if members != "alle" else 'members = "alle"')
    lines += [
        "",
        "[[space.rooms]]",
        f'key = "{ROOM_KEY}"',
        f"name = {_string(ROOM_NAME)}",
        f"topic = {_string(ROOM_TOPIC)}",
        f"id = {_string(room_id)}",
        'order = "05"',
    ]
    lines += ["", "[privacy.notice]"]
    lines += [f"{key} = {_string(text)}" for key, text in DEMO_NOTICE]
    return "\n".join(lines) + "\n"


def roster_toml(server_name: str) -> str:
    """The roster file: the demo accounts with municipality, cohort and role."""
    lines = ["# Das Verzeichnis der Demo: wer zum Netzwerk gehört."]
    for person in PEOPLE:
        lines += [
            "",
            "[[mitglied]]",
            f"matrix_id = {_string(f'@{person.localpart}:{server_name}')}",
            f"name = {_string(person.display_name)}",
            f"kommune = {_string(person.municipality)}",
        ]
        if person.cohort is not None:
            lines.append(f"durchgang = {person.cohort}")
        lines.append(f"rolle = {_string(person.role)}")
    return "\n".join(lines) + "\n"


def survey_toml(day: dt.date) -> str:
    """The needs survey of the seed text's "Erhebung weiterer kommunaler Bedarfe", open until
    the evening before the workshop."""
    closes = (day - dt.timedelta(days=1)).strftime("%d.%m.%Y")
    description = (
        f"Vor dem 2. Transfer-Workshop am {day:%d.%m.%Y} erheben wir, was deine Kommune für die "
        "Rolle der Smart City Manager:innen braucht. Die Antworten sind anonym."
    )
    return f"""titel = {_string(SURVEY_TITLE)}
beschreibung = {_string(description)}
anonym = true
ende = "{closes} 18:00"
einladen = ["#allgemein"]
zielgruppe = ["Smart City Manager:in", "Fachvorgesetzte:r"]

[[frage]]
text = "Wo ist die Rolle der Smart City Manager:in in deiner Kommune angesiedelt?"
art = "einfach"
antworten = ["Fachbereich", "Zentrale Stelle", "Stabsstelle", "Noch nicht entschieden"]

[[frage]]
text = "Wie gut ist die Rolle in den Verwaltungsstrukturen verankert?"
art = "skala"
von = "gar nicht"
bis = "sehr gut"

[[frage]]
text = "Wobei braucht deine Kommune am meisten Unterstützung? (höchstens zwei)"
art = "mehrfach"
max = 2
antworten = [
    "Einblick in die Fachaufgaben",
    "Technologische Entwicklungen",
    "Management von Veränderungsprozessen",
    "Agiles Arbeiten in der Verwaltung",
]

[[frage]]
text = "Welche weiteren Bedarfe hat deine Kommune? (#tags möglich)"
art = "text"
"""
