"""A demo polling station for ``make run``: one machine provisioned with simulated drivers (card
reader, two media, printer, speaker, network) and an election package for Tsukuba signed with a
throwaway commission key made at start-up. Nothing here is used on a real machine; it stands in
for the commission's preparation (election/) and the reception desk's card issuer."""

from __future__ import annotations

import hashlib
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
from drivers.medium import SimulatedMedium
from drivers.network import SimulatedNetwork
from drivers.printer_sim import SimulatedPrinter
from drivers.randomness import SeededRandom, SystemRandom
from drivers.speaker_sim import SimulatedSpeaker
from drivers.storage import MemoryStorage
from election.authoring import author_package, read_source
from election.credentials import AdminCertificate, Role, VotingCardToken
from election.package import SignedPackage, sign_package
from firmware import machine as fw
from firmware.screens import Screen
from media.counting_key import generate_private_key, public_key_bytes

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "election" / "examples" / "tsukuba.toml"
DEMO_PIN = "1234"
MACHINE_ID = "M-001"
PLACE_ID = "p01"
ISSUER_ID = "R-p01"


@dataclass
class DemoStation:
    """One machine and its simulated devices; the keys live only in this process."""

    machine: fw.Machine
    reader: SimulatedCardReader
    primary: SimulatedMedium
    copy: SimulatedMedium
    storage: MemoryStorage
    printer: SimulatedPrinter
    speaker: SimulatedSpeaker
    network: SimulatedNetwork
    clock: SimulatedClock
    package: SignedPackage
    manager: SimulatedAdminCard
    issuer_key: Ed25519PrivateKey
    random: SystemRandom | SeededRandom
    election_id: str
    contests: tuple[str, ...]
    cards: int = 0
    log: list[str] = field(default_factory=list)

    def _new_machine(self) -> fw.Machine:
        return fw.Machine(
            fw.Devices(self.reader, self.primary, self.copy, self.printer, self.speaker,
                       self.network),
            self.storage, self.clock, self.random, "0" * 64,
        )

    # --- the hands of the people at the polling station -----------------------------------------

    def insert_voting_card(self, contests: tuple[str, ...] | None = None) -> Screen:
        """The reception desk issues a fresh card for ``contests`` (default: all)."""
        self.cards += 1
        token = VotingCardToken(
            card_id=f"{self.cards:032x}",
            election_id=self.election_id,
            place_id=PLACE_ID,
            issuer_id=ISSUER_ID,
            contests=contests or self.contests,
            audio=False,
            expires_at=self.clock.now() + timedelta(minutes=30),
        ).sign(self.issuer_key)
        return self.insert(SimulatedVotingCard(token))

    def insert_admin_card(self) -> Screen:
        return self.insert(self.manager)

    def insert(self, card: SimulatedAdminCard | SimulatedVotingCard) -> Screen:
        if self.reader.card is not None:
            self.remove_card()
        self.reader.insert(card)
        return self.machine.handle(fw.CardInserted())

    def remove_card(self) -> Screen:
        self.reader.remove()
        return self.machine.handle(fw.CardRemoved_())

    def toggle_medium(self, which: str) -> bool:
        """Pull or push back the primary (正本) or copy (副本) medium; returns present."""
        medium = self.primary if which == "primary" else self.copy
        medium.present = not medium.present
        return medium.present

    def pull_power(self) -> Screen:
        """Power cycle: RAM is lost; a new Machine boots over the same storage and media."""
        self.machine = self._new_machine()
        return self.machine.boot()

    def open_polls(self) -> Screen:
        """The poll manager's morning: load the package, zero check, open."""
        self.insert_admin_card()
        self.machine.handle(fw.PinEntered(DEMO_PIN))
        for event in (fw.LoadPackage(self.package.to_bytes()), fw.ZeroCheck(), fw.OpenPolls()):
            self.machine.handle(event)
        return self.remove_card()


def _key(seed: int | None, label: str) -> Ed25519PrivateKey:
    """A fresh key, or (with ``seed``, for reproducible screenshots) one derived from it."""
    if seed is None:
        return Ed25519PrivateKey.generate()
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"{seed}:{label}".encode()).digest())


def make_demo_station(open_polls: bool = True, seed: int | None = None) -> DemoStation:
    """A provisioned machine; throwaway keys, or keys derived from ``seed`` so that the same
    screens (package fingerprint, audit log) come out on every run."""
    source = read_source(SOURCE.read_text(encoding="utf-8"))
    election_id = str(source["election_id"])
    day = datetime.fromisoformat(str(source["election_day"])).replace(hour=7, tzinfo=JST)
    commission = _key(seed, "commission")  # throwaway: this process only
    issuers = {i["issuer_id"]: _key(seed, i["issuer_id"]) for i in source["issuers"]}
    random: SystemRandom | SeededRandom = SystemRandom() if seed is None else SeededRandom(seed)
    counting_private = (generate_private_key() if seed is None
                        else hashlib.sha256(f"{seed}:counting".encode()).digest() * 3)
    storage = MemoryStorage()
    public = fw.provision(storage, MACHINE_ID, commission.public_key().public_bytes_raw(), random)
    package = sign_package(author_package(
        source,
        machine_keys={m["machine_id"]: public if m["machine_id"] == MACHINE_ID else bytes(32)
                      for m in source["machines"]},
        issuer_keys={k: v.public_key().public_bytes_raw() for k, v in issuers.items()},
        counting_public_key=public_key_bytes(counting_private),
    ), commission)
    identity = _key(seed, "admin")
    certificate = AdminCertificate(
        card_id="card-demo-pm",
        role=Role.POLL_MANAGER,
        holder="投票管理者（デモ）",
        municipality=str(source["municipality"]),
        election_id=election_id,
        not_before=day - timedelta(days=2),
        not_after=day + timedelta(days=2),
        public_key=identity.public_key().public_bytes_raw(),
    ).sign(commission)
    manager = with_card_authenticity(SimulatedAdminCard(certificate, identity, DEMO_PIN),
                                     commission)
    station = DemoStation(
        machine=None,  # type: ignore[arg-type]  # set just below
        reader=SimulatedCardReader(),
        primary=SimulatedMedium("正本 / primary"),
        copy=SimulatedMedium("副本 / copy"),
        storage=storage,
        printer=SimulatedPrinter(),
        speaker=SimulatedSpeaker(),
        network=SimulatedNetwork(),
        clock=SimulatedClock(day),
        random=random,
        package=package,
        manager=manager,
        issuer_key=issuers[ISSUER_ID],
        election_id=election_id,
        contests=tuple(c["contest_id"] for c in source["contests"]),
    )
    station.pull_power()  # first boot
    if open_polls:
        station.open_polls()
    return station
