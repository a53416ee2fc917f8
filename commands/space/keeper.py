"""Runs the alumni space: creates or adopts the space and its rooms, links them, sets join rules
and power levels (idempotently; it never deletes a room), invites the roster, keeps outsiders
out, forwards knocks to the organisers, and welcomes new members."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from nio import (
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

from commands.core import faults
from commands.core.content import message_content, txn_id_for
from commands.core.i18n import Language, Localized
from commands.core.mentions import pill
from commands.core.pacing import HomeserverPacer, checked_at
from commands.core.ports import Ports, SendRefused
from commands.core.rendering import Markup, escape
from commands.core.rooms import person_pill, room_id_of, server_of
from commands.core.roster_roles import roles_or_municipal
from commands.core.time_phrases import format_when
from commands.space.commands import entry_of
from commands.space.plan import (
    CREATE,
    JOIN_RULES,
    KNOCK_FROM,
    RESTRICTED_FROM,
    SPACE_CHILD,
    SPACE_KEY,
    SPACE_PARENT,
    Observed,
    Plan,
    RoomSpec,
    SpaceSpec,
    describe,
    join_rule,
    plan_room,
    plan_space,
)
from commands.space.roster_plan import ROLE_NAMES, RosterEntry, RosterRole
from commands.space.text import (
    ALIAS_TAKEN,
    CANNOT_CREATE,
    CANNOT_JOIN,
    CANNOT_SET,
    FOREIGN_KNOCK,
    KICK_NOT_FOR_ROLE,
    KICK_NOT_ON_ROSTER,
    KICK_REMOVED,
    KNOCK_REASON,
    KNOCKED,
    NO_ROOM_LIST,
    NO_SPACE,
    NOT_A_SPACE,
    OLD_VERSION,
    OUTSIDER_REMOVED,
    WRONG_ROLE_REMOVED,
    SpaceReport,
    WelcomeFacts,
    missing_right,
    problem,
    render_report,
    render_welcome,
)
from storage import bot_state, events, polls, roster, surveys
from storage.models import Knock, utc_now

log = logging.getLogger(__name__)

RAISED_KEY = "space_raised_to_organiser"
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
    def __init__(self, spec: SpaceSpec, avatar: Path | None, ports: Ports) -> None:
        settings = ports.settings
        self.spec = spec
        self.language = settings.language
        # Its own pace for invitations, kicks and state: a long reconcile never holds up replies.
        self.bucket = HomeserverPacer(settings.send_rate_per_second, settings.send_burst)
        # A room made public is closed again from the sync loop: never behind the reconcile's
        # waits for invitations, which may last minutes.
        self.urgent = HomeserverPacer(settings.send_rate_per_second, settings.send_burst)
        self.allowed_servers = frozenset(settings.allowed_servers)
        # Roster members with the role Organisation (kept here: roles are asked for on every
        # command).
        self.roster_organisers: frozenset[str] = frozenset()
        self.avatar = avatar
        self.config_organisers = frozenset(settings.organisers)
        self.db = ports.db
        self.direct = ports.direct
        self.client = ports.homeserver
        self.sender = ports.messenger
        self.errors = ports.errors
        self.timezone = settings.timezone
        self.server = server_of(self.client.user_id)
        # Config key → room id of every room the bot runs ("space" for the space).
        self.ids: dict[str, str] = {}
        self.lock = asyncio.Lock()
        # A dry run (`preview`): everything is read and planned, nothing is written or sent.
        self.dry = False
        # While a reconcile runs: where its report is kept after each change.
        self._save: Callable[[SpaceReport], Awaitable[None]] | None = None

    async def load(self) -> None:
        self.ids = {row.key: row.room_id for row in await roster.rooms(self.db) if row.linked}
        await self.refresh()

    async def refresh(self) -> None:
        """Read the roster's organisers again (after the roster changed)."""
        members = await roster.members(self.db)
        self.roster_organisers = frozenset(m.user_id for m in members if m.role == "organiser")

    def key_of(self, room_id: str) -> str | None:
        return next((key for key, known in self.ids.items() if known == room_id), None)

    def label(self, key: str) -> str:
        spec = self.spec.room(key)
        name, alias = (spec.name, spec.alias) if spec else (self.spec.name, self.spec.alias)
        return f"{name} (#{alias}:{self.server})" if alias else name

    def organisers(self) -> set[str]:
        return set(self.config_organisers) | set(self.roster_organisers)

    # --- reconcile ----------------------------------------------------------------------------

    async def reconcile(
        self,
        prepare: Callable[[], Awaitable[list[Localized]]] | None = None,
        *,
        resumed: SpaceReport | None = None,
        save: Callable[[SpaceReport], Awaitable[None]] | None = None,
    ) -> SpaceReport:
        """`prepare` runs first under the same lock (the roster file at start), its problems
        joining the report: nothing asked of the space meanwhile sees half of it. `resumed`:
        what a run cut short had done (a second run finds it done and does not report it
        again); `save` is told the report after every change, so that a crash keeps it."""
        async with self.lock:
            problems = await prepare() if prepare is not None else []
            report = resumed or SpaceReport()
            # What a run finds wrong is found again; only what it did is carried over.
            report.strangers.clear()
            report.problems.clear()
            self._save = save
            try:
                await self._reconcile(report)
            finally:
                self._save = None
            report.problems.extend(problems)
            return report

    async def preview(self) -> SpaceReport:
        """What a reconcile would do now, as its report; the space and the rooms are only read
        (the same planning code, under the same lock)."""
        async with self.lock:
            self.dry = True
            report = SpaceReport()
            try:
                await self._reconcile(report)
            finally:
                self.dry = False
            return report

    async def _progress(self, report: SpaceReport) -> None:
        if self._save is not None and not self.dry:
            await self._save(report)

    async def _joined_rooms(self) -> set[str] | None:
        """The rooms the bot is in; None if the homeserver would not say (then nothing is
        created: a stored room merely not listed would be made twice)."""
        response = await self.client.joined_rooms()
        return set(response.rooms) if isinstance(response, JoinedRoomsResponse) else None

    async def _reconcile(self, report: SpaceReport) -> None:
        joined = await self._joined_rooms()
        if joined is None:
            report.problems.append(NO_ROOM_LIST)
            return
        await self.refresh()
        organisers = self.organisers()
        demote = await self._raised() - organisers
        created: set[str] = set()
        space_id = await self._space(joined, report, created)
        if space_id is None:
            if not (self.dry and report.created):
                report.problems.append(NO_SPACE)
            return
        children: dict[str, RoomSpec] = {}
        for spec in self.spec.rooms:
            room_id = await self._room(spec, space_id, joined, report, created)
            if room_id is not None:
                children[room_id] = spec
        observed: dict[str, Observed] = {}
        power, bot = self.spec.organiser_power, self.client.user_id
        for room_id, spec in children.items():
            seen = await self._observe(room_id, report, spec.key)
            if seen is None:
                continue
            observed[room_id] = seen
            if spec.roles is None and not _version_at_least(seen.room_version, RESTRICTED_FROM):
                report.problems.append(
                    problem(OLD_VERSION, room=self.label(spec.key), version=seen.room_version)
                )
                continue
            plan = plan_room(seen, spec, space_id, self.server, bot, organisers, power, demote)
            await self._apply(plan, spec.key, report, quiet=room_id in created)
        # Rooms left out of the configuration (and not still in it under another key).
        unlinked = {
            row.key: row.room_id
            for row in await roster.rooms(self.db)
            if row.linked
            and row.key != SPACE_KEY
            and self.spec.room(row.key) is None
            and row.room_id not in children
        }
        space_seen = await self._observe(space_id, report, SPACE_KEY)
        if space_seen is not None:
            observed[space_id] = space_seen
            is_space = space_seen.state.get((CREATE, ""), {}).get("type") == "m.space"
            if not is_space or not _version_at_least(space_seen.room_version, KNOCK_FROM):
                report.problems.append(problem(NOT_A_SPACE, room=self.label(SPACE_KEY)))
            spec = replace(self.spec, avatar_url=await self._avatar_url(report))
            plan = plan_space(
                space_seen, spec, children, unlinked.values(), self.server, bot, organisers, demote
            )
            failed = await self._apply(plan, SPACE_KEY, report, quiet=space_id in created)
            for key, room_id in unlinked.items():
                # Marked unlinked only once the space no longer lists it: else next time again.
                if (SPACE_CHILD, room_id) not in failed:
                    await self._unlink(key, room_id, space_id, report)
        await self._set_raised(organisers | (await self._raised() - demote))
        await self._invite_roster(observed, space_id, children, report)
        await self._strangers(observed, created, organisers, report)

    async def _unlink(self, key: str, room_id: str, space_id: str, report: SpaceReport) -> None:
        """The room stays; the space no longer lists it, nor (if the bot may) it the space."""
        if self.dry:
            report.unlinked.append(key)
            return
        seen = await self._observe(room_id, SpaceReport(), key)
        if seen is not None and seen.state.get((SPACE_PARENT, space_id)):
            await self._call(
                lambda: self.client.room_put_state(room_id, SPACE_PARENT, {}, space_id)
            )
        await roster.set_room(self.db, key, room_id, linked=False)
        self.ids.pop(key, None)
        report.unlinked.append(key)
        await self._progress(report)

    async def _raised(self) -> set[str]:
        """Whom the bot gave organiser power (so it can take it back, and only that)."""
        stored = await bot_state.get_value(self.db, RAISED_KEY)
        return set(json.loads(stored)) if stored else set()

    async def _set_raised(self, users: set[str]) -> None:
        if self.dry:
            return
        await bot_state.set_value(self.db, RAISED_KEY, json.dumps(sorted(users)))

    async def _space(self, joined: set[str], report: SpaceReport, created: set[str]) -> str | None:
        alias = f"#{self.spec.alias}:{self.server}" if self.spec.alias else None
        known = await self._known(SPACE_KEY, None, alias, joined, report)
        if known is not False:
            return known
        if self.dry:
            report.created.append(self.label(SPACE_KEY))
            return None
        response = await self._call(
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
        alias = f"#{spec.alias}:{self.server}" if spec.alias else None
        known = await self._known(spec.key, spec.room_id, alias, joined, report)
        if known is not False:
            return known
        if self.dry:
            report.created.append(self.label(spec.key))
            return None
        posting = self.spec.organiser_power if spec.post == "organisers" else 0
        response = await self._call(
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

    async def _known(
        self,
        key: str,
        room_id: str | None,
        alias: str | None,
        joined: set[str],
        report: SpaceReport,
    ) -> str | Literal[False] | None:
        """The room already there for `key`: the one stored (joined again if need be), the one
        the configuration names by id, or the one its alias names if the bot is in it. None if
        there is one the bot cannot use (reported); False if there is none (create it)."""
        stored = self.ids.get(key)
        if stored is not None:
            return await self._join(key, stored, joined, report, adopted=False)
        if room_id is not None:
            return await self._join(key, room_id, joined, report, adopted=True)
        found = await room_id_of(self.client, alias) if alias else None
        if found is None:
            return False
        if found not in joined:
            # Someone else's room: never taken over just because it can be joined.
            report.problems.append(problem(ALIAS_TAKEN, alias=alias))
            return None
        await self._remember(key, found)
        report.adopted.append(self.label(key))
        await self._progress(report)
        return found

    async def _join(
        self, key: str, room_id: str, joined: set[str], report: SpaceReport, *, adopted: bool
    ) -> str | None:
        if room_id not in joined and not self.dry:
            response = await self._call(lambda: self.client.join(room_id))
            if not isinstance(response, JoinResponse):
                report.problems.append(
                    problem(CANNOT_JOIN, room=self.label(key), error=_error(response))
                )
                return None
        if adopted:
            await self._remember(key, room_id)
            report.adopted.append(self.label(key))
            await self._progress(report)
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
        await self._progress(report)
        return response.room_id

    async def _remember(self, key: str, room_id: str) -> None:
        if self.dry:
            return
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

    async def _apply(
        self, plan: Plan, key: str, report: SpaceReport, *, quiet: bool
    ) -> set[tuple[str, str]]:
        """Send the plan's state events; `quiet`: a room created just now (no change lines).
        Returns the (type, state key) of those not sent."""
        label = self.label(key)
        command = self.direct.command_text("space abgleichen", self.language)
        for missing in plan.missing:
            report.problems.append(
                missing_right(label, missing.event_type, missing.needed, missing.has, command)
            )
        failed: set[tuple[str, str]] = set()
        if self.dry:
            report.changed.extend((label, change.event_type) for change in plan.changes)
            return failed
        for change in plan.changes:
            response = await self._call(
                lambda change=change: self.client.room_put_state(
                    change.room_id, change.event_type, change.content, change.state_key
                )
            )
            if not isinstance(response, RoomPutStateResponse):
                failed.add((change.event_type, change.state_key))
                what = describe(change.event_type, self.language)
                report.problems.append(
                    problem(CANNOT_SET, room=label, what=what, error=_error(response))
                )
            elif not quiet:
                report.changed.append((label, change.event_type))
                await self._progress(report)
        return failed

    async def _avatar_url(self, report: SpaceReport) -> str | None:
        """The configured avatar, uploaded once per content (kept under its hash)."""
        if self.avatar is None:
            return None
        data = await asyncio.to_thread(self.avatar.read_bytes)
        key = "space_avatar_" + hashlib.sha256(data).hexdigest()[:32]
        known = await bot_state.get_value(self.db, key)
        if known is not None or self.dry:
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
        rows = await roster.members(self.db)
        people: dict[str, RosterRole] = {row.user_id: entry_of(row).role for row in rows}
        # Organisers of the configuration belong everywhere, on the roster or not.
        people |= dict.fromkeys(self.config_organisers, "organiser")
        names = {row.user_id: row.name for row in rows}
        for user_id, role in people.items():
            for room_id in [space_id, *self._rooms_for(role, children)]:
                seen = observed.get(room_id)
                if seen is not None and await self._invite(seen, user_id, force=False):
                    report.invited.append((user_id, self.label(self.key_of(room_id) or "")))
                    name = names.get(user_id) or seen.display_name(user_id)
                    if name:
                        report.names[user_id] = name
                    await self._progress(report)

    def _rooms_for(self, role: RosterRole, children: Mapping[str, RoomSpec]) -> list[str]:
        return [room_id for room_id, spec in children.items() if spec.for_role(role)]

    async def _invite(self, seen: Observed, user_id: str, *, force: bool) -> bool:
        """Invite someone not in the room (nor invited or banned); who left of their own accord
        only when `force` (an organiser let them in again)."""
        if user_id == self.client.user_id:
            return False
        if seen.memberships().get(user_id) in ("join", "invite", "ban"):
            return False
        if seen.left_by_themselves(user_id) and not force:
            return False
        if self.dry:
            return True
        response = await self._call(lambda: self.client.room_invite(seen.room_id, user_id))
        if not isinstance(response, RoomInviteResponse):
            log.warning("could not invite %s to %s: %s", user_id, seen.room_id, response)
            self.errors.count("space")
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
                for user_id in strangers:
                    if name := seen.display_name(user_id):
                        report.names[user_id] = name

    async def _call(
        self, call: Callable[[], Awaitable[T]], pacer: HomeserverPacer | None = None
    ) -> T:
        """A homeserver call at the keeper's pace (or `pacer`'s), waiting out rate limits
        (Synapse limits room creation and invitations tightly)."""
        pacer = pacer or self.bucket
        for _attempt in range(MAX_ATTEMPTS):
            await pacer.acquire()
            asked_at = time.monotonic()
            response = await call()
            if getattr(response, "status_code", None) != "M_LIMIT_EXCEEDED":
                return response
            wait = (getattr(response, "retry_after_ms", None) or 1000) / 1000
            log.info("space: the homeserver limits the rate; waiting %.1f s", wait)
            pacer.pause(wait, checked_at(asked_at, time.monotonic()))
        return response

    async def report(self, report: SpaceReport, *, at_start: bool, key: str) -> None:
        """Tell the organisers what a reconcile did, once per `key`; at start only if it did
        or could not do something (people in a room who are not on the roster are no news at
        every start)."""
        news = report.created or report.adopted or report.changed or report.unlinked
        if at_start and not (news or report.invited or report.problems):
            return
        add = self.direct.command("mitglied hinzufügen", self.language)
        html = render_report(report, self.language, add)
        await self.tell_organisers(html, f"report|{key}")

    async def tell_organisers(self, html: Markup, key: str) -> None:
        room_id = self.ids.get(self.spec.organisers_room or "")
        if room_id is None:
            # The note names people and quotes them: it stays out of the log.
            log.info("no organisers' room to tell the note %s", key)
            return
        try:
            await self.sender.send(
                room_id, message_content(html), txn_id=txn_id_for("space-note", key)
            )
        except SendRefused:
            log.warning("the organisers' room refused a note")

    # --- join rules ---------------------------------------------------------------------------

    async def on_join_rule(self, room_id: str) -> None:
        """Someone changed the join rule of a room of the space (made it public, say): it is
        set back at once, not at the next reconcile, and the organisers hear of it. Called from
        the sync loop: it takes neither the lock nor the pace of a reconcile, which may be
        waiting out the homeserver's limits for minutes."""
        key, space_id = self.key_of(room_id), self.ids.get(SPACE_KEY)
        spec = self.spec.room(key) if key is not None else None
        if key is None or space_id is None or (spec is None and key != SPACE_KEY):
            return
        wanted = join_rule(spec, space_id) if spec is not None else {"join_rule": "knock"}
        report = SpaceReport()
        seen = await self._observe(room_id, report, key)
        if seen is not None and seen.state.get((JOIN_RULES, "")) != wanted:
            response = await self._call(
                lambda: self.client.room_put_state(room_id, JOIN_RULES, wanted, ""), self.urgent
            )
            if isinstance(response, RoomPutStateResponse):
                report.changed.append((self.label(key), JOIN_RULES))
            else:
                what = describe(JOIN_RULES, self.language)
                report.problems.append(
                    problem(CANNOT_SET, room=self.label(key), what=what, error=_error(response))
                )
        if not report.empty:
            await self.report(report, at_start=False, key=f"join-rule|{utc_now().isoformat()}")

    # --- membership ---------------------------------------------------------------------------

    async def on_member(self, room_id: str, event: Mapping[str, Any]) -> None:
        """A membership change in a room of the space (from the sync)."""
        await faults.slow_point(faults.SLOW_SPACE_MEMBER)
        key = self.key_of(room_id)
        user_id = event.get("state_key")
        content = event.get("content") or {}
        if key is None or not isinstance(user_id, str) or user_id == self.client.user_id:
            return
        membership = content.get("membership")
        previous = ((event.get("unsigned") or {}).get("prev_content") or {}).get("membership")
        if key == SPACE_KEY and membership in ("join", "leave", "ban"):
            # Whoever got in, withdrew or was turned away has no request pending any more.
            await roster.forget_knock(self.db, user_id)
        if membership == "join" and previous != "join":
            await self._joined(room_id, key, user_id)
        elif membership == "knock" and key == SPACE_KEY:
            await self._knocked(user_id, content)

    async def _joined(self, room_id: str, key: str, user_id: str) -> None:
        if user_id in self.config_organisers:
            return
        row = await roster.get(self.db, user_id)
        spec = self.spec.room(key)
        if row is None:
            await self._kick(room_id, user_id, KICK_NOT_ON_ROSTER)
            add = self.direct.command("mitglied hinzufügen", self.language, user_id)
            html = OUTSIDER_REMOVED.html(
                self.language,
                user=person_pill(self.client, [room_id], user_id),
                room=escape(self.label(key)),
                add=add,
            )
            await self.tell_organisers(
                html, f"outsider|{room_id}|{user_id}|{utc_now().isoformat()}"
            )
            return
        entry = entry_of(row)
        if spec is not None and not spec.for_role(entry.role):
            roles = sorted(spec.roles or ())
            reason = KICK_NOT_FOR_ROLE.format(
                roles=", ".join(ROLE_NAMES[role].de for role in roles),
                roles_en=", ".join(ROLE_NAMES[role].en for role in roles),
            )
            await self._kick(room_id, user_id, reason)
            # Told like an outsider: someone tried a room their role does not open.
            html = WRONG_ROLE_REMOVED.html(
                self.language,
                user=person_pill(self.client, [room_id], user_id),
                role=escape(ROLE_NAMES[entry.role].get(self.language)),
                room=escape(self.label(key)),
                roles=escape(", ".join(ROLE_NAMES[role].get(self.language) for role in roles)),
                change=self.direct.command("mitglied hinzufügen", self.language, user_id),
            )
            await self.tell_organisers(
                html, f"wrong-role|{room_id}|{user_id}|{utc_now().isoformat()}"
            )
            return
        if key == SPACE_KEY and await roster.mark_welcomed(self.db, user_id):
            await self._welcome(entry)

    async def _knocked(self, user_id: str, content: Mapping[str, Any]) -> None:
        if user_id in self.config_organisers or await roster.get(self.db, user_id) is not None:
            # Someone on the roster who left and asks to come back: into their rooms again.
            await self.admit(user_id)
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
            KNOCK_REASON.html(self.language, reason=knock.reason[:300]) if knock.reason else ""
        )
        html = KNOCKED.html(
            self.language,
            user=pill(user_id, knock.display_name),
            reason=shown_reason,
            admit=self.direct.command("zulassen", self.language, user_id),
            reject=self.direct.command("ablehnen", self.language, user_id),
        )
        if server_of(user_id) not in self.allowed_servers:
            html += " " + FOREIGN_KNOCK.html(self.language, server=server_of(user_id))
        await self.tell_organisers(html, f"knock|{user_id}|{knock.knocked_at}")

    async def _kick(self, room_id: str, user_id: str, reason: str) -> bool:
        response = await self._call(lambda: self.client.room_kick(room_id, user_id, reason))
        if not isinstance(response, RoomKickResponse):
            log.warning("could not remove %s from %s: %s", user_id, room_id, response)
            self.errors.count("space")
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
            self.direct.command("datenschutz", language),
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
        # Only the surveys meant for their role (a guest is no municipality).
        open_surveys = [
            survey.title
            for survey in await surveys.open_now(self.db, now)
            if entry.role in roles_or_municipal(survey.audience)
        ]
        return WelcomeFacts(rooms, next_event, open_polls, open_surveys)

    # --- what commands ask of the space -------------------------------------------------------

    async def admit(self, user_id: str) -> list[str]:
        """Invite someone on the roster to the space and the rooms of their role (also after
        they left of their own accord: an organiser let them in again); the rooms they are
        invited to now."""
        async with self.lock:
            await self.refresh()
            row = await roster.get(self.db, user_id)
            role: RosterRole | None = entry_of(row).role if row is not None else None
            if user_id in self.config_organisers:
                role = "organiser"
            if role is None or SPACE_KEY not in self.ids:
                return []
            await roster.forget_knock(self.db, user_id)
            keys = [SPACE_KEY] + [spec.key for spec in self.spec.rooms if spec.for_role(role)]
            invited = []
            for key in keys:
                room_id = self.ids.get(key)
                seen = await self._observe(room_id, SpaceReport(), key) if room_id else None
                if seen is None:
                    continue
                # One pending already counts: the same admission run again after a crash
                # names what its first run did.
                pending = seen.memberships().get(user_id) == "invite"
                if await self._invite(seen, user_id, force=True) or pending:
                    invited.append(self.label(key))
            return invited

    async def remove(self, user_id: str) -> list[str]:
        """Out of the space and every room of it (joined, invited or knocking)."""
        async with self.lock:
            removed = []
            for key, room_id in list(self.ids.items()):
                seen = await self._observe(room_id, SpaceReport(), key)
                if seen is None:
                    continue
                if seen.memberships().get(user_id) not in ("join", "invite", "knock"):
                    continue
                if await self._kick(room_id, user_id, KICK_REMOVED):
                    removed.append(self.label(key))
            await self.refresh()
            return removed

    async def reject(self, user_id: str) -> bool:
        """Turn a knock down (kicking a knocking user refuses it); True if one was pending."""
        async with self.lock:
            space_id = self.ids.get(SPACE_KEY)
            if await roster.knock_of(self.db, user_id) is None or space_id is None:
                return False
            seen = await self._observe(space_id, SpaceReport(), SPACE_KEY)
            if seen is None or seen.memberships().get(user_id) != "knock":
                # Withdrawn, or let in some other way meanwhile.
                await roster.forget_knock(self.db, user_id)
                return False
            if not await self._kick(space_id, user_id, KICK_NOT_ON_ROSTER):
                return False
            await roster.forget_knock(self.db, user_id)
            return True


def _version_at_least(version: str, least: int) -> bool:
    return version.isdecimal() and int(version) >= least


def _error(response: object) -> str:
    if isinstance(response, ErrorResponse):
        return f"{response.status_code or ''} {response.message or ''}".strip()
    return str(response)
