"""``python -m counting report``: the counting record (開票録) from the session — counted
totals checked against the log, paper batches merged, reconciliation, decisions — written as
signed result, PDF, JSON, CSV and QR."""

from __future__ import annotations

import argparse

from counting.commands.terminal import CliError, import_progress, print_problems
from counting.paper import merge_paper
from counting.report import CountingRecord, ReconciliationLine, dependencies_hash
from counting.report_files import write_report_files
from counting.report_signed import SessionSigner
from counting.session import RECONCILE_LABEL, ROOT, Session
from drivers.clock import SystemClock
from drivers.software_identity import software_hash


def cmd_report(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    results = session.counted_results()
    if results is None:
        raise CliError("まだ集計していません / nothing counted yet: run count first")
    imported, newest, versions = session.import_all(keep_records=False,
                                                    progress=import_progress())
    if imported.problems:
        return print_problems(imported)
    results, paper_lines = merge_paper(newest.package, results, session.paper_batches(),
                                       session.log)
    found = session.reconciliation(imported, newest)
    lines = tuple(
        ReconciliationLine(p.place_id, RECONCILE_LABEL, p.issued,
                           p.votes + p.abstentions + p.voided + p.outstanding)
        for p in (found.places if found else ()) if p.issued is not None)
    record = CountingRecord(
        signed=newest, versions=tuple(versions), imported=imported, results=results,
        software_hash=software_hash(ROOT), dependencies_hash=dependencies_hash(),
        session_log_head=session.log.head,
        created_at=SystemClock().now().isoformat(timespec="seconds"),
        counting_manager=session.settings.get("manager", ""),
        witnesses=tuple(session.settings.get("witnesses", [])),
        decisions=session.decisions.all(), paper=paper_lines, reconciliation=lines,
        reconciliation_notes=tuple(m.message for m in found.mismatches) if found else (),
    )
    files = write_report_files(record, args.out, SessionSigner.generate(), session.log)
    print(files.text.read_text(encoding="utf-8"), end="")
    print(f"報告書 / report: {files.pdf}")
    print(f"結果署名鍵の指紋 / result-signing key fingerprint: {files.key_fingerprint}")
    return 0
