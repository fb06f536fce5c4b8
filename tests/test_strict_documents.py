"""Every signed document a machine or the counting tool reads is read strictly: the type the
spec names and nothing else (no "1" for 1, no 1 for true, no list of pairs for an object),
lowercase hex, no unknown field. A lax reader lets two implementations disagree about one file;
these tests would catch the reader coercing again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from election import canonical
from election.credentials import (
    VOTING_CARD_PURPOSE,
    CredentialError,
    VotingCardToken,
    read_token,
)
from election.signature import sign
from media.audit_log import AuditChainBroken, decode_entry
from media.layout import HEADER_PURPOSE, MediumHeader, MediumRole, TableEntry, decode_header
from media.seal import SEAL_PURPOSE, Seal, SealedTable, decode_seal
from media.signed_document import DocumentUnreadable, encode_signed
from tests.station import ELECTION_DAY, fixed_key, issuer_key

KEY = fixed_key("machine:M-001")
DIGEST = "ab" * 32
SEAL = Seal("M-001", "tsukuba-2026-11", DIGEST, 1, True, (SealedTable("mayor", 3, DIGEST),),
            3, 0, 10, DIGEST)
HEADER = MediumHeader("0011223344556677", MediumRole.PRIMARY, "M-001", "tsukuba-2026-11", DIGEST,
                      (TableEntry("mayor", 0, 64),))
TOKEN = VotingCardToken("00" * 16, "tsukuba-2026-11", "p01", "R-p01", ("mayor",), False,
                        ELECTION_DAY + timedelta(minutes=30))

Change = Callable[[dict[str, Any]], None]


def _set(key: str, value: object) -> Change:
    return lambda body: body.__setitem__(key, value)


SEAL_BREAKS: dict[str, Change] = {
    "closing number as text": _set("closing_number", "1"),
    "final as 1": _set("final", 1),
    "digest in upper case": lambda b: b["tables"][0].__setitem__("digest", DIGEST.upper()),
    "short audit head": _set("audit_log_head", "ab"),
    "unknown field": _set("votes", {"mayor-1": 3}),
    "unknown table field": lambda b: b["tables"][0].__setitem__("order", [1, 2, 3]),
    "closing number 0": _set("closing_number", 0),
}


def test_a_well_formed_seal_and_header_are_read() -> None:
    assert decode_seal(SEAL.encode(KEY))[0] == SEAL
    assert decode_header(HEADER.encode(KEY))[0] == HEADER


@pytest.mark.parametrize("what", sorted(SEAL_BREAKS))
def test_seal_fields_are_read_strictly(what: str) -> None:
    body = SEAL.to_body()
    SEAL_BREAKS[what](body)
    with pytest.raises(DocumentUnreadable, match="seal"):
        decode_seal(encode_signed(body, KEY, SEAL_PURPOSE))


HEADER_BREAKS: dict[str, Change] = {
    "slots as text": lambda b: b["tables"][0].__setitem__("slots", "64"),
    "unknown role": _set("role", "spare"),
    "unknown field": _set("comment", "x"),
    "slot size as text": _set("slot_size", "1280"),
}


@pytest.mark.parametrize("what", sorted(HEADER_BREAKS))
def test_header_fields_are_read_strictly(what: str) -> None:
    body = HEADER.to_body()
    HEADER_BREAKS[what](body)
    with pytest.raises(DocumentUnreadable):
        decode_header(encode_signed(body, KEY, HEADER_PURPOSE))


def test_signature_hex_must_be_lowercase() -> None:
    outer = canonical.decode_object(SEAL.encode(KEY))
    outer["signature"] = outer["signature"].upper()
    with pytest.raises(DocumentUnreadable, match="corrupt"):
        decode_seal(canonical.encode(outer))


TOKEN_BREAKS: dict[str, Change] = {
    "audio as 1": _set("audio", 1),
    "contests as one text": _set("contests", "mayor"),
    "time without a zone": _set("expires_at", "2026-11-29T07:30:00"),
    "unknown field": _set("voter", "山田"),
    "NUL in the card id": _set("card_id", "00\x0000"),
}


@pytest.mark.parametrize("what", sorted(TOKEN_BREAKS))
def test_voting_card_token_is_read_strictly(what: str) -> None:
    assert read_token(TOKEN.sign(issuer_key("R-p01")))[0] == TOKEN
    body = TOKEN.to_body()
    TOKEN_BREAKS[what](body)
    body_bytes = canonical.encode(body)
    data = canonical.encode({"body": body, "signature": sign(issuer_key("R-p01"),
                                                             VOTING_CARD_PURPOSE,
                                                             body_bytes).hex()})
    with pytest.raises(CredentialError, match="voting card"):
        read_token(data)


def test_audit_detail_must_be_an_object_not_a_list_of_pairs() -> None:
    good = {"seq": 1, "time": "2026-11-29T07:00:00+09:00", "event_id": 1001,
            "event": "machine_booted", "outcome": "success", "detail": {}, "prev": ""}
    assert decode_entry(canonical.encode(good)).event == "machine_booted"
    for key, value in (("detail", [["choice", "x"]]), ("seq", "1"), ("extra", 1)):
        bad = dict(good)
        bad[key] = value
        with pytest.raises(AuditChainBroken):
            decode_entry(canonical.encode(bad))
