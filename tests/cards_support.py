"""Helpers for the card tests over the real PC/SC path: emulated cards programmed the way the
commission and the reception desk program them, and a test station whose card reader is
``PcscCardReader`` talking to a private pcscd (tests/pcsc_env.py)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.card_apdu import Ins, chained, exchange, select
from drivers.card_emulator.applets import AdminCardApplet, VotingCardApplet
from drivers.card_programmer import AdminCardOrder, personalise_admin_card
from drivers.network import SimulatedNetwork
from drivers.pcsc_reader import PcscCardReader
from election.credentials import Role, VotingCardToken
from firmware import machine as fw
from firmware.screens import Screen
from tests import pcsc_env
from tests.station import COMMISSION_KEY, ELECTION_DAY, PIN, Station, issuer_key, make_station

ELECTION_ID = "tsukuba-2026-11"


def admin_card(
    role: Role = Role.POLL_MANAGER, label: str = "pm", pin: str = PIN,
    election_id: str = ELECTION_ID, signer: Ed25519PrivateKey = COMMISSION_KEY,
    not_before: datetime | None = None, not_after: datetime | None = None,
) -> AdminCardApplet:
    """A blank admin card personalised by the commission's programmer (APDUs in-process)."""
    card = AdminCardApplet()
    personalise_admin_card(card.process, AdminCardOrder(
        card_id=f"card-{label}", role=role, holder=f"テスト {label}", municipality="茨城県つくば市",
        election_id=election_id,
        not_before=not_before or ELECTION_DAY - timedelta(days=2),
        not_after=not_after or ELECTION_DAY + timedelta(days=2), pin=pin,
    ), signer)
    return card


def token_for(
    serial: bytes, now: datetime, contests: tuple[str, ...] = ("mayor", "assembly"),
    place_id: str = "p01", issuer_id: str = "R-p01", minutes: int = 30,
    election_id: str = ELECTION_ID, signer: Ed25519PrivateKey | None = None,
) -> bytes:
    return VotingCardToken(
        card_id=serial.hex() + os.urandom(8).hex(), election_id=election_id, place_id=place_id,
        issuer_id=issuer_id, contests=contests, audio=False,
        expires_at=now + timedelta(minutes=minutes),
    ).sign(signer or issuer_key(issuer_id))


def write_token(card: VotingCardApplet, token: bytes) -> None:
    exchange(card.process, select(card.aid))
    response = exchange(card.process, chained(0x80, Ins.WRITE_TOKEN, 0, 0, token))
    assert response.ok, f"{response.sw:04X}"
    card.power_reset()


def voting_card(station: Station, **token: object) -> VotingCardApplet:
    card = VotingCardApplet()
    write_token(card, token_for(card.serial, station.clock.now(), **token))  # type: ignore[arg-type]
    return card


def pcsc_station(machine_id: str = "M-001", seed: int = 1) -> Station:
    """The seeded test station with its simulated reader replaced by the PC/SC reader."""
    pcsc_env.empty_all()
    station = make_station(machine_id, seed)
    station.machine = fw.Machine(
        fw.Devices(PcscCardReader("Virtual PCD"), station.primary, station.copy,  # type: ignore[arg-type]
                   station.printer, station.speaker, SimulatedNetwork()),
        station.storage, station.clock, station.random, "0" * 64,
    )
    station.machine.boot()
    return station


def insert(station: Station, card: object, slot: int = 0) -> Screen:
    pcsc_env.insert(card, slot)  # type: ignore[arg-type]
    return station.machine.handle(fw.CardInserted())


def pull(station: Station, slot: int = 0) -> Screen:
    pcsc_env.remove(slot)
    return station.machine.handle(fw.CardRemoved_())


def login(station: Station, card: AdminCardApplet, pin: str = PIN) -> Screen:
    insert(station, card)
    return station.machine.handle(fw.PinEntered(pin))


def as_manager(station: Station, card: AdminCardApplet, *events: fw.Event) -> Screen:
    screen = login(station, card)
    for event in events:
        screen = station.machine.handle(event)
    pull(station)
    return screen


def open_polls(station: Station, card: AdminCardApplet) -> None:
    assert station.package is not None
    as_manager(station, card, fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck(),
               fw.OpenPolls())
    assert station.machine.phase.value == "open"
