"""The result in Japanese (English second), and as JSON and CSV for the official record."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from counting.decisions import KIND_JA, Decision
from counting.importer import ImportResult
from counting.tally import ContestResult
from election.package import CandidateStatus, SignedPackage

ROOT = Path(__file__).resolve().parent.parent


def dependencies_hash(root: Path = ROOT) -> str:
    """SHA-256 of requirements.txt: every pinned package version the counting PC runs."""
    return hashlib.sha256((root / "requirements.txt").read_bytes()).hexdigest()


@dataclass(frozen=True)
class ReconciliationLine:
    """One reconciliation check for the report: what should equal what, and whether it does."""

    subject: str  # a polling place or machine id
    label: str  # e.g. "交付カード = 投票 + 棄権 + 無効 + 未返却 / cards issued = ..."
    expected: int
    found: int

    @property
    def ok(self) -> bool:
        return self.expected == self.found


@dataclass(frozen=True)
class PaperLine:
    """Paper ballots merged into a contest (art. 9-5), for the report."""

    batch_id: str
    kind: str
    contest_id: str
    votes: int  # every ballot of the batch in this contest, blank and invalid included


@dataclass(frozen=True)
class CountingRecord:
    """Everything the result report (開票録に添える結果報告) states, gathered once so the PDF,
    JSON, CSV, signed file and QR all say the same thing."""

    signed: SignedPackage
    versions: tuple[SignedPackage, ...]
    imported: ImportResult
    results: tuple[ContestResult, ...]
    software_hash: str
    dependencies_hash: str
    session_log_head: str
    created_at: str
    counting_manager: str = ""
    witnesses: tuple[str, ...] = ()
    decisions: tuple[Decision, ...] = ()
    reconciliation: tuple[ReconciliationLine, ...] = ()
    reconciliation_notes: tuple[str, ...] = ()  # mismatches found (each needs a decision)
    paper: tuple[PaperLine, ...] = field(default_factory=tuple)

    def machine_rows(self) -> list[tuple[str, str, str, dict[str, int], int, int]]:
        """(place id, machine id, role, records per contest, sessions voted, without vote)."""
        package = self.signed.package
        rows = []
        for m in self.imported.counted:
            seal = m.reading.seal
            rows.append((package.machine(m.machine_id).place_id, m.machine_id, m.role.value,
                         {t.contest_id: t.records for t in seal.tables},
                         seal.sessions_voted, seal.sessions_without_vote))
        return sorted(rows)

    def place_rows(self) -> list[tuple[str, str, int, dict[str, int], int]]:
        """(place id, name, machines counted, records per contest, sessions) per polling place."""
        out = []
        for place in self.signed.package.polling_places:
            mine = [r for r in self.machine_rows() if r[0] == place.place_id]
            records: dict[str, int] = {}
            for row in mine:
                for contest_id, n in row[3].items():
                    records[contest_id] = records.get(contest_id, 0) + n
            out.append((place.place_id, place.name, len(mine), records,
                        sum(r[4] + r[5] for r in mine)))
        return out

STATUS_JA = {
    CandidateStatus.STANDING: "",
    CandidateStatus.WITHDRAWN: "（辞退・無効）",
    CandidateStatus.DECEASED: "（死亡・無効）",
}


def breakdown(result: ContestResult) -> list[tuple[str, int]]:
    """The lines of 無効投票 (docs/media-format.md §13.3), in one order everywhere: 白票 and
    votes for a non-candidate always, the two that no conforming machine produces only when
    there are any."""
    lines = [("うち白票 / of which blank (白票)", result.blank),
             ("うち候補者でない者への投票（法第9条第3項・第13条） / of which for a non-candidate",
              result.invalid)]
    if result.blank_not_allowed:
        lines.append(("うち白票を認めない選挙の白票（法第9条第4項で決定） / of which blank where none is "
                      "offered", result.blank_not_allowed))
    if result.paper_invalid:
        lines.append(("うち紙の投票の無効票（公職選挙法68条） / of which invalid paper ballots",
                      result.paper_invalid))
    if result.unreadable:
        lines.append(("うち読めない記録（法第9条第4項で決定） / of which unreadable records",
                      result.unreadable))
    return lines


def render_text(
    signed: SignedPackage, imported: ImportResult, results: Sequence[ContestResult]
) -> str:
    package = signed.package
    lines = [
        f"開票結果 / Result — {package.title}",
        f"{package.municipality}  選挙期日 / election day {package.election_day.isoformat()}",
        f"選挙データ 第{package.version}版 指紋 / package v{package.version} "
        f"fingerprint {signed.short_fingerprint}",
        "",
        "■ 記録媒体 / Media counted",
    ]
    for machine in imported.counted:
        seal = machine.reading.seal
        lines.append(
            f"  {machine.machine_id}  {machine.note}  投票カード使用 / sessions "
            f"{seal.sessions_voted + seal.sessions_without_vote}"
        )
    for note in imported.notes:
        lines.append(f"  注 / note: {note}")
    for result in results:
        lines += ["", f"■ {result.title} / {result.title_en}"]
        ranked = sorted(result.candidates, key=lambda c: (-c.votes, c.candidate_id))
        for c in ranked:
            lines.append(f"  {c.name}（{c.party}）{STATUS_JA[c.status]}  {c.votes:>7} 票")
        lines.append(f"  有効投票 / valid votes              {result.valid:>7}")
        lines.append(f"  無効投票 / invalid votes            {result.invalid_total:>7}")
        for label, value in breakdown(result):
            lines.append(f"    {label} {value:>7}")
        lines.append(f"  投票総数 / total votes              {result.total:>7}")
    return "\n".join(lines) + "\n"


def to_dict(
    signed: SignedPackage, imported: ImportResult, results: Sequence[ContestResult]
) -> dict[str, Any]:
    return {
        "format": "tohyoki-result/1",
        "election_id": signed.package.election_id,
        "package_fingerprint": signed.fingerprint,
        "package_version": signed.package.version,
        "machines": [
            {"machine_id": m.machine_id, "role": m.role.value, "note": m.note,
             "seal_tables": {t.contest_id: t.records for t in m.reading.seal.tables}}
            for m in imported.counted
        ],
        "notes": list(imported.notes),
        "contests": [
            {
                "contest_id": r.contest_id,
                "title": r.title,
                "candidates": [
                    {"candidate_id": c.candidate_id, "name": c.name, "party": c.party,
                     "status": c.status.value, "votes": c.votes}
                    for c in r.candidates
                ],
                "valid": r.valid,
                "invalid": r.invalid_total,
                "blank": r.blank,
                "invalid_non_candidate": r.invalid,
                "blank_not_allowed": r.blank_not_allowed,
                "paper_invalid": r.paper_invalid,
                "unreadable": r.unreadable,
                "total": r.total,
            }
            for r in results
        ],
    }


def record_to_dict(record: CountingRecord) -> dict[str, Any]:
    """The full result as data: the JSON file and the body the result signature covers."""
    data = to_dict(record.signed, record.imported, record.results)
    data["format"] = "tohyoki-result/2"
    data["created_at"] = record.created_at
    data["package_versions"] = [
        {"version": v.package.version, "fingerprint": v.fingerprint} for v in record.versions]
    data["software_hash"] = record.software_hash
    data["dependencies_hash"] = record.dependencies_hash
    data["session_log_head"] = record.session_log_head
    data["counting_manager"] = record.counting_manager
    data["witnesses"] = list(record.witnesses)
    data["places"] = [
        {"place_id": p[0], "name": p[1], "machines": p[2], "records": p[3], "sessions": p[4]}
        for p in record.place_rows()]
    data["reconciliation"] = [
        {"subject": r.subject, "label": r.label, "expected": r.expected, "found": r.found,
         "ok": r.ok} for r in record.reconciliation]
    data["reconciliation_mismatches"] = list(record.reconciliation_notes)
    data["paper"] = [
        {"batch_id": p.batch_id, "kind": p.kind, "contest_id": p.contest_id, "votes": p.votes}
        for p in record.paper]
    data["decisions"] = [
        {"sequence": d.sequence, "time": d.time, "kind": d.kind.value, "kind_ja": KIND_JA[d.kind],
         "subject": d.subject, "ruling": d.ruling, "reason": d.reason,
         "decided_by": d.decided_by, "witnesses_heard": list(d.witnesses_heard)}
        for d in record.decisions]
    return data


def to_json(signed: SignedPackage, imported: ImportResult, results: Sequence[ContestResult]) -> str:
    return json.dumps(to_dict(signed, imported, results), ensure_ascii=False, indent=2) + "\n"


def to_csv(results: Sequence[ContestResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["contest_id", "選挙", "row", "氏名", "党派", "status", "votes"])
    for r in results:
        for c in r.candidates:
            writer.writerow([r.contest_id, r.title, c.candidate_id, c.name, c.party,
                             c.status.value, c.votes])
        writer.writerow([r.contest_id, r.title, "valid", "有効投票", "", "", r.valid])
        writer.writerow([r.contest_id, r.title, "invalid", "無効投票", "", "", r.invalid_total])
        writer.writerow([r.contest_id, r.title, "blank", "うち白票", "", "", r.blank])
        writer.writerow([r.contest_id, r.title, "invalid_non_candidate", "うち候補者でない者への投票",
                         "", "", r.invalid])
        writer.writerow([r.contest_id, r.title, "blank_not_allowed", "うち白票を認めない選挙の白票",
                         "", "", r.blank_not_allowed])
        writer.writerow([r.contest_id, r.title, "paper_invalid", "うち紙の投票の無効票", "", "",
                         r.paper_invalid])
        writer.writerow([r.contest_id, r.title, "unreadable", "うち読めない記録", "", "",
                         r.unreadable])
        writer.writerow([r.contest_id, r.title, "total", "投票総数", "", "", r.total])
    return out.getvalue()
