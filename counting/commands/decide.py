"""``python -m counting decide``: a decision of the counting manager (copy medium, night seal,
validity, reconciliation), with its reason and the witnesses heard (法第9条第4項)."""

from __future__ import annotations

import argparse

from counting.session import Session


def cmd_decide(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    decisions = session.decisions
    if args.kind == "copy":
        d = decisions.decide_copy_medium(args.subject, args.reason, args.by, args.heard)
    elif args.kind == "night-seal":
        d = decisions.decide_night_sealed(args.subject, args.reason, args.by, args.heard)
    elif args.kind == "validity":
        d = decisions.decide_validity(args.subject, args.ruling, args.reason, args.by, args.heard)
    else:
        d = decisions.decide_reconciliation(args.subject, args.ruling or "accept", args.reason,
                                            args.by, args.heard)
    print(f"決定を記録しました / decision recorded: #{d.sequence} {d.time} {d.kind.value} "
          f"{d.subject} {d.ruling}")
    return 0
