"""Writing every form of the result at once from one CountingRecord, so they cannot disagree:
result.txt, result.json, result.csv, result.signed.json, result-summary.txt (the QR text),
result-qr.png, result.pdf, the counting minutes counting-minutes.pdf (開票録), the NIST CDF
result-cdf.json, and the PDFs' pages as PNGs for people to look at."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from counting.cdf import from_counting
from counting.decisions import SessionLog
from counting.minutes import MinutesContext, draw_counting_minutes
from counting.report import CountingRecord, record_to_dict, render_text, to_csv
from counting.report_pdf import DPI, draw_report, write_pdf, write_pngs
from counting.report_signed import SessionSigner, qr_image, summary_body
from firmware.audit_events import AuditEvent


@dataclass(frozen=True)
class ReportFiles:
    text: Path
    json: Path
    csv: Path
    signed: Path
    summary: Path
    qr: Path
    pdf: Path
    pages: tuple[Path, ...]
    key_fingerprint: str
    minutes: Path | None = None
    cdf: Path | None = None


def write_report_files(record: CountingRecord, out: Path, signer: SessionSigner,
                       log: SessionLog | None = None,
                       minutes: MinutesContext | None = None) -> ReportFiles:
    out.mkdir(parents=True, exist_ok=True)
    if minutes is None:  # the count opened with the session's first log entry
        entries = log.entries() if log is not None else ()
        minutes = MinutesContext(opened_at=entries[0].time if entries else "")
    data = record_to_dict(record)
    signed_text = signer.sign_result(data)
    summary = signer.sign_summary(summary_body(
        record.signed.package.election_id, record.signed.fingerprint, record.created_at,
        record.results))
    qr = qr_image(summary)
    pages = draw_report(record, qr, signer.fingerprint)
    files = ReportFiles(
        text=out / "result.txt", json=out / "result.json", csv=out / "result.csv",
        signed=out / "result.signed.json", summary=out / "result-summary.txt",
        qr=out / "result-qr.png", pdf=out / "result.pdf",
        pages=tuple(write_pngs(pages, out / "pages")), key_fingerprint=signer.fingerprint,
        minutes=out / "counting-minutes.pdf", cdf=out / "result-cdf.json",
    )
    minutes_pages = draw_counting_minutes(record, minutes, signer.fingerprint)
    first, *rest = [p.convert("RGB") for p in minutes_pages]
    first.save(out / "counting-minutes.pdf", "PDF", resolution=DPI, save_all=True,
               append_images=rest, title="開票録 / counting minutes", creator="tohyoki counting")
    for number, page in enumerate(minutes_pages, start=1):
        page.save(out / "pages" / f"counting-minutes-page-{number}.png")
    (out / "result-cdf.json").write_text(
        json.dumps(from_counting(record), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    files.text.write_text(render_text(record.signed, record.imported, record.results),
                          encoding="utf-8")
    files.json.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    files.csv.write_text(to_csv(record.results), encoding="utf-8")
    files.signed.write_text(signed_text, encoding="utf-8")
    files.summary.write_text(summary, encoding="utf-8")
    qr.save(files.qr)
    write_pdf(pages, files.pdf)
    if log is not None:
        log.append(AuditEvent.RESULT_SIGNED, "signed", key_fingerprint=signer.fingerprint,
                   package_fingerprint=record.signed.fingerprint,
                   result_sha256=_sha256(files.signed.read_bytes()))
    return files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
