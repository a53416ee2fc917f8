// Element's own SDK as a member of an encrypted room with the bot: matrix-js-sdk with its Rust
// crypto, in "exclude insecure devices" mode (MSC4153), doing what Element does. Driven by
// tests/e2e/test_element_sdk_e2e.py, which makes the accounts and starts the bot; one JSON object
// per line on stdout says what this client saw, the test judges it. Its arguments: one JSON
// object {homeserver, user_id, password, bot_id, formatted_command, poll_command, vote}.

// The SDK logs through console.*: keep stdout for the JSON lines.
for (const level of ["log", "info", "debug", "warn", "error", "trace"]) {
    console[level] = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");
}

const sdk = await import("matrix-js-sdk");
const { OnlySignedDevicesIsolationMode, EventShieldColour, EventShieldReason } = sdk.Crypto;
const { PollResponseEvent } = await import(
    "matrix-js-sdk/lib/extensible_events_v1/PollResponseEvent.js"
);

const WAIT_MS = 20000;
const POLL_START = "org.matrix.msc3381.poll.start";
const args = JSON.parse(process.argv[2]);

function report(kind, fields) {
    process.stdout.write(JSON.stringify({ kind, ...fields }) + "\n");
}

async function until(what, check) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        const found = await check();
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

async function login() {
    const anonymous = sdk.createClient({ baseUrl: args.homeserver });
    const session = await anonymous.loginRequest({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: args.user_id },
        password: args.password,
        initial_device_display_name: "Element (matrix-js-sdk, Rust crypto)",
    });
    return sdk.createClient({
        baseUrl: args.homeserver,
        userId: session.user_id,
        deviceId: session.device_id,
        accessToken: session.access_token,
    });
}

const client = await login();
await client.initRustCrypto({ useIndexedDB: false });
const crypto = client.getCrypto();
// Element sets up the account's cross-signing at the first login; the isolation mode below
// refuses to encrypt without it.
await crypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: (upload) =>
        upload({
            type: "m.login.password",
            identifier: { type: "m.id.user", user: args.user_id },
            password: args.password,
        }),
});
// Element's "exclude insecure devices": room keys only for cross-signed devices, and events
// from devices their owner did not sign fail to decrypt.
crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
await client.startClient({ initialSyncLimit: 10 });
await until("the first sync", () => client.isInitialSyncComplete());

// The bot's events in the room, each once decrypted (or failed to).
let roomId = null;
const fromBot = [];
client.on(sdk.RoomEvent.Timeline, (event, room) => {
    if (room?.roomId !== roomId || event.getSender() !== args.bot_id) return;
    client.decryptEventIfNeeded(event).then(() => fromBot.push(event));
});

// A room as Element creates one with encryption on, the bot invited.
({ room_id: roomId } = await client.createRoom({
    preset: "private_chat",
    invite: [args.bot_id],
    initial_state: [
        { type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
    ],
}));
await until("the bot to join", () => {
    const room = client.getRoom(roomId);
    return room?.hasEncryptionStateEvent() && room.getMember(args.bot_id)?.membership === "join";
});

async function describe(event) {
    const info = await crypto.getEncryptionInfoForEvent(event);
    return {
        event_id: event.getId(),
        type: event.getType(),
        content: event.getContent(),
        encrypted: event.isEncrypted(),
        decryption_failure: event.isDecryptionFailure() ? String(event.decryptionFailureReason) : null,
        shield_colour: info ? EventShieldColour[info.shieldColour] : null,
        shield_reason: info?.shieldReason == null ? null : EventShieldReason[info.shieldReason],
    };
}

async function command(content) {
    const { event_id: asked } = await client.sendMessage(roomId, {
        msgtype: "m.text",
        "m.mentions": {},
        ...content,
    });
    const reply = await until(`the reply to ${content.body}`, () =>
        fromBot.find(
            (event) => event.getContent()["m.relates_to"]?.["m.in_reply_to"]?.event_id === asked,
        ),
    );
    report("reply", { command: content.body, ...(await describe(reply)) });
    return reply;
}

// The bot's device as the CryptoApi sees it: signed by its owner (the bot's cross-signing).
const devices = (await crypto.getUserDeviceInfo([args.bot_id], true)).get(args.bot_id);
for (const deviceId of devices.keys()) {
    const status = await crypto.getDeviceVerificationStatus(args.bot_id, deviceId);
    report("device", {
        device_id: deviceId,
        signed_by_owner: status.signedByOwner,
        cross_signing_verified: status.crossSigningVerified,
    });
}
const identity = await crypto.getUserVerificationStatus(args.bot_id);
report("identity", {
    cross_signing_verified: identity.isCrossSigningVerified(),
    needs_user_approval: identity.needsUserApproval,
});

// A command with Markdown, as Element sends it (body and formatted_body).
await command(args.formatted_command);
// A poll, and a vote in it as Element votes: an encrypted response naming the answer's id.
const started = await command({ body: args.poll_command });
const start = await until("the poll", () => fromBot.find((event) => event.getType() === POLL_START));
report("poll", await describe(start));
const answer = start.getContent()[POLL_START].answers[args.vote];
const vote = PollResponseEvent.from([answer.id], start.getId()).serialize();
const { event_id: voted } = await client.sendEvent(roomId, vote.type, vote.content);
report("vote", { event_id: voted, type: vote.type, answer: answer["org.matrix.msc1767.text"] });
await command({ body: `!ergebnis ${/Nr\. (\d+)/.exec(started.getContent().body)[1]}` });

report("done", { room_id: roomId });
client.stopClient();
process.exit(0);
