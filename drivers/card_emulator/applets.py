"""The card side of docs/card-protocol.md: what a Java Card applet must do, in Python. Admin
cards (one per role) and voting cards. Every state change is a single assignment made after all
checks, as a Java Card transaction commits: a card pulled mid-command either did the whole
command or none of it."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from enum import IntEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.card_apdu import (
    ADMIN_AID,
    ATR,
    SERIAL_BYTES,
    SW_BAD_DATA,
    SW_BLOCKED,
    SW_CLA,
    SW_CONDITIONS,
    SW_INS,
    SW_NO_DATA,
    SW_NOT_FOUND,
    SW_OK,
    SW_SECURITY,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    VOTING_AID,
    ApduFormatError,
    CardType,
    Command,
    Ins,
    KeyRef,
    Phase,
    Response,
    RoleByte,
    Tag,
    decode_command,
    select_response,
    status_object,
)
from election.credentials import (
    CARD_AUTH_PURPOSE,
    LOGIN_PURPOSE,
    ChallengeRefused,
    parse_card_auth_challenge,
    parse_login_challenge,
)
from election.signature import BadSignature, sign, verify

RESET_PURPOSE = "card-reset"
MAX_TRIES = 3
MAX_SHARE = 255
MAX_CHAIN = 4096


class Lifecycle(IntEnum):
    PERSONALISATION = 0x01
    OPERATIONAL = 0x07


class CardStatus(Exception):
    """Ends a command with a status word (the applet's ISOException)."""

    def __init__(self, sw: int) -> None:
        super().__init__(f"SW {sw:04X}")
        self.sw = sw


def _pin_hash(salt: bytes, pin: bytes) -> bytes:
    return hashlib.sha256(salt + pin).digest()


def _valid_pin(pin: bytes) -> bool:
    return 4 <= len(pin) <= 12 and pin.isdigit()


@dataclass
class EmulatedCard:
    """Common part: SELECT, command chaining, response chaining, power cycle."""

    serial: bytes = field(default_factory=lambda: os.urandom(SERIAL_BYTES))
    atr: bytes = ATR
    selected: bool = False
    _chain: bytes = b""
    _chain_head: bytes = b""
    _pending: bytes = b""

    aid: bytes = b""
    card_type: CardType = CardType.ADMIN

    def power_reset(self) -> None:
        """Power off/on or reset: all volatile state (PIN status, selection, buffers) is gone."""
        self.selected = False
        self._chain = self._chain_head = self._pending = b""

    def process(self, raw: bytes) -> bytes:
        try:
            command = decode_command(raw)
        except ApduFormatError:
            return Response(b"", SW_WRONG_LENGTH).encode()
        try:
            return self._dispatch(command).encode()
        except CardStatus as status:
            return Response(b"", status.sw).encode()

    def _dispatch(self, c: Command) -> Response:
        if c.ins == Ins.GET_RESPONSE and c.cla == 0x00:
            return self._chunk(self._pending)
        self._pending = b""
        if c.cla & 0x10:  # command chaining: collect, answer 9000, act on the last block
            head = bytes([c.cla & ~0x10, c.ins, c.p1, c.p2])
            if self._chain and head != self._chain_head:
                self._chain = b""
            if len(self._chain) + len(c.data) > MAX_CHAIN:
                self._chain = b""
                raise CardStatus(SW_WRONG_LENGTH)
            self._chain_head, self._chain = head, self._chain + c.data
            return Response(b"", SW_OK)
        if self._chain:
            head = bytes([c.cla, c.ins, c.p1, c.p2])
            data = self._chain + c.data if head == self._chain_head else c.data
            self._chain = b""
            c = Command(c.cla, c.ins, c.p1, c.p2, data, c.le)
        if c.cla not in (0x00, 0x80):
            raise CardStatus(SW_CLA)
        if c.ins == Ins.SELECT and c.cla == 0x00:
            if c.p1 != 0x04 or c.data != self.aid:
                self.selected = False
                raise CardStatus(SW_NOT_FOUND)
            self.selected = True
            self._on_select()
            return Response(select_response(self.card_type, self.serial), SW_OK)
        if not self.selected:
            raise CardStatus(SW_CONDITIONS)
        return self._chunk(self.handle(c))

    def _chunk(self, data: bytes) -> Response:
        """Response chaining: at most 256 bytes per response, 61xx says how many follow."""
        if len(data) <= 256:
            self._pending = b""
            return Response(data, SW_OK)
        self._pending = data[256:]
        rest = len(self._pending)
        return Response(data[:256], 0x6100 | (rest if rest < 256 else 0))

    def _on_select(self) -> None:
        pass

    def handle(self, c: Command) -> bytes:
        raise CardStatus(SW_INS)


@dataclass
class AdminCardApplet(EmulatedCard):
    """An admin card (PIV-style): card-authenticity key (no PIN), identity key (after the PIN),
    PIN with its try counter on the card, and for key holders a share slot behind the PIN."""

    role: RoleByte = RoleByte.POLL_MANAGER
    lifecycle: Lifecycle = Lifecycle.PERSONALISATION
    pin_salt: bytes = field(default_factory=lambda: os.urandom(16))
    pin_check: bytes = b""
    tries_left: int = MAX_TRIES
    max_tries: int = MAX_TRIES
    identity_key: Ed25519PrivateKey | None = None
    auth_key: Ed25519PrivateKey | None = None
    objects: dict[int, bytes] = field(default_factory=dict)
    share: bytes | None = None
    pin_verified: bool = False
    card_nonce: bytes = b""

    def __post_init__(self) -> None:
        self.aid, self.card_type = ADMIN_AID, CardType.ADMIN

    def power_reset(self) -> None:
        super().power_reset()
        self.pin_verified = False
        self.card_nonce = b""

    def _on_select(self) -> None:
        self.pin_verified = False  # selecting again starts a new session

    def _require_pin(self) -> None:
        if self.lifecycle is not Lifecycle.OPERATIONAL:
            raise CardStatus(SW_CONDITIONS)
        if self.tries_left == 0:
            raise CardStatus(SW_BLOCKED)
        if not self.pin_verified:
            raise CardStatus(SW_SECURITY)

    def handle(self, c: Command) -> bytes:
        handler = {
            Ins.GET_DATA: self._get_data,
            Ins.VERIFY: self._verify,
            Ins.INTERNAL_AUTHENTICATE: self._authenticate,
            Ins.GET_CHALLENGE: self._get_challenge,
            Ins.RESET_RETRY_COUNTER: self._reset,
            Ins.GENERATE_KEY: self._generate,
            Ins.PUT_DATA: self._put_data,
            Ins.CHANGE_REFERENCE_DATA: self._set_pin,
            Ins.FINISH_PERSONALISATION: self._finish,
            Ins.GET_SHARE: self._get_share,
            Ins.PUT_SHARE: self._put_share,
        }.get(Ins(c.ins) if c.ins in Ins._value2member_map_ else None)  # type: ignore[arg-type]
        if handler is None:
            raise CardStatus(SW_INS)
        return handler(c)

    def _get_data(self, c: Command) -> bytes:
        if c.p2 == Tag.ROLE:
            return bytes([self.role])
        if c.p2 == Tag.SHARE_STATUS:
            if self.role is not RoleByte.KEY_HOLDER:
                raise CardStatus(SW_NO_DATA)
            return bytes([self.share is not None])
        if c.p2 not in (Tag.IDENTITY_CERTIFICATE, Tag.CARD_AUTH_CERTIFICATE, Tag.COMMISSION_KEY):
            raise CardStatus(SW_WRONG_P1P2)
        if c.p2 not in self.objects:
            raise CardStatus(SW_NO_DATA)
        return self.objects[c.p2]

    def _verify(self, c: Command) -> bytes:
        if c.p2 != 0x80:
            raise CardStatus(SW_WRONG_P1P2)
        if self.lifecycle is not Lifecycle.OPERATIONAL:
            raise CardStatus(SW_CONDITIONS)
        if self.tries_left == 0:
            raise CardStatus(SW_BLOCKED)
        if not c.data:  # state query
            if self.pin_verified:
                return b""
            raise CardStatus(0x63C0 | self.tries_left)
        if _valid_pin(c.data) and hmac.compare_digest(
            _pin_hash(self.pin_salt, c.data), self.pin_check
        ):
            self.tries_left, self.pin_verified = self.max_tries, True
            return b""
        self.tries_left, self.pin_verified = self.tries_left - 1, False
        raise CardStatus(SW_BLOCKED if self.tries_left == 0 else 0x63C0 | self.tries_left)

    def _authenticate(self, c: Command) -> bytes:
        if self.lifecycle is not Lifecycle.OPERATIONAL:
            raise CardStatus(SW_CONDITIONS)
        try:
            if c.p2 == KeyRef.CARD_AUTH:
                parse_card_auth_challenge(c.data)
                assert self.auth_key is not None
                return sign(self.auth_key, CARD_AUTH_PURPOSE, c.data)
            if c.p2 == KeyRef.IDENTITY:
                self._require_pin()
                parse_login_challenge(c.data)
                assert self.identity_key is not None
                return sign(self.identity_key, LOGIN_PURPOSE, c.data)
        except ChallengeRefused as exc:
            raise CardStatus(SW_BAD_DATA) from exc
        raise CardStatus(SW_WRONG_P1P2)

    def _get_challenge(self, c: Command) -> bytes:
        self.card_nonce = os.urandom(32)
        return self.card_nonce

    def _reset(self, c: Command) -> bytes:
        """Commission reset: a signature by the commission key over card nonce ‖ serial ‖ new
        PIN. Wipes both keys, the certificates and the share, then stores the new PIN."""
        if c.p2 != 0x80 or len(c.data) < 64 + 4:
            raise CardStatus(SW_BAD_DATA)
        signature, pin = c.data[:64], c.data[64:]
        commission = self.objects.get(Tag.COMMISSION_KEY)
        nonce, self.card_nonce = self.card_nonce, b""
        if commission is None or not nonce or not _valid_pin(pin):
            raise CardStatus(SW_CONDITIONS)
        try:
            verify(commission, RESET_PURPOSE, nonce + self.serial + pin, signature, "reset")
        except BadSignature as exc:
            raise CardStatus(SW_SECURITY) from exc
        self.identity_key = self.auth_key = None  # wipe first,
        self.share = None
        self.objects = {Tag.COMMISSION_KEY: commission}
        self.pin_salt = os.urandom(16)  # then the new PIN
        self.pin_check = _pin_hash(self.pin_salt, pin)
        self.tries_left, self.pin_verified = self.max_tries, False
        self.lifecycle = Lifecycle.PERSONALISATION
        return b""

    def _personalising(self) -> None:
        if self.lifecycle is not Lifecycle.PERSONALISATION:
            raise CardStatus(SW_CONDITIONS)

    def _generate(self, c: Command) -> bytes:
        self._personalising()
        key = Ed25519PrivateKey.generate()
        if c.p2 == KeyRef.IDENTITY:
            self.identity_key = key
        elif c.p2 == KeyRef.CARD_AUTH:
            self.auth_key = key
        else:
            raise CardStatus(SW_WRONG_P1P2)
        return key.public_key().public_bytes_raw()

    def _put_data(self, c: Command) -> bytes:
        self._personalising()
        if c.p2 == Tag.ROLE:
            if len(c.data) != 1 or c.data[0] not in RoleByte._value2member_map_:
                raise CardStatus(SW_BAD_DATA)
            self.role = RoleByte(c.data[0])
            return b""
        if c.p2 == Tag.COMMISSION_KEY and len(c.data) != 32:
            raise CardStatus(SW_BAD_DATA)
        if c.p2 not in (Tag.IDENTITY_CERTIFICATE, Tag.CARD_AUTH_CERTIFICATE, Tag.COMMISSION_KEY):
            raise CardStatus(SW_WRONG_P1P2)
        self.objects[c.p2] = c.data
        return b""

    def _set_pin(self, c: Command) -> bytes:
        self._personalising()
        if c.p2 != 0x80 or not _valid_pin(c.data):
            raise CardStatus(SW_BAD_DATA)
        self.pin_check = _pin_hash(self.pin_salt, c.data)
        self.tries_left = self.max_tries
        return b""

    def _finish(self, c: Command) -> bytes:
        self._personalising()
        needed = (Tag.IDENTITY_CERTIFICATE, Tag.CARD_AUTH_CERTIFICATE, Tag.COMMISSION_KEY)
        if (self.identity_key is None or self.auth_key is None or not self.pin_check
                or any(t not in self.objects for t in needed)):
            raise CardStatus(SW_CONDITIONS)
        self.lifecycle = Lifecycle.OPERATIONAL
        return b""

    def _key_holder(self) -> None:
        if self.role is not RoleByte.KEY_HOLDER:
            raise CardStatus(SW_INS)
        self._require_pin()

    def _get_share(self, c: Command) -> bytes:
        self._key_holder()
        if self.share is None:
            raise CardStatus(SW_NO_DATA)
        return self.share

    def _put_share(self, c: Command) -> bytes:
        self._key_holder()
        if c.p1 == 0x01:  # erase
            self.share = None
            return b""
        if c.p1 != 0x00 or not 1 <= len(c.data) <= MAX_SHARE:
            raise CardStatus(SW_BAD_DATA)
        if self.share is not None:
            raise CardStatus(SW_CONDITIONS)  # written once; erase first
        self.share = c.data
        return b""


@dataclass
class VotingCardApplet(EmulatedCard):
    """A voting card (投票カード): EMPTY → ISSUED (token written) → LOCKED(machine) →
    CONSUMED, or ISSUED → VOIDED at reception; a CONSUMED or VOIDED card may be written again."""

    phase: Phase = Phase.EMPTY
    token: bytes = b""
    machine_id: str = ""

    def __post_init__(self) -> None:
        self.aid, self.card_type = VOTING_AID, CardType.VOTING

    def handle(self, c: Command) -> bytes:
        if c.ins == Ins.GET_DATA and c.p2 == Tag.TOKEN:
            if self.phase is Phase.EMPTY:
                raise CardStatus(SW_NO_DATA)
            return self.token
        if c.ins == Ins.GET_DATA and c.p2 == Tag.STATUS:
            return status_object(self.phase, self.machine_id)
        if c.ins == Ins.GET_DATA:
            raise CardStatus(SW_WRONG_P1P2)
        if c.ins == Ins.WRITE_TOKEN:
            if self.phase not in (Phase.EMPTY, Phase.CONSUMED, Phase.VOIDED):
                raise CardStatus(SW_CONDITIONS)
            if not c.data or len(c.data) > MAX_CHAIN:
                raise CardStatus(SW_BAD_DATA)
            self.token, self.machine_id, self.phase = c.data, "", Phase.ISSUED
            return b""
        if c.ins == Ins.VOID:
            if self.phase is not Phase.ISSUED:
                raise CardStatus(SW_CONDITIONS)
            self.phase = Phase.VOIDED
            return b""
        if c.ins in (Ins.LOCK, Ins.CONSUME, Ins.RELEASE):
            machine = c.data
            if not 1 <= len(machine) <= 64 or not all(0x21 <= b <= 0x7E for b in machine):
                raise CardStatus(SW_BAD_DATA)
            ours = self.machine_id == machine.decode()
            if c.ins == Ins.LOCK and (self.phase is Phase.ISSUED
                                      or (self.phase is Phase.LOCKED and ours)):
                self.phase, self.machine_id = Phase.LOCKED, machine.decode()
                return b""
            if c.ins == Ins.CONSUME and self.phase is Phase.LOCKED and ours:
                self.phase = Phase.CONSUMED
                return b""
            if c.ins == Ins.RELEASE and self.phase is Phase.LOCKED and ours:
                self.phase, self.machine_id = Phase.ISSUED, ""
                return b""
            raise CardStatus(SW_CONDITIONS)
        raise CardStatus(SW_INS)


@dataclass
class ForeignCard(EmulatedCard):
    """Some other smartcard (a bank card, a transit card): knows none of our applications."""

    def __post_init__(self) -> None:
        self.aid = bytes.fromhex("A0000000031010")  # a payment application


__all__ = [
    "AdminCardApplet",
    "CardStatus",
    "EmulatedCard",
    "ForeignCard",
    "Lifecycle",
    "VotingCardApplet",
    "SW_OK",
]
