"""The bot checked with an independent client: Element's own SDK (matrix-js-sdk with its Rust
crypto, `jsclient/element_client.mjs`) in "exclude insecure devices" mode (MSC4153) creates an
encrypted room with the bot, sends commands as Element sends them, votes in the bot's poll and
reads the result, and looks at the bot's device through its CryptoApi. The bot excludes insecure
devices too (`matrix.only_cross_signed_devices`), so each side reads the other's cross-signing.

What differs from matrix-nio (read in matrix-js-sdk 36 and matrix-rust-sdk's key forwarding,
not exercised here): Element with Rust crypto sends no room key requests at all
(`roomKeyRequestsEnabled = false`, element-web#26524), and answers another user's request only
for a session it had already shared with the requesting device. So the bot's request to a
sender's device (bot/key_requests.py) is answered by nio clients, but by Element only when the
key had reached the bot before (a lost store, not a withheld key); for a key Element never sent,
the bot's notice to the sender after `bot.undecryptable_notice_minutes` is the way out. Nothing
in the bot to fix: asking costs one to-device message per session.
Also: in this mode Rust crypto refuses to encrypt until the sender's own account has
cross-signing ("cross-signing is not set up on your account"); Element sets it up at the first
login, so the client here does too."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.homeserver import LocalSynapse
from tests.e2e.element_sdk import ensure_installed, run_client
from tests.e2e.harness import PASSWORD, BotProcess, unique
from tests.e2e.test_encryption_e2e import metric
from tests.e2e.test_polls_e2e import RESPONSE, START, counts_in

FORMATTED = {
    "body": "!thema Die **Rolle** der Verwaltung",
    "format": "org.matrix.custom.html",
    "formatted_body": "!thema Die <strong>Rolle</strong> der Verwaltung",
}
POLL = '!umfrage "Wann treffen wir uns?" "Morgens" "Abends" --zwischenstand'


async def test_element_with_rust_crypto_excluding_insecure_devices_talks_with_the_bot(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    await asyncio.to_thread(ensure_installed)
    user_id = await synapse.register_user(unique("element"), PASSWORD)
    bot_id = await synapse.register_user(unique("alumni-bot"), PASSWORD)
    # The bot too excludes insecure devices: its replies reach the client only if it reads the
    # cross-signing that Element's SDK made for its own device.
    bot = BotProcess(
        synapse,
        tmp_path / "bot",
        bot_id,
        [user_id],
        [synapse.server_name],
        matrix_settings={"only_cross_signed_devices": True},
    )
    await bot.start()
    try:
        run = await run_client(
            {
                "homeserver": synapse.base_url,
                "user_id": user_id,
                "password": PASSWORD,
                "bot_id": bot_id,
                "formatted_command": FORMATTED,
                "poll_command": POLL,
                "vote": 1,
            },
            tmp_path / "element-client.log",
            within=60,
        )
        undecryptable = await metric(bot, "alumni_bot_undecryptable_events_total")
    finally:
        await bot.stop()

    # The bot's device is signed by the bot's own identity, which the client has not verified
    # (and need not: Element trusts a first-seen identity).
    ((device,),) = [run.of("device")]
    assert device["signed_by_owner"] is True, device
    assert device["cross_signing_verified"] is False, device
    assert run.of("identity")[0]["needs_user_approval"] is False

    # Every message of the bot came encrypted, decrypted in this mode, with no shield.
    topic, poll, result = run.of("reply")
    for seen in (topic, poll, result, *run.of("poll")):
        assert seen["encrypted"] is True and seen["decryption_failure"] is None, seen
        assert (seen["shield_colour"], seen["shield_reason"]) == ("NONE", None), seen
    # The keys this client shared only with cross-signed devices reached the bot's device: it
    # read every event (the commands and the vote) straight away.
    assert undecryptable == 0

    assert "<strong>Rolle</strong> der Verwaltung" in topic["content"]["formatted_body"]
    assert topic["content"]["m.mentions"] == {"user_ids": [user_id]}
    assert re.search(r"Nr\. \d+", poll["content"]["body"]), poll
    assert run.of("poll")[0]["type"] == START
    ((vote,),) = [run.of("vote")]
    assert (vote["type"], vote["answer"]) == (RESPONSE, "Abends")
    assert counts_in(result["content"]["formatted_body"]) == {"Morgens": 0, "Abends": 1}
    assert "nicht lesen" not in result["content"]["formatted_body"]
