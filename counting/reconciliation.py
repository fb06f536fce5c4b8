"""Reconciliation (投票者数の照合) before counting may start.

Per polling place, the reception desk's figures must balance with what the machines sealed. The
figures come as the desks' signed reports (election/reception_report.py, written by
``python -m reception.card_issuer report --signed-report F``): each is verified against the
package — the desk's listed key, this election, the desk's own polling place — and a forged,
altered or other-election report is refused with the reason. Figures without a signature (a CSV
or JSON table typed up by hand) are read but each place's figures are then a mismatch the
counting manager must decide on before counting:

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
from election import canonical
from election.package import ElectionPackage
from election.reception_report import (
    ReceptionReportRefused,
    is_reception_report,
    open_reception_report,
)
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
    reports: tuple[bytes, ...] = ()  # the desks' signed reports; () = unsigned figures


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
        signed = _signed_reports(doc)
        if signed:
            return signed
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


def _signed_reports(doc: Any) -> dict[str, IssuerCounts]:
    """Desks' signed reports (one, or a list of them), read but not yet trusted: ``reconcile``
    verifies each against the package. Several desks of one place add up."""
    items = doc if isinstance(doc, list) else [doc]
    try:
        reports = [canonical.encode(item) for item in items]
    except canonical.NotCanonical:
        return {}
    if not reports or not all(is_reception_report(r) for r in reports):
        return {}
    result: dict[str, IssuerCounts] = {}
    desks: set[str] = set()
    for raw in reports:
        body = canonical.decode_object(raw)["body"]
        try:
            place, desk = str(body["place_id"]), str(body["issuer_id"])
            issued, voided = _count(body["issued"], desk, "issued"), _count(
                body["voided"], desk, "voided")
            outstanding = _count(body["outstanding"], desk, "outstanding")
        except KeyError as exc:
            raise IssuerReportError(f"受付の報告に {exc} がありません / field missing") from exc
        if desk in desks:
            raise IssuerReportError(f"{desk}: 同じ受付の報告が二つあります / the same desk's "
                                    "report twice")
        desks.add(desk)
        before = result.get(place, IssuerCounts(place, 0))
        result[place] = IssuerCounts(place, before.issued + issued, before.voided + voided,
                                     before.outstanding + outstanding, (*before.reports, raw))
    return result


def load_issuer_report(path: Path) -> dict[str, IssuerCounts]:
    """A CSV or JSON table, a desk's signed report, or a folder of desks' signed reports."""
    if path.is_dir():
        docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(path.glob("*.json"))]
        if not docs:
            raise IssuerReportError(f"{path} に受付の報告がありません / no reception report here")
        found = _signed_reports(docs)
        if not found:
            raise IssuerReportError(f"{path}: 署名付きの受付の報告ではないファイルがあります / a "
                                    "file here is not a desk's signed report")
        return found
    kind = "csv" if path.suffix.lower() == ".csv" else "json"
    return parse_issuer_report(path.read_text(encoding="utf-8-sig"), kind=kind)


def verify_issuer_figures(package: ElectionPackage, figures: IssuerCounts) -> None:
    """Refuse a place's figures whose signed reports do not verify or do not add up to them."""
    reports = []
    for raw in figures.reports:
        try:
            reports.append(open_reception_report(raw, package))
        except ReceptionReportRefused as exc:
            raise IssuerReportError(f"受付の報告を受け付けません / reception report refused: "
                                    f"{exc}") from exc
    if reports and (
        {r.place_id for r in reports} != {figures.place_id}
        or sum(r.issued for r in reports) != figures.issued
        or sum(r.voided for r in reports) != figures.voided
        or sum(r.outstanding for r in reports) != figures.outstanding
    ):
        raise IssuerReportError(f"{figures.place_id}: 数字が署名付きの報告と違います / the figures "
                                "differ from the desks' signed reports")


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
    for given in issued.values():
        verify_issuer_figures(package, given)
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
        if not figures.reports:
            mismatches.append(Mismatch(place.place_id, (
                f"{place.place_id} {place.name}: 受付の交付枚数に署名がありません（手入力）。開票管理者"
                "が確かめて決定してください / the reception figures are not signed by the desk "
                "(typed in): the counting manager must check them and decide")))
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
