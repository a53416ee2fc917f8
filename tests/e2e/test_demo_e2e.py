"""The README's first command: the demo starts its own Synapse, accounts, room and bot."""

from __future__ import annotations

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
    # A second start reuses the accounts and the room.
    again = run_demo(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    room_line = [line for line in result.stdout.splitlines() if "Raum:" in line]
    assert room_line and room_line[0] in again.stdout
