"""The tohyoki card protocol at the APDU level (docs/card-protocol.md): application ids,
instruction bytes, status words, command builders and strict response parsers. Pure Python, no
PC/SC: the card emulator and the PC/SC reader both use it, and the parsers are fuzzed
(tests/test_cards_fuzz.py) because every byte here comes from a card we do not trust."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

ADMIN_AID = bytes.fromhex("F0746F68796F6B6901")  # F0 "tohyoki" 01
VOTING_AID = bytes.fromhex("F0746F68796F6B6902")  # F0 "tohyoki" 02
PROTOCOL_VERSION = 1
SERIAL_BYTES = 8
MAX_SHORT = 255
MAX_OBJECT = 4096  # longest data object a card stores (certificates, tokens)


def _atr() -> bytes:
    historical = b"TOHYOKI1"
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])


ATR = _atr()  # 3B 88 80 01 'TOHYOKI1' TCK: T=0 and T=1 offered, 8 historical bytes


class Ins(IntEnum):
    SELECT = 0xA4
    GET_DATA = 0xCA
    GET_RESPONSE = 0xC0
    VERIFY = 0x20
    CHANGE_REFERENCE_DATA = 0x24
    RESET_RETRY_COUNTER = 0x2C
    GET_CHALLENGE = 0x84
    INTERNAL_AUTHENTICATE = 0x88
    GENERATE_KEY = 0x47
    PUT_DATA = 0xDA
    FINISH_PERSONALISATION = 0xE0
    GET_SHARE = 0x5A
    PUT_SHARE = 0x5B
    WRITE_TOKEN = 0xD0
    LOCK = 0xE2
    CONSUME = 0xE4
    RELEASE = 0xE6
    VOID = 0xE8


class Tag(IntEnum):
    """GET DATA / PUT DATA object tags (P2)."""

    IDENTITY_CERTIFICATE = 0x01
    CARD_AUTH_CERTIFICATE = 0x02
    COMMISSION_KEY = 0x04
    ROLE = 0x05
    SHARE_STATUS = 0x06  # key-holder cards: 01 a share is stored, 00 none (no PIN needed)
    TOKEN = 0x11
    STATUS = 0x12


class KeyRef(IntEnum):
    IDENTITY = 0x9A  # PIV authentication key: after the PIN
    CARD_AUTH = 0x9E  # PIV card authentication key: no PIN


PIN_REF = 0x80


class CardType(IntEnum):
    ADMIN = 0x01
    VOTING = 0x02


class Phase(IntEnum):
    """A voting card's life (status object tag 0x90)."""

    EMPTY = 0x00
    ISSUED = 0x01
    LOCKED = 0x02
    CONSUMED = 0x03
    VOIDED = 0x04


class RoleByte(IntEnum):
    COMMISSION = 0x01
    POLL_MANAGER = 0x02
    KEY_HOLDER = 0x03
    COUNTING_MANAGER = 0x04


SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY = 0x6982
SW_BLOCKED = 0x6983
SW_CONDITIONS = 0x6985
SW_BAD_DATA = 0x6A80
SW_NOT_FOUND = 0x6A82
SW_NO_DATA = 0x6A88
SW_WRONG_P1P2 = 0x6B00
SW_INS = 0x6D00
SW_CLA = 0x6E00
SW_MEMORY = 0x6A84


class ApduFormatError(ValueError):
    """Bytes from the card (or to it) are not a well-formed message of this protocol."""


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le; 0: up to 256

    def encode(self) -> bytes:
        """Short APDU encoding (ISO 7816-4 cases 1-4)."""
        if len(self.data) > MAX_SHORT:
            raise ApduFormatError("data longer than a short APDU: use chaining")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out


def decode_command(raw: bytes) -> Command:
    """The card's parser of a short APDU."""
    if len(raw) < 4:
        raise ApduFormatError("APDU shorter than its header")
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if not body:
        return Command(cla, ins, p1, p2)
    if len(body) == 1:
        return Command(cla, ins, p1, p2, b"", body[0])
    lc = body[0]
    if lc == 0:
        raise ApduFormatError("extended length APDUs are not used by this protocol")
    if len(body) == 1 + lc:
        return Command(cla, ins, p1, p2, body[1:])
    if len(body) == 2 + lc:
        return Command(cla, ins, p1, p2, body[1:-1], body[-1])
    raise ApduFormatError("Lc does not match the APDU length")


def chained(cla: int, ins: int, p1: int, p2: int, data: bytes) -> list[Command]:
    """ISO 7816-4 command chaining (CLA bit 0x10 on every block but the last) for long data."""
    blocks = [data[i:i + MAX_SHORT] for i in range(0, len(data), MAX_SHORT)] or [b""]
    return [
        Command(cla | (0x10 if n < len(blocks) - 1 else 0), ins, p1, p2, block)
        for n, block in enumerate(blocks)
    ]


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def encode(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


def decode_response(raw: bytes) -> Response:
    if len(raw) < 2:
        raise ApduFormatError("response shorter than a status word")
    return Response(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))


# --- commands -----------------------------------------------------------------------------


def select(aid: bytes) -> Command:
    return Command(0x00, Ins.SELECT, 0x04, 0x00, aid, 0x00)


def get_data(tag: Tag) -> Command:
    return Command(0x80, Ins.GET_DATA, 0x00, tag, b"", 0x00)


def get_response(length: int) -> Command:
    return Command(0x00, Ins.GET_RESPONSE, 0x00, 0x00, b"", length & 0xFF)


def verify(pin: str | None) -> Command:
    """VERIFY; without a PIN it asks for the state (9000 verified, 63Cx tries left, 6983)."""
    return Command(0x00, Ins.VERIFY, 0x00, PIN_REF, pin.encode() if pin is not None else b"")


def internal_authenticate(key: KeyRef, challenge: bytes) -> Command:
    return Command(0x00, Ins.INTERNAL_AUTHENTICATE, 0x00, key, challenge, 0x00)


def machine_command(ins: Ins, machine_id: str) -> Command:
    return Command(0x80, ins, 0x00, 0x00, machine_id.encode())


# --- responses ----------------------------------------------------------------------------


def tlv(tag: int, value: bytes) -> bytes:
    if len(value) > 0xFF:
        raise ApduFormatError("TLV value too long")
    return bytes([tag, len(value)]) + value


def parse_tlv(data: bytes) -> dict[int, bytes]:
    """Flat one-byte-tag, one-byte-length TLV; duplicate tags and trailing bytes are refused."""
    out: dict[int, bytes] = {}
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise ApduFormatError("truncated TLV header")
        tag, length = data[at], data[at + 1]
        if at + 2 + length > len(data):
            raise ApduFormatError("TLV value runs past the end")
        if tag in out:
            raise ApduFormatError(f"duplicate TLV tag {tag:02X}")
        out[tag] = data[at + 2:at + 2 + length]
        at += 2 + length
    return out


@dataclass(frozen=True)
class SelectInfo:
    version: int
    card_type: CardType
    serial: bytes


def parse_select(data: bytes) -> SelectInfo:
    fields = parse_tlv(data)
    try:
        version, kind, serial = fields[0x80], fields[0x81], fields[0x82]
    except KeyError as exc:
        raise ApduFormatError("SELECT response lacks version, type or serial") from exc
    if len(version) != 1 or len(kind) != 1 or len(serial) != SERIAL_BYTES:
        raise ApduFormatError("SELECT response fields have wrong lengths")
    if version[0] != PROTOCOL_VERSION:
        raise ApduFormatError(f"card protocol version {version[0]} is not supported")
    try:
        card_type = CardType(kind[0])
    except ValueError as exc:
        raise ApduFormatError("unknown card type") from exc
    return SelectInfo(version[0], card_type, serial)


def select_response(card_type: CardType, serial: bytes) -> bytes:
    return (tlv(0x80, bytes([PROTOCOL_VERSION])) + tlv(0x81, bytes([card_type]))
            + tlv(0x82, serial))


def parse_status(data: bytes) -> tuple[Phase, str]:
    """Voting card status object: 90 01 phase, 91 n machine id (empty unless locked/consumed)."""
    fields = parse_tlv(data)
    if set(fields) != {0x90, 0x91} or len(fields[0x90]) != 1:
        raise ApduFormatError("status object must hold exactly tags 90 (1 byte) and 91")
    try:
        phase = Phase(fields[0x90][0])
        machine = fields[0x91].decode("ascii")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApduFormatError("bad phase or machine id in the status object") from exc
    bound = phase in (Phase.LOCKED, Phase.CONSUMED)
    if bound != bool(machine) or (machine and not machine.isprintable()):
        raise ApduFormatError("machine id present exactly when the card is locked or consumed")
    return phase, machine


def status_object(phase: Phase, machine_id: str) -> bytes:
    return tlv(0x90, bytes([phase])) + tlv(0x91, machine_id.encode("ascii"))


def tries_left(sw: int) -> int | None:
    """63Cx → x; anything else → None."""
    return sw & 0x0F if sw & 0xFFF0 == 0x63C0 else None


MAX_RESPONSE = 8192


def exchange(raw: Callable[[bytes], bytes], command: Command | list[Command]) -> Response:
    """Send one command or a chain through ``raw`` (bytes → bytes), follow 61xx with GET
    RESPONSE, and return the whole answer. Raises ApduFormatError on malformed answers."""
    commands = command if isinstance(command, list) else [command]
    for block in commands[:-1]:
        response = decode_response(raw(block.encode()))
        if not response.ok:
            return response
    response = decode_response(raw(commands[-1].encode()))
    data = response.data
    while response.sw & 0xFF00 == 0x6100:
        if len(data) > MAX_RESPONSE:
            raise ApduFormatError("response longer than any object of this protocol")
        response = decode_response(raw(get_response(response.sw & 0xFF).encode()))
        data += response.data
    return Response(data, response.sw)
