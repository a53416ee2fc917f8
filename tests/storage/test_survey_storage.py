"""Surveys on SQLite and PostgreSQL: conversations, named answers replaced, and anonymous answers
that nothing stored can join to a person — no column, no hash, no time, no storage order."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import needs, surveys
from storage.database import Database, open_database
from storage.models import Survey
from storage.needs import NewNeed
from storage.surveys import AlreadyTookPart, NewSession, NewSurvey, Progress

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
START = Progress(0, False, {})
QUESTIONS = [
    {"text": "Wo?", "kind": "single", "options": ["A", "B"]},
    {"text": "Was?", "kind": "text", "options": []},
]


async def new_survey(db: Database, anonymous: bool, source: str = "event:$cmd") -> Survey:
    return await surveys.create(
        db,
        NewSurvey(
            source=source,
            definition_hash="h",
            created_by="@orga:example.org",
            title="Bedarfe",
            description=None,
            anonymous=anonymous,
            questions=QUESTIONS,
            opens_at=NOW,
            closes_at=NOW + dt.timedelta(days=7),
            timezone="Europe/Berlin",
            invite_rooms=["#allgemein"],
        ),
    )


async def answer(db: Database, survey: Survey, user: str, answers: dict[str, object]) -> None:
    await surveys.start_session(db, NewSession(survey.id, user, f"!dm-{user}", "de"), START)
    await surveys.submit(db, survey, user, answers, f"$submit-{user}", NOW)


async def test_creating_twice_from_the_same_source_is_one_survey(db: Database) -> None:
    first = await new_survey(db, True)
    again = await new_survey(db, True)
    assert first.id == again.id
    assert [s.id for s in await surveys.all_surveys(db)] == [first.id]
    assert [s.id for s in await surveys.open_now(db, NOW)] == [first.id]
    assert await surveys.open_now(db, NOW + dt.timedelta(days=8)) == []
    assert (await surveys.latest(db)).id == first.id  # type: ignore[union-attr]


async def test_a_conversation_is_kept_until_submitted(db: Database) -> None:
    survey = await new_survey(db, False)
    await surveys.start_session(db, NewSession(survey.id, "@a:x", "!dm", "de"), START)
    await surveys.save_progress(db, "@a:x", Progress(1, False, {"0": 1}), "$m1", ["$m1", "$reply1"])
    stored = await surveys.session_of(db, "@a:x")
    assert stored is not None
    assert (stored.position, stored.answers, stored.last_event_id) == (1, {"0": 1}, "$m1")
    assert stored.message_ids == ["$m1", "$reply1"]
    assert await surveys.submit(db, survey, "@a:x", {"0": 1}, "$send", NOW) == ["$m1", "$reply1"]
    assert await surveys.session_of(db, "@a:x") is None
    assert await surveys.took_part(db, survey.id, "@a:x")
    assert (await surveys.submitted_by(db, "@a:x", "$send")).id == survey.id  # type: ignore[union-attr]


async def test_named_answers_are_replaced_until_the_close(db: Database) -> None:
    survey = await new_survey(db, False)
    await answer(db, survey, "@a:x", {"0": 0})
    later = NOW + dt.timedelta(hours=1)
    await surveys.submit(db, survey, "@a:x", {"0": 1, "1": "mehr"}, "$again", later)
    rows = await surveys.responses(db, survey.id)
    assert [(r.respondent, r.answers, r.submitted_at) for r in rows] == [
        ("@a:x", {"0": 1, "1": "mehr"}, later)
    ]
    assert await surveys.participant_counts(db) == {survey.id: 1}
    assert (await surveys.named_response(db, survey.id, "@a:x")).answers["1"] == "mehr"  # type: ignore[union-attr]


async def test_nobody_answers_an_anonymous_survey_twice(db: Database) -> None:
    survey = await new_survey(db, True)
    await answer(db, survey, "@a:x", {"0": 0})
    await surveys.start_session(db, NewSession(survey.id, "@a:x", "!dm", "de"), START)
    with pytest.raises(AlreadyTookPart):
        await surveys.submit(db, survey, "@a:x", {"0": 1}, "$twice", NOW)
    assert [r.answers for r in await surveys.responses(db, survey.id)] == [{"0": 0}]
    # The refused submit changed nothing, not even the conversation.
    assert await surveys.session_of(db, "@a:x") is not None


def _digests(user: str) -> set[str]:
    found = {user, user.split(":")[0].lstrip("@")}
    for name in ("md5", "sha1", "sha256", "sha512", "blake2b"):
        found.add(hashlib.new(name, user.encode()).hexdigest())
    return found


async def _storage_order(db: Database, table: str, column: str) -> list[str]:
    """A table's rows in the order the backend keeps them (SQLite rowid, PostgreSQL ctid)."""
    position = "rowid" if db.engine.dialect.name == "sqlite" else "ctid"
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            text(f"SELECT CAST({column} AS TEXT) FROM {table} ORDER BY {position}")
        )
        return [row[0] for row in rows]


async def test_no_stored_anonymous_answer_can_be_joined_to_a_person(db: Database) -> None:
    survey = await new_survey(db, True)
    users = [f"@person{n}:example.org" for n in range(10)]
    # A fixed order stands for the random one, so the test fails the same way every time if
    # the shuffle is gone.
    shuffle = random.Random(20260929)
    for n, user in enumerate(users):
        await surveys.start_session(db, NewSession(survey.id, user, f"!dm{n}", "de"), START)
        await surveys.submit(db, survey, user, {"1": f"Antwort {n}"}, f"$s{n}", NOW, shuffle)

    async with db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM survey_response"))).mappings().all()
    assert len(rows) == 10
    # Only these columns, and none of them names, hashes or dates anyone.
    assert set(rows[0]) == {"id", "survey_id", "answers", "respondent", "submitted_at"}
    forbidden = set().union(*(_digests(user) for user in users))
    for row in rows:
        assert row["respondent"] is None and row["submitted_at"] is None
        for value in row.values():
            assert not any(secret in str(value) for secret in forbidden), row
    # No order joins them either: not the storage order, not the order of the ids.
    submitted = [f"Antwort {n}" for n in range(10)]

    def which(stored: object) -> str:
        raw = stored if isinstance(stored, str) else json.dumps(stored)
        return next(s for s in submitted if json.dumps(s) in raw)

    in_storage = [which(a) for a in await _storage_order(db, "survey_response", "answers")]
    assert sorted(in_storage) == submitted
    assert in_storage != submitted
    # Ids are random: sorted, they match the order of submission once in 10! tries.
    by_id = sorted(rows, key=lambda row: row["id"])
    assert [which(row["answers"]) for row in by_id] != submitted
    participants = await _storage_order(db, "survey_participant", "user_id")
    assert participants == users  # the participation record keeps who, in order …
    assert in_storage != submitted  # … which the answers' order does not follow
    # Nor do the conversations, which are gone.
    async with db.engine.connect() as connection:
        left = await connection.execute(text("SELECT count(*) FROM survey_session"))
        assert left.scalar() == 0


async def test_a_file_survey_changes_only_while_nobody_has_answered(db: Database) -> None:
    survey = await new_survey(db, True, source="file:/etc/bedarfe.toml")
    changed = NewSurvey(
        source="file:/etc/bedarfe.toml",
        definition_hash="h2",
        created_by="@orga:example.org",
        title="Bedarfe 2027",
        description="neu",
        anonymous=True,
        questions=QUESTIONS,
        opens_at=NOW,
        closes_at=NOW + dt.timedelta(days=9),
        timezone="Europe/Berlin",
        invite_rooms=[],
    )
    assert await surveys.redefine(db, survey.id, changed)
    assert (await surveys.get(db, survey.id)).title == "Bedarfe 2027"  # type: ignore[union-attr]
    await answer(db, survey, "@a:x", {"0": 1})
    assert not await surveys.redefine(db, survey.id, changed)


async def test_sessions_of_a_survey_end_together(db: Database) -> None:
    survey = await new_survey(db, True)
    for user in ("@a:x", "@b:x"):
        await surveys.start_session(db, NewSession(survey.id, user, "!dm", "de"), START)
    assert {s.user_id for s in await surveys.sessions_of_survey(db, survey.id)} == {
        "@a:x",
        "@b:x",
    }
    await surveys.end_sessions_of_survey(db, survey.id)
    assert await surveys.sessions_of_survey(db, survey.id) == []


async def test_invitations_are_recorded_once(db: Database) -> None:
    survey = await new_survey(db, True)
    await surveys.invite(db, survey.id, ["@a:x", "@b:x"])
    await surveys.invite(db, survey.id, ["@b:x", "@c:x"])
    assert await surveys.invited(db, survey.id) == {"@a:x", "@b:x", "@c:x"}
    assert [s.id for s in await surveys.unfinished(db)] == [survey.id]
    await surveys.set_columns(db, survey.id, closed_handled=True)
    assert await surveys.unfinished(db) == []


async def test_noted_needs_are_idempotent_per_command(db: Database) -> None:
    first = await needs.add(
        db, NewNeed("$c1", "@a:x", "!r:x", "#r:x", "Mehr Personal #personal", ["personal"])
    )
    again = await needs.add(db, NewNeed("$c1", "@a:x", "!r:x", "#r:x", "anders", []))
    assert first.id == again.id and again.text == "Mehr Personal #personal"
    await needs.add(db, NewNeed("$c2", "@b:x", "!r:x", "#r:x", "IT", []))
    assert [n.tags for n in await needs.all_needs(db)] == [["personal"], []]
    await needs.remove(db, first.id)
    assert await needs.get(db, first.id) is None


async def test_an_ended_conversation_leaves_no_trace_in_the_sqlite_files(
    tmp_path: Path,
) -> None:
    """What a conversation held together (who answered what) is gone from SQLite's files too:
    the deleted rows were overwritten and the write-ahead log emptied. (PostgreSQL keeps dead
    rows until VACUUM and in its WAL: its operators clear those, see the README.)"""
    path = tmp_path / "bot.db"
    db = await open_database(f"sqlite+aiosqlite:///{path}")
    try:
        survey = await new_survey(db, True)
        user = "@marker-person:example.org"
        await surveys.start_session(db, NewSession(survey.id, user, "!dm", "de"), START)
        marker = "$only-in-the-session"
        await surveys.save_progress(db, user, Progress(1, False, {"0": 1}), "$m", [marker])

        def files() -> bytes:
            wal = path.with_name(path.name + "-wal")
            return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

        assert marker.encode() in files()
        assert await surveys.submit(db, survey, user, {"0": 1}, "$send", NOW) == [marker]
        assert marker.encode() not in files()
    finally:
        await db.close()


async def test_a_file_survey_keeps_its_questions_while_someone_answers(db: Database) -> None:
    survey = await new_survey(db, True, source="file:/etc/b.toml")
    await surveys.start_session(db, NewSession(survey.id, "@a:x", "!dm", "de"), START)
    changed = NewSurvey(**{**vars(await _as_new(db, survey.id)), "title": "Anders"})
    assert not await surveys.redefine(db, survey.id, changed)


async def test_an_invitation_keeps_a_conversation_already_going(db: Database) -> None:
    survey = await new_survey(db, True)
    await surveys.start_session(
        db, NewSession(survey.id, "@a:x", "!dm", "de"), Progress(2, False, {"0": 1})
    )
    kept = await surveys.start_session(
        db, NewSession(survey.id, "@a:x", "!other", "en"), START, ["$invite"], replace=False
    )
    assert (kept.position, kept.room_id, kept.message_ids) == (2, "!dm", [])


async def _as_new(db: Database, survey_id: int) -> NewSurvey:
    row = await surveys.get(db, survey_id)
    assert row is not None
    return NewSurvey(
        source=row.source,
        definition_hash="other",
        created_by=row.created_by,
        title=row.title,
        description=row.description,
        anonymous=row.anonymous,
        questions=row.questions,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        timezone=row.timezone,
        invite_rooms=row.invite_rooms,
    )
