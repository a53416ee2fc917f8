"""The rights of the GDPR as commands: access and portability (`!meine-daten`), erasure with a
confirmation (`!daten-löschen`, network organisers also for another person), and the operator's
privacy notice (`!datenschutz`)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from commands.core.context import CommandContext
from commands.core.converters import ConversionError, Rest
from commands.core.i18n import Localized
from commands.core.registry import Arg, CommandGroup
from commands.core.rendering import BR
from commands.core.time_phrases import format_when
from commands.privacy import export as export_files
from commands.privacy import text
from commands.privacy.settings import privacy_of
from storage import privacy, roster

log = logging.getLogger(__name__)

group = CommandGroup("datenschutz", Localized("Datenschutz", "Privacy"), order=80)


@group.command(
    "meine-daten",
    aliases=("my-data",),
    help=Localized(
        "Schickt dir in den Direktchat alles, was der Bot über dich speichert: als JSON-Datei "
        "und als lesbare Übersicht.",
        "Sends you, in the direct chat, everything the bot stores about you: as a JSON file "
        "and as a readable summary.",
    ),
)
async def my_data(ctx: CommandContext) -> None:
    room_id = await ctx.direct_room()
    if room_id is None:
        await ctx.reply(text.NO_DIRECT_ROOM.html(ctx.language, command=ctx.hint("meine-daten")))
        return
    data = await privacy.export(ctx.db, ctx.sender)
    now = ctx.now()
    when = format_when(now, ZoneInfo(ctx.timezone), ctx.language)
    key = f"privacy-export.{ctx.event_id}"
    await ctx.send_file(
        room_id,
        "meine-daten.json" if ctx.language == "de" else "my-data.json",
        export_files.to_json(ctx.sender, data, now),
        "application/json",
        f"{key}.json",
    )
    await ctx.send_file(
        room_id,
        "meine-daten.md" if ctx.language == "de" else "my-data.md",
        export_files.to_markdown(ctx.sender, data, when, ctx.language),
        "text/markdown",
        f"{key}.md",
    )
    html = text.EXPORT_DONE.html(ctx.language, when=when)
    items = export_files.summary_items(data, ctx.language)
    html += (
        text.counts(items, ctx.language) if items else BR + text.EXPORT_EMPTY.markup(ctx.language)
    )
    html += text.EXPORT_FOOT.html(ctx.language, command=ctx.hint("daten-löschen"))
    if room_id == ctx.room_id:
        await ctx.reply(html)
        return
    await ctx.say(room_id, html, f"{key}.summary")
    await ctx.reply(text.SENT_TO_DIRECT.get(ctx.language))


@group.command(
    "daten-löschen",
    aliases=("erase-my-data",),
    de_aliases=("daten-loeschen",),
    help=Localized(
        "Löscht, was der Bot nur über dich speichert, und anonymisiert, worauf andere "
        "angewiesen sind – nach einer Rückfrage. Die Organisation des Netzwerks kann es für "
        "eine Person ausführen: @person nennen.",
        "Erases what the bot stores about you alone and anonymises what others rely on – after "
        "asking once more. The network's organisers may run it for a person: name @person.",
    ),
    args=(
        Arg(
            "bestätigen",
            Rest(max_length=300),
            Localized(
                "„bestätigen“ nach der Rückfrage; für die Organisation vorher die Person",
                "“confirm” after being asked; for the organisers first the person",
            ),
            name_en="confirm",
            shown=Localized("[@person] bestätigen", "[@person] confirm"),
            optional=True,
        ),
    ),
)
async def erase_data(ctx: CommandContext, bestätigen: str | None) -> None:
    words = (bestätigen or "").split()
    confirmed = bool(words) and words[-1].lower() in text.CONFIRM_WORDS
    if confirmed:
        words = words[:-1]
    person = ctx.sender
    if words:
        reference = " ".join(words)
        organiser = ctx.sender in ctx.ports.network_organisers()
        if not (confirmed or organiser or reference.startswith("@")):
            # A member names nobody else: a word here is a mistyped confirmation.
            raise ConversionError(text.NOT_A_CONFIRMATION, word=reference)
        person = await ctx.person(reference)
    if person != ctx.sender and ctx.sender not in ctx.ports.network_organisers():
        await ctx.reply(text.ONLY_NETWORK.get(ctx.language))
        return
    if not confirmed:
        stored = await privacy.export(ctx.db, person)
        items = export_files.summary_items(stored, ctx.language)
        shown = (
            text.counts(items, ctx.language)
            if items
            else BR + text.NOTHING_STORED.markup(ctx.language) + BR
        )
        confirm = "confirm" if ctx.language == "en" else "bestätigen"
        args = (person, confirm) if person != ctx.sender else (confirm,)
        await ctx.reply(
            text.CONFIRM_ERASURE.html(
                ctx.language,
                user=person,
                stored=shown,
                command=ctx.hint("daten-löschen", *args),
            )
        )
        return
    on_roster = await roster.get(ctx.db, person) is not None
    erased = await privacy.erase(ctx.db, person)
    log.info("erased the data of a person on request (%d tables)", len(erased.deleted))
    lines = [text.ERASED_TITLE.html(ctx.language, user=person)]
    if erased.deleted:
        lines.append(
            text.DELETED.markup(ctx.language) + text.table_counts(erased.deleted, ctx.language)
        )
    if erased.anonymised:
        lines.append(
            text.ANONYMISED.markup(ctx.language)
            + text.table_counts(erased.anonymised, ctx.language)
        )
    if not (erased.deleted or erased.anonymised or on_roster):
        lines.append(text.NOTHING_STORED.markup(ctx.language))
    if on_roster:
        await tell_organisers(ctx, person)
        lines.append(text.ROSTER_LEFT.markup(ctx.language))
    lines.append(text.CANNOT_DELETE.markup(ctx.language))
    await ctx.reply(BR.join(lines))


async def tell_organisers(ctx: CommandContext, person: str) -> None:
    """The organisers' room if the space runs one, else each organiser of the configuration by
    direct message."""
    key = f"privacy-erasure.{ctx.event_id}"
    keeper = ctx.ports.runtimes.get("space")
    spec = getattr(keeper, "spec", None)
    if keeper is not None and getattr(spec, "organisers_room", None):
        language = ctx.default_language
        html = text.ORGANISERS_NOTE.html(
            language,
            user=person,
            command=ctx.ports.direct.command("mitglied entfernen", language, person),
        )
        await keeper.tell_organisers(html, key)
        return
    for organiser in ctx.ports.settings.organisers:
        language = await ctx.ports.direct.language_of(organiser)
        html = text.ORGANISERS_NOTE.html(
            language,
            user=person,
            command=ctx.ports.direct.command("mitglied entfernen", language, person),
        )
        await ctx.ports.direct.send(organiser, html, "privacy-erasure", key)


@group.command(
    "datenschutz",
    aliases=("privacy",),
    help=Localized(
        "Zeigt die Datenschutzhinweise: wer verantwortlich ist, Zwecke, Rechtsgrundlage, "
        "Speicherdauer, deine Rechte und den Kontakt.",
        "Shows the privacy notice: who is responsible, purposes, legal basis, retention, your "
        "rights and the contact.",
    ),
)
async def privacy_notice(ctx: CommandContext) -> None:
    await ctx.reply(
        text.render_notice(
            privacy_of(ctx.ports.settings),
            ctx.language,
            ctx.hint("meine-daten"),
            ctx.hint("daten-löschen"),
        )
    )
