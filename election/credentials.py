"""What the commission and the reception desk sign onto cards: the admin card certificate and the
voting card's one-use activation token (docs/media-format.md §11)."""

from __future__ import annotations

import hashlib
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
    _check_card_validity(cert.election_id, cert.not_before, cert.not_after, election_id, now)
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


# --- card authentication (docs/card-protocol.md §5) ----------------------------------------------

CARD_AUTH_CERTIFICATE_PURPOSE = "card-authenticity-certificate"
CARD_AUTH_PURPOSE = "card-authenticity"
LOGIN_PURPOSE = "admin-login"
CHALLENGE_VERSION = 1
NONCE_BYTES = 32
_ID_BYTES = re.compile(rb"[\x21-\x7e]{1,64}")
_FINGERPRINT_BYTES = re.compile(rb"(?:[0-9a-f]{64})?")
_OPERATION_BYTES = re.compile(rb"[a-z][a-z0-9-]{0,31}")


@dataclass(frozen=True)
class CardAuthCertificate:
    """PIV-style card-authenticity certificate: binds the card's second key, usable without the
    PIN, to the card and the election, so a machine can tell "not one of our cards" or "another
    election" before asking for a PIN. Signed by the commission."""

    card_id: str
    election_id: str
    not_before: datetime
    not_after: datetime
    public_key: bytes

    def to_body(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "election_id": self.election_id,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "public_key": self.public_key.hex(),
        }

    def sign(self, commission_key: Ed25519PrivateKey) -> bytes:
        return _signed(self.to_body(), commission_key, CARD_AUTH_CERTIFICATE_PURPOSE)


def open_card_auth_certificate(
    data: bytes, commission_public_key: bytes, election_id: str, now: datetime
) -> CardAuthCertificate:
    """Verify the card-authenticity certificate: commission signature, election, validity."""
    body, body_bytes, signature = _open(data, "カード認証証明書 / card-authenticity certificate")
    try:
        verify(commission_public_key, CARD_AUTH_CERTIFICATE_PURPOSE, body_bytes, signature,
               "カード認証証明書")
    except BadSignature as exc:
        raise CredentialError(
            "選挙管理委員会のカードではありません / not a card of the election commission"
        ) from exc
    r = FieldReader(body, "card-authenticity certificate", CredentialError)
    cert = whole(r, CardAuthCertificate(
        card_id=r.identifier("card_id"),
        election_id=r.identifier("election_id"),
        not_before=r.moment("not_before"),
        not_after=r.moment("not_after"),
        public_key=r.hexbytes("public_key", 32),
    ))
    _check_card_validity(cert.election_id, cert.not_before, cert.not_after, election_id, now)
    return cert


def _check_card_validity(
    card_election: str, not_before: datetime, not_after: datetime, election_id: str, now: datetime
) -> None:
    """Both admin-card certificates: this election, and valid now give or take the clock skew
    (a freshly programmed card must not be 'not yet valid' on a machine a few minutes behind)."""
    if card_election != election_id:
        raise CredentialError("別の選挙の管理者カードです / admin card of another election")
    if not not_before - CLOCK_SKEW <= now <= not_after + CLOCK_SKEW:
        raise CredentialError("管理者カードの有効期間外です / admin card is outside its validity")


def _field(value: bytes) -> bytes:
    return bytes([len(value)]) + value


def card_auth_challenge(nonce: bytes, machine_id: str) -> bytes:
    """What the card-authenticity key signs (no PIN): version ‖ nonce ‖ len ‖ machine id."""
    return bytes([CHALLENGE_VERSION]) + nonce + _field(machine_id.encode())


def login_challenge(nonce: bytes, machine_id: str, fingerprint: str, operation: str) -> bytes:
    """What the identity key signs after the PIN: version ‖ nonce ‖ machine id ‖ package
    fingerprint (empty before a package) ‖ operation, each after a one-byte length."""
    return (
        bytes([CHALLENGE_VERSION]) + nonce + _field(machine_id.encode())
        + _field(fingerprint.encode()) + _field(operation.encode())
    )


class ChallengeRefused(ValueError):
    """A card refuses to sign bytes that are not a well-formed challenge of its domain."""


def _take(data: bytes, at: int) -> tuple[bytes, int]:
    if at >= len(data) or at + 1 + data[at] > len(data):
        raise ChallengeRefused("truncated challenge")
    return data[at + 1: at + 1 + data[at]], at + 1 + data[at]


def parse_card_auth_challenge(data: bytes) -> tuple[bytes, str]:
    """The card's check before signing with the card-authenticity key."""
    if len(data) < 1 + NONCE_BYTES or data[0] != CHALLENGE_VERSION:
        raise ChallengeRefused("not a card-authenticity challenge")
    machine, end = _take(data, 1 + NONCE_BYTES)
    if end != len(data) or not _ID_BYTES.fullmatch(machine):
        raise ChallengeRefused("bad machine id")
    return data[1:1 + NONCE_BYTES], machine.decode()


def parse_login_challenge(data: bytes) -> tuple[bytes, str, str, str]:
    """The card's check before signing with the identity key: only admin-login challenges that
    name a machine, a package fingerprint (or none) and an operation are ever signed."""
    if len(data) < 1 + NONCE_BYTES or data[0] != CHALLENGE_VERSION:
        raise ChallengeRefused("not an admin-login challenge")
    machine, at = _take(data, 1 + NONCE_BYTES)
    fingerprint, at = _take(data, at)
    operation, end = _take(data, at)
    if (end != len(data) or not _ID_BYTES.fullmatch(machine)
            or not _FINGERPRINT_BYTES.fullmatch(fingerprint)
            or not _OPERATION_BYTES.fullmatch(operation)):
        raise ChallengeRefused("malformed admin-login challenge")
    return data[1:1 + NONCE_BYTES], machine.decode(), fingerprint.decode(), operation.decode()


def certificate_digest(certificate: bytes) -> str:
    """How the package's ``admin_certificates`` lists a card: SHA-256 hex of its certificate."""
    return hashlib.sha256(certificate).hexdigest()


def token_card_serial(token: VotingCardToken) -> str:
    """The chip serial a token is bound to: the first 16 hex digits of its ``card_id`` (the
    issuer writes card_id = chip serial (8 bytes) ‖ 8 random bytes, in hex)."""
    return token.card_id[:16]
