"""The bot's cross-signing identity (master, self-signing and user-signing keys), which matrix-nio
lacks: kept in a 0600 file beside the crypto store, shown once as a recovery key, uploaded when
the account has none, and signing each device the bot logs in with."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import base58
from nacl.signing import SigningKey
from nio import AsyncClient
from signedjson.key import decode_verify_key_bytes
from signedjson.sign import SignatureVerifyException, sign_json, verify_signed_json
from unpaddedbase64 import decode_base64, encode_base64

from bot.config import RECOVERY_ENV

log = logging.getLogger(__name__)

KEYS_FILE = "cross-signing.json"
# Marks the bytes as this bot's recovery key (version 1) before base58, so a key of some other
# kind is refused instead of yielding wrong keys.
RECOVERY_PREFIX = b"ABRK\x01"
USAGES = ("master", "self_signing", "user_signing")


class CrossSigningError(RuntimeError):
    pass


def _signing_key(seed: bytes) -> SigningKey:
    key = SigningKey(seed)
    # signedjson names a signature "<alg>:<version>"; a cross-signing key's id is its public key.
    key.alg = "ed25519"  # type: ignore[attr-defined]
    key.version = encode_base64(bytes(key.verify_key))  # type: ignore[attr-defined]
    return key


def public_of(key: SigningKey) -> str:
    return str(key.version)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Identity:
    """The three private keys; the public keys follow from them."""

    master: SigningKey
    self_signing: SigningKey
    user_signing: SigningKey

    @classmethod
    def generate(cls) -> Identity:
        return cls.from_seeds(os.urandom(32), os.urandom(32), os.urandom(32))

    @classmethod
    def from_seeds(cls, master: bytes, self_signing: bytes, user_signing: bytes) -> Identity:
        return cls(_signing_key(master), _signing_key(self_signing), _signing_key(user_signing))

    def seeds(self) -> tuple[bytes, bytes, bytes]:
        return (bytes(self.master), bytes(self.self_signing), bytes(self.user_signing))

    @property
    def master_public(self) -> str:
        return public_of(self.master)

    def upload_body(self, user_id: str) -> dict[str, Any]:
        """The body of `/keys/device_signing/upload`: the master key, and the two others
        signed by it."""
        body: dict[str, Any] = {}
        for usage, key in zip(
            USAGES, (self.master, self.self_signing, self.user_signing), strict=True
        ):
            public = public_of(key)
            entry = {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public}": public}}
            if usage != "master":
                entry = sign_json(entry, user_id, self.master)
            body[f"{usage}_key"] = entry
        return body

    def sign_device(self, user_id: str, device_keys: dict[str, Any]) -> dict[str, Any]:
        """The device-keys object as /keys/query returned it, with the self-signing key's
        signature added (signed without `signatures` and `unsigned`; the device's own stays)."""
        signed = copy.deepcopy({k: v for k, v in device_keys.items() if k != "unsigned"})
        return sign_json(signed, user_id, self.self_signing)


def recovery_key(identity: Identity) -> str:
    """The three private keys as one base58 text in groups of four, with a check byte."""
    payload = RECOVERY_PREFIX + b"".join(identity.seeds())
    check = hashlib.sha256(payload).digest()[:1]
    text = base58.b58encode(payload + check).decode()
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))


def identity_from_recovery_key(text: str) -> Identity:
    try:
        raw = base58.b58decode("".join(text.split()))
    except ValueError as exc:
        raise CrossSigningError("the recovery key is not base58") from exc
    payload, check = raw[:-1], raw[-1:]
    size = len(RECOVERY_PREFIX) + 96
    if len(payload) != size or not payload.startswith(RECOVERY_PREFIX):
        raise CrossSigningError("this is not a recovery key of alumni-bot")
    if hashlib.sha256(payload).digest()[:1] != check:
        raise CrossSigningError("the recovery key is mistyped (its check does not match)")
    seeds = payload[len(RECOVERY_PREFIX) :]
    return Identity.from_seeds(seeds[:32], seeds[32:64], seeds[64:])


def save_identity(path: Path, user_id: str, identity: Identity) -> None:
    """Written 0600 from the start: the file never exists readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {
        "user_id": user_id,
        **{
            usage: encode_base64(seed) for usage, seed in zip(USAGES, identity.seeds(), strict=True)
        },
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(data, file)


def load_identity(path: Path, user_id: str) -> Identity | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("user_id") != user_id:
        raise CrossSigningError(
            f"{path} holds the identity of {data.get('user_id')}, not {user_id}"
        )
    return Identity.from_seeds(*(decode_base64(data[usage]) for usage in USAGES))


def key_signed_by(user_id: str, signed: dict[str, Any], public: str) -> bool:
    """Whether `signed` carries a valid signature of the ed25519 key `public`."""
    key = _verify_key(public)
    try:
        verify_signed_json(signed, user_id, key)
    except SignatureVerifyException:
        return False
    return True


def _verify_key(public: str) -> Any:
    return decode_verify_key_bytes(f"ed25519:{public}", decode_base64(public))


def only_key(key_object: dict[str, Any] | None) -> str | None:
    """The public key of a cross-signing key object from /keys/query."""
    keys = (key_object or {}).get("keys") or {}
    return next(iter(keys.values()), None) if len(keys) == 1 else None


@dataclass(frozen=True)
class ServerState:
    master: str | None
    self_signing: dict[str, Any] | None
    device: dict[str, Any] | None


async def call_homeserver(
    client: AsyncClient, method: str, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """A client-server call nio has no method for: the status and the JSON answer."""
    response = await client.send(
        method,
        path,
        json.dumps(body),
        headers={
            "Authorization": f"Bearer {client.access_token}",
            "Content-Type": "application/json",
        },
    )
    try:
        data = await response.json(content_type=None)
    except ValueError:  # an HTML error page of a proxy
        data = {}
    finally:
        response.release()
    return response.status, data if isinstance(data, dict) else {}


async def server_state(client: AsyncClient) -> ServerState:
    status, data = await call_homeserver(
        client, "POST", "/_matrix/client/v3/keys/query", {"device_keys": {client.user_id: []}}
    )
    if status != 200:
        raise CrossSigningError(f"/keys/query failed: {status} {data}")
    user = client.user_id
    return ServerState(
        master=only_key((data.get("master_keys") or {}).get(user)),
        self_signing=(data.get("self_signing_keys") or {}).get(user),
        device=((data.get("device_keys") or {}).get(user) or {}).get(client.device_id),
    )


async def upload_identity(client: AsyncClient, identity: Identity, password: str | None) -> None:
    """Synapse takes the first upload without authentication and asks for the password to
    replace keys (user-interactive auth)."""
    path = "/_matrix/client/v3/keys/device_signing/upload"
    body = identity.upload_body(client.user_id)
    status, data = await call_homeserver(client, "POST", path, body)
    if status == 401 and "session" in data:
        if password is None:
            raise CrossSigningError(
                "the homeserver asks for the password to upload cross-signing keys; "
                "set ALUMNI_BOT_PASSWORD"
            )
        auth = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": client.user_id},
            "password": password,
            "session": data["session"],
        }
        status, data = await call_homeserver(client, "POST", path, {**body, "auth": auth})
    if status != 200:
        raise CrossSigningError(f"uploading the cross-signing keys failed: {status} {data}")


async def sign_own_device(client: AsyncClient, identity: Identity, device: dict[str, Any]) -> None:
    signed = identity.sign_device(client.user_id, device)
    status, data = await call_homeserver(
        client,
        "POST",
        "/_matrix/client/v3/keys/signatures/upload",
        {client.user_id: {client.device_id: signed}},
    )
    if status != 200 or data.get("failures"):
        raise CrossSigningError(f"signing device {client.device_id} failed: {status} {data}")


async def ensure_cross_signed(
    client: AsyncClient,
    keys_file: Path,
    password: str | None,
    *,
    replace_identity: bool = False,
    recovery: str | None = None,
) -> str:
    """Make the bot's device cross-signed by its own identity; returns what was done.

    Keys are made only when the account has no master key: new keys at a restart would change
    the bot's identity for every peer. An identity on the account that the bot does not hold
    is replaced only with `replace_identity`; with `recovery` (the recovery key) it is restored.
    """
    user = client.user_id
    identity = load_identity(keys_file, user)
    if identity is None and recovery:
        identity = identity_from_recovery_key(recovery)
        save_identity(keys_file, user, identity)
        log.info("cross-signing identity restored from the recovery key")
    state = await server_state(client)
    if state.device is None:
        raise CrossSigningError(f"the homeserver has no keys of device {client.device_id}")
    done = "kept"
    if state.master is None or (
        replace_identity and (identity is None or state.master != identity.master_public)
    ):
        if identity is None:
            identity = Identity.generate()
            save_identity(keys_file, user, identity)
            _show_recovery_key(identity, keys_file)
        await upload_identity(client, identity, password)
        done = "created" if state.master is None else "replaced"
        state = await server_state(client)
    elif identity is None or state.master != identity.master_public:
        raise CrossSigningError(
            f"the account already has a cross-signing identity (master key {state.master}) "
            f"that this bot does not hold in {keys_file}: give its recovery key in "
            f"{RECOVERY_ENV}, or start once with --replace-identity to replace it (peers "
            "then see the bot's identity change)"
        )
    assert identity is not None and state.device is not None
    if not key_signed_by(user, state.device, public_of(identity.self_signing)):
        await sign_own_device(client, identity, state.device)
        done += ", device signed"
    log.info("cross-signing identity %s (%s)", identity.master_public, done)
    return done


def _show_recovery_key(identity: Identity, keys_file: Path) -> None:
    """Printed once, to the terminal, not the log: it is the identity's private keys."""
    print(
        "\nalumni-bot: new cross-signing identity. Recovery key (shown only now; keep it "
        f"safe, it restores the identity if {keys_file} is lost, via {RECOVERY_ENV}):\n\n"
        f"    {recovery_key(identity)}\n",
        flush=True,
    )


def identity_report(keys_file: Path, user_id: str, recovery: str | None) -> str:
    """What check-config says of the identity kept on disk."""
    try:
        identity = load_identity(keys_file, user_id)
    except (CrossSigningError, ValueError, KeyError) as exc:
        return f"cross-signing: {keys_file} is unusable: {exc}"
    if identity is None:
        if recovery:
            try:
                restored = identity_from_recovery_key(recovery)
            except CrossSigningError as exc:
                return f"cross-signing: {RECOVERY_ENV} is unusable: {exc}"
            return (
                f"cross-signing: identity with master key {restored.master_public} restored "
                f"from {RECOVERY_ENV} at the next start"
            )
        return "cross-signing: no identity yet; made at the first start if the account has none"
    return f"cross-signing: identity with master key {identity.master_public} ({keys_file})"
