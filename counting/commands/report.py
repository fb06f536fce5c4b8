"""``python -m counting report``: the counting record (開票録) from the session — counted
totals checked against the log, paper batches merged, reconciliation, decisions — written as
signed result, PDF, JSON, CSV and QR."""

from __future__ import annotations

import argparse

from counting.commands.terminal import CliError, import_progress, print_problems
from counting.report_files import write_report_files
from counting.report_signed import SessionSigner
from counting.session import Session, counting_record


def cmd_report(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    results = session.counted_results()
    if results is None:
        raise CliError("まだ集計していません / nothing counted yet: run count first")
    imported, newest, versions = session.import_all(keep_records=False,
                                                    progress=import_progress())
    if imported.problems:
        return print_problems(imported)
    record = counting_record(session, imported, newest, versions, results)
    files = write_report_files(record, args.out, SessionSigner.generate(), session.log)
    print(files.text.read_text(encoding="utf-8"), end="")
    print(f"報告書 / report: {files.pdf}")
    print(f"結果署名鍵の指紋 / result-signing key fingerprint: {files.key_fingerprint}")
    return 0
