"""The README's first command: the demo starts its own Synapse, accounts, room, space and bot,
and a second start right after keeps the port, the bot's device and everything it made."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.homeserver import free_port

pytestmark = pytest.mark.sqlite_only(
    "the demo keeps all it makes in its data dir, in SQLite, and the test reads that file"
)
DEMO_ROOMS = [
    "demo",
    "allgemein",
    "ankuendigungen",
    "workshops",
    "bedarfe",
    "off-topic",
    "organisation",
]
COUNTED = ["event", "topic", "poll", "survey", "space_room", "roster_member", "device_login"]


def run_demo(data_dir: Path, port: int, http_port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "demo",
            "--smoke",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--http-port",
            str(http_port),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )


def line_with(text: str, output: str) -> str:
    lines = [line for line in output.splitlines() if text in line]
    assert lines, f"no line with {text!r} in:\n{output}"
    return lines[0]


def counts(db: sqlite3.Connection) -> dict[str, int]:
    return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}


def test_demo_answers_help(tmp_path: Path) -> None:
    # Not 8008: other test runs on this machine may hold it; the logic is the same.
    port, http_port = free_port(), free_port()
    while http_port == port:
        http_port = free_port()
    result = run_demo(tmp_path, port, http_port)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Homeserver: http://127.0.0.1:{port}" in result.stdout
    assert "@orga:localhost  Passwort:" in result.stdout
    assert "der Bot hat auf !hilfe geantwortet" in result.stdout
    # Progress while starting, and a banner that says where everything is and how to stop.
    for step in ("Starte Synapse", "Lege die Demo-Konten an", "Starte den Bot"):
        assert step in result.stdout
    assert "Space: Alumni-Netzwerk Smart City Manager:innen (#alumni:localhost)" in result.stdout
    # The web page is served on the port asked for (not a fixed 8080), and the banner says so.
    web = f"http://127.0.0.1:{http_port}"
    assert f"Smoke-Test: die Web-Seite antwortet auf {web}/web/." in result.stdout
    assert f"Web-Seite / Web page: {web}/web/" in result.stdout
    assert f"Web: {web}/healthz  {web}/events.ics" in result.stdout
    assert "Strg+C / Ctrl-C" in result.stdout
    # The organiser's client saw the bot's invitation to the space, and the demo room, where
    # the workshop and the poll are, is a room of the space.
    assert "@orga:localhost ist in den Space !" in result.stdout
    assert "der Demo-Raum gehört zum Space" in result.stdout
    assert "mit 7 Räumen" in result.stdout
    # APScheduler's per-job lines are not shown.
    assert "apscheduler" not in result.stderr
    # The workshop of the announcement, with its three topics on the agenda, made once.
    assert "Demo: Workshop (Termin Nr. 1) mit 3 Themen auf der Agenda." in result.stdout
    assert "Demo: Umfrage Nr. 1 zu den Themen des Workshops." in result.stdout
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(tmp_path / "alumni-bot.db") as db:
        agenda = db.execute(
            "SELECT title FROM topic WHERE event_id = 1 ORDER BY agenda_position"
        ).fetchall()
        (workshop, starts_at) = db.execute(
            "SELECT title, starts_at FROM event WHERE id = 1"
        ).fetchone()
        rooms = dict(db.execute("SELECT key, room_id FROM space_room").fetchall())
        roster = db.execute(
            "SELECT user_id, municipality, cohort, role FROM roster_member ORDER BY user_id"
        ).fetchall()
        polls = db.execute("SELECT id, question, start_event_id FROM poll WHERE status = 'open'")
        open_polls = polls.fetchall()
        open_surveys = db.execute(
            "SELECT title, invite_rooms FROM survey"
            " WHERE opens_at <= ? AND closes_at > ? AND NOT closed_handled",
            (now, now),
        ).fetchall()
        (device,) = db.execute("SELECT device_id FROM device_login").fetchone()
        before = counts(db)
    assert workshop == "2. Transfer-Workshop Smart City Manager:in"
    assert starts_at > now and starts_at[5:10] == "09-29"
    assert [title for (title,) in agenda] == [
        "Organisatorische Rahmenbedingungen und Verankerung in den Verwaltungsstrukturen",
        "Tätigkeitsumfang der Smart City Manager:innen",
        "Agiles Arbeiten innerhalb der Verwaltung",
    ]
    assert sorted(rooms) == sorted(["space", *DEMO_ROOMS])
    assert rooms["demo"] in line_with("Raum:", result.stdout)
    # Each role of the network has an account to try it with.
    assert roster == [
        ("@kts:localhost", "Berlin", None, "guest"),
        ("@mitglied1:localhost", "Beispielstadt", 1, "manager"),
        ("@mitglied2:localhost", "Musterhausen", 2, "manager"),
        ("@orga:localhost", "Potsdam", None, "organiser"),
        ("@vorgesetzte:localhost", "Beispielstadt", 1, "supervisor"),
    ]
    assert len(open_polls) == 1
    assert open_polls[0][1].startswith("Welches Thema soll der Workshop am 29.09.")
    assert open_polls[0][2] is not None
    # Its questions go by direct message to whoever joins #allgemein (made after the survey).
    assert open_surveys == [("Weitere kommunale Bedarfe", '["#allgemein"]')]

    # A second start right after reuses the port, the accounts, the room and the bot's device,
    # and makes nothing twice.
    again = run_demo(tmp_path, port, http_port)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Demo: Workshop" not in again.stdout
    assert "Demo: Umfrage" not in again.stdout
    assert line_with("Homeserver:", again.stdout) == line_with("Homeserver:", result.stdout)
    assert line_with("Raum:", again.stdout) == line_with("Raum:", result.stdout)
    assert line_with("Space:", again.stdout) == line_with("Space:", result.stdout)
    assert "reusing device" in again.stderr
    with sqlite3.connect(tmp_path / "alumni-bot.db") as db:
        assert db.execute("SELECT device_id FROM device_login").fetchone() == (device,)
        assert dict(db.execute("SELECT key, room_id FROM space_room").fetchall()) == rooms
        assert counts(db) == before
