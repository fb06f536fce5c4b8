"""``python -m counting reconcile``: remember the reception's report of cards issued and check
cards issued = votes + abstentions + voided + outstanding per place."""

from __future__ import annotations

import argparse
import sys

from counting.commands.terminal import (
    import_progress,
    print_open_mismatches,
    print_problems,
)
from counting.reconciliation import load_issuer_report
from counting.session import Session


def cmd_reconcile(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    load_issuer_report(args.issued)  # refuse an unreadable report before remembering it
    session.settings["issued"] = str(args.issued.resolve())
    session.save_settings()
    imported, newest, _ = session.import_all(keep_records=False, progress=import_progress())
    if imported.problems:
        return print_problems(imported)
    found = session.reconciliation(imported, newest)
    assert found is not None
    for place in found.places:
        if place.issued is not None:
            accounted = place.votes + place.abstentions + place.voided + place.outstanding
            print(f"  {place.place_id} {place.name}: {place.issued} = {place.votes} + "
                  f"{place.abstentions} + {place.voided} + {place.outstanding} ({accounted})")
    if print_open_mismatches(session.open_mismatches(imported, newest)):
        print("照合が一致しません。開票管理者の決定を記録してください / reconciliation "
              "mismatches need the counting manager's decision (decide reconciliation …)",
              file=sys.stderr)
        return 6
    print("照合 / reconciliation: OK")
    return 0
