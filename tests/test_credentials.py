"""Admin card certificates and voting card tokens (docs/media-format.md §11): who signed them,
for which election, when they are valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election import canonical
from election.credentials import (
    CLOCK_SKEW,
    AdminCertificate,
    CredentialError,
    Role,
    VotingCardToken,
    open_certificate,
    read_token,
    verify_token_signature,
)
from election.signature import sign
from tests.station import COMMISSION_KEY, COMMISSION_PUB, ELECTION_DAY, fixed_key, issuer_key

ELECTION = "tsukuba-2026-11"
NOT_BEFORE = ELECTION_DAY - timedelta(days=1)
NOT_AFTER = ELECTION_DAY + timedelta(days=1)
IDENTITY = fixed_key("admin:pm").public_key().public_bytes_raw()


def certificate(election_id: str = ELECTION, role: Role = Role.POLL_MANAGER) -> AdminCertificate:
    return AdminCertificate(
        card_id="card-pm",
        role=role,
        holder="投票管理者 テスト",
        municipality="茨城県つくば市",
        election_id=election_id,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        public_key=IDENTITY,
    )


def token(issuer_id: str = "R-p01") -> VotingCardToken:
    return VotingCardToken(
        card_id="00" * 16,
        election_id=ELECTION,
        place_id="p01",
        issuer_id=issuer_id,
        contests=("mayor", "assembly"),
        audio=False,
        expires_at=ELECTION_DAY + timedelta(minutes=30),
    )


# --- admin certificates -----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_certificate_verifies_and_round_trips(role: Role) -> None:
    cert = certificate(role=role)
    opened = open_certificate(cert.sign(COMMISSION_KEY), COMMISSION_PUB, ELECTION, ELECTION_DAY)
    assert opened == cert


def test_certificate_from_another_signer_is_rejected() -> None:
    data = certificate().sign(fixed_key("someone else"))
    with pytest.raises(CredentialError, match="not issued by the election commission"):
        open_certificate(data, COMMISSION_PUB, ELECTION, ELECTION_DAY)


def test_certificate_with_edited_role_is_rejected() -> None:
    outer = canonical.decode_object(certificate().sign(COMMISSION_KEY))
    outer["body"]["role"] = Role.COMMISSION.value
    with pytest.raises(CredentialError, match="not issued by the election commission"):
        open_certificate(canonical.encode(outer), COMMISSION_PUB, ELECTION, ELECTION_DAY)


def test_certificate_of_another_election_is_rejected() -> None:
    data = certificate(election_id="mito-2026-11").sign(COMMISSION_KEY)
    with pytest.raises(CredentialError, match="another election"):
        open_certificate(data, COMMISSION_PUB, ELECTION, ELECTION_DAY)


def test_certificate_signature_is_not_a_voting_card_signature() -> None:
    # The commission's signature on a certificate must not pass as a reception desk's on a card.
    outer = canonical.decode_object(certificate().sign(COMMISSION_KEY))
    with pytest.raises(CredentialError, match="not issued by a registered reception desk"):
        verify_token_signature(canonical.encode(outer["body"]),
                               bytes.fromhex(outer["signature"]), COMMISSION_PUB)


@pytest.mark.parametrize("data", [b"", b"not json", b'{"body":{}}', b'{"body":[],"signature":""}'])
def test_unreadable_certificate_is_a_credential_error(data: bytes) -> None:
    with pytest.raises(CredentialError, match="unreadable"):
        open_certificate(data, COMMISSION_PUB, ELECTION, ELECTION_DAY)


def test_validity_boundaries_with_ten_minutes_skew() -> None:
    data = certificate().sign(COMMISSION_KEY)
    assert CLOCK_SKEW == timedelta(minutes=10)
    accepted = [NOT_BEFORE - timedelta(minutes=9), NOT_BEFORE - CLOCK_SKEW,
                NOT_AFTER + CLOCK_SKEW, NOT_AFTER + timedelta(minutes=9)]
    refused = [NOT_BEFORE - timedelta(minutes=11), NOT_BEFORE - CLOCK_SKEW - timedelta(seconds=1),
               NOT_AFTER + timedelta(minutes=11)]
    for now in accepted:
        open_certificate(data, COMMISSION_PUB, ELECTION, now)
    for now in refused:
        with pytest.raises(CredentialError, match="outside its validity"):
            open_certificate(data, COMMISSION_PUB, ELECTION, now)


@settings(max_examples=200, deadline=None)
@given(st.integers(-3 * 86400, 3 * 86400))
def test_valid_exactly_within_period_plus_skew(offset_seconds: int) -> None:
    now = ELECTION_DAY + timedelta(seconds=offset_seconds)
    data = certificate().sign(COMMISSION_KEY)
    inside = NOT_BEFORE - CLOCK_SKEW <= now <= NOT_AFTER + CLOCK_SKEW
    if inside:
        assert open_certificate(data, COMMISSION_PUB, ELECTION, now).card_id == "card-pm"
    else:
        with pytest.raises(CredentialError):
            open_certificate(data, COMMISSION_PUB, ELECTION, now)


def test_validity_compares_instants_not_wall_clock() -> None:
    # not_before is 07:00 JST = 22:00 UTC the evening before: the same instant.
    data = certificate().sign(COMMISSION_KEY)
    utc = (NOT_BEFORE - timedelta(minutes=5)).astimezone(UTC)
    assert (utc.hour, utc.minute) == (21, 55)
    assert open_certificate(data, COMMISSION_PUB, ELECTION, utc).election_id == ELECTION
    too_early = (NOT_BEFORE - timedelta(minutes=15)).astimezone(UTC)
    with pytest.raises(CredentialError, match="outside its validity"):
        open_certificate(data, COMMISSION_PUB, ELECTION, too_early)


def test_certificate_time_without_zone_is_rejected() -> None:
    body = certificate().to_body()
    body["not_before"] = datetime(2026, 11, 28, 7, 0).isoformat()
    signature = sign(COMMISSION_KEY, "admin-certificate", canonical.encode(body))
    data = canonical.encode({"body": body, "signature": signature.hex()})
    # (the specific "lacks a zone" message is folded into "fields are invalid": still refused)
    with pytest.raises(CredentialError, match="lacks a zone|certificate fields are invalid"):
        open_certificate(data, COMMISSION_PUB, ELECTION, ELECTION_DAY)


# --- voting card tokens -----------------------------------------------------------------------


def test_token_round_trips_and_verifies_with_its_issuer() -> None:
    original = token()
    parsed, body, signature = read_token(original.sign(issuer_key("R-p01")))
    assert parsed == original
    verify_token_signature(body, signature, issuer_key("R-p01").public_key().public_bytes_raw())


@pytest.mark.parametrize("wrong", ["R-p02", "commission"])
def test_token_with_wrong_issuer_key_is_rejected(wrong: str) -> None:
    _, body, signature = read_token(token().sign(issuer_key("R-p01")))
    key = COMMISSION_PUB if wrong == "commission" else issuer_key(wrong).public_key().public_bytes_raw()
    with pytest.raises(CredentialError, match="not issued by a registered reception desk"):
        verify_token_signature(body, signature, key)


def test_token_with_edited_contests_is_rejected() -> None:
    outer = canonical.decode_object(token().sign(issuer_key("R-p01")))
    outer["body"]["contests"] = ["mayor"]
    parsed, body, signature = read_token(canonical.encode(outer))
    assert parsed.contests == ("mayor",)
    with pytest.raises(CredentialError, match="reception desk"):
        verify_token_signature(body, signature, issuer_key("R-p01").public_key().public_bytes_raw())


def test_token_carries_no_voter_identity() -> None:
    assert set(token().to_body()) == {
        "card_id", "election_id", "place_id", "issuer_id", "contests", "audio", "expires_at"
    }


@pytest.mark.parametrize("data", [b"", b"[]", b'{"body":{"card_id":"x"},"signature":"00"}'])
def test_unreadable_token_is_a_credential_error(data: bytes) -> None:
    with pytest.raises(CredentialError):
        read_token(data)
