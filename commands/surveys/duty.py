"""Opens and closes needs surveys on time: at the opening the members of the survey's rooms get
its first question by direct message (once each); at the close conversations in progress end
(unsent answers are discarded, never kept) and the organiser who set it up is told."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from commands.core.content import message_content, txn_id_for
from commands.core.i18n import Language
from commands.core.ports import Ports, SendRefused
from commands.core.rendering import BR
from commands.core.rooms import room_id_of
from commands.core.unasked import opt_out_line
from commands.surveys.commands import view_of
from commands.surveys.text import (
    CLOSED_MEANWHILE,
    CLOSED_REPORT,
    INVITATION_LATER,
    render_invitation,
)
from storage import surveys
from storage.models import Survey, utc_now
from storage.surveys import NewSession, Progress

log = logging.getLogger(__name__)


class SurveyDuty:
    name = "survey"

    def __init__(self, ports: Ports, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.db = ports.db
        self.direct = ports.direct
        self.sender = ports.messenger
        self.client = ports.homeserver
        self.errors = ports.errors
        self.clock = clock

    async def schedule(self) -> list[tuple[int, dt.datetime]]:
        planned = []
        for survey in await surveys.unfinished(self.db):
            due = _due(survey)
            if due is not None:
                planned.append((survey.id, due))
        return planned

    async def replan(self, ref: int) -> list[tuple[int, dt.datetime | None]]:
        survey = await surveys.get(self.db, ref)
        return [(ref, _due(survey) if survey is not None else None)]

    async def deliver(self, item_id: int) -> dt.datetime | None:
        survey = await surveys.get(self.db, item_id)
        if survey is None or survey.closed_handled:
            return None
        now = self.clock()
        if _invitations_due(survey) and survey.opens_at <= now < survey.closes_at:
            await self._invite(survey)
            await surveys.set_columns(self.db, survey.id, invited=True)
            survey.invited = True
        if now >= survey.closes_at:
            await self._close(survey)
            await surveys.set_columns(self.db, survey.id, closed_handled=True)
            return None
        return _due(survey)

    async def _invite(self, survey: Survey) -> None:
        room_ids = [room for room in [await self._room_id(r) for r in survey.invite_rooms] if room]
        people = self.direct.people_in(room_ids) - {survey.created_by}
        people -= await surveys.participants(self.db, survey.id)
        people -= await surveys.invited(self.db, survey.id)
        view = view_of(survey)
        for user_id in await self.direct.willing(people):
            language = await self.direct.language_of(user_id)
            busy = await surveys.session_of(self.db, user_id)
            opt_out = opt_out_line(self.direct.prefix, language)
            if busy is not None and busy.survey_id != survey.id:
                command = self.direct.command("bedarfe", language, survey.id)
                html = INVITATION_LATER.html(
                    language,
                    id=survey.id,
                    title=view.title,
                    closes=view.closes(language),
                    command=command,
                )
                html += BR + opt_out
            elif busy is None:
                html = render_invitation(view, language, opt_out)
            else:
                continue
            sent = await self.direct.send(user_id, html, "survey-invite", f"{survey.id}|{user_id}")
            if sent is None:
                continue
            if busy is None:
                # Kept if the person began answering meanwhile (the send may have waited).
                new = NewSession(survey.id, user_id, sent[0], language)
                start = Progress(0, False, {})
                await surveys.start_session(self.db, new, start, [sent[1]], replace=False)
            await surveys.invite(self.db, survey.id, [user_id])

    async def _room_id(self, reference: str) -> str | None:
        room_id = await room_id_of(self.client, reference)
        if room_id is None:
            # An unknown alias, or "hier" in a file (no room to mean).
            log.warning("survey invitations: no room %s", reference)
            self.errors.count("survey")
        return room_id

    async def _close(self, survey: Survey) -> None:
        for session in await surveys.sessions_of_survey(self.db, survey.id):
            if session.answers or session.position:
                language: Language = "en" if session.language == "en" else "de"
                html = CLOSED_MEANWHILE.html(language, id=survey.id)
                key = f"{survey.id}|{session.user_id}"
                try:
                    await self.sender.send(
                        session.room_id,
                        message_content(html),
                        txn_id=txn_id_for("survey-closed", key),
                    )
                except SendRefused:
                    log.warning(
                        "survey %s: could not tell %s it closed", survey.id, session.user_id
                    )
        # Unsent answers are never kept past the close, told or not.
        await surveys.end_sessions_of_survey(self.db, survey.id)
        if survey.created_by == self.client.user_id:
            return
        language = await self.direct.language_of(survey.created_by)
        count = len(await surveys.participants(self.db, survey.id))
        html = CLOSED_REPORT.html(
            language,
            id=survey.id,
            title=survey.title,
            count=count,
            report=self.direct.command("bedarfe auswertung", language, survey.id),
            export=self.direct.command("export bedarfe", language, survey.id),
        )
        await self.direct.send(survey.created_by, html, "survey-closed", str(survey.id))


def _invitations_due(survey: Survey) -> bool:
    return bool(survey.invite_rooms) and not survey.invited


def _due(survey: Survey) -> dt.datetime | None:
    if survey.closed_handled:
        return None
    if _invitations_due(survey) and survey.opens_at < survey.closes_at:
        return survey.opens_at
    return survey.closes_at
