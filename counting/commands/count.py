"""``python -m counting count``: verify every medium again, refuse while a problem or an
undecided reconciliation mismatch remains, unlock with the key holders and count."""

from __future__ import annotations

import argparse
import sys

from counting.commands.key_holders import unlock_with_holders
from counting.commands.report import cmd_report
from counting.commands.terminal import (
    CliError,
    import_progress,
    print_import,
    print_open_mismatches,
    print_problems,
)
from counting.session import Session, check_counting_key
from counting.tally import tally
from media.demo_key import read_demo_private_key

DEMO_KEY_WARNING = (
    "注意: デモ専用の鍵ファイルで復号します。本番の開票は鍵保管者のカード（k-of-n）で "
    "`count --card …` を使います / NOTE: decrypting with a DEMO ONLY key file; a real count "
    "unlocks with the key holders' cards (`count --card …`)"
)


def cmd_count(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    # records stay on the media until the tally reads them again in worker processes, checked
    # against the digests taken at import (flat memory for large counts)
    imported, newest, _ = session.import_all(keep_records=False, progress=import_progress())
    print_import(imported)
    if imported.problems:
        return print_problems(imported)
    if print_open_mismatches(session.open_mismatches(imported, newest)):
        print("開票を開始できません: 照合の不一致に決定がありません / counting cannot start: "
              "reconciliation mismatches without a decision", file=sys.stderr)
        return 6
    if args.demo_private_key and (args.card or args.reader is not None):
        raise CliError("鍵保管者のカードとデモ用鍵ファイルは同時に使えません / give either the "
                       "key holders' cards or the demo key file, not both")
    check_counting_key(newest, session.counting_key())
    if args.demo_private_key:
        print(DEMO_KEY_WARNING, file=sys.stderr)
        private = read_demo_private_key(args.demo_private_key.read_text())
        check_counting_key(newest, None, private)
        results = tally(newest.package, imported.counted, private)
    else:
        with unlock_with_holders(session, args, newest.package.counting_public_key) as key:
            results = tally(newest.package, imported.counted, key.raw)
    session.save_results(results, [m.machine_id for m in imported.counted])
    print("集計しました / counted")
    if args.out:
        return cmd_report(args)
    return 0
