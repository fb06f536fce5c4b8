"""The card-protocol vectors (tests/vectors/cards.json, docs/card-protocol.md §10): reproducible
from the generator, consistent with the spec's encodings, and answered identically by our card
emulator — the same transcripts a card vendor replays against a Java Card."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from drivers import card_apdu as A
from election.credentials import parse_card_auth_challenge, parse_login_challenge
from tests.vectors import generate_cards

VECTORS = json.loads((Path(__file__).parent / "vectors" / "cards.json").read_text("utf-8"))
SPEC = (Path(__file__).resolve().parent.parent / "docs" / "card-protocol.md").read_text("utf-8")


def test_the_vectors_are_what_the_generator_writes() -> None:
    assert generate_cards.vectors() == VECTORS


def test_the_emulator_answers_the_transcripts_byte_for_byte() -> None:
    from drivers.card_emulator.applets import VotingCardApplet

    for card, transcript in ((generate_cards.admin_card(), VECTORS["admin_transcript"]),
                             (VotingCardApplet(serial=generate_cards.SERIAL_VOTING),
                              VECTORS["voting_transcript"])):
        for step in transcript:
            assert card.process(bytes.fromhex(step["command"])).hex() == step["response"], \
                step["note"]


def test_challenge_encodings_and_signatures() -> None:
    auth = VECTORS["card_auth_challenge"]
    login = VECTORS["login_challenge"]
    nonce, machine = parse_card_auth_challenge(bytes.fromhex(auth["challenge_hex"]))
    assert (nonce.hex(), machine) == (auth["nonce_hex"], auth["machine_id"])
    parsed = parse_login_challenge(bytes.fromhex(login["challenge_hex"]))
    assert parsed == (bytes.fromhex(login["nonce_hex"]), login["machine_id"],
                      login["fingerprint"], login["operation"])
    keys = VECTORS["keys"]
    for case, private, label in ((auth, "card_auth_private_hex", "card-authenticity"),
                                 (login, "identity_private_hex", "admin-login")):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        public: Ed25519PublicKey = Ed25519PrivateKey.from_private_bytes(
            bytes.fromhex(keys[private])).public_key()
        public.verify(bytes.fromhex(case["signature_hex"]),
                      f"tohyoki/{label}/v1".encode() + b"\x00" + bytes.fromhex(
                          case["challenge_hex"]))
        assert f"tohyoki/{label}/v1" in SPEC


def test_the_spec_names_every_instruction_and_status_word() -> None:
    for ins in A.Ins:
        assert f"{ins.value:02X}" in SPEC, ins
    for sw in (A.SW_OK, A.SW_SECURITY, A.SW_BLOCKED, A.SW_CONDITIONS, A.SW_BAD_DATA,
               A.SW_NOT_FOUND, A.SW_NO_DATA, A.SW_WRONG_P1P2, A.SW_INS, A.SW_CLA,
               A.SW_WRONG_LENGTH):
        assert f"{sw:04X}" in SPEC, hex(sw)
    assert VECTORS["aids"]["admin"].upper() in SPEC.replace(" ", "")
    assert VECTORS["atr_hex"].upper() in SPEC.replace(" ", "")
