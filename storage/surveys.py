"""Needs surveys: their definitions, the conversations in progress, who took part, the submitted
answers (anonymous ones unjoinable to anyone), and the invitations sent."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database
from storage.models import Survey, SurveyInvite, SurveyParticipant, SurveyResponse, SurveySession

# Anonymous responses are written back in this order on every submit: the system's randomness,
# so the order is not predictable from anything stored.
SHUFFLE = random.SystemRandom()


@dataclass(frozen=True)
class NewSurvey:
    source: str
    definition_hash: str
    created_by: str
    title: str
    description: str | None
    anonymous: bool
    questions: list[dict[str, Any]]
    opens_at: dt.datetime
    closes_at: dt.datetime
    timezone: str
    invite_rooms: list[str]
    audience: list[str] | None = None


@dataclass(frozen=True)
class Progress:
    position: int
    reviewing: bool
    answers: dict[str, Any]
    cancelling: bool = False


async def create(db: Database, new: NewSurvey) -> Survey:
    """Idempotent per source: the survey a command or file created before is returned."""
    async with db.session() as session:
        found = await session.scalar(select(Survey).where(Survey.source == new.source))
        if found is not None:
            return found
        row = Survey(**vars(new), invited=False, closed_handled=False)
        session.add(row)
        await session.flush()
        return row


async def by_source(db: Database, source: str) -> Survey | None:
    async with db.session() as session:
        return await session.scalar(select(Survey).where(Survey.source == source))


async def redefine(db: Database, survey_id: int, new: NewSurvey) -> bool:
    """Replace a survey's definition (its file changed), only while nobody has answered or is
    answering: their answers belong to the questions as they were."""
    async with db.session() as session:
        answering = await session.scalar(
            select(SurveySession.user_id).where(SurveySession.survey_id == survey_id).limit(1)
        )
        if answering is not None or await _participants(session, survey_id):
            return False
        values = {key: value for key, value in vars(new).items() if key != "source"}
        # A new opening and close are handled anew (invitations are still sent once each).
        await session.execute(
            update(Survey)
            .where(Survey.id == survey_id)
            .values(**values, invited=False, closed_handled=False)
        )
        return True


async def get(db: Database, survey_id: int) -> Survey | None:
    async with db.session() as session:
        return await session.get(Survey, survey_id)


async def all_surveys(db: Database) -> list[Survey]:
    async with db.session() as session:
        return list(await session.scalars(select(Survey).order_by(Survey.id)))


async def open_now(db: Database, now: dt.datetime) -> list[Survey]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Survey).where(Survey.opens_at <= now, Survey.closes_at > now).order_by(Survey.id)
        )
        return list(rows)


async def latest(db: Database) -> Survey | None:
    async with db.session() as session:
        return await session.scalar(select(Survey).order_by(Survey.id.desc()).limit(1))


async def unfinished(db: Database) -> list[Survey]:
    """Surveys whose opening (invitations) or close is still to be handled."""
    async with db.session() as session:
        rows = await session.scalars(select(Survey).where(Survey.closed_handled.is_(False)))
        return list(rows)


async def set_columns(db: Database, survey_id: int, **values: object) -> None:
    async with db.session() as session:
        await session.execute(update(Survey).where(Survey.id == survey_id).values(**values))


async def session_of(db: Database, user_id: str) -> SurveySession | None:
    async with db.session() as session:
        return await session.get(SurveySession, user_id)


@dataclass(frozen=True)
class NewSession:
    survey_id: int
    user_id: str
    room_id: str
    language: str
    # A named survey answered before, whose stored answers are being changed.
    changing: bool = False


async def start_session(
    db: Database,
    new: NewSession,
    progress: Progress,
    message_ids: Sequence[str] = (),
    *,
    replace: bool = True,
) -> SurveySession:
    """Begin (or begin again) a person's conversation; one per person. Without `replace`, a
    conversation the person has going is kept as it is (and returned)."""
    async with db.session() as session:
        current = await session.get(SurveySession, new.user_id)
        if current is not None and not replace:
            return current
        if current is not None:
            await session.delete(current)
            await session.flush()
        row = SurveySession(
            **vars(new),
            position=progress.position,
            reviewing=progress.reviewing,
            answers=progress.answers,
            cancelling=progress.cancelling,
            last_event_id=None,
            message_ids=list(message_ids),
        )
        session.add(row)
        return row


async def save_progress(
    db: Database, user_id: str, progress: Progress, event_id: str, message_ids: Sequence[str]
) -> None:
    """The conversation after the message `event_id`; `message_ids` join its messages."""
    async with db.session() as session:
        row = await session.get(SurveySession, user_id)
        if row is None:
            return
        row.position = progress.position
        row.reviewing = progress.reviewing
        row.answers = progress.answers
        row.cancelling = progress.cancelling
        row.last_event_id = event_id
        row.message_ids = [*row.message_ids, *message_ids]


async def add_messages(db: Database, user_id: str, message_ids: Sequence[str]) -> None:
    async with db.session() as session:
        row = await session.get(SurveySession, user_id)
        if row is not None:
            row.message_ids = [*row.message_ids, *message_ids]


async def end_session(db: Database, user_id: str) -> None:
    async with db.session() as session:
        await session.execute(delete(SurveySession).where(SurveySession.user_id == user_id))


async def sessions_of_survey(db: Database, survey_id: int) -> list[SurveySession]:
    async with db.session() as session:
        rows = await session.scalars(
            select(SurveySession).where(SurveySession.survey_id == survey_id)
        )
        return list(rows)


async def end_sessions_of_survey(db: Database, survey_id: int) -> None:
    async with db.session() as session:
        await session.execute(delete(SurveySession).where(SurveySession.survey_id == survey_id))


class AlreadyTookPart(Exception):
    """An anonymous survey this person has answered already."""


async def submit(
    db: Database,
    survey: Survey,
    user_id: str,
    answers: dict[str, Any],
    event_id: str,
    now: dt.datetime,
    shuffle: random.Random = SHUFFLE,
) -> list[str]:
    """Store the answers, note the participation and end the conversation, in one transaction;
    returns the ids of the conversation's messages.

    Anonymous: the response gets a random id and no person or time, and every response of the
    survey is written anew in random order, so the storage order says nothing about who
    answered when. Named: the person's earlier response is replaced.
    """
    try:
        async with db.session() as session:
            # Serialises submits to one survey (PostgreSQL; SQLite has one writer anyway).
            await session.execute(select(Survey.id).where(Survey.id == survey.id).with_for_update())
            conversation = await session.get(SurveySession, user_id)
            messages = list(conversation.message_ids) if conversation is not None else []
            if survey.anonymous:
                await _submit_anonymous(session, survey.id, user_id, answers, event_id, shuffle)
            else:
                await _submit_named(session, survey.id, user_id, answers, event_id, now)
            await session.execute(delete(SurveySession).where(SurveySession.user_id == user_id))
    except IntegrityError as exc:
        if survey.anonymous:
            # A second submit of the same person racing the first.
            raise AlreadyTookPart from exc
        raise
    if survey.anonymous:
        # What the conversation held (who answered what) must not outlive it in the files.
        await db.forget_deleted()
    return messages


async def _submit_anonymous(
    session: AsyncSession,
    survey_id: int,
    user_id: str,
    answers: dict[str, Any],
    event_id: str,
    shuffle: random.Random,
) -> None:
    if await session.get(SurveyParticipant, (survey_id, user_id)) is not None:
        raise AlreadyTookPart
    session.add(SurveyParticipant(survey_id=survey_id, user_id=user_id, submit_event_id=event_id))
    stored = list(
        await session.scalars(
            select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey_id)
        )
    )
    everyone = [*stored, answers]
    shuffle.shuffle(everyone)
    await session.execute(delete(SurveyResponse).where(SurveyResponse.survey_id == survey_id))
    await session.execute(
        insert(SurveyResponse),
        [
            {"id": secrets.token_hex(16), "survey_id": survey_id, "answers": each}
            for each in everyone
        ],
    )


async def _submit_named(
    session: AsyncSession,
    survey_id: int,
    user_id: str,
    answers: dict[str, Any],
    event_id: str,
    now: dt.datetime,
) -> None:
    participant = await session.get(SurveyParticipant, (survey_id, user_id))
    if participant is None:
        session.add(
            SurveyParticipant(survey_id=survey_id, user_id=user_id, submit_event_id=event_id)
        )
    else:
        participant.submit_event_id = event_id
    response = await session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.respondent == user_id
        )
    )
    if response is None:
        session.add(
            SurveyResponse(
                id=secrets.token_hex(16),
                survey_id=survey_id,
                answers=answers,
                respondent=user_id,
                submitted_at=now,
            )
        )
    else:
        response.answers = answers
        response.submitted_at = now


async def took_part(db: Database, survey_id: int, user_id: str) -> bool:
    async with db.session() as session:
        return await session.get(SurveyParticipant, (survey_id, user_id)) is not None


async def submitted_by(db: Database, user_id: str, event_id: str) -> Survey | None:
    """The survey a message of this person sent the answers of (to thank them again)."""
    async with db.session() as session:
        return await session.scalar(
            select(Survey)
            .join(SurveyParticipant, SurveyParticipant.survey_id == Survey.id)
            .where(
                SurveyParticipant.user_id == user_id,
                SurveyParticipant.submit_event_id == event_id,
            )
        )


async def participants(db: Database, survey_id: int) -> set[str]:
    async with db.session() as session:
        return await _participants(session, survey_id)


async def _participants(session: AsyncSession, survey_id: int) -> set[str]:
    return await _people(session, SurveyParticipant, survey_id)


async def _people(
    session: AsyncSession, model: type[SurveyParticipant | SurveyInvite], survey_id: int
) -> set[str]:
    return set(await session.scalars(select(model.user_id).where(model.survey_id == survey_id)))


async def participant_counts(db: Database) -> dict[int, int]:
    async with db.session() as session:
        rows = await session.execute(
            select(SurveyParticipant.survey_id, func.count()).group_by(SurveyParticipant.survey_id)
        )
        return {survey_id: count for survey_id, count in rows}


async def responses(db: Database, survey_id: int) -> list[SurveyResponse]:
    """Named ones in the order submitted; anonymous ones in the (random) order stored."""
    async with db.session() as session:
        rows = await session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.survey_id == survey_id)
            .order_by(SurveyResponse.submitted_at, SurveyResponse.respondent)
        )
        return list(rows)


async def named_response(db: Database, survey_id: int, user_id: str) -> SurveyResponse | None:
    async with db.session() as session:
        return await session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.survey_id == survey_id, SurveyResponse.respondent == user_id
            )
        )


async def invite(db: Database, survey_id: int, user_ids: Sequence[str]) -> None:
    async with db.session() as session:
        known = await _people(session, SurveyInvite, survey_id)
        session.add_all(
            SurveyInvite(survey_id=survey_id, user_id=user_id)
            for user_id in sorted(set(user_ids) - known)
        )


async def invited(db: Database, survey_id: int) -> set[str]:
    async with db.session() as session:
        return await _people(session, SurveyInvite, survey_id)
