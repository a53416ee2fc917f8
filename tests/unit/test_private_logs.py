"""Logs at INFO never hold what people wrote: commands and a survey's answers run through
dispatch leave no trace of their text in the log, and no INFO call of the code logs a value
named like a message's text."""

from __future__ import annotations

import ast
import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.features import build_registry
from commands import surveys
from commands.core.dispatch import Outcome, dispatch
from commands.core.ports import Ports, Settings
from commands.core.registry import Role
from commands.core.signals import DirectText
from storage import surveys as stored
from storage.database import Database
from tests.unit.test_commands import RecordingContext

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = build_registry()
ORGA = "@orga:example.org"
ANNA = "@anna:example.org"
SECRETS = ("Kämmerin blockiert 4711", "Haushaltssperre Zossen 0815", "Geheimthema Luckau 2342")
SURVEY = """titel = "Bedarfe"
anonym = true
ende = "in 3 Tagen"

[[frage]]
text = "Was fehlt?"
art = "text"
"""


@dataclass
class AcceptingSchedules:
    changes: list[tuple[str, int]] = field(default_factory=list)

    async def changed(self, duty: str, ref: int) -> None:
        self.changes.append((duty, ref))

    async def settled(self, duty: str, ref: int) -> None:
        return None


@dataclass
class DirectContext(RecordingContext):
    async def direct_room(self) -> str | None:
        return self.room_id

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 9, 27, 8, tzinfo=dt.UTC)


def context(db: Database, sender: str, event_id: str) -> DirectContext:
    unused: Any = None
    ports = Ports(
        db=db,
        settings=Settings(organisers=(ORGA,)),
        registry=REGISTRY,
        schedules=AcceptingSchedules(),
        messenger=unused,
        direct=unused,
        homeserver=unused,
        errors=unused,
        links=unused,
    )
    role = Role.NETWORK if sender == ORGA else Role.MEMBER
    return DirectContext(
        sender=sender, room_id=f"!dm-{sender[1:5]}:x", event_id=event_id, role=role, ports=ports
    )


async def test_commands_and_survey_answers_leave_no_text_in_the_log(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = context(db, ORGA, "$made")
    assert await dispatch(made, "bedarfe anlegen\n" + SURVEY) is Outcome.OK
    assert "Nr. 1" in made.replies[0], made.replies

    steps = [
        ("$1", f"bedarf {SECRETS[1]} #haushalt"),
        ("$2", f"thema {SECRETS[2]}"),
        ("$3", "bedarfe 1"),
    ]
    for event_id, text in steps:
        assert await dispatch(context(db, ANNA, event_id), text) is Outcome.OK
    answered = context(db, ANNA, "$4")
    assert await surveys.answer(answered, DirectText(SECRETS[0]))
    sent = context(db, ANNA, "$5")
    assert await surveys.answer(sent, DirectText("absenden"))
    assert "Danke" in sent.replies[-1], sent.replies
    # The answers did arrive: the log's silence is not for want of them.
    assert [r.answers for r in await stored.responses(db, 1)] == [{"0": SECRETS[0]}]

    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    for secret in SECRETS:
        for word in secret.split():
            assert word not in info, (word, info)


# Names under which the code holds what people wrote or what the bot says to them.
TEXT_NAMES = {"html", "text", "body", "answers", "answer", "content", "message", "reason"}


def text_logged(source: str, where: str) -> list[str]:
    """INFO log calls in `source` whose arguments use a value named like a text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "info"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"log", "logger", "logging"}
        ):
            continue
        for arg in node.args[1:]:
            for name in ast.walk(arg):
                named = name.id if isinstance(name, ast.Name) else None
                if isinstance(name, ast.Attribute):
                    named = name.attr
                if named in TEXT_NAMES:
                    found.append(f"{where}:{node.lineno} logs {named}")
    return found


def test_no_info_call_logs_a_text() -> None:
    found = []
    for path in sorted([*ROOT.glob("bot/*.py"), *ROOT.glob("commands/**/*.py")]):
        found += text_logged(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_the_check_finds_a_text_logged() -> None:
    source = 'log.info("note: %s", html)\nlog.info("n: %s", event.content)\nlog.info("%s", key)'
    assert text_logged(source, "x.py") == ["x.py:1 logs html", "x.py:2 logs content"]
