"""The privacy feature: the records page generated from the models, every table that names
people handled, the [privacy] table, the notice, access and erasure through dispatch, and the
retention duty on a controlled clock."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from bot.download_links import DownloadLinks
from bot.features import build_registry
from commands.core.dispatch import Outcome, dispatch
from commands.core.i18n import Language
from commands.core.ports import Ports, Settings
from commands.core.registry import Role
from commands.core.rendering import code
from commands.privacy import FEATURE, records
from commands.privacy.duty import RetentionDuty
from commands.privacy.settings import PrivacyConfig, parse_privacy, privacy_of
from commands.privacy.text import render_notice
from commands.space.roster_plan import RosterEntry
from commands.space.text import WelcomeFacts, render_welcome
from storage import privacy
from storage.database import Database
from storage.models import HandledEvent, Need, RosterMember, Rsvp, TopicEntry
from tests.unit.test_commands import NoSchedules, RecordingContext

REGISTRY = build_registry()
ANNA = "@anna:example.org"
BEN = "@ben:example.org"
ORGA = "@orga:example.org"


# --- records ----------------------------------------------------------------------------------


def test_the_committed_records_page_is_the_generated_one() -> None:
    assert records.DOC.read_text(encoding="utf-8") == records.render(), (
        "docs/datenschutz.md is stale: run python -m commands.privacy"
    )


def test_every_table_that_names_people_is_handled() -> None:
    assert records.unhandled() == []


def test_a_new_table_with_a_person_column_is_reported() -> None:
    metadata = MetaData()
    Table("badge", metadata, Column("id", Integer, primary_key=True), Column("owner", String))
    Table("counter", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))
    assert records.unhandled(metadata) == [
        "badge: not in storage.privacy.HANDLING (export and erasure)",
        "badge: no RECORD (purpose and retention)",
    ]


def test_a_table_that_gains_a_person_column_is_reported() -> None:
    metadata = MetaData()
    Table("need", metadata, Column("author", String), Column("reviewed_by", String))
    assert records.unhandled(metadata) == ["need: HANDLING misses reviewed_by"]


# --- the [privacy] table ----------------------------------------------------------------------


def test_defaults_without_the_table() -> None:
    config = privacy_of(Settings())
    assert config.min_group_size == 5
    assert config.retention == privacy.Retention()
    assert not config.notice.given


def test_the_table_is_read() -> None:
    config = parse_privacy(
        {
            "min_group_size": 3,
            "notice": {"controller": " MIL ", "contact": "x@example.org"},
            "retention": {"rsvps_after_event": 7},
        }
    )
    assert config.min_group_size == 3
    assert config.notice.controller == "MIL"
    assert config.retention.rsvps_after_event == 7
    assert config.retention.handled_events == privacy.Retention().handled_events


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"min_groupsize": 5}, "privacy.min_groupsize: unknown key"),
        ({"min_group_size": 0}, "privacy.min_group_size: must be a whole number >= 1"),
        ({"notice": {"boss": "x"}}, "privacy.notice.boss: unknown key"),
        ({"notice": {"contact": 3}}, "privacy.notice.contact: must be text"),
        ({"retention": {"rsvps_after_event": "1y"}}, "privacy.retention.rsvps_after_event:"),
        ({"retention": {"forever": 1}}, "privacy.retention.forever: unknown key"),
    ],
)
def test_errors_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        parse_privacy(table)


# --- the notice -------------------------------------------------------------------------------


def test_the_notice_shows_the_operators_text_escaped_and_the_rights_as_commands() -> None:
    config = parse_privacy(
        {"notice": {"controller": "MIL <Potsdam>", "rights": "Auskunft, Löschung"}}
    )
    html = render_notice(config, "de", code("!meine-daten"), code("!daten-löschen"))
    assert "<b>Verantwortlich:</b> MIL &lt;Potsdam&gt;" in html
    assert "<code>!meine-daten</code>" in html and "<code>!daten-löschen</code>" in html
    assert "Zu- und Absagen 180 Tage" in html  # retention from the settings
    assert "noch keine Datenschutzhinweise" not in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_without_a_notice_the_answer_says_so(language: Language) -> None:
    html = render_notice(PrivacyConfig(), language, "A", "B")
    assert ("[privacy.notice]" in html) and ("Access: A" in html or "Auskunft: A" in html)


def test_the_welcome_names_the_privacy_command() -> None:
    member = RosterEntry(ANNA, "Anna", "Potsdam", 1, "manager")
    facts = WelcomeFacts([], None, [], [])
    html = render_welcome(member, facts, "de", "B", "H", "S", code("!datenschutz"))
    assert "welche Rechte du hast: <code>!datenschutz</code>" in html


# --- commands through dispatch ----------------------------------------------------------------


@dataclass
class RecordingDirect:
    prefix: str = "!"
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def command(self, name: str, language: Language, *args: object) -> str:
        return code(" ".join(["!" + name, *map(str, args)]))

    async def language_of(self, user_id: str) -> Language:
        return "de"

    async def send(self, user_id: str, html: str, kind: str, key: str) -> tuple[str, str] | None:
        self.sent.append((user_id, html, kind))
        return ("!dm:x", "$dm")


@dataclass
class FileContext(RecordingContext):
    files: dict[str, bytes] = field(default_factory=dict)
    dm: str = "!dm-anna:example.org"

    async def send_file(
        self, room_id: str, filename: str, data: bytes, mimetype: str, key: str
    ) -> None:
        self.files[filename] = data
        self.replies.append(f"file {filename} in {room_id}")

    async def direct_room(self) -> str | None:
        return self.dm


def context(db: Database, sender: str = ANNA, direct: RecordingDirect | None = None) -> FileContext:
    unused: Any = None
    ports = Ports(
        db=db,
        settings=Settings(organisers=(ORGA,)),
        registry=REGISTRY,
        schedules=NoSchedules(),
        messenger=unused,
        direct=cast(Any, direct or RecordingDirect()),
        homeserver=unused,
        errors=unused,
        links=unused,
    )
    role = Role.NETWORK if sender == ORGA else Role.MEMBER
    return FileContext(
        sender=sender, room_id="!raum:example.org", event_id="$c1", role=role, ports=ports
    )


async def seed(db: Database) -> None:
    async with db.session() as session:
        for n, person in ((1, ANNA), (2, BEN)):
            session.add(
                Need(
                    source_event_id=f"$n{n}", author=person, room_id="!r:x", room_label="#r",
                    text=f"Bedarf von {person}", tags=[],
                )
            )  # fmt: skip
        session.add(RosterMember(user_id=ANNA, name="Anna", municipality="Potsdam", role="manager"))


async def test_my_data_sends_json_and_markdown_to_the_direct_chat(db: Database) -> None:
    await seed(db)
    ctx = context(db)
    assert await dispatch(ctx, "meine-daten") is Outcome.OK
    exported = json.loads(ctx.files["meine-daten.json"])
    assert exported["user_id"] == ANNA
    assert [row["text"] for row in exported["tables"]["need"]["rows"]] == [f"Bedarf von {ANNA}"]
    assert BEN not in ctx.files["meine-daten.json"].decode()
    markdown = ctx.files["meine-daten.md"].decode()
    assert markdown.startswith("# Meine Daten beim Alumni-Bot") and "Bedarf von" in markdown
    assert BEN not in markdown
    summary = next(r for r in ctx.replies if r.startswith("say in !dm-anna"))
    assert "Deine Daten beim Bot" in summary and "<code>!daten-löschen</code>" in summary
    assert ctx.replies[-1] == "Ich habe dir deine Daten in unseren Direktchat geschickt."


async def test_my_data_in_english_by_the_alias(db: Database) -> None:
    ctx = context(db)
    assert await dispatch(ctx, "my-data") is Outcome.OK
    assert set(ctx.files) == {"my-data.json", "my-data.md"}
    assert "The bot stores nothing about you." in ctx.replies[2]


async def test_erasure_asks_first_then_erases_and_tells_the_organisers(db: Database) -> None:
    await seed(db)
    direct = RecordingDirect()
    ctx = context(db, direct=direct)
    assert await dispatch(ctx, "daten-löschen") is Outcome.OK
    assert "Wirklich löschen?" in ctx.only_reply
    assert "<code>!daten-löschen bestätigen</code>" in ctx.only_reply
    assert await privacy.export(db, ANNA) != {}

    wrong = context(db)
    assert await dispatch(wrong, "daten-löschen vielleicht") is Outcome.USAGE
    assert await privacy.export(db, ANNA) != {}

    done = context(db, direct=direct)
    assert await dispatch(done, "daten-löschen bestätigen") is Outcome.OK
    assert "Daten von @anna:example.org gelöscht" in done.only_reply
    assert "Mitgliederverzeichnis bleibt" in done.only_reply
    assert "Nicht löschen kann der Bot, was in den Räumen steht" in done.only_reply
    assert set(await privacy.export(db, ANNA)) == {"roster_member"}
    assert [(to, kind) for to, _, kind in direct.sent] == [(ORGA, "privacy-erasure")]
    assert "<code>!mitglied entfernen @anna:example.org</code>" in direct.sent[0][1]
    async with db.session() as session:
        assert list(await session.scalars(select(Need.author))) == [BEN]


async def test_only_network_organisers_erase_another_person(db: Database) -> None:
    await seed(db)
    member = context(db, sender=BEN)
    assert await dispatch(member, f"daten-löschen {ANNA} bestätigen") is Outcome.OK
    assert "nur die Organisator:innen des Netzwerks" in member.only_reply
    assert await privacy.export(db, ANNA) != {}

    organiser = context(db, sender=ORGA)
    assert await dispatch(organiser, f"erase-my-data {ANNA} confirm") is Outcome.OK
    assert "Data of @anna:example.org erased" in organiser.only_reply
    async with db.session() as session:
        assert list(await session.scalars(select(Need.author))) == [BEN]


async def test_erasure_keeps_notes_anonymous(db: Database) -> None:
    async with db.session() as session:
        from storage.models import Topic

        session.add(
            Topic(id=1, source_event_id="$t", room_id="!r:x", title="T", tags=[], status="proposed",
                  created_by=BEN)
        )  # fmt: skip
        await session.flush()
        session.add(
            TopicEntry(topic_id=1, kind="action", matrix_event_id="$e", from_command=True,
                       author=ANNA, text="Folien", owner=ANNA)
        )  # fmt: skip
    assert await dispatch(context(db), "daten-löschen bestätigen") is Outcome.OK
    async with db.session() as session:
        entry = (await session.scalars(select(TopicEntry))).one()
    assert (entry.text, entry.author, entry.owner) == ("Folien", privacy.FORMER_MEMBER, None)


async def test_the_notice_command(db: Database) -> None:
    ctx = context(db)
    assert await dispatch(ctx, "privacy") is Outcome.OK
    assert ctx.only_reply.startswith("<b>Privacy notice</b>")


# --- retention on a controlled clock ----------------------------------------------------------


async def test_the_retention_duty_runs_after_the_start_and_then_daily_at_three(
    db: Database,
) -> None:
    now = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    clock = [now]
    ctx = context(db)
    duty = RetentionDuty(ctx.ports, clock=lambda: clock[0])
    async with db.session() as session:
        session.add(HandledEvent(event_id="$old", room_id="!r", handled_at=now - dt.timedelta(31)))
        session.add(HandledEvent(event_id="$new", room_id="!r", handled_at=now - dt.timedelta(29)))
    assert await duty.schedule() == [(0, now + dt.timedelta(minutes=5))]
    # 03:00 in Berlin (summer time) is 01:00 UTC.
    assert await duty.deliver(0) == dt.datetime(2026, 10, 2, 1, tzinfo=dt.UTC)
    async with db.session() as session:
        assert list(await session.scalars(select(HandledEvent.event_id))) == ["$new"]
    clock[0] = now + dt.timedelta(days=2)
    assert await duty.deliver(0) == dt.datetime(2026, 10, 4, 1, tzinfo=dt.UTC)
    async with db.session() as session:
        assert list(await session.scalars(select(HandledEvent.event_id))) == []
        assert list(await session.scalars(select(Rsvp))) == []


@dataclass
class RecordingKeeper:
    """The space's runtime as far as the erasure uses it."""

    notes: list[tuple[str, str]] = field(default_factory=list)

    @dataclass
    class Spec:
        organisers_room: str = "organisation"

    spec: Spec = field(default_factory=Spec)

    async def tell_organisers(self, html: str, key: str) -> None:
        self.notes.append((html, key))


async def test_with_a_space_the_organisers_room_is_told(db: Database) -> None:
    await seed(db)
    direct = RecordingDirect()
    ctx = context(db, direct=direct)
    keeper = RecordingKeeper()
    ctx.ports.runtimes["space"] = keeper
    assert await dispatch(ctx, "daten-löschen bestätigen") is Outcome.OK
    assert direct.sent == []
    ((html, key),) = keeper.notes
    assert "@anna:example.org hat die Löschung der eigenen Daten verlangt" in html
    assert "<code>!mitglied entfernen @anna:example.org</code>" in html
    assert key == "privacy-erasure.$c1"


async def test_nobody_is_told_of_someone_not_on_the_roster(db: Database) -> None:
    direct = RecordingDirect()
    ctx = context(db, sender=BEN, direct=direct)
    assert await dispatch(ctx, "daten-löschen bestätigen") is Outcome.OK
    assert "Der Bot hatte nichts gespeichert." in ctx.only_reply
    assert direct.sent == []


async def test_download_links_last_as_the_privacy_table_says() -> None:
    config = parse_privacy({"download_link_hours": 2})
    assert config.download_link_hours == 2
    with pytest.raises(ValueError, match=r"privacy\.download_link_hours"):
        parse_privacy({"download_link_hours": 0})
    links = DownloadLinks(b"k" * 32, "https://bot.example.org")
    unused: Any = None
    ports = Ports(
        db=unused,
        settings=Settings(sections={"privacy": config}),
        registry=unused,
        schedules=unused,
        messenger=unused,
        direct=unused,
        homeserver=unused,
        errors=unused,
        links=links,
    )
    assert FEATURE.setup is not None
    await FEATURE.setup(ports)
    assert links.valid_for == dt.timedelta(hours=2)
    assert "Download-Links 2 Stunden" in render_notice(config, "de", "!a", "!b")
