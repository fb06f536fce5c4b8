"""The end of the demo day: two counting districts (開票区) count their own machines' media, each
signs its result, and the election meeting (選挙会) adds them up and decides who is elected.

The example election (election/examples/tsukuba.toml) names no districts or seats, so that the
test suite's fixed package keeps its fingerprint; the demo's commission adds them before it
signs: 第1開票区 counts 第1投票所 (M-001, M-002), 第2開票区 counts 第2投票所 (M-003)."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counting.importer import import_media
from counting.meeting import hold_meeting, summary
from counting.meeting_minutes import MeetingFiles, write_meeting_files
from counting.meeting_record import MeetingRecord
from counting.meeting_tally import Lot, LotNeeded
from counting.minutes import MinutesContext
from counting.report import CountingRecord, dependencies_hash
from counting.report_files import write_report_files
from counting.report_signed import SessionSigner, short
from counting.tally import ContestResult, tally
from counting.unlock import unlock
from drivers.clock import SimulatedClock
from drivers.software_identity import software_hash
from election.__main__ import read_private, read_public
from election.authoring import author_package, read_source
from election.package import SignedPackage, sign_package

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS = [
    {"district_id": "kaihyoku-1", "name": "つくば市第1開票区", "place_ids": ["p01"]},
    {"district_id": "kaihyoku-2", "name": "つくば市第2開票区", "place_ids": ["p02"]},
]
SEATS = {"mayor": ("mayor", 1), "assembly": ("assembly", 3)}
CHIEF = "選挙長（デモ）"
ELECTION_WITNESSES = ("選挙立会人A（デモ）", "選挙立会人B（デモ）")


class MeetingFailure(Exception):
    """The meeting did not add up to the whole count; the message says where."""


@dataclass(frozen=True)
class DemoMeeting:
    record: MeetingRecord
    files: MeetingFiles
    text: str


def meeting_source(source: Mapping[str, Any]) -> dict[str, Any]:
    """The commission's election file with the counting districts and each contest's office
    and seats (公職選挙法95条 needs them)."""
    body = copy.deepcopy(dict(source))
    for contest in body["contests"]:
        contest["office"], contest["seats"] = SEATS[contest["contest_id"]]
    body["counting_districts"] = copy.deepcopy(DISTRICTS)
    return body


def build_package(source_path: Path, keys: Path, out: Path) -> SignedPackage:
    """``python -m election build`` for the demo's source with districts (same keys, same
    signature)."""
    def public(folder: Path) -> dict[str, bytes]:
        return {p.stem: read_public(p) for p in sorted(folder.glob("*.pub"))}

    package = author_package(
        meeting_source(read_source(source_path.read_text(encoding="utf-8"))),
        machine_keys=public(keys / "machines"), issuer_keys=public(keys / "issuers"),
        counting_public_key=read_public(keys / "counting.pub"))
    signed = sign_package(package, read_private(keys / "commission.key"))
    out.write_bytes(signed.to_bytes())
    return signed


def hold_demo_meeting(out: Path, versions: Sequence[SignedPackage], media: Sequence[Path],
                      present: Sequence[Any], clock: SimulatedClock,
                      whole: Sequence[ContestResult], say: Callable[[str], None]) -> DemoMeeting:
    """Each district counts its media and signs; the meeting verifies and decides."""
    newest = versions[-1]
    package = newest.package
    files: list[tuple[str, str]] = []
    fingerprints: dict[str, str] = {}
    say("⑦ 開票区ごとの開票・署名 / each counting district counts and signs its result")
    for district in package.districts():
        machines = {m.machine_id for m in package.machines if m.place_id in district.place_ids}
        mine = [p for p in media if p.name.rsplit("-", 1)[0] in machines]
        opened = clock.now().isoformat(timespec="seconds")
        imported = import_media(mine, versions, {})
        if imported.problems:
            raise MeetingFailure("; ".join(imported.problems))
        with unlock(present, package.counting_public_key) as key:
            results = tally(package, imported.counted, key.raw)
        clock.advance(1800)
        counted = CountingRecord(
            signed=newest, versions=tuple(versions), imported=imported, results=results,
            software_hash=software_hash(ROOT), dependencies_hash=dependencies_hash(),
            session_log_head="", created_at=clock.now().isoformat(timespec="seconds"),
            counting_manager=f"開票管理者（{district.name}・デモ）",
            witnesses=("開票立会人A（デモ）", "開票立会人B（デモ）"))
        written = write_report_files(counted, out / "districts" / district.district_id,
                                     SessionSigner.generate(), minutes=MinutesContext(
                                         f"{district.name} 開票所（デモ）", opened,
                                         counted.created_at))
        files.append((f"{district.district_id}/result.signed.json",
                      written.signed.read_text(encoding="utf-8")))
        # the chief reads the fingerprint off the district's signed paper report
        fingerprints[district.district_id] = short(written.key_fingerprint)
        say(f"   {district.name}: {', '.join(sorted(machines))} → 開票録 {written.minutes}、"
            f"署名鍵 {short(written.key_fingerprint)}")
    say("⑧ 選挙会: 各開票区の結果を確認し当選人を決定 / election meeting decides who is elected")
    opened_at = clock.now()
    lots: dict[str, Lot] = {}
    while True:
        try:
            record = hold_meeting(newest, files, fingerprints, lots, place="つくば市役所（デモ）",
                                  chief=CHIEF, witnesses=ELECTION_WITNESSES,
                                  opened_at=opened_at, now=clock.now())
            break
        except LotNeeded as tie:
            # the chief draws the lot by hand in front of the witnesses (simulated here); the
            # software only records what was drawn
            drawn = tuple(random.Random().sample(tie.tied, tie.seats_left))
            say(f"   同数 / tie: {', '.join(tie.tied)} → 選挙長がくじ / the chief draws: "
                f"{', '.join(drawn)}")
            lots[tie.contest_id] = Lot(tie.contest_id, drawn, CHIEF, ELECTION_WITNESSES,
                                       clock.now().isoformat(timespec="seconds"))
    for outcome, once in zip(record.outcomes, whole, strict=True):
        together = {c.candidate_id: c.votes for c in outcome.total.candidates}
        if together != {c.candidate_id: c.votes for c in once.candidates}:
            raise MeetingFailure(f"{once.contest_id}: the districts do not add up to the "
                                 "whole count")
    written_meeting = write_meeting_files(record, out / "meeting", SessionSigner.generate(),
                                          is_test=True)
    say(f"   選挙録 / election minutes: {written_meeting.pdf}")
    return DemoMeeting(record, written_meeting, summary(record.outcomes))
