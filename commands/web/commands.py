"""`!web` / `!portal`: a one-time login link to the web page, by direct message."""

from __future__ import annotations

from commands.core.context import CommandContext
from commands.core.i18n import Localized
from commands.core.registry import CommandGroup
from commands.core.rendering import link as html_link
from commands.web import login

group = CommandGroup("web", Localized("Webseite", "Web page"))

LINK = Localized(
    "Dein Anmeldelink zur Webseite des Netzwerks: {link}<br>"
    "Er gilt zehn Minuten und nur einmal. Gib ihn nicht weiter: wer ihn öffnet, ist als du "
    "angemeldet.",
    "Your login link to the network's web page: {link}<br>"
    "It works once, for ten minutes. Do not pass it on: whoever opens it is logged in as you.",
)
SENT = Localized(
    "Ich habe dir den Anmeldelink per Direktnachricht geschickt.",
    "I have sent you the login link by direct message.",
)
NO_DIRECT_CHAT = Localized(
    "Ich konnte keinen Direktchat mit dir öffnen. Schreib mir bitte zuerst direkt.",
    "I could not open a direct chat with you. Please write to me directly first.",
)


@group.command(
    "web",
    aliases=("portal",),
    help=Localized(
        "Schickt dir einen Anmeldelink zur Webseite des Netzwerks per Direktnachricht (gilt "
        "zehn Minuten, nur einmal). Dort siehst du Termine, Abstimmungen und Bedarfe; die "
        "Organisation legt dort auch Termine an.",
        "Sends you a login link to the network's web page by direct message (works once, for "
        "ten minutes). There you see events, polls and needs; organisers also create events "
        "there.",
    ),
)
async def web_link(ctx: CommandContext) -> None:
    room_id = await ctx.direct_room()
    if room_id is None:
        await ctx.reply(NO_DIRECT_CHAT.get(ctx.language))
        return
    token = await login.issue(ctx.db, ctx.sender, ctx.now())
    link = login.login_link(ctx.ports.links.base_url, token)
    anchor = html_link(link, link)
    # m.text: the person asked for it and should hear it arrive.
    await ctx.say(
        room_id, LINK.html(ctx.language, link=anchor), f"web-login.{ctx.event_id}", notify=True
    )
    if room_id != ctx.room_id:
        await ctx.reply(SENT.get(ctx.language))
