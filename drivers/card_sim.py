"""Simulated smartcards and reader, following the card rules of docs/card-protocol.md: the PIN
counter lives on the card, the identity key signs only after the PIN, a voting card moves
ISSUED → LOCKED(machine) → CONSUMED and never back from CONSUMED. For ``make run`` and tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election import canonical
from election.credentials import (
    CARD_AUTH_PURPOSE,
    LOGIN_PURPOSE,
    CardAuthCertificate,
    ChallengeRefused,
    CredentialError,
    parse_card_auth_challenge,
    parse_login_challenge,
    read_token,
)
from election.signature import sign
from firmware.interfaces import (
    CardBlocked,
    CardKind,
    CardRefused,
    CardRemoved,
    VotingCardPhase,
    VotingCardStatus,
    WrongPin,
)


@dataclass
class SimulatedAdminCard:
    certificate: bytes
    identity_key: Ed25519PrivateKey
    pin: str
    auth_certificate: bytes = b""
    auth_key: Ed25519PrivateKey | None = None
    serial: bytes = b"\x00" * 8
    tries_left: int = 3
    max_tries: int = 3
    pin_verified: bool = False

    def verify_pin(self, pin: str) -> None:
        if self.tries_left == 0:
            raise CardBlocked("card blocked")
        if pin != self.pin:
            self.tries_left -= 1
            self.pin_verified = False
            if self.tries_left == 0:
                raise CardBlocked("card blocked")
            raise WrongPin(self.tries_left)
        self.tries_left = self.max_tries
        self.pin_verified = True

    def sign(self, challenge: bytes) -> bytes:
        """Like the real card: only after the PIN, and only an admin-login challenge."""
        if self.tries_left == 0:
            raise CardBlocked("card blocked")
        if not self.pin_verified:
            raise CardRefused("security status not satisfied: verify the PIN first")
        try:
            parse_login_challenge(challenge)
        except ChallengeRefused as exc:
            raise CardRefused("the card signs only admin-login challenges") from exc
        return sign(self.identity_key, LOGIN_PURPOSE, challenge)

    def authenticate(self, challenge: bytes) -> bytes:
        if self.auth_key is None:
            raise CardRefused("no card-authenticity key on this card")
        try:
            parse_card_auth_challenge(challenge)
        except ChallengeRefused as exc:
            raise CardRefused("the card signs only card-authenticity challenges") from exc
        return sign(self.auth_key, CARD_AUTH_PURPOSE, challenge)


@dataclass
class SimulatedVotingCard:
    token: bytes
    phase: VotingCardPhase = VotingCardPhase.ISSUED
    machine_id: str = ""
    serial: bytes | None = None  # None: the chip serial the token was written for
    history: list[str] = field(default_factory=list)

    def lock(self, machine_id: str) -> None:
        if self.phase is VotingCardPhase.ISSUED or (
            self.phase is VotingCardPhase.LOCKED and self.machine_id == machine_id
        ):
            self.phase, self.machine_id = VotingCardPhase.LOCKED, machine_id
            self.history.append(f"lock:{machine_id}")
            return
        raise CardRefused(f"cannot lock a card that is {self.phase.value}")

    def consume(self, machine_id: str) -> None:
        if self.phase is VotingCardPhase.LOCKED and self.machine_id == machine_id:
            self.phase = VotingCardPhase.CONSUMED
            self.history.append(f"consume:{machine_id}")
            return
        raise CardRefused(f"cannot consume a card that is {self.phase.value}")

    def release(self, machine_id: str) -> None:
        if self.phase is VotingCardPhase.LOCKED and self.machine_id == machine_id:
            self.phase, self.machine_id = VotingCardPhase.ISSUED, ""
            self.history.append(f"release:{machine_id}")
            return
        raise CardRefused(f"cannot release a card that is {self.phase.value}")


Card = SimulatedAdminCard | SimulatedVotingCard


class SimulatedCardReader:
    """A reader with at most one card. ``pull_before`` names an operation at which the card is
    yanked out (the operation fails with CardRemoved and the card leaves the reader)."""

    def __init__(self) -> None:
        self.card: Card | None = None
        self.pull_before: str | None = None

    def insert(self, card: Card) -> None:
        self.card = card

    def remove(self) -> Card | None:
        card, self.card = self.card, None
        if isinstance(card, SimulatedAdminCard):
            card.pin_verified = False  # power to the chip is cut: security state resets
        return card

    def _card(self, operation: str) -> Card:
        if self.pull_before == operation:
            self.pull_before = None
            self.remove()
        if self.card is None:
            raise CardRemoved("no card in the reader")
        return self.card

    def _admin(self, operation: str) -> SimulatedAdminCard:
        card = self._card(operation)
        if not isinstance(card, SimulatedAdminCard):
            raise CardRefused("not an admin card")
        return card

    def _voting(self, operation: str) -> SimulatedVotingCard:
        card = self._card(operation)
        if not isinstance(card, SimulatedVotingCard):
            raise CardRefused("not a voting card")
        return card

    def card_serial(self) -> bytes:
        card = self._card("card_serial")
        if isinstance(card, SimulatedVotingCard) and card.serial is None:
            return _serial_of(card.token)
        return card.serial or b""

    def read_card_auth_certificate(self) -> bytes:
        return self._admin("read_card_auth_certificate").auth_certificate

    def authenticate_card(self, challenge: bytes) -> bytes:
        return self._admin("authenticate_card").authenticate(challenge)

    def card_kind(self) -> CardKind | None:
        if self.card is None:
            return None
        return CardKind.ADMIN if isinstance(self.card, SimulatedAdminCard) else CardKind.VOTING

    def read_admin_certificate(self) -> bytes:
        return self._admin("read_admin_certificate").certificate

    def verify_pin(self, pin: str) -> None:
        self._admin("verify_pin").verify_pin(pin)

    def sign_challenge(self, challenge: bytes) -> bytes:
        return self._admin("sign_challenge").sign(challenge)

    def read_voting_token(self) -> bytes:
        return self._voting("read_voting_token").token

    def voting_card_status(self) -> VotingCardStatus:
        card = self._voting("voting_card_status")
        return VotingCardStatus(card.phase, card.machine_id)

    def lock_voting_card(self, machine_id: str) -> None:
        self._voting("lock_voting_card").lock(machine_id)

    def consume_voting_card(self, machine_id: str) -> None:
        self._voting("consume_voting_card").consume(machine_id)

    def release_voting_card(self, machine_id: str) -> None:
        self._voting("release_voting_card").release(machine_id)


def _serial_of(token: bytes) -> bytes:
    """The issuer wrote the token for the card in hand: card_id begins with its chip serial."""
    try:
        return bytes.fromhex(read_token(token)[0].card_id[:16])
    except (CredentialError, ValueError):
        return b""


def with_card_authenticity(
    card: SimulatedAdminCard, commission_key: Ed25519PrivateKey
) -> SimulatedAdminCard:
    """Program the card-authenticity key and certificate the commission's programmer writes
    beside the identity certificate (drivers/card_programmer.py does it over APDUs). The key is
    derived from the identity key so that a seeded simulated card stays reproducible."""
    body = canonical.decode_object(card.certificate)["body"]
    auth_key = Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"card-auth" + card.identity_key.private_bytes_raw()).digest()
    )
    card.auth_key = auth_key
    card.auth_certificate = CardAuthCertificate(
        card_id=body["card_id"],
        election_id=body["election_id"],
        not_before=datetime.fromisoformat(body["not_before"]),
        not_after=datetime.fromisoformat(body["not_after"]),
        public_key=auth_key.public_key().public_bytes_raw(),
    ).sign(commission_key)
    return card
