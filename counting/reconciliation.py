"""Reconciliation (投票者数の照合) before counting may start.

Per polling place, the reception desk's figures (issuer's report, imported as JSON/CSV or
entered by the officer) must balance with what the machines sealed:

    voting cards issued = votes + abstentions + voided + outstanding

- votes: sessions that recorded a vote, summed over the place's counted media (seal
  ``sessions_voted``);
- abstentions: sessions that ended without a vote — the card was consumed at the machine (seal
  ``sessions_without_vote``, 棄権);
- voided: cards spoiled or returned at the desk and voided there (issuer's report);
- outstanding: cards issued but never used at a machine nor returned (issuer's report).

Per machine: sessions (with and without a vote) = cards consumed, and the records per contest fit
the sessions (no contest has more records than sessions that voted; every voting session left
at least one record). Where the machine's printed closing report is supplied (its QR payload,
verified with the machine key, docs/media-format.md §12.2), its counts and seal digests must equal
the seal's.

Mismatches are listed; counting may start only when there are none, or when the counting
manager has recorded a decision on each (counting/decisions.py, kind ``reconciliation``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counting.importer import CountedMachine, EventLog
from election.package import ElectionPackage
from election.signature import BadSignature
from firmware.audit_events import AuditEvent
from media.polling_report import decode_report
from media.signed_document import DocumentUnreadable

REPORT_PURPOSE = "polling-report"
CLOSING_FORMAT = "tohyoki-closing-report/1"


class IssuerReportError(ValueError):
    """The issuer's report cannot be read; the message names the line and field."""


@dataclass(frozen=True)
class IssuerCounts:
    """One polling place's reception figures."""

    place_id: str
    issued: int
    voided: int = 0
    outstanding: int = 0


@dataclass(frozen=True)
class PlaceRow:
    place_id: str
    name: str
    issued: int | None  # None: no issuer figures for this place
    votes: int
    abstentions: int
    voided: int
    outstanding: int
    machines: tuple[str, ...]

    @property
    def balance(self) -> int | None:
        """issued − (votes + abstentions + voided + outstanding): 0 when reconciled."""
        if self.issued is None:
            return None
        return self.issued - (self.votes + self.abstentions + self.voided + self.outstanding)


@dataclass(frozen=True)
class MachineRow:
    machine_id: str
    place_id: str
    sessions_voted: int
    sessions_without_vote: int
    records: tuple[tuple[str, int], ...]
    closing_report: bool  # a verified closing report was compared

    @property
    def cards_consumed(self) -> int:
        return self.sessions_voted + self.sessions_without_vote


@dataclass(frozen=True)
class Mismatch:
    subject: str  # place or machine id: the subject of the counting manager's decision
    message: str


@dataclass(frozen=True)
class Reconciliation:
    places: tuple[PlaceRow, ...]
    machines: tuple[MachineRow, ...]
    mismatches: tuple[Mismatch, ...]

    @property
    def balanced(self) -> bool:
        return not self.mismatches

    def open_mismatches(self, decided_subjects: Sequence[str]) -> tuple[Mismatch, ...]:
        """Mismatches without a recorded decision: counting may not start while any remain."""
        decided = set(decided_subjects)
        return tuple(m for m in self.mismatches if m.subject not in decided)


def _count(value: Any, where: str, name: str) -> int:
    if isinstance(value, bool):
        raise IssuerReportError(f"{where}: {name} は整数で / {name} must be a whole number")
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise IssuerReportError(f"{where}: {name} は0以上の整数で / {name} must be ≥ 0")
        return int(value)
    if not isinstance(value, int) or value < 0:
        raise IssuerReportError(f"{where}: {name} は0以上の整数で / {name} must be ≥ 0")
    return value


def _row(item: Mapping[str, Any], where: str) -> IssuerCounts:
    place = item.get("place_id")
    if not isinstance(place, str) or not place.strip():
        raise IssuerReportError(f"{where}: place_id がありません / place_id missing")
    if "issued" not in item or item["issued"] in ("", None):
        raise IssuerReportError(f"{where}: issued（交付枚数）がありません / issued missing")
    return IssuerCounts(
        place.strip(),
        _count(item["issued"], where, "issued"),
        _count(item.get("voided") or 0, where, "voided"),
        _count(item.get("outstanding") or 0, where, "outstanding"),
    )


def parse_issuer_report(data: str, *, kind: str) -> dict[str, IssuerCounts]:
    """``kind`` is "json" (a list of rows, or {"places": [...]}, rows as in ``IssuerCounts``;
    extra members such as the issuer's own signature are ignored here) or "csv" (header
    ``place_id,issued,voided,outstanding``)."""
    rows: list[IssuerCounts] = []
    if kind == "json":
        try:
            doc = json.loads(data)
        except json.JSONDecodeError as exc:
            raise IssuerReportError(f"JSONとして読めません / not JSON: {exc}") from exc
        items = doc.get("places") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise IssuerReportError("places の一覧がありません / no list of places")
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise IssuerReportError(f"{n}件目が不正です / entry {n} is not an object")
            rows.append(_row(item, f"{n}件目 / entry {n}"))
    elif kind == "csv":
        reader = csv.DictReader(io.StringIO(data))
        if not reader.fieldnames or "place_id" not in reader.fieldnames:
            raise IssuerReportError("CSVの見出しに place_id がありません / CSV header lacks place_id")
        for n, item in enumerate(reader, start=2):
            rows.append(_row(item, f"{n}行目 / line {n}"))
    else:
        raise IssuerReportError(f"unknown report kind {kind!r}")
    result: dict[str, IssuerCounts] = {}
    for row in rows:
        if row.place_id in result:
            raise IssuerReportError(f"{row.place_id}: 投票所が重複しています / place listed twice")
        result[row.place_id] = row
    return result


def load_issuer_report(path: Path) -> dict[str, IssuerCounts]:
    kind = "csv" if path.suffix.lower() == ".csv" else "json"
    return parse_issuer_report(path.read_text(encoding="utf-8-sig"), kind=kind)


def verify_closing_report(payload: bytes, package: ElectionPackage) -> dict[str, Any]:
    """The body of a machine's closing-report QR payload, after checking its signature with
    that machine's key from the package."""
    try:
        document = decode_report(payload, CLOSING_FORMAT, "投票終了報告 / closing report")
        machine_id = document.body["machine_id"]
        machine = package.machine(str(machine_id))
        document.verify(machine.public_key, REPORT_PURPOSE, "投票終了報告 / closing report")
    except (DocumentUnreadable, BadSignature, KeyError, ValueError) as exc:
        raise IssuerReportError(f"投票終了報告を確認できません / closing report does not "
                                f"verify: {exc}") from exc
    return document.body


def reconcile(
    package: ElectionPackage,
    counted: Sequence[CountedMachine],
    issued: Mapping[str, IssuerCounts],
    closing_reports: Sequence[bytes] = (),
    log: EventLog | None = None,
) -> Reconciliation:
    mismatches: list[Mismatch] = []
    by_place: dict[str, list[CountedMachine]] = {p.place_id: [] for p in package.polling_places}
    reports: dict[str, dict[str, Any]] = {}
    for payload in closing_reports:
        body = verify_closing_report(payload, package)
        reports[str(body["machine_id"])] = body
    machine_rows = []
    for m in counted:
        seal = m.reading.seal
        place_id = package.machine(m.machine_id).place_id
        by_place[place_id].append(m)
        records = tuple((t.contest_id, t.records) for t in seal.tables)
        most = max((n for _, n in records), default=0)
        total = sum(n for _, n in records)
        if most > seal.sessions_voted:
            mismatches.append(Mismatch(m.machine_id, (
                f"{m.machine_id}: 記録数 {most} が投票した回数 {seal.sessions_voted} を超えています"
                " / more records in a contest than sessions that voted")))
        if seal.sessions_voted > total:
            mismatches.append(Mismatch(m.machine_id, (
                f"{m.machine_id}: 投票した回数 {seal.sessions_voted} に対し記録が {total} しか"
                "ありません / fewer records than sessions that voted")))
        report = reports.pop(m.machine_id, None)
        if report is not None:
            expected = {
                "sessions_voted": seal.sessions_voted,
                "sessions_without_vote": seal.sessions_without_vote,
                "records": dict(records),
                "seal_digests": {t.contest_id: t.digest for t in seal.tables},
                "package_fingerprint": seal.package_fingerprint,
            }
            for field_name, value in expected.items():
                if report.get(field_name) != value:
                    mismatches.append(Mismatch(m.machine_id, (
                        f"{m.machine_id}: 投票終了報告の {field_name} が封印と一致しません / the "
                        f"closing report's {field_name} differs from the seal")))
        machine_rows.append(MachineRow(m.machine_id, place_id, seal.sessions_voted,
                                       seal.sessions_without_vote, records, report is not None))
    for machine_id in reports:
        mismatches.append(Mismatch(machine_id, (
            f"{machine_id}: 投票終了報告はありますが、集計する記録媒体がありません / a closing "
            "report exists for a machine whose medium is not counted")))
    for place_id in issued:
        if place_id not in by_place:
            mismatches.append(Mismatch(place_id, (
                f"{place_id}: 選挙データにない投票所です / not a polling place of this election")))
    place_rows = []
    for place in package.polling_places:
        machines = by_place[place.place_id]
        figures = issued.get(place.place_id)
        row = PlaceRow(
            place_id=place.place_id,
            name=place.name,
            issued=figures.issued if figures else None,
            votes=sum(m.reading.seal.sessions_voted for m in machines),
            abstentions=sum(m.reading.seal.sessions_without_vote for m in machines),
            voided=figures.voided if figures else 0,
            outstanding=figures.outstanding if figures else 0,
            machines=tuple(m.machine_id for m in machines),
        )
        place_rows.append(row)
        if figures is None:
            if machines:
                mismatches.append(Mismatch(place.place_id, (
                    f"{place.place_id}: 受付の交付枚数がありません / no issuer figures for this "
                    "place")))
            continue
        balance = row.balance
        if balance:
            mismatches.append(Mismatch(place.place_id, (
                f"{place.place_id} {place.name}: 交付 {row.issued} ≠ 投票 {row.votes} + 棄権 "
                f"{row.abstentions} + 無効化 {row.voided} + 未返却 {row.outstanding}（差 {balance:+d}"
                f"） / cards issued do not equal votes + abstentions + voided + outstanding "
                f"(difference {balance:+d})")))
    if log is not None:
        log.append(AuditEvent.RECONCILIATION_CHECKED, "ok" if not mismatches else "mismatch",
                   places=len(place_rows), machines=len(machine_rows),
                   closing_reports=sum(r.closing_report for r in machine_rows),
                   mismatches=sorted({m.subject for m in mismatches}))
    return Reconciliation(tuple(place_rows), tuple(machine_rows), tuple(mismatches))
