"""``python -m counting paper-resolve``: the recount that settles two paper entries that
differ, recorded as the counting manager's decision."""

from __future__ import annotations

import argparse

from counting.commands.terminal import CliError
from counting.paper import resolve
from counting.session import Session, read_entry


def cmd_paper_resolve(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    _, newest = session.versions()
    batches = {b.batch_id: b for b in session.paper_batches()}
    if args.batch not in batches:
        raise CliError(f"紙の投票 {args.batch} はありません / no paper batch {args.batch}")
    fixed = resolve(newest.package, batches[args.batch], read_entry(args.recount),
                    session.decisions, args.reason, args.by, args.heard)
    session.save_batch(fixed)
    print(f"紙の投票 {args.batch}: 数え直しを記録しました / recount recorded")
    return 0
