"""Reading a survey from TOML: German and English keys, every kind of question, times in the
bot's zone (across daylight saving), and a clear message for each mistake."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commands.core.converters import ConversionError
from commands.core.example_dates import fill
from commands.core.i18n import Language
from commands.core.roster_roles import MUNICIPAL_ROLES as MUNICIPAL
from commands.core.roster_roles import RosterRole, roles_named
from commands.surveys.definition import EXAMPLE, Question, parse_toml

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def parse(text: str) -> object:
    return parse_toml(text, NOW, BERLIN, "!hilfe bedarfe anlegen")


def error_of(text: str) -> tuple[str, str]:
    with pytest.raises(ConversionError) as caught:
        parse(text)
    return caught.value.text("de"), caught.value.text("en")


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_example_in_the_help_is_a_valid_survey(language: Language) -> None:
    survey = parse_toml(fill(EXAMPLE, NOW.date(), language), NOW, BERLIN, "")
    assert survey.title == "Weitere kommunale Bedarfe"
    assert survey.anonymous
    assert survey.opens_at is None
    # 15.12.2026 18:00 in Berlin is winter time (UTC+1).
    # 30 days after NOW, 18:00 in Berlin.
    assert survey.closes_at == dt.datetime(2026, 12, 30, 17, 0, tzinfo=dt.UTC)
    assert survey.invite_rooms == ("#allgemein",)
    assert [q.kind for q in survey.questions] == ["single", "scale", "text"]
    assert survey.questions[0].options == ("Fachbereich", "Zentrale Stelle", "Stabsstelle")
    assert survey.questions[1].low_label == "gar nicht"
    assert survey.questions[1].high_label == "sehr gut"


def test_english_keys_and_toml_datetimes() -> None:
    survey = parse_toml(
        """
        title = "Needs"
        anonymous = false
        opens = 2027-03-27T10:00:00
        closes = 2027-03-29T10:00:00
        [[question]]
        text = "Which topics?"
        kind = "multiple"
        options = ["Staff", "IT", "Funding"]
        max = 2
        required = true
        """,
        NOW,
        BERLIN,
        "",
    )
    assert not survey.anonymous
    # A local TOML time is read in the bot's zone: winter time before, summer time after the
    # change on 28 March 2027.
    assert survey.opens_at == dt.datetime(2027, 3, 27, 9, 0, tzinfo=dt.UTC)
    assert survey.closes_at == dt.datetime(2027, 3, 29, 8, 0, tzinfo=dt.UTC)
    assert survey.questions == (
        Question("Which topics?", "multiple", ("Staff", "IT", "Funding"), 2, required=True),
    )


def test_a_pasted_code_block_and_relative_times() -> None:
    survey = parse_toml(
        '```toml\ntitel = "T"\nende = "in 2 Tagen"\n[[frage]]\ntext = "F?"\nart = "text"\n```',
        NOW,
        BERLIN,
        "",
    )
    assert survey.closes_at == NOW + dt.timedelta(days=2)


def test_a_question_round_trips_through_json() -> None:
    question = Question("Skala?", "scale", low_label="schlecht", high_label="gut", required=True)
    assert Question.from_json(question.to_json()) == question


@pytest.mark.parametrize(
    ("text", "german", "english"),
    [
        ("titel = ", "kein gültiges TOML", "not valid TOML"),
        ('ende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="text"', "„titel“", "“titel”"),
        ('titel = "T"\n[[frage]]\ntext="a"\nart="text"', "Es fehlt „ende“", "“ende” is missing"),
        ('titel = "T"\nende = "15.12.2026 18:00"', "1 bis 50 Fragen", "1 to 50 questions"),
        (
            'titel = "T"\nende = "01.01.2026 18:00"\n[[frage]]\ntext="a"\nart="text"',
            "in der Vergangenheit",
            "in the past",
        ),
        (
            'titel = "T"\nbeginn = "20.12.2026 10:00"\nende = "15.12.2026 18:00"\n'
            '[[frage]]\ntext="a"\nart="text"',
            "nicht nach dem Beginn",
            "not after the start",
        ),
        (
            'titel = "T"\nende = "31.02.2027 18:00"\n[[frage]]\ntext="a"\nart="text"',
            "eine Zeit wie",
            "a time like",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\nfarbe = "rot"\n'
            '[[frage]]\ntext="a"\nart="text"',
            "„farbe“ kenne ich nicht",
            "I don't know “farbe”",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="ja/nein"',
            "keine Fragenart",
            "not a kind of question",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="einfach"\n'
            'antworten=["nur eine"]',
            "2 bis 20 Antworten",
            "2 to 20 answers",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="einfach"\n'
            'antworten=["Ja", "ja"]',
            "zweimal",
            "twice",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="einfach"\n'
            'antworten=["1", "2"]',
            "ist eine Zahl",
            "is a number",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="mehrfach"\n'
            'antworten=["A", "B"]\nmax = 3',
            "zwischen 1 und 2",
            "between 1 and 2",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="text"\n'
            'antworten=["A", "B"]',
            "passt nicht zu Frage 1",
            "does not fit question 1",
        ),
        (
            'titel = "  "\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="text"',
            "„titel“ ist leer",
            "“titel” is empty",
        ),
        (
            'titel = "T"\nanonym = "ja"\nende = "15.12.2026 18:00"\n'
            '[[frage]]\ntext="a"\nart="text"',
            "true oder false",
            "true or false",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\neinladen = ["allgemein"]\n'
            '[[frage]]\ntext="a"\nart="text"',
            "ist kein Raum",
            "is not a room",
        ),
        (
            'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="'
            + "x" * 501
            + '"\nart="text"',
            "501 Zeichen",
            "501 characters",
        ),
    ],
)
def test_each_mistake_gets_a_clear_message_in_both_languages(
    text: str, german: str, english: str
) -> None:
    de, en = error_of(text)
    assert german in de
    assert english in en


def test_the_question_number_is_named_in_the_language_of_the_reader() -> None:
    de, en = error_of(
        'titel = "T"\nende = "15.12.2026 18:00"\n[[frage]]\ntext="a"\nart="text"\n'
        '[[frage]]\ntext=""\nart="text"'
    )
    assert de == "„text“ in Frage 2 ist leer."
    assert en == "“text” in question 2 is empty."


def test_a_stored_survey_read_again_may_have_ended() -> None:
    text = 'titel = "T"\nende = "01.01.2026 18:00"\n[[frage]]\ntext="a"\nart="text"'
    survey = parse_toml(text, NOW, BERLIN, "", future=False)
    assert survey.closes_at < NOW


SHORT = 'titel = "T"\nende = "15.12.2026 18:00"\n{audience}[[frage]]\ntext="a"\nart="text"\n'


@pytest.mark.parametrize(
    ("line", "audience"),
    [
        ("", ("manager", "supervisor")),
        ('zielgruppe = ["Fachvorgesetzte:r", "Smart City Manager:innen"]\n', MUNICIPAL),
        ('audience = ["guest", "Smart City Manager"]\n', ("manager", "guest")),
        ('zielgruppe = ["Gast", "gast"]\n', ("guest",)),
    ],
)
def test_a_survey_is_for_the_municipal_roles_unless_it_names_others(
    line: str, audience: tuple[str, ...]
) -> None:
    survey = parse(SHORT.format(audience=line))
    assert survey.audience == audience  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("line", "german", "english"),
    [
        (
            'zielgruppe = ["KTS"]\n',
            "„KTS“ in „zielgruppe“ ist keine Rolle des Verzeichnisses. Möglich: "
            "Smart City Manager:in, Fachvorgesetzte:r, Organisation, Gast.",
            "“KTS” in “audience” is no role of the roster.",
        ),
        ("zielgruppe = []\n", "„zielgruppe“ ist leer.", "“zielgruppe” is empty."),
        ('zielgruppe = "Gast"\n', "„zielgruppe“ muss eine Liste von Texten sein.", "list"),
    ],
)
def test_an_audience_that_is_no_role_is_refused(line: str, german: str, english: str) -> None:
    de, en = error_of(SHORT.format(audience=line))
    assert german in de
    assert english in en


@pytest.mark.parametrize(
    ("roles", "german", "english"),
    [
        (
            MUNICIPAL,
            "Smart City Manager:innen und Fachvorgesetzte",
            "Smart City Managers and supervisors",
        ),
        (("guest",), "Gäste", "guests"),
        (
            ("manager", "supervisor", "guest"),
            "Smart City Manager:innen, Fachvorgesetzte und Gäste",
            "Smart City Managers, supervisors and guests",
        ),
    ],
)
def test_the_audience_reads_as_a_sentence(
    roles: tuple[RosterRole, ...], german: str, english: str
) -> None:
    assert roles_named(roles, "de") == german
    assert roles_named(roles, "en") == english
