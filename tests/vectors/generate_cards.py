"""Regenerate the card-protocol test vectors (docs/card-protocol.md §10):

    .venv/bin/python -m tests.vectors.generate_cards

``cards.json`` holds the encodings (challenges, status object, SELECT answer, ATR) and complete
APDU transcripts of an admin card and a voting card with fixed keys, serials and PIN salt; Ed25519
is deterministic, so a rerun writes an identical file. A card vendor replays each transcript
against a card personalised with the listed keys and must get the same answers (except GET
CHALLENGE, whose answer is random and not in the transcripts). Public test keys only.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers import card_apdu as A
from drivers.card_emulator.applets import AdminCardApplet, Lifecycle, VotingCardApplet, _pin_hash
from election.credentials import (
    AdminCertificate,
    CardAuthCertificate,
    Role,
    VotingCardToken,
    card_auth_challenge,
    login_challenge,
)

HERE = Path(__file__).resolve().parent
T0 = datetime(2026, 11, 29, 7, 0, tzinfo=timezone(timedelta(hours=9)))


def key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


COMMISSION = key("vector:commission")
IDENTITY = key("vector:identity")
AUTH = key("vector:card-auth")
ISSUER = key("vector:issuer")
SERIAL_ADMIN = bytes.fromhex("0102030405060708")
SERIAL_VOTING = bytes.fromhex("1112131415161718")
PIN_SALT = bytes(16)
PIN = "1234"


def admin_card() -> AdminCardApplet:
    cert = AdminCertificate("card-v1", Role.POLL_MANAGER, "テスト 太郎", "茨城県つくば市",
                            "tsukuba-2026-11", T0 - timedelta(days=2), T0 + timedelta(days=2),
                            IDENTITY.public_key().public_bytes_raw()).sign(COMMISSION)
    auth = CardAuthCertificate("card-v1", "tsukuba-2026-11", T0 - timedelta(days=2),
                               T0 + timedelta(days=2),
                               AUTH.public_key().public_bytes_raw()).sign(COMMISSION)
    return AdminCardApplet(
        serial=SERIAL_ADMIN, role=A.RoleByte.POLL_MANAGER, lifecycle=Lifecycle.OPERATIONAL,
        pin_salt=PIN_SALT, pin_check=_pin_hash(PIN_SALT, PIN.encode()), identity_key=IDENTITY,
        auth_key=AUTH, objects={A.Tag.IDENTITY_CERTIFICATE: cert,
                                A.Tag.CARD_AUTH_CERTIFICATE: auth,
                                A.Tag.COMMISSION_KEY: COMMISSION.public_key().public_bytes_raw()},
    )


def token() -> bytes:
    return VotingCardToken(SERIAL_VOTING.hex() + "00" * 8, "tsukuba-2026-11", "p01", "R-p01",
                           ("mayor", "assembly"), False, T0 + timedelta(minutes=30)).sign(ISSUER)


def _run(card: A.Command | Any, steps: list[tuple[str, A.Command]]) -> list[dict[str, str]]:
    out = []
    for note, command in steps:
        response = card.process(command.encode())
        out.append({"note": note, "command": command.encode().hex(), "response": response.hex()})
    return out


def admin_transcript() -> list[dict[str, str]]:
    nonce = bytes(range(32))
    auth = card_auth_challenge(nonce, "M-001")
    login = login_challenge(nonce, "M-001", "ab" * 32, "open-polls")
    steps = [
        ("SELECT admin application", A.select(A.ADMIN_AID)),
        ("GET DATA identity certificate (over 256 bytes: 61xx chaining)",
         A.get_data(A.Tag.IDENTITY_CERTIFICATE)),
        ("GET RESPONSE for the rest", A.get_response(0)),
        ("GET DATA card-authenticity certificate", A.get_data(A.Tag.CARD_AUTH_CERTIFICATE)),
        ("GET RESPONSE for the rest", A.get_response(0)),
        ("INTERNAL AUTHENTICATE 9E (no PIN)", A.internal_authenticate(A.KeyRef.CARD_AUTH, auth)),
        ("INTERNAL AUTHENTICATE 9A before the PIN: 6982",
         A.internal_authenticate(A.KeyRef.IDENTITY, login)),
        ("VERIFY state query: 63C3", A.verify(None)),
        ("VERIFY wrong PIN: 63C2", A.verify("9999")),
        ("VERIFY right PIN", A.verify(PIN)),
        ("INTERNAL AUTHENTICATE 9A: login challenge", A.internal_authenticate(A.KeyRef.IDENTITY,
                                                                              login)),
        ("INTERNAL AUTHENTICATE 9A: not a login challenge: 6A80",
         A.internal_authenticate(A.KeyRef.IDENTITY, b"tohyoki/election-package/v1\x00abc")),
        ("GET SHARE on a poll manager's card: 6D00", A.Command(0x80, A.Ins.GET_SHARE, 0, 0, b"", 0)),
        ("VERIFY wrong PIN: 63C2", A.verify("0000")),
        ("VERIFY wrong PIN: 63C1", A.verify("0001")),
        ("VERIFY wrong PIN: blocked 6983", A.verify("0002")),
        ("VERIFY right PIN on a blocked card: 6983", A.verify(PIN)),
    ]
    return _run(admin_card(), steps)


def voting_transcript() -> list[dict[str, str]]:
    card = VotingCardApplet(serial=SERIAL_VOTING)
    steps = [("SELECT voting application", A.select(A.VOTING_AID)),
             ("GET DATA status: empty", A.get_data(A.Tag.STATUS)),
             ("GET DATA token of an empty card: 6A88", A.get_data(A.Tag.TOKEN))]
    steps += [("WRITE TOKEN (chained)", c) for c in A.chained(0x80, A.Ins.WRITE_TOKEN, 0, 0,
                                                              token())]
    steps += [
        ("GET DATA token", A.get_data(A.Tag.TOKEN)),
        ("GET RESPONSE for the rest", A.get_response(0)),
        ("CONSUME before LOCK: 6985", A.machine_command(A.Ins.CONSUME, "M-001")),
        ("LOCK to M-001", A.machine_command(A.Ins.LOCK, "M-001")),
        ("LOCK again by M-001 (idempotent)", A.machine_command(A.Ins.LOCK, "M-001")),
        ("LOCK by M-002: 6985", A.machine_command(A.Ins.LOCK, "M-002")),
        ("GET DATA status: locked to M-001", A.get_data(A.Tag.STATUS)),
        ("RELEASE by M-002: 6985", A.machine_command(A.Ins.RELEASE, "M-002")),
        ("CONSUME by M-001", A.machine_command(A.Ins.CONSUME, "M-001")),
        ("RELEASE after CONSUME: 6985", A.machine_command(A.Ins.RELEASE, "M-001")),
        ("LOCK after CONSUME: 6985", A.machine_command(A.Ins.LOCK, "M-001")),
        ("GET DATA status: consumed by M-001", A.get_data(A.Tag.STATUS)),
    ]
    return _run(card, steps)


def vectors() -> dict[str, Any]:
    nonce = bytes(range(32))
    auth = card_auth_challenge(nonce, "M-001")
    login = login_challenge(nonce, "M-001", "ab" * 32, "open-polls")
    return {
        "comment": "docs/card-protocol.md §10; public test keys (sha256 of the label), never "
                   "for an election",
        "keys": {
            "commission_seed_label": "vector:commission",
            "identity_private_hex": IDENTITY.private_bytes_raw().hex(),
            "card_auth_private_hex": AUTH.private_bytes_raw().hex(),
            "commission_private_hex": COMMISSION.private_bytes_raw().hex(),
            "issuer_private_hex": ISSUER.private_bytes_raw().hex(),
            "admin_serial_hex": SERIAL_ADMIN.hex(),
            "voting_serial_hex": SERIAL_VOTING.hex(),
            "pin": PIN,
        },
        "atr_hex": A.ATR.hex(),
        "aids": {"admin": A.ADMIN_AID.hex(), "voting": A.VOTING_AID.hex()},
        "select_response_admin_hex": A.select_response(A.CardType.ADMIN, SERIAL_ADMIN).hex(),
        "card_auth_challenge": {"nonce_hex": nonce.hex(), "machine_id": "M-001",
                                "challenge_hex": auth.hex(),
                                "signature_hex": AUTH.sign(
                                    b"tohyoki/card-authenticity/v1\x00" + auth).hex()},
        "login_challenge": {"nonce_hex": nonce.hex(), "machine_id": "M-001",
                            "fingerprint": "ab" * 32, "operation": "open-polls",
                            "challenge_hex": login.hex(),
                            "signature_hex": IDENTITY.sign(
                                b"tohyoki/admin-login/v1\x00" + login).hex()},
        "status_objects": {
            "issued": A.status_object(A.Phase.ISSUED, "").hex(),
            "locked_M-001": A.status_object(A.Phase.LOCKED, "M-001").hex(),
            "consumed_M-001": A.status_object(A.Phase.CONSUMED, "M-001").hex(),
        },
        "admin_transcript": admin_transcript(),
        "voting_transcript": voting_transcript(),
    }


def main() -> None:
    (HERE / "cards.json").write_text(
        json.dumps(vectors(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
