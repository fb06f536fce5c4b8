"""The result in Japanese (English second), and as JSON and CSV for the official record."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from counting.importer import ImportResult
from counting.tally import ContestResult
from election.package import CandidateStatus, SignedPackage

STATUS_JA = {
    CandidateStatus.STANDING: "",
    CandidateStatus.WITHDRAWN: "（辞退・無効）",
    CandidateStatus.DECEASED: "（死亡・無効）",
}


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
        lines.append(f"  有効投票 / valid            {result.valid:>7}")
        lines.append(f"  白票 / blank                {result.blank:>7}")
        lines.append(f"  候補者でない者への投票 / for a non-candidate (art. 9, 13) {result.invalid:>7}")
        if result.unreadable:
            lines.append(f"  読めない記録 / unreadable records {result.unreadable:>7}")
        lines.append(
            f"  無効投票 計 / invalid total  {result.blank + result.invalid + result.unreadable:>7}"
        )
        lines.append(f"  投票総数 / total            {result.total:>7}")
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
                "blank": r.blank,
                "invalid_non_candidate": r.invalid,
                "unreadable": r.unreadable,
                "total": r.total,
            }
            for r in results
        ],
    }


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
        writer.writerow([r.contest_id, r.title, "blank", "白票", "", "", r.blank])
        writer.writerow([r.contest_id, r.title, "invalid", "候補者でない者", "", "", r.invalid])
        writer.writerow([r.contest_id, r.title, "unreadable", "読めない記録", "", "", r.unreadable])
        writer.writerow([r.contest_id, r.title, "total", "投票総数", "", "", r.total])
    return out.getvalue()
