"""``python -m counting import``: open the session (settings, first log entry with the
package's and the counting key's fingerprints) and verify every medium."""

from __future__ import annotations

import argparse

from counting.commands.terminal import import_progress, print_import, print_problems
from counting.session import Session
from election.package import short_fingerprint
from media.counting_key import fingerprint as counting_key_fingerprint


def cmd_import(args: argparse.Namespace) -> int:
    session = Session.create(args.session, args.commission_pub, args.package, args.media,
                             args.manager, args.witness)
    imported, newest, _ = session.import_all(keep_records=False, progress=import_progress())
    print(f"選挙データ / package v{newest.package.version} {newest.short_fingerprint}")
    # the same value the key ceremony printed: the counting manager compares the two on paper
    print("開票鍵の指紋 / counting key fingerprint: "
          f"{short_fingerprint(counting_key_fingerprint(newest.package.counting_public_key))}")
    print_import(imported)
    if imported.problems:
        return print_problems(imported)
    print(f"取込完了 / imported: {len(imported.counted)} 台 / machines")
    return 0
