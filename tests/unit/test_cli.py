"""The `alumni-bot` command line: check-config answers with OK or names the wrong key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_check_config_accepts_the_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALUMNI_BOT_PASSWORD", "geheim")
    assert main(["check-config", "-c", str(EXAMPLE)]) == 0
    assert "OK (@alumni-bot:example.org on https://matrix.example.org)" in capsys.readouterr().out


def test_check_config_names_the_wrong_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALUMNI_BOT_PASSWORD", "geheim")
    broken = tmp_path / "config.toml"
    broken.write_text(EXAMPLE.read_text().replace('"Europe/Berlin"', '"Europa/Berlin"'))
    assert main(["check-config", "-c", str(broken)]) == 2
    assert "bot.timezone" in capsys.readouterr().err


def test_check_config_without_secret_says_where_it_comes_from(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ALUMNI_BOT_PASSWORD", raising=False)
    monkeypatch.delenv("ALUMNI_BOT_ACCESS_TOKEN", raising=False)
    assert main(["check-config", "-c", str(EXAMPLE)]) == 2
    assert "ALUMNI_BOT_PASSWORD" in capsys.readouterr().err
