"""One power-on of the machine, run as ``python -m tests.fault_harness.child WORKDIR``.

It boots the machine over ``WORKDIR/{internal,primary,copy}`` (real files, real fsync), lets
start-up recover whatever the previous run left, resumes polls if they are paused, then lets
every voter of the plan who has not voted vote, and closes polls if the plan says so. The fault
hook in the drivers may SIGKILL it at any write point (``TOHYOKI_FAULT_AT``).

What the voters saw is kept outside the machine, the way a witness would: ``seen.log`` gets a line
for each "recorded" screen the moment it is shown. Voting cards live in ``cards/`` (a card's chip
keeps its state through the machine's power cuts). Neither passes a fault point."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

from drivers.card_sim import SimulatedCardReader, SimulatedVotingCard
from drivers.clock import SimulatedClock
from drivers.medium import DirectoryMedium
from drivers.network import SimulatedNetwork
from drivers.printer_sim import SimulatedPrinter
from drivers.randomness import SeededRandom
from drivers.speaker_sim import SimulatedSpeaker
from drivers.storage import DirectoryStorage, fault_point
from election.credentials import VotingCardToken, read_token
from firmware import machine as fw
from firmware.interfaces import VotingCardPhase
from firmware.screens import ContestChoice, Notice, Phase, Recorded, Review, Screen, Standby
from tests.station import ELECTION_DAY, PIN, admin_card, issuer_key

MAYOR = ("mayor-1", "mayor-2", "mayor-3")
ASSEMBLY = ("assembly-1", "assembly-2", "assembly-3", "assembly-4", "assembly-5")


def choices(voter: int) -> dict[str, str]:
    return {"mayor": MAYOR[voter % 3], "assembly": ASSEMBLY[voter % 5]}


def card_id(voter: int) -> str:
    return f"{voter:032x}"


class PersistentCard(SimulatedVotingCard):
    """A voting card whose chip state survives the machine's power cuts (a file per card)."""

    path: Path

    def save(self) -> None:
        self.path.write_text(json.dumps([self.phase.value, self.machine_id]))

    def lock(self, machine_id: str) -> None:
        super().lock(machine_id)
        self.save()

    def consume(self, machine_id: str) -> None:
        # a kill point: the power fails while CONSUME is on its way, before the chip acts
        fault_point("consume", f"card/{card_id_of(self)}")
        super().consume(machine_id)
        self.save()

    def release(self, machine_id: str) -> None:
        super().release(machine_id)
        self.save()


def card_id_of(card: SimulatedVotingCard) -> str:
    token, _, _ = read_token(card.token)
    return token.card_id


def insert(work: Path, reader: SimulatedCardReader, voter: int, card: PersistentCard) -> None:
    """The card goes into the reader; ``reader.json`` says so across a power cut, so the next
    start finds it there, as a real reader would hold it."""
    (work / "reader.json").write_text(json.dumps(voter))
    reader.insert(card)


def take_out(work: Path, reader: SimulatedCardReader) -> None:
    reader.remove()
    (work / "reader.json").unlink(missing_ok=True)


def voting_card(work: Path, voter: int) -> PersistentCard:
    token = VotingCardToken(
        card_id=card_id(voter),
        election_id="tsukuba-2026-11",
        place_id="p01",
        issuer_id="R-p01",
        contests=("mayor", "assembly"),
        audio=False,
        expires_at=ELECTION_DAY + timedelta(hours=14),
    ).sign(issuer_key("R-p01"))
    card = PersistentCard(token)
    card.path = work / "cards" / f"{voter}.json"
    if card.path.exists():
        phase, machine_id = json.loads(card.path.read_text())
        card.phase, card.machine_id = VotingCardPhase(phase), machine_id
    return card


def vote(machine: fw.Machine, screen: Screen, wanted: dict[str, str]) -> Screen:
    """The voter's path through whatever screens the machine shows: a preference screen is
    passed with Next, each contest gets its choice, the review is cast."""
    for _ in range(30):
        if isinstance(screen, ContestChoice):
            if screen.selected != wanted[screen.contest_id]:
                screen = machine.handle(fw.Select(wanted[screen.contest_id]))
            else:
                screen = machine.handle(fw.Next())
        elif isinstance(screen, Review):
            return machine.handle(fw.Cast())
        elif isinstance(screen, (Notice, Standby, Recorded)):
            return screen  # refused (e.g. the card is used) or stopped
        else:
            screen = machine.handle(fw.Next())
    return screen


def witness(work: Path, line: str) -> None:
    with open(work / "seen.log", "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def main(work: Path) -> int:
    plan = json.loads((work / "plan.json").read_text())
    boots = len(list((work / "boots").iterdir())) if (work / "boots").exists() else 0
    (work / "boots").mkdir(exist_ok=True)
    (work / "boots" / str(boots)).touch()
    (work / "cards").mkdir(exist_ok=True)
    reader = SimulatedCardReader()
    devices = fw.Devices(
        reader,
        DirectoryMedium(work / "primary", "正本 / primary"),
        DirectoryMedium(work / "copy", "副本 / copy"),
        SimulatedPrinter(),
        SimulatedSpeaker(),
        SimulatedNetwork(),
    )
    clock = SimulatedClock(ELECTION_DAY + timedelta(minutes=10 * boots))
    machine = fw.Machine(
        devices, DirectoryStorage(work / "internal"), clock, SeededRandom(1000 + boots), "0" * 64
    )
    left = work / "reader.json"
    if left.exists():  # the card the power cut left in the reader is there at start-up
        voter = json.loads(left.read_text())
        reader.insert(voting_card(work, voter))
    machine.boot()
    if left.exists():
        take_out(work, reader)
        machine.handle(fw.CardRemoved_())
    manager = admin_card()

    def as_manager(*events: fw.Event) -> None:
        reader.insert(manager)
        machine.handle(fw.CardInserted())
        machine.handle(fw.PinEntered(PIN))
        for event in events:
            machine.handle(event)
        reader.remove()
        machine.handle(fw.CardRemoved_())

    if machine.phase is Phase.PAUSED:
        as_manager(fw.ResumePolls())
    if machine.phase is Phase.OPEN:
        for voter in range(1, plan["voters"] + 1):
            card = voting_card(work, voter)
            if card.phase is VotingCardPhase.CONSUMED:
                continue
            clock.advance(30)
            insert(work, reader, voter, card)
            screen = vote(machine, machine.handle(fw.CardInserted()), choices(voter))
            if isinstance(screen, Recorded):
                witness(work, card_id(voter))
            else:
                print(f"voter {voter} not recorded: {screen}", file=sys.stderr)
            take_out(work, reader)
            machine.handle(fw.CardRemoved_())
            if machine.phase is not Phase.OPEN:
                print(f"voting stopped: {machine.screen}", file=sys.stderr)
                return 3
    if plan["close"] and machine.phase in (Phase.OPEN, Phase.PAUSED):
        as_manager(fw.ClosePolls())
    (work / "done").write_text(machine.phase.value)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
