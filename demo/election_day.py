"""Composition root for a simulated day in Tsukuba: the commission prepares, three machines run
the day with simulated card readers, printers and speakers over real files, simulated voters
choose at random, and the counting tool counts the media. The voters' choices are remembered by
the simulator only (never by the machine), to check the count against."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from counting.ceremony import run_ceremony
from counting.importer import import_media
from counting.report import CountingRecord, dependencies_hash, render_text
from counting.report_files import write_report_files
from counting.report_signed import SessionSigner
from counting.tally import ContestResult, tally
from counting.unlock import unlock
from demo.meeting import DemoMeeting, build_package, hold_demo_meeting
from demo.narration import closing_lines, zero_line
from demo.observer_files import write_observer_files
from drivers.card_keyholder_sim import SimulatedKeyHolderCard
from drivers.card_sim import (
    SimulatedAdminCard,
    SimulatedCardReader,
    SimulatedVotingCard,
    with_card_authenticity,
)
from drivers.clock import JST, SimulatedClock
from drivers.medium import DirectoryMedium
from drivers.network import SimulatedNetwork
from drivers.printer_sim import SimulatedPrinter
from drivers.randomness import SystemRandom
from drivers.software_identity import software_hash
from drivers.speaker_sim import SimulatedSpeaker
from drivers.storage import DirectoryStorage
from election.__main__ import read_private, write_signing_key
from election.authoring import read_source
from election.credentials import AdminCertificate, Role, VotingCardToken
from election.package import (
    CandidateStatus,
    amend,
    load_package,
    short_fingerprint,
    sign_package,
    verify_chain,
)
from firmware import machine as fw
from firmware.booth_screens import VoterSettingsMenu
from firmware.screens import AdminMenu, AdminPin, ContestChoice, Notice, Recorded, Review, Standby
from media.counting_key import fingerprint as counting_key_fingerprint

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "election" / "examples" / "tsukuba.toml"
# simulated key-holder cards for the demo's k-of-n counting key (demo PINs)
KEY_HOLDERS = (("鍵保管者A", "1357"), ("鍵保管者B", "2468"), ("鍵保管者C", "3579"))
KEY_THRESHOLD = 2
PIN = "1234"


class DemoFailure(Exception):
    """The simulated day did not go as the law requires; the message says where."""


@dataclass
class Booth:
    """One machine with its simulated devices and the poll manager's card."""

    machine_id: str
    machine: fw.Machine
    reader: SimulatedCardReader
    printer: SimulatedPrinter
    speaker: SimulatedSpeaker
    manager_card: SimulatedAdminCard


@dataclass
class DayOutcome:
    expected: dict[str, Counter[str]]
    results: tuple[ContestResult, ...]
    sessions: int
    without_vote: int
    result_dir: Path
    report_text: str
    booths: list[Booth] = field(default_factory=list)
    meeting: DemoMeeting | None = None

    def matches(self) -> bool:
        for result in self.results:
            counted = Counter({c.candidate_id: c.votes for c in result.candidates if c.votes})
            if result.blank:
                counted["blank"] = result.blank
            if result.invalid:
                counted["invalid"] = result.invalid
            if counted != +self.expected[result.contest_id]:
                return False
        return True


def _expect(screen: object, kind: type, what: str) -> None:
    if not isinstance(screen, kind):
        raise DemoFailure(f"{what}: expected {kind.__name__}, machine shows {screen!r}")


def _admin(booth: Booth, action: fw.Event) -> AdminMenu:
    booth.reader.insert(booth.manager_card)
    _expect(booth.machine.handle(fw.CardInserted()), AdminPin, "admin card")
    _expect(booth.machine.handle(fw.PinEntered(PIN)), AdminMenu, "PIN")
    screen = booth.machine.handle(action)
    _expect(screen, AdminMenu, type(action).__name__)
    booth.reader.remove()
    booth.machine.handle(fw.CardRemoved_())
    assert isinstance(screen, AdminMenu)
    return screen


def run_day(
    out: Path,
    voters: int = 300,
    seed: int | None = None,
    amend_after: int | None = 150,
    say: Callable[[str], None] = print,
) -> DayOutcome:
    people = random.Random(seed)  # the simulated voters' own minds, not the machine's randomness
    if out.exists():
        shutil.rmtree(out)
    keys = out / "commission"
    source = read_source(SOURCE.read_text(encoding="utf-8"))
    election_day = datetime.fromisoformat(source["election_day"]).replace(hour=7, tzinfo=JST)
    clock = SimulatedClock(election_day - timedelta(hours=1))
    code_hash = software_hash(ROOT)

    say("① 選挙管理委員会: 鍵と選挙データの作成 / commission creates keys and the package")
    commission_pub = write_signing_key(keys, "commission")
    # the counting key is made in a k-of-n ceremony straight onto the key holders' cards
    # (simulated cards, demo PINs); no file ever holds the private key
    holders = [(SimulatedKeyHolderCard.issue(name, pin), pin)
               for name, pin in KEY_HOLDERS]
    ceremony = run_ceremony(holders, KEY_THRESHOLD)
    (keys / "counting.pub").write_text(ceremony.public_key.hex() + "\n")
    say(f"   開票鍵 {KEY_THRESHOLD}/{len(holders)} 鍵保管者カードへ分割 / counting key split "
        f"onto key-holder cards, fingerprint {ceremony.short_fingerprint}")
    for issuer in source["issuers"]:
        write_signing_key(keys / "issuers", issuer["issuer_id"])

    say("② 投票機3台の設定 / three machines provisioned")
    storages = {}
    for entry in source["machines"]:
        machine_id = entry["machine_id"]
        storage = DirectoryStorage(out / "machines" / machine_id / "internal")
        public = fw.provision(storage, machine_id, commission_pub, SystemRandom())
        (keys / "machines").mkdir(parents=True, exist_ok=True)
        (keys / "machines" / f"{machine_id}.pub").write_text(public.hex() + "\n")
        storages[machine_id] = (storage, entry["place_id"])
    package_v1 = out / "package-v1.json"
    short = build_package(SOURCE, keys, package_v1).short_fingerprint  # with districts
    say(f"   選挙データ指紋 / package fingerprint: {short}")
    signed_v1 = load_package(package_v1.read_bytes(), commission_pub)
    package = signed_v1.package
    # the commission checks the package seals votes to the key the holders hold (paper vs paper)
    sealed_to = short_fingerprint(counting_key_fingerprint(package.counting_public_key))
    if sealed_to != ceremony.short_fingerprint:
        raise DemoFailure(f"the package's counting key {sealed_to} is not the ceremony's")
    say(f"   開票鍵の指紋（鍵の儀式と同じ） / counting key fingerprint, as at the ceremony: "
        f"{sealed_to}")
    commission_key = read_private(keys / "commission.key")

    booths: list[Booth] = []
    for machine_id, (storage, place_id) in storages.items():
        identity = Ed25519PrivateKey.generate()
        certificate = AdminCertificate(
            card_id=f"PM-{machine_id}",
            role=Role.POLL_MANAGER,
            holder=f"投票管理者 {place_id}",
            municipality=package.municipality,
            election_id=package.election_id,
            not_before=clock.now() - timedelta(days=1),
            not_after=clock.now() + timedelta(days=3),
            public_key=identity.public_key().public_bytes_raw(),
        ).sign(commission_key)
        reader = SimulatedCardReader()
        printer = SimulatedPrinter()
        speaker = SimulatedSpeaker()
        devices = fw.Devices(
            reader=reader,
            primary=DirectoryMedium(out / "media" / f"{machine_id}-primary", "正本 / primary"),
            copy=DirectoryMedium(out / "media" / f"{machine_id}-copy", "副本 / copy"),
            printer=printer,
            speaker=speaker,
            network=SimulatedNetwork(),  # a simulated day; the kiosk wires drivers.network
        )
        for medium in (devices.primary, devices.copy):
            assert isinstance(medium, DirectoryMedium)
            medium.root.mkdir(parents=True)
        machine = fw.Machine(devices, storage, clock, SystemRandom(), code_hash)
        machine.boot()
        booths.append(Booth(machine_id, machine, reader, printer, speaker,
                            with_card_authenticity(SimulatedAdminCard(certificate, identity, PIN),
                                                   commission_key)))

    say("③ 選挙データ読込・ゼロ確認・投票開始 / load package, zero check, open")
    for booth in booths:
        menu = _admin(booth, fw.LoadPackage(package_v1.read_bytes()))
        if menu.package_fingerprint != short:
            raise DemoFailure(f"{booth.machine_id} shows fingerprint {menu.package_fingerprint}")
        menu = _admin(booth, fw.ZeroCheck())
        if booth.machine.phase.value != "zero-checked":
            raise DemoFailure(f"{booth.machine_id}: zero check failed: {menu.message}")
        _admin(booth, fw.OpenPolls())
        zero = booth.printer.printed[-1]
        say("   " + zero_line(zero, signed_v1))
    clock.advance(3600)

    issuer_keys = {i["issuer_id"]: read_private(keys / "issuers" / f"{i['issuer_id']}.key")
                   for i in source["issuers"]}
    expected: dict[str, Counter[str]] = {c.contest_id: Counter() for c in package.contests}
    withdrawn: set[str] = set()
    without_vote = 0
    versions = [signed_v1]
    say(f"④ 投票 / {voters} simulated voters")
    for number in range(voters):
        if amend_after is not None and number == amend_after:
            # Art. 13: a candidate dies during the voting period. The commission issues a signed
            # amendment; every machine loads it; votes already cast for him become invalid.
            amended = sign_package(
                amend(versions[-1], {("mayor", "mayor-3"): CandidateStatus.DECEASED}),
                commission_key,
            )
            (out / "package-v2.json").write_bytes(amended.to_bytes())
            versions.append(amended)
            withdrawn.add("mayor-3")
            say(f"   第2版（候補者死亡）を全投票機に読込 / amendment v2 loaded: "
                f"{amended.short_fingerprint}")
            for booth in booths:
                _admin(booth, fw.LoadPackage(amended.to_bytes()))
                for counter_key in ("mayor-3",):
                    expected["mayor"]["invalid"] += expected["mayor"].pop(counter_key, 0)
        booth = people.choice(booths)
        place_id = storages[booth.machine_id][1]
        issuer_id = next(i["issuer_id"] for i in source["issuers"] if i["place_id"] == place_id)
        token = VotingCardToken(
            card_id=people.randbytes(16).hex(),
            election_id=package.election_id,
            place_id=place_id,
            issuer_id=issuer_id,
            contests=tuple(c.contest_id for c in package.contests),
            audio=people.random() < 0.05,
            expires_at=clock.now() + timedelta(minutes=30),
        ).sign(issuer_keys[issuer_id])
        card = SimulatedVotingCard(token)
        booth.reader.insert(card)
        _expect(booth.machine.handle(fw.CardInserted()), VoterSettingsMenu, f"voter {number}")
        screen = booth.machine.handle(fw.Next())  # settings left as they are
        _expect(screen, ContestChoice, f"voter {number}")
        if people.random() < 0.01:
            screen = booth.machine.handle(fw.EndWithoutVoting())
            _expect(screen, Notice, "end without voting")
            without_vote += 1
        else:
            chosen: dict[str, str] = {}
            while isinstance(screen, ContestChoice):
                options = [c.candidate_id for c in screen.candidates]
                roll = people.random()
                if roll < 0.06:
                    pick = "abstain"
                elif roll < 0.12 and screen.blank_allowed:
                    pick = "blank"
                else:
                    pick = people.choice(options)
                screen = booth.machine.handle(fw.Select(pick))
                chosen[screen.contest_id] = pick  # type: ignore[union-attr]
                screen = booth.machine.handle(fw.Next())
            _expect(screen, Review, "review")
            if people.random() < 0.1:  # changes their mind about the first contest
                first = next(iter(chosen))
                screen = booth.machine.handle(fw.ChangeContest(first))
                _expect(screen, ContestChoice, "change")
                assert isinstance(screen, ContestChoice)
                pick = people.choice([c.candidate_id for c in screen.candidates])
                booth.machine.handle(fw.Select(pick))
                chosen[first] = pick
                for _ in range(len(chosen) - list(chosen).index(first)):
                    screen = booth.machine.handle(fw.Next())
                _expect(screen, Review, "review again")
            screen = booth.machine.handle(fw.Cast())
            _expect(screen, Recorded, "cast")
            for contest_id, pick in chosen.items():
                if pick != "abstain":
                    expected[contest_id]["invalid" if pick in withdrawn else pick] += 1
        if card.phase.value != "consumed":
            raise DemoFailure(f"voter {number}: card not consumed ({card.phase})")
        booth.reader.remove()
        _expect(booth.machine.handle(fw.CardRemoved_()), Standby, "card removed")
        clock.advance(people.randint(20, 90))

    say("⑤ 投票終了・封印 / close and seal")
    clock.advance(3600)
    sessions = 0
    for booth in booths:
        _admin(booth, fw.ClosePolls())
        if booth.machine.phase.value != "closed":
            raise DemoFailure(f"{booth.machine_id} did not close")
        report = booth.printer.printed[-1]
        (out / "machines" / booth.machine_id / "closing-report.txt").write_text(
            "\n".join((report.title, *report.lines)) + "\n", encoding="utf-8"
        )
        sessions += len(booth.machine.ballot_box.ledger.lines())
        for line in closing_lines(report, versions[-1]):
            say("   " + line)

    say("⑥ 開票（正本・副本を全て読み込み、各投票機一回だけ数える） / counting")
    verify_chain(versions)
    paths = sorted((out / "media").iterdir())
    imported = import_media(paths, versions, {})
    if imported.problems:
        raise DemoFailure("; ".join(imported.problems))
    present = holders[1:1 + KEY_THRESHOLD]  # two of the three holders came
    say("   立会人の前で鍵保管者がカードと暗証番号を提示 / key holders present card + PIN in "
        "front of the witnesses: " + ", ".join(card.holder_id() for card, _ in present))
    with unlock(present, versions[-1].package.counting_public_key) as key:
        results = tally(versions[-1].package, imported.counted, key.raw)
    result_dir = out / "result"
    text = render_text(versions[-1], imported, results)
    record = CountingRecord(
        signed=versions[-1], versions=tuple(versions), imported=imported, results=results,
        software_hash=software_hash(ROOT), dependencies_hash=dependencies_hash(),
        session_log_head="", created_at=clock.now().isoformat(timespec="seconds"),
        counting_manager="開票管理者（デモ）", witnesses=("立会人A（デモ）", "立会人B（デモ）"))
    files = write_report_files(record, result_dir, SessionSigner.generate())
    observer = write_observer_files(out / "observer", commission_pub, versions, holders,
                                    KEY_THRESHOLD, out / "media")
    for label, path in (("報告書 PDF / report", files.pdf), ("CSV", files.csv),
                        ("JSON", files.json), ("署名付き結果 / signed result", files.signed),
                        ("QR", files.qr),
                        ("観察者用ファイル（デモ専用） / observer files (demo only)",
                         observer.readme)):
        say(f"   {label}: {path}")
    meeting = hold_demo_meeting(out, versions, paths, present, clock, results, say)
    return DayOutcome(expected, results, sessions, without_vote, result_dir, text, booths,
                      meeting)
