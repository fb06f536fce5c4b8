"""The commission's card programmer (選挙管理委員会): personalises an admin card over any
transport (PC/SC or an emulated card in-process) with the APDUs of docs/card-protocol.md §6,
and resets a blocked card. Keys are generated on the card and never leave it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.card_apdu import (
    ADMIN_AID,
    SW_NOT_FOUND,
    Command,
    Ins,
    KeyRef,
    Response,
    RoleByte,
    Tag,
    chained,
    exchange,
    parse_select,
    select,
)
from election.credentials import AdminCertificate, CardAuthCertificate, Role
from election.signature import sign

RESET_PURPOSE = "card-reset"
ROLE_BYTES = {
    Role.COMMISSION: RoleByte.COMMISSION,
    Role.POLL_MANAGER: RoleByte.POLL_MANAGER,
    Role.KEY_HOLDER: RoleByte.KEY_HOLDER,
    Role.COUNTING_MANAGER: RoleByte.COUNTING_MANAGER,
}

Raw = Callable[[bytes], bytes]


class ProgrammingError(RuntimeError):
    """The card refused a personalisation step; the message names the step and status word."""


def _ok(raw: Raw, command: Command | list[Command], step: str) -> bytes:
    response: Response = exchange(raw, command)
    if not response.ok:
        raise ProgrammingError(f"{step}: カードが拒否しました / card refused ({response.sw:04X})")
    return response.data


@dataclass(frozen=True)
class AdminCardOrder:
    """What the commission decides for one admin card."""

    card_id: str
    role: Role
    holder: str
    municipality: str
    election_id: str
    not_before: datetime
    not_after: datetime
    pin: str


def personalise_admin_card(
    raw: Raw, order: AdminCardOrder, commission_key: Ed25519PrivateKey
) -> tuple[bytes, bytes]:
    """Program a blank (or freshly reset) admin card; returns (identity certificate,
    card-authenticity certificate) for the package's ``admin_certificates`` list."""
    if exchange(raw, select(ADMIN_AID)).sw == SW_NOT_FOUND:
        raise ProgrammingError("管理者カードではありません / not an admin card")
    identity = _ok(raw, Command(0x00, Ins.GENERATE_KEY, 0, KeyRef.IDENTITY, b"", 0), "GENERATE 9A")
    auth = _ok(raw, Command(0x00, Ins.GENERATE_KEY, 0, KeyRef.CARD_AUTH, b"", 0), "GENERATE 9E")
    certificate = AdminCertificate(
        order.card_id, order.role, order.holder, order.municipality, order.election_id,
        order.not_before, order.not_after, identity,
    ).sign(commission_key)
    auth_certificate = CardAuthCertificate(
        order.card_id, order.election_id, order.not_before, order.not_after, auth
    ).sign(commission_key)
    commission_public = commission_key.public_key().public_bytes_raw()
    for tag, value in ((Tag.ROLE, bytes([ROLE_BYTES[order.role]])),
                       (Tag.IDENTITY_CERTIFICATE, certificate),
                       (Tag.CARD_AUTH_CERTIFICATE, auth_certificate),
                       (Tag.COMMISSION_KEY, commission_public)):
        _ok(raw, chained(0x80, Ins.PUT_DATA, 0, tag, value), f"PUT DATA {tag:02X}")
    _ok(raw, Command(0x00, Ins.CHANGE_REFERENCE_DATA, 0, 0x80, order.pin.encode()), "SET PIN")
    _ok(raw, Command(0x80, Ins.FINISH_PERSONALISATION, 0, 0), "FINISH")
    return certificate, auth_certificate


def reset_message(card_nonce: bytes, serial: bytes, new_pin: str) -> bytes:
    return card_nonce + serial + new_pin.encode()


def reset_admin_card(raw: Raw, new_pin: str, commission_key: Ed25519PrivateKey) -> None:
    """Commission reset of a (blocked) card: the card wipes its keys, certificates and share,
    then stores the new PIN and returns to personalisation (program it again)."""
    info = parse_select(_ok(raw, select(ADMIN_AID), "SELECT"))
    nonce = _ok(raw, Command(0x00, Ins.GET_CHALLENGE, 0, 0, b"", 32), "GET CHALLENGE")
    signature = sign(commission_key, RESET_PURPOSE, reset_message(nonce, info.serial, new_pin))
    _ok(raw, Command(0x00, Ins.RESET_RETRY_COUNTER, 0, 0x80, signature + new_pin.encode()),
        "RESET RETRY COUNTER")
