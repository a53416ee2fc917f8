"""Invitations to a needs survey by direct message (once per person, and only to whom it is
meant for, by roster role): at its opening to who has joined its rooms, and later to whoever
joins one of them while it is open — at a first start the alumni space's rooms are made after
the survey, so nobody is in them at the opening."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from commands.core.ports import Ports
from commands.core.rendering import BR
from commands.core.rooms import room_id_of
from commands.core.unasked import opt_out_line
from commands.surveys.audience import outside
from commands.surveys.commands import view_of
from commands.surveys.text import INVITATION_LATER, render_invitation
from storage import surveys
from storage.models import Survey
from storage.surveys import NewSession, Progress

log = logging.getLogger(__name__)


async def invite_members(ports: Ports, survey: Survey) -> None:
    """The opening round: everyone who has joined one of the survey's rooms."""
    room_ids = [room for room in [await _room_id(ports, r) for r in survey.invite_rooms] if room]
    await invite(ports, survey, ports.direct.people_in(room_ids))


async def inviting_room(ports: Ports, room_id: str, now: dt.datetime) -> list[Survey]:
    """The open surveys that invite the members of `room_id`."""
    found = []
    for survey in await surveys.open_now(ports.db, now):
        if survey.closed_handled or not survey.invite_rooms:
            continue
        for reference in survey.invite_rooms:
            if await room_id_of(ports.homeserver, reference) == room_id:
                found.append(survey)
                break
    return found


async def invite(ports: Ports, survey: Survey, people: Iterable[str]) -> None:
    """The first question (or, to someone answering another survey, a note to come back) to
    each of `people` not yet invited, who has not taken part and accepts direct messages."""
    db, direct = ports.db, ports.direct
    wanted = set(people) - {survey.created_by, ports.homeserver.user_id}
    wanted -= await surveys.participants(db, survey.id)
    wanted -= await surveys.invited(db, survey.id)
    # Only who it is meant for: a guest of the network is no municipality.
    wanted -= set(await outside(db, survey, wanted))
    view = view_of(survey)
    for user_id in await direct.willing(wanted):
        language = await direct.language_of(user_id)
        busy = await surveys.session_of(db, user_id)
        opt_out = opt_out_line(direct.prefix, language)
        if busy is not None and busy.survey_id != survey.id:
            command = direct.command("bedarfe", language, survey.id)
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
        sent = await direct.send(user_id, html, "survey-invite", f"{survey.id}|{user_id}")
        if sent is None:
            continue
        if busy is None:
            # Kept if the person began answering meanwhile (the send may have waited).
            new = NewSession(survey.id, user_id, sent[0], language)
            start = Progress(0, False, {})
            await surveys.start_session(db, new, start, [sent[1]], replace=False)
        await surveys.invite(db, survey.id, [user_id])


async def _room_id(ports: Ports, reference: str) -> str | None:
    room_id = await room_id_of(ports.homeserver, reference)
    if room_id is None:
        # An unknown alias (a room of the space not made yet: its members are invited when
        # they join), or "hier" in a file (no room to mean).
        log.info("survey invitations: no room %s yet", reference)
    return room_id
