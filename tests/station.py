"""A fixed, seeded polling station for tests: fixed keys, seeded randomness, a simulated clock,
in-memory internal storage and simulated media. Every test builds its own from scratch."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.card_sim import (
    SimulatedAdminCard,
    SimulatedCardReader,
    SimulatedVotingCard,
    with_card_authenticity,
)
from drivers.clock import JST, SimulatedClock
from drivers.network import SimulatedNetwork
from drivers.printer_sim import SimulatedPrinter
from drivers.randomness import SeededRandom
from drivers.simulated_medium import SimulatedMedium
from drivers.speaker_sim import SimulatedSpeaker
from drivers.storage import MemoryStorage
from election.authoring import author_package, read_source
from election.credentials import AdminCertificate, Role, VotingCardToken
from election.package import SignedPackage, sign_package
from firmware import machine as fw
from firmware.screens import AdminMenu, Screen
from media.counting_key import public_key_bytes

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "election" / "examples" / "tsukuba.toml"
ELECTION_DAY = datetime(2026, 11, 29, 7, 0, tzinfo=JST)
PIN = "1234"


def fixed_key(label: str) -> Ed25519PrivateKey:
    """A deterministic Ed25519 key per label, so signatures are reproducible."""
    import hashlib

    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


COMMISSION_KEY = fixed_key("commission")
COMMISSION_PUB = COMMISSION_KEY.public_key().public_bytes_raw()
# A fixed counting private key: 64-byte ML-KEM seed then 32-byte X25519 scalar.
COUNTING_PRIVATE = bytes(range(64)) + bytes(range(100, 132))
COUNTING_PUBLIC = public_key_bytes(COUNTING_PRIVATE)


def issuer_key(issuer_id: str) -> Ed25519PrivateKey:
    return fixed_key(f"issuer:{issuer_id}")


def make_package(
    machine_keys: dict[str, bytes], slots: int = 64, **overrides: object
) -> SignedPackage:
    source = read_source(SOURCE.read_text(encoding="utf-8"))
    source["settings"]["slots_per_contest"] = slots
    source.update(overrides)
    all_machines = {m["machine_id"]: machine_keys.get(m["machine_id"], bytes(32))
                    for m in source["machines"]}
    package = author_package(
        source,
        machine_keys=all_machines,
        issuer_keys={i["issuer_id"]: issuer_key(i["issuer_id"]).public_key().public_bytes_raw()
                     for i in source["issuers"]},
        counting_public_key=COUNTING_PUBLIC,
    )
    return sign_package(package, COMMISSION_KEY)


def admin_card(
    role: Role = Role.POLL_MANAGER, election_id: str = "tsukuba-2026-11", label: str = "pm",
    pin: str = PIN, signer: Ed25519PrivateKey = COMMISSION_KEY,
) -> SimulatedAdminCard:
    identity = fixed_key(f"admin:{label}")
    certificate = AdminCertificate(
        card_id=f"card-{label}",
        role=role,
        holder=f"テスト {label}",
        municipality="茨城県つくば市",
        election_id=election_id,
        not_before=ELECTION_DAY - timedelta(days=2),
        not_after=ELECTION_DAY + timedelta(days=2),
        public_key=identity.public_key().public_bytes_raw(),
    ).sign(signer)
    return with_card_authenticity(SimulatedAdminCard(certificate, identity, pin), signer)


@dataclass
class Station:
    """One machine with its simulated devices, as on election morning before the package."""

    machine_id: str
    machine: fw.Machine
    reader: SimulatedCardReader
    primary: SimulatedMedium
    copy: SimulatedMedium
    storage: MemoryStorage
    printer: SimulatedPrinter
    speaker: SimulatedSpeaker
    clock: SimulatedClock
    random: SeededRandom
    public_key: bytes
    manager: SimulatedAdminCard = field(default_factory=admin_card)
    package: SignedPackage | None = None
    card_counter: int = 0

    def reboot(self) -> Screen:
        """Power cycle: a new Machine over the same storage and media (RAM is lost)."""
        self.machine = fw.Machine(
            fw.Devices(self.reader, self.primary, self.copy, self.printer, self.speaker,
                       self.machine.devices.network),
            self.storage, self.clock, self.random, "0" * 64,
        )
        return self.machine.boot()

    def plug(self, software_hash: str | None = None, **devices: object) -> Screen:
        """Power off, plug these devices in instead of the ones there (or install another
        software), power on: a new Machine over the same storage and media."""
        self.machine = fw.Machine(
            dataclasses.replace(self.machine.devices, **devices),  # type: ignore[arg-type]
            self.storage, self.clock, self.random,
            self.machine.software_hash if software_hash is None else software_hash,
        )
        return self.machine.boot()

    def admin(self, *events: fw.Event) -> Screen:
        """Insert the poll manager's card, enter the PIN, do ``events``, remove the card."""
        self.reader.insert(self.manager)
        self.machine.handle(fw.CardInserted())
        screen = self.machine.handle(fw.PinEntered(PIN))
        for event in events:
            screen = self.machine.handle(event)
        self.reader.remove()
        self.machine.handle(fw.CardRemoved_())
        return screen

    def open_polls(self) -> AdminMenu:
        assert self.package is not None
        screen = self.admin(fw.LoadPackage(self.package.to_bytes()), fw.ZeroCheck(),
                            fw.OpenPolls())
        assert isinstance(screen, AdminMenu), screen
        assert self.machine.phase.value == "open", screen
        return screen

    def voting_card(
        self, contests: tuple[str, ...] = ("mayor", "assembly"), place_id: str = "p01",
        issuer_id: str = "R-p01", minutes: int = 30, election_id: str = "tsukuba-2026-11",
        audio: bool = False,
    ) -> SimulatedVotingCard:
        self.card_counter += 1
        token = VotingCardToken(
            card_id=f"{self.card_counter:032x}",
            election_id=election_id,
            place_id=place_id,
            issuer_id=issuer_id,
            contests=contests,
            audio=audio,
            expires_at=self.clock.now() + timedelta(minutes=minutes),
        ).sign(issuer_key(issuer_id))
        return SimulatedVotingCard(token)

    def vote(self, choices: dict[str, str], card: SimulatedVotingCard | None = None) -> Screen:
        """A voter's whole path: insert, select per contest (in package order), review, cast."""
        card = card or self.voting_card(tuple(choices))
        self.reader.insert(card)
        screen = self.machine.handle(fw.CardInserted())
        screen = self.machine.handle(fw.Next())  # past the voter settings screen
        for contest_id in choices:
            screen = self.machine.handle(fw.Select(choices[contest_id]))
            screen = self.machine.handle(fw.Next())
        screen = self.machine.handle(fw.Cast())
        self.reader.remove()
        self.machine.handle(fw.CardRemoved_())
        return screen


def make_station(machine_id: str = "M-001", seed: int = 1, slots: int = 64) -> Station:
    """A provisioned machine with a signed package for it (not yet loaded)."""
    storage = MemoryStorage()
    random = SeededRandom(seed)
    public = fw.provision(storage, machine_id, COMMISSION_PUB, random)
    clock = SimulatedClock(ELECTION_DAY)
    reader = SimulatedCardReader()
    primary = SimulatedMedium("正本 / primary")
    copy = SimulatedMedium("副本 / copy")
    printer = SimulatedPrinter()
    speaker = SimulatedSpeaker()
    machine = fw.Machine(fw.Devices(reader, primary, copy, printer, speaker, SimulatedNetwork()),
                         storage, clock,
                         random, "0" * 64)
    station = Station(machine_id, machine, reader, primary, copy, storage, printer, speaker,
                      clock, random, public)
    station.package = make_package({machine_id: public}, slots=slots)
    machine.boot()
    return station
