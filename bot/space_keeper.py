"""Runs the alumni space: creates or adopts the space and its rooms, links them, sets join rules
and power levels (idempotently; it never deletes a room), invites the roster, keeps outsiders
out, forwards knocks to the organisers, and welcomes new members."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from nio import (
    AsyncClient,
    ErrorResponse,
    JoinedRoomsResponse,
    JoinResponse,
    RoomCreateResponse,
    RoomGetStateResponse,
    RoomInviteResponse,
    RoomKickResponse,
    RoomPreset,
    RoomPutStateResponse,
    UploadResponse,
)

from bot.direct_messages import DirectMessages
from bot.event_filter import server_of
from bot.metrics import Metrics
from bot.room_lookup import room_id_of
from bot.sender import SendRefused, message_content, txn_id_for
from commands.i18n import Language
from commands.rendering import escape
from commands.roster_plan import ROLE_NAMES, RosterEntry, RosterRole
from commands.space import entry_of
from commands.space_plan import (
    JOIN_RULES,
    RESTRICTED_FROM,
    SPACE_KEY,
    SPACE_PARENT,
    Observed,
    Plan,
    RoomSpec,
    SpaceSpec,
    join_rule,
    plan_room,
    plan_space,
)
from commands.space_text import (
    ALIAS_TAKEN,
    CANNOT_CREATE,
    CANNOT_JOIN,
    KNOCK_REASON,
    KNOCKED,
    NO_SPACE,
    NOT_FOR_ROLE,
    NOT_ON_ROSTER,
    OLD_VERSION,
    OUTSIDER_REMOVED,
    REMOVED,
    SpaceReport,
    WelcomeFacts,
    missing_right,
    problem,
    render_report,
    render_welcome,
)
from commands.time_phrases import format_when
from storage import bot_state, events, polls, roster, surveys
from storage.database import Database
from storage.models import Knock, utc_now

log = logging.getLogger(__name__)

HISTORY_SHARED = {
    "type": "m.room.history_visibility",
    "state_key": "",
    "content": {"history_visibility": "shared"},
}
NO_GUESTS = {
    "type": "m.room.guest_access",
    "state_key": "",
    "content": {"guest_access": "forbidden"},
}
MAX_ATTEMPTS = 5
T = TypeVar("T")


class SpaceKeeper:
    def __init__(
        self,
        spec: SpaceSpec,
        avatar: Path | None,
        config_organisers: Iterable[str],
        db: Database,
        direct: DirectMessages,
        metrics: Metrics,
        language: Language,
        timezone: str,
    ) -> None:
        self.spec = spec
        self.language = language
        self.avatar = avatar
        self.config_organisers = frozenset(config_organisers)
        self.db = db
        self.direct = direct
        self.client: AsyncClient = direct.client
        self.sender = direct.sender
        self.metrics = metrics
        self.timezone = timezone
        self.server = server_of(self.client.user_id)
        # Config key → room id of every room the bot runs ("space" for the space).
        self.ids: dict[str, str] = {}
        self.lock = asyncio.Lock()

    async def load(self) -> None:
        self.ids = {row.key: row.room_id for row in await roster.rooms(self.db) if row.linked}

    def key_of(self, room_id: str) -> str | None:
        return next((key for key, known in self.ids.items() if known == room_id), None)

    def label(self, key: str) -> str:
        spec = self.spec.room(key)
        name, alias = (spec.name, spec.alias) if spec else (self.spec.name, self.spec.alias)
        return f"{name} (#{alias}:{self.server})" if alias else name

    async def organisers(self) -> set[str]:
        members = await roster.members(self.db)
        return set(self.config_organisers) | {m.user_id for m in members if m.role == "organiser"}

    # --- reconcile ----------------------------------------------------------------------------

    async def reconcile(self) -> SpaceReport:
        async with self.lock:
            return await self._reconcile()

    async def _reconcile(self) -> SpaceReport:
        report = SpaceReport()
        joined = await self._joined_rooms()
        organisers = await self.organisers()
        created: set[str] = set()
        space_id = await self._space(joined, report, created)
        if space_id is None:
            report.problems.append(NO_SPACE)
            return report
        children: dict[str, RoomSpec] = {}
        for spec in self.spec.rooms:
            room_id = await self._room(spec, space_id, joined, report, created)
            if room_id is not None:
                children[room_id] = spec
        observed: dict[str, Observed] = {}
        power = self.spec.organiser_power
        for room_id, spec in children.items():
            seen = await self._observe(room_id, report, spec.key)
            if seen is None:
                continue
            observed[room_id] = seen
            version = seen.room_version
            if spec.roles is None and (not version.isdecimal() or int(version) < RESTRICTED_FROM):
                report.problems.append(
                    problem(OLD_VERSION, room=self.label(spec.key), version=version)
                )
                continue
            plan = plan_room(
                seen, spec, space_id, self.server, self.client.user_id, organisers, power
            )
            await self._apply(plan, spec.key, report, quiet=room_id in created)
        unlinked = {
            row.key: row.room_id
            for row in await roster.rooms(self.db)
            if row.linked and row.key != SPACE_KEY and self.spec.room(row.key) is None
        }
        space_seen = await self._observe(space_id, report, SPACE_KEY)
        if space_seen is not None:
            observed[space_id] = space_seen
            spec = replace(self.spec, avatar_url=await self._avatar_url(report))
            plan = plan_space(
                space_seen,
                spec,
                children,
                unlinked.values(),
                self.server,
                self.client.user_id,
                organisers,
            )
            await self._apply(plan, SPACE_KEY, report, quiet=space_id in created)
            for key, room_id in unlinked.items():
                await roster.set_room(self.db, key, room_id, linked=False)
                self.ids.pop(key, None)
                report.unlinked.append(key)
        await self._invite_roster(observed, space_id, children, report)
        await self._strangers(observed, created, organisers, report)
        return report

    async def _joined_rooms(self) -> set[str]:
        response = await self.client.joined_rooms()
        return set(response.rooms) if isinstance(response, JoinedRoomsResponse) else set()

    async def _space(self, joined: set[str], report: SpaceReport, created: set[str]) -> str | None:
        stored = self.ids.get(SPACE_KEY)
        if stored is not None and stored in joined:
            return stored
        alias = f"#{self.spec.alias}:{self.server}" if self.spec.alias else None
        found = await room_id_of(self.client, alias) if alias else None
        if found is not None:
            return await self._adopt(SPACE_KEY, found, joined, report, alias)
        response = await self._retrying(
            lambda: self.client.room_create(
                space=True,
                name=self.spec.name,
                topic=self.spec.topic or None,
                alias=self.spec.alias,
                preset=RoomPreset.private_chat,
                initial_state=[
                    {"type": JOIN_RULES, "state_key": "", "content": {"join_rule": "knock"}},
                    HISTORY_SHARED,
                    NO_GUESTS,
                ],
                power_level_override={"invite": self.spec.organiser_power, "events_default": 50},
            )
        )
        return await self._created(SPACE_KEY, response, report, created, alias)

    async def _room(
        self,
        spec: RoomSpec,
        space_id: str,
        joined: set[str],
        report: SpaceReport,
        created: set[str],
    ) -> str | None:
        stored = self.ids.get(spec.key)
        if stored is not None and stored in joined:
            return stored
        alias = f"#{spec.alias}:{self.server}" if spec.alias else None
        found = spec.room_id or (await room_id_of(self.client, alias) if alias else None)
        if found is not None:
            return await self._adopt(
                spec.key, found, joined, report, None if spec.room_id else alias
            )
        posting = self.spec.organiser_power if spec.post == "organisers" else 0
        response = await self._retrying(
            lambda: self.client.room_create(
                name=spec.name,
                topic=spec.topic or None,
                alias=spec.alias,
                preset=RoomPreset.private_chat,
                initial_state=[
                    {"type": JOIN_RULES, "state_key": "", "content": join_rule(spec, space_id)},
                    {
                        "type": SPACE_PARENT,
                        "state_key": space_id,
                        "content": {"via": [self.server], "canonical": True},
                    },
                    HISTORY_SHARED,
                    NO_GUESTS,
                ],
                power_level_override={
                    "invite": self.spec.organiser_power,
                    "events_default": posting,
                },
            )
        )
        return await self._created(spec.key, response, report, created, alias)

    async def _adopt(
        self, key: str, room_id: str, joined: set[str], report: SpaceReport, alias: str | None
    ) -> str | None:
        if room_id not in joined:
            response = await self._retrying(lambda: self.client.join(room_id))
            if not isinstance(response, JoinResponse):
                failure = (
                    problem(ALIAS_TAKEN, alias=alias)
                    if alias
                    else problem(CANNOT_JOIN, room=self.label(key), error=_error(response))
                )
                report.problems.append(failure)
                return None
        await self._remember(key, room_id)
        report.adopted.append(self.label(key))
        return room_id

    async def _created(
        self,
        key: str,
        response: Any,
        report: SpaceReport,
        created: set[str],
        alias: str | None,
    ) -> str | None:
        if not isinstance(response, RoomCreateResponse):
            if getattr(response, "status_code", None) == "M_ROOM_IN_USE" and alias:
                report.problems.append(problem(ALIAS_TAKEN, alias=alias))
            else:
                label = self.label(key)
                report.problems.append(problem(CANNOT_CREATE, room=label, error=_error(response)))
            return None
        await self._remember(key, response.room_id)
        created.add(response.room_id)
        report.created.append(self.label(key))
        return response.room_id

    async def _remember(self, key: str, room_id: str) -> None:
        await roster.set_room(self.db, key, room_id)
        self.ids[key] = room_id

    async def _observe(self, room_id: str, report: SpaceReport, key: str) -> Observed | None:
        response = await self.client.room_get_state(room_id)
        if not isinstance(response, RoomGetStateResponse):
            report.problems.append(
                problem(CANNOT_JOIN, room=self.label(key), error=_error(response))
            )
            return None
        return Observed.from_events(room_id, response.events)

    async def _apply(self, plan: Plan, key: str, report: SpaceReport, *, quiet: bool) -> None:
        """Send the plan's state events; `quiet`: a room created just now (no change lines)."""
        label = self.label(key)
        command = self.direct.command_text("space abgleichen", self.language)
        for missing in plan.missing:
            report.problems.append(
                missing_right(label, missing.event_type, missing.needed, missing.has, command)
            )
        for change in plan.changes:
            response = await self._retrying(
                lambda change=change: self.client.room_put_state(
                    change.room_id, change.event_type, change.content, change.state_key
                )
            )
            if not isinstance(response, RoomPutStateResponse):
                report.problems.append(
                    problem(
                        CANNOT_CREATE, room=f"{label}: {change.event_type}", error=_error(response)
                    )
                )
            elif not quiet:
                report.changed.append((label, change.event_type))

    async def _avatar_url(self, report: SpaceReport) -> str | None:
        """The configured avatar, uploaded once per content (kept under its hash)."""
        if self.avatar is None:
            return None
        data = await asyncio.to_thread(self.avatar.read_bytes)
        key = "space_avatar_" + hashlib.sha256(data).hexdigest()[:32]
        known = await bot_state.get_value(self.db, key)
        if known is not None:
            return known
        mimetype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        uploaded, _ = await self.client.upload(
            io.BytesIO(data), content_type=mimetype, filename=self.avatar.name, filesize=len(data)
        )
        if not isinstance(uploaded, UploadResponse):
            report.problems.append(
                problem(CANNOT_CREATE, room=str(self.avatar.name), error=_error(uploaded))
            )
            return None
        await bot_state.set_value(self.db, key, uploaded.content_uri)
        return uploaded.content_uri

    async def _invite_roster(
        self,
        observed: Mapping[str, Observed],
        space_id: str,
        children: Mapping[str, RoomSpec],
        report: SpaceReport,
    ) -> None:
        for row in await roster.members(self.db):
            entry = entry_of(row)
            for room_id in [space_id, *self._rooms_for(entry.role, children)]:
                seen = observed.get(room_id)
                if seen is not None and await self._invite(seen, entry.user_id):
                    report.invited.append((entry.user_id, self.label(self.key_of(room_id) or "")))

    def _rooms_for(self, role: RosterRole, children: Mapping[str, RoomSpec]) -> list[str]:
        return [room_id for room_id, spec in children.items() if spec.for_role(role)]

    async def _invite(self, seen: Observed, user_id: str) -> bool:
        """Invite someone not in the room (nor invited, banned, or gone of their own accord)."""
        if user_id == self.client.user_id:
            return False
        if seen.memberships().get(user_id) in ("join", "invite", "ban"):
            return False
        if seen.left_by_themselves(user_id):
            return False
        response = await self._retrying(lambda: self.client.room_invite(seen.room_id, user_id))
        if not isinstance(response, RoomInviteResponse):
            log.warning("could not invite %s to %s: %s", user_id, seen.room_id, response)
            self.metrics.errors.labels("space").inc()
            return False
        return True

    async def _strangers(
        self,
        observed: Mapping[str, Observed],
        created: set[str],
        organisers: set[str],
        report: SpaceReport,
    ) -> None:
        """People in an adopted room who are not on the roster: reported, never removed here
        (at the first reconcile, the roster may simply not be complete yet)."""
        known = {row.user_id for row in await roster.members(self.db)} | organisers
        known.add(self.client.user_id)
        for room_id, seen in observed.items():
            if room_id in created:
                continue
            present = {user for user, state in seen.memberships().items() if state == "join"}
            strangers = sorted(present - known)
            if strangers:
                report.strangers.append((self.label(self.key_of(room_id) or ""), strangers))

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """A homeserver call, waiting out rate limits (room creation is limited tightly)."""
        for _attempt in range(MAX_ATTEMPTS):
            await self.sender.bucket.acquire()
            response = await call()
            if getattr(response, "status_code", None) != "M_LIMIT_EXCEEDED":
                return response
            await asyncio.sleep((getattr(response, "retry_after_ms", None) or 1000) / 1000)
        return response

    async def report(self, report: SpaceReport, *, at_start: bool) -> None:
        """Tell the organisers what a reconcile did; at start only if it did or could not do
        something (people in a room who are not on the roster are no news at every start)."""
        news = report.created or report.adopted or report.changed or report.unlinked
        if at_start and not (news or report.invited or report.problems):
            return
        add = self.direct.command("mitglied hinzufügen", self.language)
        html = render_report(report, self.language, add)
        await self.tell_organisers(html, f"report|{utc_now().isoformat()}")

    async def tell_organisers(self, html: str, key: str) -> None:
        room_id = self.ids.get(self.spec.organisers_room or "")
        if room_id is None:
            log.info("no organisers' room to tell: %s", html)
            return
        try:
            await self.sender.send(
                room_id, message_content(html), txn_id=txn_id_for("space-note", key)
            )
        except SendRefused:
            log.warning("the organisers' room refused a note")

    # --- membership ---------------------------------------------------------------------------

    async def on_member(self, room_id: str, event: Mapping[str, Any]) -> None:
        """A membership change in a room of the space (from the sync)."""
        key = self.key_of(room_id)
        user_id = event.get("state_key")
        content = event.get("content") or {}
        if key is None or not isinstance(user_id, str) or user_id == self.client.user_id:
            return
        membership = content.get("membership")
        previous = ((event.get("unsigned") or {}).get("prev_content") or {}).get("membership")
        if membership == "join" and previous != "join":
            await self._joined(room_id, key, user_id)
        elif membership == "knock" and key == SPACE_KEY:
            await self._knocked(room_id, user_id, content)

    async def _joined(self, room_id: str, key: str, user_id: str) -> None:
        row = await roster.get(self.db, user_id)
        if user_id in self.config_organisers:
            return
        spec = self.spec.room(key)
        if row is None:
            await self._kick(room_id, user_id, NOT_ON_ROSTER.de + " " + NOT_ON_ROSTER.en)
            add = self.direct.command("mitglied hinzufügen", self.language, user_id)
            html = OUTSIDER_REMOVED.format(
                self.language, user=escape(user_id), room=escape(self.label(key)), add=add
            )
            await self.tell_organisers(
                html, f"outsider|{room_id}|{user_id}|{utc_now().isoformat()}"
            )
            return
        entry = entry_of(row)
        if spec is not None and not spec.for_role(entry.role):
            roles = ", ".join(ROLE_NAMES[role].de for role in sorted(spec.roles or ()))
            await self._kick(room_id, user_id, NOT_FOR_ROLE.format("de", roles=roles))
            return
        if key == SPACE_KEY and await roster.mark_welcomed(self.db, user_id):
            await self._welcome(entry)

    async def _knocked(self, room_id: str, user_id: str, content: Mapping[str, Any]) -> None:
        if user_id in self.config_organisers or await roster.get(self.db, user_id) is not None:
            # Someone on the roster who left and asks to come back.
            await self._retrying(lambda: self.client.room_invite(room_id, user_id))
            return
        name = content.get("displayname")
        reason = content.get("reason")
        knock = Knock(
            user_id=user_id,
            display_name=name if isinstance(name, str) else None,
            reason=reason if isinstance(reason, str) else None,
        )
        if not await roster.note_knock(self.db, knock):
            return
        shown_reason = (
            KNOCK_REASON.format(self.language, reason=escape(knock.reason[:300]))
            if knock.reason
            else ""
        )
        html = KNOCKED.format(
            self.language,
            user=escape(user_id),
            name=escape(knock.display_name or "?"),
            reason=shown_reason,
            admit=self.direct.command("zulassen", self.language, user_id),
            reject=self.direct.command("ablehnen", self.language, user_id),
        )
        await self.tell_organisers(html, f"knock|{user_id}|{knock.knocked_at}")

    async def _kick(self, room_id: str, user_id: str, reason: str) -> bool:
        response = await self._retrying(lambda: self.client.room_kick(room_id, user_id, reason))
        if not isinstance(response, RoomKickResponse):
            log.warning("could not remove %s from %s: %s", user_id, room_id, response)
            self.metrics.errors.labels("space").inc()
            return False
        return True

    async def _welcome(self, entry: RosterEntry) -> None:
        language = await self.direct.language_of(entry.user_id)
        other: Language = "de" if language == "en" else "en"
        html = render_welcome(
            entry,
            await self._facts(entry, language),
            language,
            self.direct.command("bedarfe", language),
            self.direct.command("hilfe", language),
            self.direct.command("sprache", language, other),
        )
        await self.direct.send(entry.user_id, html, "welcome", entry.user_id)

    async def _facts(self, entry: RosterEntry, language: Language) -> WelcomeFacts:
        now = dt.datetime.now(dt.UTC)
        zone = ZoneInfo(self.timezone)
        rooms = [self.label(spec.key) for spec in self.spec.rooms if spec.for_role(entry.role)]
        upcoming = await events.upcoming(self.db, now, 1)
        next_event = (
            f"{upcoming[0].title}, {format_when(upcoming[0].starts_at, zone, language)}"
            if upcoming
            else None
        )
        open_polls = [poll.question for poll in await polls.open_polls(self.db)]
        open_surveys = [survey.title for survey in await surveys.open_now(self.db, now)]
        return WelcomeFacts(rooms, next_event, open_polls, open_surveys)

    # --- what commands ask of the space -------------------------------------------------------

    async def admit(self, user_id: str) -> list[str]:
        """Invite someone on the roster to the space and the rooms of their role."""
        row = await roster.get(self.db, user_id)
        space_id = self.ids.get(SPACE_KEY)
        if row is None or space_id is None:
            return []
        await roster.forget_knock(self.db, user_id)
        role = entry_of(row).role
        targets = [SPACE_KEY] + [spec.key for spec in self.spec.rooms if spec.for_role(role)]
        invited = []
        for key in targets:
            room_id = self.ids.get(key)
            if room_id is None:
                continue
            seen = await self._observe(room_id, SpaceReport(), key)
            if seen is not None and await self._invite(seen, user_id):
                invited.append(self.label(key))
        return invited

    async def remove(self, user_id: str) -> list[str]:
        """Out of the space and every room of it (joined, invited or knocking)."""
        removed = []
        for key, room_id in self.ids.items():
            seen = await self._observe(room_id, SpaceReport(), key)
            if seen is None or seen.memberships().get(user_id) not in ("join", "invite", "knock"):
                continue
            if await self._kick(room_id, user_id, REMOVED.de + " " + REMOVED.en):
                removed.append(self.label(key))
        return removed

    async def reject(self, user_id: str) -> bool:
        """Turn a knock down; True if there was one."""
        knock = await roster.knock_of(self.db, user_id)
        space_id = self.ids.get(SPACE_KEY)
        await roster.forget_knock(self.db, user_id)
        if knock is None or space_id is None:
            return False
        await self._kick(space_id, user_id, NOT_ON_ROSTER.de + " " + NOT_ON_ROSTER.en)
        return True


def _error(response: object) -> str:
    if isinstance(response, ErrorResponse):
        return f"{response.status_code or ''} {response.message or ''}".strip()
    return str(response)
