"""The roster: files as Excel writes them (CSV with ; or ,, BOM) or TOML, each line checked,
an import planned against the stored roster, and `!wer` matching."""

from __future__ import annotations

import pytest

from commands.space.roster_plan import (
    RosterEntry,
    RosterFileError,
    check_entry,
    matches,
    parse_cohort,
    parse_role,
    plan_import,
    read_rows,
)

SERVERS = ["example.org"]
COHORTS = [1, 2, 3]
ANNA = RosterEntry("@anna:example.org", "Anna Beispiel", "Potsdam", 1, "manager")


def test_csv_from_excel_with_bom_and_semicolons() -> None:
    rows = read_rows(
        "\ufeffMatrix-ID;Name;Kommune;Durchgang;Rolle\r\n"
        "@anna:example.org;Anna Beispiel;Potsdam;1;Smart City Manager:in\r\n"
        ";;;;\r\n"
        "@ben:example.org;Ben Muster;Cottbus;Durchgang 2;Fachvorgesetzte:r\r\n"
    )
    assert [line for line, _ in rows] == [2, 4]
    assert rows[0][1] == {
        "user_id": "@anna:example.org",
        "name": "Anna Beispiel",
        "municipality": "Potsdam",
        "cohort": "1",
        "role": "Smart City Manager:in",
    }


def test_csv_with_commas_and_english_headers() -> None:
    rows = read_rows("user_id,name,municipality,cohort,role\n@a:example.org,A,B,2,guest\n")
    assert rows[0][1]["role"] == "guest"


def test_toml_roster() -> None:
    rows = read_rows(
        '[[mitglied]]\nmatrix_id = "@a:example.org"\nname = "A"\nrolle = "Gast"\n'
        '[[mitglied]]\nmatrix_id = "@b:example.org"\nname = "B"\nrolle = "SCM"\ndurchgang = 3\n'
    )
    assert [row["cohort"] for _, row in rows if "cohort" in row] == ["3"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "weder CSV"),
        ("name;rolle\nA;Gast\n", "Es fehlen die Spalten user_id"),
        ('titel = "kein Verzeichnis"', "weder CSV"),
    ],
)
def test_files_that_are_no_roster(text: str, fragment: str) -> None:
    with pytest.raises(RosterFileError) as caught:
        read_rows(text)
    assert fragment in caught.value.text("de")


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ({"user_id": "anna", "name": "A", "role": "Gast"}, "keine Matrix-ID"),
        ({"user_id": "@a:evil.example", "name": "A", "role": "Gast"}, "gehören nicht zum Netzwerk"),
        ({"user_id": "@a:example.org", "name": " ", "role": "Gast"}, "der Name fehlt"),
        ({"user_id": "@a:example.org", "name": "A", "role": "Chef"}, "ist keine Rolle"),
        ({"user_id": "@a:example.org", "name": "A"}, "die Rolle fehlt (Smart City Manager:in"),
        ({"user_id": "@a:example.org", "name": "A", "role": " "}, "die Rolle fehlt"),
        ({"user_id": "@a:example.org", "name": "A", "role": "SCM", "cohort": "7"}, "„7“"),
        ({"user_id": "@a:example.org", "name": "A", "role": "SCM"}, "brauchen einen Durchgang"),
        ({"user_id": "@a:example.org", "name": "A" * 201, "role": "Gast"}, "länger als 200"),
    ],
)
def test_a_bad_line_says_what_is_wrong(row: dict[str, str], fragment: str) -> None:
    checked = check_entry(5, row, COHORTS, SERVERS)
    assert not isinstance(checked, RosterEntry)
    assert checked.line == 5
    assert fragment in checked.text("de")


def test_roles_and_cohorts_as_people_write_them() -> None:
    assert parse_role("Smart City Managerin") == "manager"
    assert parse_role("  FACHVORGESETZTE:R ") == "supervisor"
    assert parse_role("Smart City Manager*in") == "manager"
    assert parse_role("Orga") == "organiser"
    assert parse_role("KTS") is None
    assert [parse_cohort(t) for t in ("2", "Durchgang 2", "2. Durchgang", "D3", "x")] == [
        2,
        2,
        2,
        3,
        None,
    ]


def test_an_import_says_what_it_adds_changes_keeps_and_rejects() -> None:
    stored = {
        ANNA.user_id: ANNA,
        "@old:example.org": RosterEntry("@old:example.org", "Alt", "", None, "guest"),
        "@ben:example.org": RosterEntry("@ben:example.org", "Ben", "Cottbus", 2, "supervisor"),
    }
    rows = [
        (2, {"user_id": ANNA.user_id, "name": "Anna Beispiel", "municipality": "Potsdam",
             "cohort": "1", "role": "SCM"}),
        (3, {"user_id": "@ben:example.org", "name": "Ben", "municipality": "Forst",
             "cohort": "2", "role": "Fachvorgesetzter"}),
        (4, {"user_id": "@new:example.org", "name": "Neu", "role": "Gast"}),
        (5, {"user_id": "@new:example.org", "name": "Neu 2", "role": "Gast"}),
        (6, {"user_id": "kaputt", "name": "X", "role": "Gast"}),
    ]  # fmt: skip
    plan = plan_import(rows, stored, COHORTS, SERVERS)
    assert plan.unchanged == [ANNA]
    assert [(old.municipality, new.municipality) for old, new in plan.changed] == [
        ("Cottbus", "Forst")
    ]
    assert [entry.user_id for entry in plan.added] == ["@new:example.org"]
    assert [(r.line, r.text("en")) for r in plan.rejected] == [
        (5, "@new:example.org is already on line 4"),
        (6, "“kaputt” is not a Matrix ID (like @name:server.org)"),
    ]
    assert [entry.user_id for entry in plan.not_in_file] == ["@old:example.org"]
    assert [entry.user_id for entry in plan.writes] == ["@new:example.org", "@ben:example.org"]


def test_who_matches_municipality_name_or_cohort() -> None:
    assert matches(ANNA, "potsdam") and matches(ANNA, "Beisp") and matches(ANNA, "Durchgang 1")
    assert not matches(ANNA, "2") and not matches(ANNA, "Cottbus") and not matches(ANNA, " ")
    umlaut = RosterEntry("@x:example.org", "Jürgen", "Fürstenwalde/Spree", 2, "manager")
    assert matches(umlaut, "furstenwalde") and matches(umlaut, "JÜRGEN")
