"""Planning the space: from a room's state to the state events that make it as configured —
idempotent, never lowering anyone, naming the right the bot lacks; and the [space] config."""

from __future__ import annotations

from typing import Any

import pytest

from commands.space.plan import (
    JOIN_RULES,
    POWER_LEVELS,
    SPACE_CHILD,
    SPACE_PARENT,
    Change,
    Observed,
    RoomSpec,
    SpaceSpec,
    desired_levels,
    plan_room,
    plan_space,
)
from commands.space.settings import SpaceConfigError, parse_space

BOT = "@bot:example.org"
ORGA = "@orga:example.org"
SPACE = "!space:example.org"
ROOM = "!room:example.org"
SERVER = "example.org"
ALLGEMEIN = RoomSpec("allgemein", "Allgemein", "Für alle", "allgemein", "10")
NEWS = RoomSpec("news", "Ankündigungen", post="organisers")


def observed(room_id: str, version: str = "10", **state: Any) -> Observed:
    events = [
        {"type": "m.room.create", "state_key": "", "sender": BOT,
         "content": {"room_version": version}},
        {"type": POWER_LEVELS, "state_key": "", "sender": BOT,
         "content": {"users": {BOT: 100}, "users_default": 0, "events_default": 0,
                     "state_default": 50}},
    ]  # fmt: skip
    for key, content in state.items():
        event_type, _, state_key = key.partition("|")
        events.append(
            {"type": event_type, "state_key": state_key, "sender": BOT, "content": content}
        )
    return Observed.from_events(room_id, events)


def done(plan_changes: list[Change], room: Observed) -> Observed:
    """The room after the plan was carried out."""
    state = dict(room.state)
    for change in plan_changes:
        state[(change.event_type, change.state_key)] = change.content
    return Observed(room.room_id, state, room.senders)


def test_a_bare_room_gets_everything_and_a_second_plan_nothing() -> None:
    room = observed(ROOM)
    plan = plan_room(room, ALLGEMEIN, SPACE, SERVER, BOT, [ORGA], 50)
    kinds = {(c.event_type, c.state_key) for c in plan.changes}
    assert kinds == {
        ("m.room.name", ""),
        ("m.room.topic", ""),
        (JOIN_RULES, ""),
        (SPACE_PARENT, SPACE),
        (POWER_LEVELS, ""),
    }
    rule = next(c.content for c in plan.changes if c.event_type == JOIN_RULES)
    assert rule == {
        "join_rule": "restricted",
        "allow": [{"type": "m.room_membership", "room_id": SPACE}],
    }
    levels = next(c.content for c in plan.changes if c.event_type == POWER_LEVELS)
    assert levels["users"] == {BOT: 100, ORGA: 50} and levels["events_default"] == 0
    again = plan_room(done(plan.changes, room), ALLGEMEIN, SPACE, SERVER, BOT, [ORGA], 50)
    assert again.changes == [] and again.missing == []


def test_organisers_post_only_rooms_and_rooms_for_some_roles() -> None:
    plan = plan_room(observed(ROOM), NEWS, SPACE, SERVER, BOT, [ORGA], 50)
    levels = next(c.content for c in plan.changes if c.event_type == POWER_LEVELS)
    assert levels["events_default"] == 50
    orga_room = RoomSpec("orga", "Organisation", roles=frozenset({"organiser"}))
    plan = plan_room(observed(ROOM), orga_room, SPACE, SERVER, BOT, [ORGA], 50)
    assert next(c.content for c in plan.changes if c.event_type == JOIN_RULES) == {
        "join_rule": "invite"
    }


def test_nobody_is_lowered_and_a_v12_creator_never_listed() -> None:
    current = {"users": {BOT: 100, ORGA: 100, "@x:e.org": 75}, "events_default": 0}
    assert desired_levels(current, [ORGA, "@x:e.org"], 50, None, ())["users"] == current["users"]
    v12 = desired_levels({"users": {}}, [BOT, ORGA], 50, "all", {BOT})
    assert v12["users"] == {ORGA: 50}


def test_the_missing_right_is_named_and_nothing_else_is_tried() -> None:
    room = observed(ROOM)
    weak = Observed(
        ROOM,
        {
            **room.state,
            (POWER_LEVELS, ""): {
                "users": {BOT: 50},
                "state_default": 50,
                "events": {POWER_LEVELS: 100, JOIN_RULES: 100},
            },
        },
        {**room.senders, ("m.room.create", ""): "@someone:example.org"},
    )
    plan = plan_room(weak, ALLGEMEIN, SPACE, SERVER, BOT, [ORGA], 50)
    assert {(m.event_type, m.needed, m.has) for m in plan.missing} == {
        (JOIN_RULES, 100, 50),
        (POWER_LEVELS, 100, 50),
    }
    assert {c.event_type for c in plan.changes} == {"m.room.name", "m.room.topic", SPACE_PARENT}


def test_a_v12_creator_may_do_anything() -> None:
    room = observed(ROOM, version="12")
    room = Observed(
        ROOM, {**room.state, (POWER_LEVELS, ""): {"users": {}, "state_default": 50}}, room.senders
    )
    assert plan_room(room, ALLGEMEIN, SPACE, SERVER, BOT, [], 50).missing == []


def test_the_space_links_its_rooms_and_unlinks_those_left_out() -> None:
    space = observed(SPACE, **{f"{SPACE_CHILD}|!gone:example.org": {"via": [SERVER]}})
    spec = SpaceSpec("Alumni", rooms=(ALLGEMEIN,))
    plan = plan_space(space, spec, {ROOM: ALLGEMEIN}, ["!gone:example.org", "!never:e.org"],
                      SERVER, BOT, [ORGA])  # fmt: skip
    children = {c.state_key: c.content for c in plan.changes if c.event_type == SPACE_CHILD}
    assert children == {ROOM: {"via": [SERVER], "order": "10"}, "!gone:example.org": {}}
    assert next(c.content for c in plan.changes if c.event_type == JOIN_RULES) == {
        "join_rule": "knock"
    }
    after = done(plan.changes, space)
    again = plan_space(after, spec, {ROOM: ALLGEMEIN}, ["!gone:example.org"], SERVER, BOT, [ORGA])
    assert again.changes == []


def test_left_by_themselves_and_memberships() -> None:
    room = Observed.from_events(
        ROOM,
        [
            {"type": "m.room.member", "state_key": "@a:e.org", "sender": "@a:e.org",
             "content": {"membership": "leave"}},
            {"type": "m.room.member", "state_key": "@b:e.org", "sender": BOT,
             "content": {"membership": "leave"}},
            {"type": "m.room.member", "state_key": "@c:e.org", "sender": "@c:e.org",
             "content": {"membership": "join"}},
        ],
    )  # fmt: skip
    assert room.left_by_themselves("@a:e.org") and not room.left_by_themselves("@b:e.org")
    assert room.memberships() == {"@a:e.org": "leave", "@b:e.org": "leave", "@c:e.org": "join"}


def test_space_config() -> None:
    config = parse_space(
        {
            "name": "Alumni",
            "alias": "#alumni:example.org",
            "organisers_room": "orga",
            "roster": "roster.csv",
            "rooms": [
                {"key": "allgemein", "name": "Allgemein"},
                {
                    "key": "orga",
                    "name": "Organisation",
                    "members": ["Organisation"],
                    "post": "organisation",
                },
            ],
        }
    )
    assert config.spec.alias == "alumni"
    assert config.spec.rooms[1].roles == frozenset({"organiser"})
    assert config.spec.rooms[1].post == "organisers"
    assert config.roster is not None and config.roster.name == "roster.csv"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "space.name: missing"),
        ({"name": "A", "farbe": 1}, "space.farbe: unknown key"),
        ({"name": "A", "rooms": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]},
         "the key 'a' is used twice"),
        ({"name": "A", "rooms": [{"key": "space", "name": "A"}]}, "space.rooms[0].key"),
        ({"name": "A", "rooms": [{"key": "a", "name": "A", "post": "chef"}]},
         "space.rooms[0].post"),
        ({"name": "A", "rooms": [{"key": "a", "name": "A", "members": ["Chef"]}]}, "is not a role"),
        ({"name": "A", "organisers_room": "x"}, "space.organisers_room"),
        ({"name": "A", "alias": "Groß Buchstaben"}, "space.alias"),
        ({"name": "A", "organiser_power": 0}, "space.organiser_power"),
        ({"name": "A", "cohorts": ["eins"]}, "space.cohorts"),
        ({"name": "A", "rooms": [{"key": "a", "name": "A", "id": "raum"}]}, "space.rooms[0].id"),
    ],
)  # fmt: skip
def test_space_config_errors_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(SpaceConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_space(table)


def test_people_the_bot_raised_are_lowered_when_they_stop_organising() -> None:
    current = {"users": {BOT: 100, ORGA: 50, "@ex:e.org": 50, "@manual:e.org": 75}}
    levels = desired_levels(current, [ORGA], 50, None, (), demote=["@ex:e.org", "@manual:e.org"])
    # Only who still has exactly what the bot gave; a level set by hand stays.
    assert levels["users"] == {BOT: 100, ORGA: 50, "@manual:e.org": 75}


def test_a_topic_set_by_a_client_is_the_same_topic() -> None:
    """Synapse and Element add "m.topic" next to "topic": not a change to make again."""
    room = observed(
        ROOM,
        **{"m.room.topic|": {"topic": "Für alle", "m.topic": {"m.text": [{"body": "Für alle"}]}},
           "m.room.name|": {"name": "Allgemein"}},
    )  # fmt: skip
    plan = plan_room(room, ALLGEMEIN, SPACE, SERVER, BOT, [ORGA], 50)
    assert {c.event_type for c in plan.changes} == {JOIN_RULES, SPACE_PARENT, POWER_LEVELS}


def test_rights_for_keeping_the_space_closed_are_checked_too() -> None:
    room = observed(ROOM)
    weak = Observed(
        ROOM,
        {**room.state, (POWER_LEVELS, ""): {"users": {BOT: 30}, "invite": 50, "kick": 50,
                                            "state_default": 0}},
        {**room.senders, ("m.room.create", ""): "@someone:example.org"},
    )  # fmt: skip
    missing = {(m.event_type, m.needed, m.has) for m in plan_room(
        weak, ALLGEMEIN, SPACE, SERVER, BOT, [ORGA], 50).missing}  # fmt: skip
    assert missing == {("invite", 50, 30), ("kick", 50, 30), ("organiser power", 50, 30)}


@pytest.mark.parametrize(
    ("rooms", "organisers_room", "message"),
    [
        ([{"key": "a", "name": "A", "id": "!x:e.org"}, {"key": "b", "name": "B", "id": "!x:e.org"}],
         None, "the id '!x:e.org' is used twice"),
        ([{"key": "a", "name": "A", "order": "ä"}], None, "space.rooms[0].order"),
        ([{"key": "a", "name": "A", "order": "x" * 51}], None, "space.rooms[0].order"),
        ([{"key": "orga", "name": "Orga"}], "orga", "must have members"),
    ],
)  # fmt: skip
def test_more_space_config_errors(
    rooms: list[dict[str, Any]], organisers_room: str | None, message: str
) -> None:
    table: dict[str, Any] = {"name": "A", "rooms": rooms}
    if organisers_room:
        table["organisers_room"] = organisers_room
    with pytest.raises(SpaceConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_space(table)
