"""The README's first command: the demo starts its own Synapse, accounts, room and bot."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def run_demo(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--smoke", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_demo_answers_help(tmp_path: Path) -> None:
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Homeserver: http://127.0.0.1:" in result.stdout
    assert "@orga:localhost  Passwort:" in result.stdout
    assert "der Bot hat auf !hilfe geantwortet" in result.stdout
    # The workshop of the announcement, with its three topics on the agenda, made once.
    assert "Demo: Workshop (Termin Nr. 1) mit 3 Themen auf der Agenda." in result.stdout
    with sqlite3.connect(tmp_path / "alumni-bot.db") as db:
        agenda = db.execute(
            "SELECT title FROM topic WHERE event_id = 1 ORDER BY agenda_position"
        ).fetchall()
        (workshop,) = db.execute("SELECT title FROM event WHERE id = 1").fetchone()
    assert workshop == "2. Transfer-Workshop Smart City Manager:in"
    assert [title for (title,) in agenda] == [
        "Organisatorische Rahmenbedingungen und Verankerung in den Verwaltungsstrukturen",
        "Tätigkeitsumfang der Smart City Manager:innen",
        "Agiles Arbeiten innerhalb der Verwaltung",
    ]
    # A second start reuses the accounts and the room, and seeds nothing twice.
    again = run_demo(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Demo: Workshop" not in again.stdout
    room_line = [line for line in result.stdout.splitlines() if "Raum:" in line]
    assert room_line and room_line[0] in again.stdout
