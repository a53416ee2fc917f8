"""Which devices count as cross-signed in a /keys/query answer (only_cross_signed_devices)."""

from __future__ import annotations

from typing import Any

from bot.cross_signing import Identity
from bot.device_trust import cross_signed_devices

ALICE = "@alice:example.org"
BOB = "@bob:example.org"


def device(user_id: str, device_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "device_id": device_id,
        "algorithms": ["m.megolm.v1.aes-sha2"],
        "keys": {f"ed25519:{device_id}": device_id.lower()},
    }


def answer(identity: Identity, signed: list[str], unsigned: list[str]) -> dict[str, Any]:
    upload = identity.upload_body(ALICE)
    devices = {d: identity.sign_device(ALICE, device(ALICE, d)) for d in signed}
    devices |= {d: device(ALICE, d) for d in unsigned}
    return {
        "device_keys": {ALICE: devices, BOB: {"PHONE": device(BOB, "PHONE")}},
        "master_keys": {ALICE: upload["master_key"]},
        "self_signing_keys": {ALICE: upload["self_signing_key"]},
    }


def test_devices_signed_by_their_owner_count_others_do_not() -> None:
    keys = answer(Identity.generate(), ["LAPTOP"], ["OLDPHONE"])
    assert cross_signed_devices(keys) == {ALICE: {"LAPTOP"}, BOB: set()}


def test_a_self_signing_key_the_master_did_not_sign_counts_for_nothing() -> None:
    identity = Identity.generate()
    keys = answer(identity, ["LAPTOP"], [])
    keys["master_keys"][ALICE] = Identity.generate().upload_body(ALICE)["master_key"]
    assert cross_signed_devices(keys) == {ALICE: set(), BOB: set()}


def test_a_device_signed_by_someone_elses_key_does_not_count() -> None:
    keys = answer(Identity.generate(), [], [])
    keys["device_keys"][ALICE]["LAPTOP"] = Identity.generate().sign_device(
        ALICE, device(ALICE, "LAPTOP")
    )
    assert cross_signed_devices(keys)[ALICE] == set()
