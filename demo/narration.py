"""What ``make demo`` says about each machine's printed reports, read from the report's own
machine-signed summary (the QR payload, docs/media-format.md §12) after checking it under the
machine's key in the package — never from the position of a printed line."""

from __future__ import annotations

from typing import Any

from election.package import SignedPackage
from firmware.interfaces import PrintedDocument
from firmware.reports import REPORT_PURPOSE
from media.signed_document import decode_signed


class ReportNotReadable(ValueError):
    """A printed report without a summary that verifies; the demo cannot narrate it."""


def report_fields(document: PrintedDocument, signed: SignedPackage,
                  expected_format: str) -> dict[str, Any]:
    """The report's signed fields, verified under its machine's key in the package."""
    if document.qr_payload is None:
        raise ReportNotReadable(f"{document.title}: QR の要約がありません / no signed summary")
    summary = decode_signed(document.qr_payload, expected_format, document.title)
    machine = signed.package.machine(str(summary.body["machine_id"]))
    summary.verify(machine.public_key, REPORT_PURPOSE, document.title)
    return summary.body


def zero_line(document: PrintedDocument, signed: SignedPackage) -> str:
    """Each contest's record count on the zero report (all zero, or the machine refuses)."""
    body = report_fields(document, signed, "tohyoki-zero-report/1")
    counts = "、".join(f"{c.title} {body['records'][c.contest_id]} 件"
                      for c in signed.package.contests)
    counts_en = ", ".join(f"{c.contest_id} {body['records'][c.contest_id]}"
                          for c in signed.package.contests)
    return f"{body['machine_id']}: ゼロ確認 {counts} / zero report: {counts_en} records"


def closing_lines(document: PrintedDocument, signed: SignedPackage) -> list[str]:
    """Per contest: ballots, abstentions and the seal's digest (the start, as printed)."""
    body = report_fields(document, signed, "tohyoki-closing-report/1")
    lines = [f"{body['machine_id']}: 封印 第{body['closing_number']}回 / seal no. "
             f"{body['closing_number']}, 投票カード / cards "
             f"{body['sessions_voted'] + body['sessions_without_vote']}"]
    for c in signed.package.contests:
        lines.append(f"     {c.title}: 投票 {body['records'][c.contest_id]}・棄権 "
                     f"{body['abstentions'][c.contest_id]}  封印 {body['seal_digests'][c.contest_id][:16]}"
                     f" / ballots, abstentions, seal digest")
    return lines
