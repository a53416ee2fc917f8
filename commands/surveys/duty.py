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
from commands.surveys.invitations import invite_members
from commands.surveys.text import CLOSED_MEANWHILE, CLOSED_REPORT
from storage import surveys
from storage.models import Survey, utc_now

log = logging.getLogger(__name__)


class SurveyDuty:
    name = "survey"

    def __init__(self, ports: Ports, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.ports = ports
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
            await invite_members(self.ports, survey)
            await surveys.set_columns(self.db, survey.id, invited=True)
            survey.invited = True
        if now >= survey.closes_at:
            await self._close(survey)
            await surveys.set_columns(self.db, survey.id, closed_handled=True)
            return None
        return _due(survey)

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
