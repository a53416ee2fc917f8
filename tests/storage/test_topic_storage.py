"""Topics on SQLite and PostgreSQL: one vote per person, entries by message (idempotent,
edited, redacted), the agenda, merging, search (full text on PostgreSQL), due action items."""

from __future__ import annotations

import datetime as dt

import pytest_asyncio

from storage import events, topics
from storage.database import Database
from storage.events import NewEvent
from storage.models import Topic
from storage.topics import NewEntry, NewTopic

START = dt.datetime(2026, 9, 29, 8, 0, tzinfo=dt.UTC)


@pytest_asyncio.fixture
async def event_id(db: Database) -> int:
    new = NewEvent(
        source_event_id="$event",
        created_by="@orga:x",
        command_room_id="!r:x",
        title="2. Transfer-Workshop",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=6),
        timezone="Europe/Berlin",
        place="Potsdam",
        online_link=None,
        agenda_link=None,
        description=None,
        closed=True,
        room_ids=["!r:x"],
        reminder_offsets=[],
    )
    return (await events.create(db, new, [])).id


async def topic(db: Database, source: str, title: str, tags: list[str] | None = None) -> Topic:
    row = await topics.create(db, NewTopic(source, "!r:x", title, tags or [], None, "@a:x"))
    await topics.set_columns(db, row.id, message_event_id=f"$msg{source}")
    return row


async def test_votes_and_listing(db: Database) -> None:
    first = await topic(db, "$1", "Rolle", ["rolle"])
    second = await topic(db, "$2", "Agil", ["agil"])
    assert (await topics.create(db, NewTopic("$1", "!r:x", "x", [], None, "@b:x"))).id == first.id
    assert await topics.support(db, second.id, "@a:x", "$reaction")
    assert not await topics.support(db, second.id, "@a:x")
    await topics.support(db, second.id, "@b:x")
    listed = await topics.listing(db, topics.OPEN)
    assert {row.id: count for row, count in listed} == {first.id: 0, second.id: 2}
    assert [row.id for row, _ in await topics.listing(db, topics.OPEN, tag="rolle")] == [first.id]
    assert await topics.forget(db, "$reaction") == second.id
    assert await topics.supporters(db, second.id) == {"@b:x"}
    assert await topics.withdraw(db, second.id, "@b:x") and not await topics.withdraw(
        db, second.id, "@b:x"
    )
    assert (await topics.by_message(db, "$msg$1")).id == first.id  # type: ignore[union-attr]


async def test_entries_are_idempotent_edited_and_forgotten(db: Database) -> None:
    row = await topic(db, "$1", "Rolle")
    note = await topics.add_entry(db, NewEntry(row.id, topics.NOTE, "$n", False, "@a:x", "alt"))
    again = await topics.add_entry(db, NewEntry(row.id, topics.NOTE, "$n", False, "@a:x", "anders"))
    assert note.id == again.id
    await topics.edit_entry(db, note.id, "$edit", text="neu")
    edited = await topics.entry_of(db, "$n")
    assert edited is not None and edited.text == "neu" and edited.edited_at is not None
    assert await topics.forget(db, "$n") == row.id
    assert await topics.entries(db, [row.id]) == []
    # Redacting an edit takes the entry with it; redacting the proposal, the title.
    other = await topics.add_entry(db, NewEntry(row.id, topics.NOTE, "$m", False, "@a:x", "x"))
    await topics.edit_entry(db, other.id, "$edit2", text="y")
    assert await topics.forget(db, "$edit2") == row.id
    assert await topics.entries(db, [row.id]) == []
    assert await topics.forget(db, "$1") == row.id
    assert (await topics.get(db, row.id)).title == topics.DELETED_TITLE  # type: ignore[union-attr]


async def test_agenda_and_merge(db: Database, event_id: int) -> None:
    a, b, c = [await topic(db, f"${n}", f"T{n}") for n in range(3)]
    assert await topics.set_agenda(db, event_id, [c.id, a.id]) == []
    assert [t.id for t in await topics.agenda(db, event_id)] == [c.id, a.id]
    assert (await topics.get(db, a.id)).status == topics.AGENDA  # type: ignore[union-attr]
    await topics.set_columns(db, c.id, status=topics.DISCUSSED)
    assert await topics.set_agenda(db, event_id, [b.id]) == [a.id, c.id]
    assert (await topics.get(db, a.id)).status == topics.PROPOSED  # type: ignore[union-attr]
    # Taken off the agenda, a discussed topic stays discussed.
    assert (await topics.get(db, c.id)).status == topics.DISCUSSED  # type: ignore[union-attr]
    await topics.support(db, a.id, "@x:x")
    await topics.support(db, b.id, "@x:x")
    await topics.support(db, a.id, "@y:x")
    await topics.add_entry(db, NewEntry(a.id, topics.NOTE, "$e", False, "@x:x", "Notiz"))
    await topics.merge(db, a.id, b.id)
    assert await topics.supporters(db, b.id) == {"@x:x", "@y:x"}
    assert [e.topic_id for e in await topics.entries(db, [b.id])] == [b.id]
    merged = await topics.get(db, a.id)
    assert merged is not None and (merged.status, merged.merged_into) == (topics.MERGED, b.id)
    # Merging on: what was merged into the duplicate leads to the one that stays.
    await topics.merge(db, b.id, c.id)
    assert (await topics.get(db, a.id)).merged_into == c.id  # type: ignore[union-attr]


async def test_search_finds_words_in_titles_and_notes(db: Database) -> None:
    row = await topic(db, "$1", "Verankerung der Rolle in der Verwaltung")
    await topics.add_entry(
        db, NewEntry(row.id, topics.NOTE, "$n", False, "@a:x", "Die Rolle braucht ein Mandat")
    )
    found_topics, found_entries = await topics.search(db, "Verwaltung")
    assert [t.id for t in found_topics] == [row.id] and found_entries == []
    found_topics, found_entries = await topics.search(db, "mandat rolle")
    assert [e.text for e in found_entries] == ["Die Rolle braucht ein Mandat"]
    await topics.add_entry(db, NewEntry(row.id, topics.NOTE, "$u", False, "@a:x", "Übergabe"))
    assert [e.text for e in (await topics.search(db, "übergabe"))[1]] == ["Übergabe"]
    assert await topics.search(db, "Kaffee") == ([], [])


async def test_due_action_items(db: Database) -> None:
    row = await topic(db, "$1", "Rolle")
    due = dt.date(2026, 12, 15)
    action = await topics.add_entry(
        db, NewEntry(row.id, topics.ACTION, "$a", True, "@o:x", "Leitfaden", "@anna:x", due)
    )
    await topics.add_entry(db, NewEntry(row.id, topics.ACTION, "$b", True, "@o:x", "ohne", "@b:x"))
    assert [e.id for e in await topics.due_actions(db)] == [action.id]
    await topics.set_entry(db, action.id, reminded=True)
    assert await topics.due_actions(db) == []


async def test_formatting_is_kept_and_goes_with_a_redacted_proposal(db: Database) -> None:
    new = NewTopic("$f", "!r:x", "Rolle", [], None, "@a:x", title_html="<em>Rolle</em>")
    row = await topics.create(db, new)
    entry = await topics.add_entry(
        db, NewEntry(row.id, topics.NOTE, "$fn", True, "@a:x", "**x**", html="<strong>x</strong>")
    )
    assert (await topics.get_entry(db, entry.id)).html == "<strong>x</strong>"  # type: ignore[union-attr]
    assert (await topics.get(db, row.id)).title_html == "<em>Rolle</em>"  # type: ignore[union-attr]
    assert await topics.forget(db, "$f") == row.id
    blanked = await topics.get(db, row.id)
    assert blanked is not None and blanked.title == topics.DELETED_TITLE
    assert blanked.title_html is None


async def test_agendas_of_many_events_in_their_order(db: Database, event_id: int) -> None:
    a, b, c = [await topic(db, f"${n}", f"T{n}") for n in range(3)]
    await topics.set_agenda(db, event_id, [c.id, a.id])
    other = event_id + 1000
    found = await topics.agendas(db, [event_id, other])
    assert {key: [t.id for t in rows] for key, rows in found.items()} == {
        event_id: [c.id, a.id],
        other: [],
    }
    assert [t.id for t in found[event_id]] == [t.id for t in await topics.agenda(db, event_id)]
    assert await topics.agendas(db, []) == {}
    assert b.id not in {t.id for t in found[event_id]}


async def test_support_counts_count_each_supporter_once(db: Database) -> None:
    a, b, c = [await topic(db, f"${n}", f"T{n}") for n in range(3)]
    await topics.support(db, a.id, "@x:x")
    await topics.support(db, a.id, "@y:x")
    await topics.support(db, a.id, "@x:x")
    await topics.support(db, b.id, "@y:x")
    assert await topics.support_counts(db, [a.id, b.id, c.id]) == {a.id: 2, b.id: 1, c.id: 0}
    assert await topics.support_counts(db, [b.id]) == {b.id: 1}
    assert await topics.support_counts(db, []) == {}
