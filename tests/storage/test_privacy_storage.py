"""A person's data across every table on SQLite and PostgreSQL: the export holds theirs and
nobody else's, the erasure leaves their id nowhere but the roster, retention removes exactly
what is due."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from storage import privacy
from storage.database import Database
from storage.models import (
    Announcement,
    Base,
    DeviceLogin,
    DirectRoom,
    Event,
    EventNudge,
    EventPost,
    HandledEvent,
    Knock,
    Need,
    Poll,
    PollEnd,
    PollResponse,
    RosterMember,
    Rsvp,
    Survey,
    SurveyInvite,
    SurveyParticipant,
    SurveyResponse,
    SurveySession,
    Topic,
    TopicEntry,
    TopicVote,
    UserSetting,
)

ANNA = "@anna:example.org"
BEN = "@ben:example.org"
NOW = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)


def rows_of(person: str, n: int, *, past: bool = False) -> list[Base]:
    """Rows in every table that names people; ids offset by `n` so two people fit."""
    start = NOW - dt.timedelta(days=400) if past else NOW + dt.timedelta(days=10)
    event = Event(
        id=n, source_event_id=f"$ev{n}", created_by=person, command_room_id="!r:x",
        title=f"Workshop {n}", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        timezone="Europe/Berlin", closed=True, room_ids=["!r:x"], reminder_offsets=[],
        status="scheduled",
    )  # fmt: skip
    post = EventPost(id=n, event_id=n, kind="nudge", key=3600, room_id="", due=start, status="sent")
    poll = Poll(
        id=n, source_event_id=f"$poll{n}", created_by=person, room_id="!r:x", question="Q?",
        answers=[{"id": "a1", "text": "A"}], max_selections=1, disclosed=True,
        status="ended" if past else "open", ended_at=start if past else None,
        ended_by=person if past else None,
    )  # fmt: skip
    survey = Survey(
        id=n, source=f"event:$s{n}", definition_hash="h", created_by=person, title="Bedarfe",
        anonymous=False, questions=[{"text": "Wo?", "kind": "text"}], opens_at=start,
        closes_at=start + dt.timedelta(days=5), timezone="Europe/Berlin", invite_rooms=[],
    )  # fmt: skip
    topic = Topic(
        id=n, source_event_id=f"$t{n}", room_id="!r:x", title=f"Thema {n}", tags=[],
        status="proposed", created_by=person,
    )  # fmt: skip
    return [
        UserSetting(user_id=person, language="de", event_dms=False),
        RosterMember(user_id=person, name=f"Name {n}", municipality="Potsdam", role="manager"),
        Knock(user_id=person, display_name="K", reason="bitte"),
        DirectRoom(user_id=person, room_id=f"!dm{n}:x"),
        Announcement(
            source_event_id=f"$a{n}",
            created_by=person,
            command_room_id="!r:x",
            room_ids=["!r:x"],
            text="Hallo",
            timezone="Europe/Berlin",
            status="active",
        ),
        event,
        post,
        poll,
        survey,
        topic,
        Rsvp(event_id=n, user_id=person, answer="yes"),
        EventNudge(post_id=n, user_id=person, room_id=f"!dm{n}:x", matrix_event_id=f"$n{n}"),
        PollResponse(
            event_id=f"$v{n}", poll_id=n, sender=person, origin_server_ts=1, raw={"answers": []}
        ),
        PollEnd(event_id=f"$end{n}", poll_id=n, sender=person, origin_server_ts=2, valid=True),
        SurveySession(
            user_id=person,
            survey_id=n,
            room_id=f"!dm{n}:x",
            language="de",
            position=0,
            reviewing=False,
            answers={"0": "halb"},
            changing=False,
        ),
        SurveyParticipant(survey_id=n, user_id=person, submit_event_id=f"$sub{n}"),
        SurveyInvite(survey_id=n, user_id=person),
        SurveyResponse(id=f"r{n}", survey_id=n, answers={"0": f"Antwort {n}"}, respondent=person),
        Need(
            source_event_id=f"$need{n}",
            author=person,
            room_id="!r:x",
            room_label="#r",
            text=f"Bedarf {n}",
            tags=["#x"],
        ),
        TopicVote(topic_id=n, user_id=person),
        TopicEntry(
            topic_id=n,
            kind="action",
            matrix_event_id=f"$e{n}",
            from_command=True,
            author=person,
            text=f"Notiz {n}",
            owner=person,
        ),
    ]


async def seed(db: Database) -> None:
    async with db.session() as session:
        session.add(DeviceLogin(user_id="@bot:x", homeserver="h", device_id="D", access_token="t"))
        for row in rows_of(ANNA, 1):
            session.add(row)
            await session.flush()
        for row in rows_of(BEN, 2):
            session.add(row)
            await session.flush()


async def tables_naming(db: Database, person: str) -> set[str]:
    """Every table with a row in which `person` appears in any column."""
    found = set()
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                if person in json.dumps([str(v) for v in row], ensure_ascii=False):
                    found.add(table.name)
    return found


async def test_the_export_holds_every_row_of_the_person_and_nothing_of_another(
    db: Database,
) -> None:
    await seed(db)
    data = await privacy.export(db, ANNA)
    expected = {name for name, h in privacy.HANDLING.items() if h.exported}
    assert set(data) == expected
    assert all(len(rows) == 1 for rows in data.values()), data
    text = json.dumps(data, ensure_ascii=False)
    assert "Antwort 1" in text and "Bedarf 1" in text and "Notiz 1" in text
    assert BEN not in text and "Antwort 2" not in text and "Bedarf 2" not in text
    assert "@bot:x" not in text


async def test_erasure_deletes_anonymises_and_leaves_only_the_roster(db: Database) -> None:
    await seed(db)
    bens = await privacy.export(db, BEN)
    erased = await privacy.erase(db, ANNA)
    assert await tables_naming(db, ANNA) == {"roster_member"}
    assert erased.left_to_organisers == {"roster_member": 1}
    assert erased.deleted["rsvp"] == 1 and erased.deleted["need"] == 1
    assert erased.anonymised["topic_entry"] == 2  # author and owner
    async with db.session() as session:
        entry = await session.scalar(select(TopicEntry).where(TopicEntry.text == "Notiz 1"))
        assert entry is not None
        assert (entry.author, entry.owner) == (privacy.FORMER_MEMBER, None)
    # Ben's data is untouched.
    assert await privacy.export(db, BEN) == bens


async def test_retention_removes_exactly_what_is_due(db: Database) -> None:
    async with db.session() as session:
        for row in rows_of(ANNA, 1, past=True):
            session.add(row)
            await session.flush()
        for row in rows_of(BEN, 2):
            session.add(row)
            await session.flush()
        for event_id, age in (("$old", 31), ("$new", 29)):
            handled_at = NOW - dt.timedelta(days=age)
            session.add(HandledEvent(event_id=event_id, room_id="!r:x", handled_at=handled_at))
    removed = await privacy.prune(db, privacy.Retention(), NOW)
    assert removed == {
        "handled_event": 1,
        "rsvp": 1,
        "poll_response": 1,
        "survey_session": 1,
        "survey_participant": 1,
        "survey_invite": 1,
        "event_nudge": 1,
    }
    async with db.session() as session:
        assert list(await session.scalars(select(HandledEvent.event_id))) == ["$new"]
        assert list(await session.scalars(select(Rsvp.user_id))) == [BEN]
        assert list(await session.scalars(select(PollResponse.sender))) == [BEN]
        assert list(await session.scalars(select(SurveySession.user_id))) == [BEN]
        assert list(await session.scalars(select(EventNudge.user_id))) == [BEN]
    assert await privacy.prune(db, privacy.Retention(), NOW) == {}
    # Longer periods keep it all.
    longer = privacy.Retention(rsvps_after_event=1000)
    assert "rsvp" not in await privacy.prune(db, longer, NOW)


async def test_the_export_counts_are_the_export_counted(db: Database) -> None:
    await seed(db)
    async with db.session() as session:
        session.add(
            Topic(
                id=3, source_event_id="$t3", room_id="!r:x", title="Thema 3", tags=[],
                status="proposed", created_by=ANNA,
            )
        )  # fmt: skip
    for person in (ANNA, BEN):
        data = await privacy.export(db, person)
        counts = await privacy.export_counts(db, person)
        assert counts == {table: len(rows) for table, rows in data.items()}
        assert list(counts) == list(data)
    assert max((await privacy.export_counts(db, ANNA)).values()) == 2
    assert await privacy.export_counts(db, "@nobody:x") == {}
