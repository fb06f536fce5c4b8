"""``python -m counting paper``: a batch of paper ballots entered by two officers and compared."""

from __future__ import annotations

import argparse
import sys

from counting.paper import PaperKind, compare, enter_batch
from counting.session import Session, read_entry


def cmd_paper(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    _, newest = session.versions()
    batch = enter_batch(newest.package, args.batch, PaperKind(args.kind),
                        read_entry(args.first), read_entry(args.second), session.log)
    session.save_batch(batch)
    differences = compare(batch.first, batch.second)
    if differences:
        print(f"二つの入力が一致しません / the two entries differ ({args.batch}):", file=sys.stderr)
        for d in differences:
            print(f"  - {d.contest_id} {d.row}: {d.first} ≠ {d.second}", file=sys.stderr)
        return 4
    print(f"紙の投票 {args.batch}: 二つの入力が一致しました / both entries agree")
    return 0
