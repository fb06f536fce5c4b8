"""What the commission and the reception desk sign onto cards: the admin card certificate and the
voting card's one-use activation token (docs/media-format.md §11)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election import canonical
from election.fields import FieldReader, whole
from election.signature import BadSignature, sign, verify

CERTIFICATE_PURPOSE = "admin-certificate"
VOTING_CARD_PURPOSE = "voting-card"
CLOCK_SKEW = timedelta(minutes=10)


class CredentialError(ValueError):
    """A card's certificate or token is not acceptable; the message says why."""


class Role(StrEnum):
    """Who an admin card belongs to."""

    COMMISSION = "commission"  # 選挙管理委員会
    POLL_MANAGER = "poll-manager"  # 投票管理者
    KEY_HOLDER = "key-holder"  # 開票鍵の保管者
    COUNTING_MANAGER = "counting-manager"  # 開票管理者


def _signed(body: dict[str, Any], key: Ed25519PrivateKey, purpose: str) -> bytes:
    body_bytes = canonical.encode(body)
    return canonical.encode({"body": body, "signature": sign(key, purpose, body_bytes).hex()})


def _open(data: bytes, what: str) -> tuple[dict[str, Any], bytes, bytes]:
    try:
        outer = canonical.decode_object(data)
        body = outer["body"]
        if set(outer) != {"body", "signature"} or not isinstance(outer["signature"], str):
            raise TypeError("shape")
        if not re.fullmatch(r"[0-9a-f]{128}", outer["signature"]):
            raise ValueError("signature is not 128 lowercase hex digits")
        signature = bytes.fromhex(outer["signature"])
        if not isinstance(body, dict):
            raise TypeError("body")
    except (canonical.NotCanonical, KeyError, ValueError, TypeError) as exc:
        raise CredentialError(f"{what}が読めません / {what} is unreadable") from exc
    return body, canonical.encode(body), signature


@dataclass(frozen=True)
class AdminCertificate:
    """Binds an admin card's identity key to a role in one election, signed by the commission."""

    card_id: str
    role: Role
    holder: str
    municipality: str
    election_id: str
    not_before: datetime
    not_after: datetime
    public_key: bytes

    def to_body(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "role": self.role.value,
            "holder": self.holder,
            "municipality": self.municipality,
            "election_id": self.election_id,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "public_key": self.public_key.hex(),
        }

    def sign(self, commission_key: Ed25519PrivateKey) -> bytes:
        return _signed(self.to_body(), commission_key, CERTIFICATE_PURPOSE)


def open_certificate(
    data: bytes, commission_public_key: bytes, election_id: str, now: datetime
) -> AdminCertificate:
    """Verify signature, election and validity period (with clock-skew tolerance)."""
    body, body_bytes, signature = _open(data, "管理者カードの証明書 / admin certificate")
    try:
        verify(commission_public_key, CERTIFICATE_PURPOSE, body_bytes, signature, "証明書")
    except BadSignature as exc:
        raise CredentialError(
            "この管理者カードは選挙管理委員会が発行したものではありません / this admin card was "
            "not issued by the election commission"
        ) from exc
    r = FieldReader(body, "certificate", CredentialError)
    cert = whole(r, AdminCertificate(
        card_id=r.identifier("card_id"),
        role=r.enum("role", Role),
        holder=r.text("holder"),
        municipality=r.text("municipality"),
        election_id=r.identifier("election_id"),
        not_before=r.moment("not_before"),
        not_after=r.moment("not_after"),
        public_key=r.hexbytes("public_key", 32),
    ))
    if cert.election_id != election_id:
        raise CredentialError("別の選挙の管理者カードです / admin card of another election")
    if not cert.not_before - CLOCK_SKEW <= now <= cert.not_after + CLOCK_SKEW:
        raise CredentialError("管理者カードの有効期間外です / admin card is outside its validity")
    return cert


@dataclass(frozen=True)
class VotingCardToken:
    """The one-use activation written on a voting card (投票カード) at reception. No identity."""

    card_id: str
    election_id: str
    place_id: str
    issuer_id: str
    contests: tuple[str, ...]
    audio: bool
    expires_at: datetime

    def to_body(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "election_id": self.election_id,
            "place_id": self.place_id,
            "issuer_id": self.issuer_id,
            "contests": list(self.contests),
            "audio": self.audio,
            "expires_at": self.expires_at.isoformat(),
        }

    def sign(self, issuer_key: Ed25519PrivateKey) -> bytes:
        return _signed(self.to_body(), issuer_key, VOTING_CARD_PURPOSE)


def read_token(data: bytes) -> tuple[VotingCardToken, bytes, bytes]:
    """Parse a token without trusting it; the caller verifies with the issuer's key."""
    body, body_bytes, signature = _open(data, "投票カード / voting card")
    r = FieldReader(body, "voting card", CredentialError)
    token = whole(r, VotingCardToken(
        card_id=r.identifier("card_id"),
        election_id=r.identifier("election_id"),
        place_id=r.identifier("place_id"),
        issuer_id=r.identifier("issuer_id"),
        contests=tuple(r.texts("contests")),
        audio=r.flag("audio"),
        expires_at=r.moment("expires_at"),
    ))
    return token, body_bytes, signature


def verify_token_signature(body_bytes: bytes, signature: bytes, issuer_public_key: bytes) -> None:
    try:
        verify(issuer_public_key, VOTING_CARD_PURPOSE, body_bytes, signature, "投票カード")
    except BadSignature as exc:
        raise CredentialError(
            "この投票カードは受付で正しく発行されたものではありません / this voting card was not "
            "issued by a registered reception desk"
        ) from exc
