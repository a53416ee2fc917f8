"""Count the votes of a native Matrix poll (MSC3381) the way Element shows them.

Where protocol.md leaves a point open, this follows matrix-js-sdk and Element:
- An empty answers list spoils the ballot, so a withdrawal counts in `spoiled`
  (js-sdk PollResponseEvent.ts, `validateAgainst`).
- Responses after the end are dropped before the latest per sender is chosen, so a vote changed
  after the end keeps the earlier one (js-sdk models/poll.ts `filterResponseRelations`, then
  element-web MPollBody.tsx `collectUserVotes`).
- A `max_selections` below 1 counts as 1 (js-sdk PollStartEvent.ts).
- A repeated id counts once per repetition (MPollBody.tsx `countVotes`), although protocol.md
  and MSC3381 say once: Element's count is what people see (reachable only with
  max_selections > 1).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

MISSING = object()  # sentinel: the response content had no "answers" key
CANNOT_READ = object()  # sentinel: a response the bot could not read (encrypted)
# The key that marks such a response in the mirror's raw content.
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Response:
    event_id: str
    sender: str
    origin_server_ts: int  # ms
    # The raw value of content[<poll.response key>]["answers"], MISSING, or CANNOT_READ.
    answers: object
    seen: int  # the order the bot first saw it; smaller = earlier (tie-break)


@dataclass(frozen=True)
class End:
    sender: str
    origin_server_ts: int
    valid: bool  # the caller decided: from the poll's creator or power >= redact


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]  # every answer id in poll order -> votes (0 included)
    voters: int  # people whose counted response is a valid, non-empty vote
    spoiled: int  # people whose counted response is spoiled
    ended_at: int | None  # origin_server_ts of the first valid end, if any
    # People with responses the bot could not read (not counted; the results say so).
    unreadable: int = 0


def tally(
    answer_ids: Sequence[str],
    max_selections: int,
    responses: Iterable[Response],
    ends: Iterable[End],
) -> Tally:
    ended_at = min((end.origin_server_ts for end in ends if end.valid), default=None)
    latest: dict[str, Response] = {}
    unreadable: set[str] = set()
    for response in responses:
        if ended_at is not None and response.origin_server_ts > ended_at:
            continue
        if response.answers is CANNOT_READ:
            # Element would not know such an event as a response either: it neither votes nor
            # hides an earlier vote.
            unreadable.add(response.sender)
            continue
        current = latest.get(response.sender)
        if current is None or _recency(response) > _recency(current):
            latest[response.sender] = response

    counts = dict.fromkeys(answer_ids, 0)
    limit = max(max_selections, 1)
    voters = spoiled = 0
    for response in latest.values():
        ballot = _ballot(response.answers, counts, limit)
        if ballot is None:
            spoiled += 1
            continue
        voters += 1
        for answer_id in ballot:
            counts[answer_id] += 1
    return Tally(
        counts=counts,
        voters=voters,
        spoiled=spoiled,
        ended_at=ended_at,
        unreadable=len(unreadable),
    )


def winners(result: Tally) -> list[str]:
    """The answer ids with the highest count, in poll order; none while nobody has voted."""
    top = max(result.counts.values(), default=0)
    if top == 0:
        return []
    return [answer_id for answer_id, count in result.counts.items() if count == top]


def _recency(response: Response) -> tuple[int, int]:
    # Later server time wins; at equal times the one seen first wins.
    return response.origin_server_ts, -response.seen


def _ballot(answers: object, known: Container[str], limit: int) -> list[str] | None:
    """The distinct ids a response votes for, or None if it is spoiled."""
    if not isinstance(answers, list) or not answers:
        return None
    if not all(isinstance(answer, str) and answer in known for answer in answers):
        return None
    return list(answers[:limit])
