"""Drive ``child.py`` through crash points and check what survives.

``make_template`` sets up one machine in-process (provisioned, package loaded, zero-checked,
polls open) on real directories; every scenario starts from a copy of it. ``count_points`` runs a
whole day without faults and lists every fault point passed. ``crash_and_recover`` kills a run at
point N (optionally tearing that write), then — optionally — kills the restart at its point M
(a crash during recovery), then lets a final run finish the day, and ``check`` verifies the
invariants."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from drivers.card_sim import SimulatedCardReader
from drivers.clock import SimulatedClock
from drivers.medium import DirectoryMedium
from drivers.network import SimulatedNetwork
from drivers.printer_sim import SimulatedPrinter
from drivers.randomness import SeededRandom
from drivers.speaker_sim import SimulatedSpeaker
from drivers.storage import DirectoryStorage
from firmware import machine as fw
from firmware.ballot_box import BallotBox
from firmware.cast_journal import JOURNAL_FILE
from firmware.screens import Phase
from media.audit_log import verify_chain
from media.counting_key import private_key
from media.layout import AUDIT_LOG_FILE, SEAL_FILE
from media.seal import decode_seal
from media.vote_record import decrypt_vote
from tests.fault_harness.child import card_id, choices
from tests.station import (
    COMMISSION_PUB,
    COUNTING_PRIVATE,
    ELECTION_DAY,
    Station,
    make_package,
)

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
MACHINE_ID = "M-001"


def make_template(work: Path, slots: int = 64) -> Path:
    """An opened machine on real directories, ready for voters."""
    storage = DirectoryStorage(work / "internal")
    random = SeededRandom(7)
    public = fw.provision(storage, MACHINE_ID, COMMISSION_PUB, random)
    reader = SimulatedCardReader()
    primary = DirectoryMedium(work / "primary", "正本 / primary")
    copy = DirectoryMedium(work / "copy", "副本 / copy")
    for medium in (primary, copy):
        medium.root.mkdir(parents=True, exist_ok=True)
    printer, speaker = SimulatedPrinter(), SimulatedSpeaker()
    clock = SimulatedClock(ELECTION_DAY)
    machine = fw.Machine(fw.Devices(reader, primary, copy, printer, speaker, SimulatedNetwork()),
                         storage, clock, random, "0" * 64)
    station = Station(MACHINE_ID, machine, reader, primary, copy, storage,  # type: ignore[arg-type]
                      printer, speaker, clock, random, public)
    station.package = make_package({MACHINE_ID: public}, slots=slots)
    machine.boot()
    station.open_polls()
    return work


@dataclass(frozen=True)
class Run:
    returncode: int
    stderr: str


class Zygote:
    """One pre-loaded ``zygote.py`` process; ``run`` forks a child in it (see zygote.py)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-m", "tests.fault_harness.zygote"], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("TOHYOKI_FAULT")},
        )
        self.runs = 0

    def run(self, work: Path, env: dict[str, str]) -> Run:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.runs += 1
        self.process.stdin.write(json.dumps({"work": str(work), "env": env,
                                             "run": self.runs}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the zygote process died")
        stderr = work / f"stderr.{self.runs}"
        return Run(json.loads(answer)["returncode"],
                   stderr.read_text() if stderr.exists() else "")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


_ZYGOTES: queue.Queue[Zygote] = queue.Queue()
_ALL: list[Zygote] = []


def start_zygotes(count: int) -> None:
    for _ in range(count):
        zygote = Zygote()
        _ALL.append(zygote)
        _ZYGOTES.put(zygote)


def stop_zygotes() -> None:
    while _ALL:
        _ALL.pop().close()
    while not _ZYGOTES.empty():
        _ZYGOTES.get()


def run_child(work: Path, fault_at: int = 0, tear: int | None = None,
              log: Path | None = None, yank_pid: int = 0) -> Run:
    env = {}
    if yank_pid:
        env["TOHYOKI_FAULT_YANK_PID"] = str(yank_pid)
    if fault_at:
        env["TOHYOKI_FAULT_AT"] = str(fault_at)
    if tear is not None:
        env["TOHYOKI_FAULT_TEAR"] = str(tear)
    if log is not None:
        env["TOHYOKI_FAULT_LOG"] = str(log)
    if _ALL:
        zygote = _ZYGOTES.get()
        try:
            return zygote.run(work, env)
        finally:
            _ZYGOTES.put(zygote)
    full = {k: v for k, v in os.environ.items() if not k.startswith("TOHYOKI_FAULT")} | env
    done = subprocess.run(
        [PYTHON, "-m", "tests.fault_harness.child", str(work)],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=120, check=False,
    )
    return Run(done.returncode, done.stderr)


def prepare(template: Path, work: Path, voters: int, close: bool) -> Path:
    shutil.copytree(template, work)
    (work / "plan.json").write_text(json.dumps({"voters": voters, "close": close}))
    return work


def count_points(template: Path, work: Path, voters: int, close: bool) -> list[str]:
    """Every fault point of a clean day, as 'n kind target' lines."""
    prepare(template, work, voters, close)
    log = work / "points.log"
    result = run_child(work, log=log)
    assert result.returncode == 0, result.stderr
    return log.read_text().splitlines()


def crash_and_recover(
    template: Path, work: Path, voters: int, close: bool, point: int,
    tear: int | None = None, recovery_point: int = 0,
) -> Run:
    """Kill at ``point``; optionally kill the restart at ``recovery_point``; finish the day."""
    prepare(template, work, voters, close)
    crashed = run_child(work, fault_at=point, tear=tear)
    assert crashed.returncode == -signal.SIGKILL, (point, crashed)
    if recovery_point:
        again = run_child(work, fault_at=recovery_point)
        assert again.returncode in (-signal.SIGKILL, 0), (point, recovery_point, again)
    return run_child(work)


def check(work: Path, voters: int, close: bool) -> dict[str, int]:
    """The invariants after the day was finished by a clean run. Returns counts for reports."""
    assert (work / "done").exists(), "the final run did not finish the day"
    storage = DirectoryStorage(work / "internal")
    primary = DirectoryMedium(work / "primary", "primary")
    copy = DirectoryMedium(work / "copy", "copy")
    machine_key = storage.read(fw.MACHINE_KEY_FILE)
    package_raw = storage.read(fw.PACKAGE_FILE)
    assert machine_key is not None and package_raw is not None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from election.package import load_package

    key = Ed25519PrivateKey.from_private_bytes(machine_key)
    signed = load_package(package_raw, COMMISSION_PUB)
    box = BallotBox(primary, copy, storage, SeededRandom(0))
    box.prepare(MACHINE_ID, signed, key)
    journal = storage.read(JOURNAL_FILE)
    assert journal is None or not any(journal), "a journal entry was left unresolved"
    on_primary = box.records(primary)
    on_copy = box.records(copy)
    # primary and copy hold the same records; no record twice
    for contest, records in on_primary.items():
        assert sorted(records) == sorted(on_copy[contest]), f"{contest}: primary ≠ copy"
        assert len(set(records)) == len(records), f"{contest}: a record twice"
    # votes on media = cards consumed (ledger), card by card and in total
    lines = box.ledger.lines()
    voted = [line.card_id for line in lines if line.voted]
    assert len(voted) == len(set(voted)), "a card consumed twice"
    for contest, records in on_primary.items():
        assert len(records) == len(voted), (contest, len(records), len(voted))
    # nothing the voter saw as recorded is missing; in the end every voter voted exactly once
    seen = (work / "seen.log").read_text().split() if (work / "seen.log").exists() else []
    assert len(seen) == len(set(seen)), "a voter saw 'recorded' twice"
    assert set(seen) <= set(voted), set(seen) - set(voted)
    assert sorted(voted) == sorted(card_id(v) for v in range(1, voters + 1))
    for voter in range(1, voters + 1):
        # Every chip ends up consumed by this machine, also when the power failed between the
        # vote reaching the media and the chip: at the next start (the card still in the
        # reader) or when the card came back here (issue #14, art. 4-1-1).
        phase, machine_id = json.loads((work / "cards" / f"{voter}.json").read_text())
        assert phase == "consumed" and machine_id == MACHINE_ID, (voter, phase, machine_id)
    # the records say exactly what the voters chose
    counting = private_key(COUNTING_PRIVATE)
    for contest, records in on_primary.items():
        got = Counter(
            decrypt_vote(counting, "tsukuba-2026-11", contest, r).candidate_id for r in records
        )
        assert got == Counter(choices(v)[contest] for v in range(1, voters + 1)), contest
    # audit log chain intact; at the close, the same seal and log on both media
    entries, head = verify_chain(storage.read("audit.log") or b"")
    phase = (work / "done").read_text()
    if close:
        assert phase == Phase.CLOSED.value
        seal_bytes = primary.read(SEAL_FILE)
        assert seal_bytes == copy.read(SEAL_FILE)
        assert primary.read(AUDIT_LOG_FILE) == copy.read(AUDIT_LOG_FILE)
        seal, _ = decode_seal(seal_bytes)
        exported, exported_head = verify_chain(primary.read(AUDIT_LOG_FILE))
        assert seal.audit_log_entries == len(exported)
        assert seal.audit_log_head == exported_head
        assert {t.contest_id: t.records for t in seal.tables} == {
            c: voters for c in on_primary
        }
    return {"records": sum(len(r) for r in on_primary.values()), "audit_entries": len(entries)}
