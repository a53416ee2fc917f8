"""The poll tally: one table per rule of protocol.md, and properties against a reference tally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.polls.tally import CANNOT_READ, MISSING, End, Response, Tally, tally, winners

IDS = ("a", "b", "c")

PROPERTY = settings(max_examples=300, deadline=None)


def votes(*rows: tuple) -> list[Response]:
    """Responses from (sender, ts, answers) or (sender, ts, answers, seen); seen defaults to
    the row's position."""
    result = []
    for position, row in enumerate(rows):
        sender, ts, answers, *rest = row
        seen = rest[0] if rest else position
        result.append(Response(f"$r{position}", sender, ts, answers, seen))
    return result


@dataclass(frozen=True)
class Case:
    responses: list[Response]
    counts: dict[str, int]
    voters: int
    spoiled: int = 0
    ends: list[End] = field(default_factory=list)
    ended_at: int | None = None
    max_selections: int = 1
    answer_ids: Sequence[str] = IDS


def counted(**counts: int) -> dict[str, int]:
    return {answer_id: counts.get(answer_id, 0) for answer_id in IDS}


def check(case: Case) -> None:
    result = tally(case.answer_ids, case.max_selections, case.responses, case.ends)
    assert result == Tally(case.counts, case.voters, case.spoiled, case.ended_at)
    assert list(result.counts) == list(case.answer_ids)


LATEST_PER_SENDER = {
    "nobody voted": Case(votes(), counted(), voters=0),
    "one vote": Case(votes(("@al", 1, ["b"])), counted(b=1), voters=1),
    "one vote each": Case(
        votes(("@al", 1, ["a"]), ("@bo", 2, ["a"]), ("@cy", 3, ["c"])),
        counted(a=2, c=1),
        voters=3,
    ),
    "later vote replaces earlier": Case(
        votes(("@al", 1, ["a"]), ("@al", 2, ["b"])), counted(b=1), voters=1
    ),
    "latest by server time, not by order passed": Case(
        votes(("@al", 2, ["b"]), ("@al", 1, ["a"])), counted(b=1), voters=1
    ),
    "same time: the first seen wins": Case(
        votes(("@al", 5, ["a"], 1), ("@al", 5, ["b"], 0)), counted(b=1), voters=1
    ),
    "same time: the first seen wins, passed first": Case(
        votes(("@al", 5, ["a"], 0), ("@al", 5, ["b"], 1)), counted(a=1), voters=1
    ),
    "latest invalid spoils an earlier valid vote": Case(
        votes(("@al", 1, ["a"]), ("@al", 2, ["zz"])), counted(), voters=0, spoiled=1
    ),
    "latest missing answers spoils an earlier valid vote": Case(
        votes(("@al", 1, ["a"]), ("@al", 2, MISSING)), counted(), voters=0, spoiled=1
    ),
    "latest valid after an invalid one counts": Case(
        votes(("@al", 1, ["zz"]), ("@al", 2, ["c"])), counted(c=1), voters=1
    ),
    "one spoiled voter does not touch another's vote": Case(
        votes(("@al", 1, "a"), ("@bo", 1, ["a"])), counted(a=1), voters=1, spoiled=1
    ),
}

SPOILED = {
    "answers key missing": MISSING,
    "None": None,
    "a string, not a list": "a",
    "an object": {"a": 1},
    "a number": 1,
    "empty list": [],
    "a number in the list": [1],
    "a bool in the list": [True],
    "None in the list": ["a", None],
    "a nested list": [["a"]],
    "unknown id": ["zz"],
    "unknown id next to a known one": ["a", "zz"],
    "id in another case": ["A"],
    "empty id": [""],
}

SELECTIONS = {
    "unknown id after the cut still spoils": Case(
        votes(("@al", 1, ["a", "zz"])), counted(), voters=0, spoiled=1
    ),
    "non-string after the cut still spoils": Case(
        votes(("@al", 1, ["a", "b", 7])), counted(), voters=0, spoiled=1, max_selections=2
    ),
    "cut to max_selections 1": Case(votes(("@al", 1, ["b", "a"])), counted(b=1), voters=1),
    "cut to max_selections 2": Case(
        votes(("@al", 1, ["c", "a", "b"])), counted(a=1, c=1), voters=1, max_selections=2
    ),
    "fewer than max_selections": Case(
        votes(("@al", 1, ["c"])), counted(c=1), voters=1, max_selections=3
    ),
    "all of max_selections 3": Case(
        votes(("@al", 1, ["c", "b", "a"]), ("@bo", 1, ["a", "b"])),
        counted(a=2, b=2, c=1),
        voters=2,
        max_selections=3,
    ),
    "a repeated id counts per repetition, as in Element": Case(
        votes(("@al", 1, ["a", "a"])), counted(a=2), voters=1, max_selections=2
    ),
    "repeated id, then the next id": Case(
        votes(("@al", 1, ["a", "a", "b"])), counted(a=2, b=1), voters=1, max_selections=3
    ),
    "the cut keeps the first max_selections entries, repeats included": Case(
        votes(("@al", 1, ["a", "a", "b"])), counted(a=2), voters=1, max_selections=2
    ),
    "max_selections below 1 counts as 1": Case(
        votes(("@al", 1, ["b", "a"])), counted(b=1), voters=1, max_selections=0
    ),
}

WITHDRAWAL = {
    "empty list withdraws the vote": Case(
        votes(("@al", 1, ["a"]), ("@al", 2, [])), counted(), voters=0, spoiled=1
    ),
    "vote again after withdrawing": Case(
        votes(("@al", 1, ["a"]), ("@al", 2, []), ("@al", 3, ["b"])), counted(b=1), voters=1
    ),
    "withdrawal touches only its sender": Case(
        votes(("@al", 1, ["a"]), ("@bo", 1, ["a"]), ("@al", 2, [])),
        counted(a=1),
        voters=1,
        spoiled=1,
    ),
}

ENDS = {
    "vote after a valid end is ignored": Case(
        votes(("@al", 5, ["a"]), ("@bo", 11, ["b"])),
        counted(a=1),
        voters=1,
        ends=[End("@creator", 10, valid=True)],
        ended_at=10,
    ),
    "vote exactly at the end counts": Case(
        votes(("@al", 10, ["a"])),
        counted(a=1),
        voters=1,
        ends=[End("@creator", 10, valid=True)],
        ended_at=10,
    ),
    "change after the end keeps the vote before it": Case(
        votes(("@al", 5, ["a"]), ("@al", 11, ["b"])),
        counted(a=1),
        voters=1,
        ends=[End("@creator", 10, valid=True)],
        ended_at=10,
    ),
    "spoiling after the end keeps the vote before it": Case(
        votes(("@al", 5, ["a"]), ("@al", 11, [])),
        counted(a=1),
        voters=1,
        ends=[End("@creator", 10, valid=True)],
        ended_at=10,
    ),
    "vote before the start time still counts": Case(
        votes(("@al", -5, ["a"])),
        counted(a=1),
        voters=1,
        ends=[End("@creator", 10, valid=True)],
        ended_at=10,
    ),
    "invalid end is ignored": Case(
        votes(("@al", 5, ["a"]), ("@al", 11, ["b"])),
        counted(b=1),
        voters=1,
        ends=[End("@someone", 10, valid=False)],
    ),
    "several ends: the earliest valid one": Case(
        votes(("@al", 5, ["a"]), ("@bo", 6, ["b"]), ("@cy", 7, ["c"])),
        counted(a=1, b=1),
        voters=2,
        ends=[
            End("@someone", 3, valid=False),
            End("@mod", 8, valid=True),
            End("@creator", 6, valid=True),
        ],
        ended_at=6,
    ),
}


def cases(table: dict[str, Case]) -> object:
    return pytest.mark.parametrize("case", list(table.values()), ids=list(table))


@cases(LATEST_PER_SENDER)
def test_latest_response_per_sender(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("answers", list(SPOILED.values()), ids=list(SPOILED))
def test_spoiled_ballot_spoils_an_earlier_vote(answers: object) -> None:
    check(
        Case(
            votes(("@al", 1, ["a"]), ("@al", 2, answers), ("@bo", 1, ["b"])),
            counted(b=1),
            voters=1,
            spoiled=1,
            max_selections=3,
        )
    )


@cases(SELECTIONS)
def test_validity_then_cut_then_repeats(case: Case) -> None:
    check(case)


@cases(WITHDRAWAL)
def test_withdrawal(case: Case) -> None:
    check(case)


@cases(ENDS)
def test_end(case: Case) -> None:
    check(case)


def test_unreadable_responses_are_not_counted_but_told() -> None:
    """An encrypted response neither votes nor hides the sender's earlier, readable vote."""
    responses = votes(
        ("@al", 1, ["a"]),
        ("@al", 2, CANNOT_READ),
        ("@bo", 3, CANNOT_READ),
        ("@bo", 4, CANNOT_READ),
        ("@cy", 5, ["b"]),
        ("@dy", 9, CANNOT_READ),
    )
    result = tally(IDS, 1, responses, [End("@orga", 6, True)])
    assert result == Tally(counted(a=1, b=1), 2, 0, 6, unreadable=2)


def test_counts_follow_poll_order() -> None:
    result = tally(["c", "a", "b"], 1, votes(("@al", 1, ["b"])), [])
    assert list(result.counts.items()) == [("c", 0), ("a", 0), ("b", 1)]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"a": 0, "b": 0}, []),
        ({}, []),
        ({"a": 2, "b": 1}, ["a"]),
        ({"a": 1, "b": 2, "c": 2}, ["b", "c"]),
        ({"c": 3, "a": 3, "b": 0}, ["c", "a"]),
        ({"a": 1, "b": 1}, ["a", "b"]),
    ],
)
def test_winners(counts: dict[str, int], expected: list[str]) -> None:
    assert winners(Tally(counts, voters=0, spoiled=0, ended_at=None)) == expected


# --- properties against a reference tally -------------------------------------------------


def reference_tally(
    answer_ids: Sequence[str], max_selections: int, responses: list[Response], ends: list[End]
) -> Tally:
    """The rules read literally: sort everything, let later responses overwrite earlier ones."""
    valid_end_times = sorted(end.origin_server_ts for end in ends if end.valid)
    end_time = valid_end_times[0] if valid_end_times else None
    in_time = [r for r in responses if end_time is None or r.origin_server_ts <= end_time]
    # Ascending time; at equal times the first seen comes last, so it is the one left standing.
    in_time.sort(key=lambda r: (r.origin_server_ts, -r.seen))
    answers_by_sender: dict[str, object] = {}
    for response in in_time:
        answers_by_sender[response.sender] = response.answers

    counts = {answer_id: 0 for answer_id in answer_ids}
    voters = spoiled = 0
    for answers in answers_by_sender.values():
        valid = (
            type(answers) is list
            and len(answers) > 0
            and all(type(answer) is str for answer in answers)
            and set(answers) <= set(answer_ids)
        )
        if not valid:
            spoiled += 1
            continue
        voters += 1
        for answer_id in answers[:max_selections]:
            counts[answer_id] += 1
    return Tally(counts, voters, spoiled, end_time)


# answer ids, max_selections, responses, ends
Poll = tuple[list[str], int, list[Response], list[End]]
SENDERS = ("@al:x", "@bo:x", "@cy:x", "@di:x")
UNKNOWN_IDS = st.sampled_from(["zz", "A", "", " a"])
# Each a single sampled_from, so that one_of below does not flatten them into many branches.
NOT_STRINGS = st.sampled_from([None, True, 0, 1.5, ["a"], {"a": 1}])
NOT_LISTS = st.sampled_from([MISSING, None, "a", 3, {"a": 1}])


@st.composite
def polls(draw: st.DrawFn) -> Poll:
    answer_ids = draw(
        st.lists(
            st.text(alphabet="abcdefgh", min_size=1, max_size=3),
            min_size=1,
            max_size=20,
            unique=True,
        )
    )
    known = st.sampled_from(answer_ids)
    valid = st.lists(known, min_size=1, max_size=4)
    anything = st.lists(st.one_of(known, UNKNOWN_IDS, NOT_STRINGS), max_size=4)
    answers = st.one_of(
        valid,
        valid,
        anything,
        st.tuples(valid, anything).map(lambda parts: parts[0] + parts[1]),
        st.just([]),
        NOT_LISTS,
    )
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(SENDERS), st.integers(0, 12), answers),
            max_size=12,
        )
    )
    seen_order = draw(st.permutations(range(len(rows))))
    responses = [
        Response(f"$r{i}", sender, ts, given_answers, seen)
        for i, ((sender, ts, given_answers), seen) in enumerate(zip(rows, seen_order, strict=True))
    ]
    ends = draw(
        st.lists(
            st.builds(End, st.sampled_from(SENDERS), st.integers(0, 14), st.booleans()),
            max_size=3,
        )
    )
    return answer_ids, draw(st.integers(1, 3)), responses, ends


@PROPERTY
@given(polls())
def test_matches_reference(poll: Poll) -> None:
    assert tally(*poll) == reference_tally(*poll)


@PROPERTY
@given(polls(), st.randoms(use_true_random=False))
def test_order_passed_in_does_not_matter(poll: Poll, rng: Random) -> None:
    answer_ids, max_selections, responses, ends = poll
    shuffled_responses, shuffled_ends = list(responses), list(ends)
    rng.shuffle(shuffled_responses)
    rng.shuffle(shuffled_ends)
    assert tally(answer_ids, max_selections, shuffled_responses, shuffled_ends) == tally(
        answer_ids, max_selections, responses, ends
    )


@PROPERTY
@given(polls())
def test_every_sender_is_a_voter_or_spoiled(poll: Poll) -> None:
    answer_ids, max_selections, responses, ends = poll
    result = tally(answer_ids, max_selections, responses, ends)
    in_time = {
        r.sender
        for r in responses
        if result.ended_at is None or r.origin_server_ts <= result.ended_at
    }
    assert result.voters + result.spoiled == len(in_time)
    assert result.voters <= sum(result.counts.values()) <= result.voters * max_selections
    assert all(count <= result.voters * max_selections for count in result.counts.values())
    assert bool(winners(result)) == (result.voters > 0)
