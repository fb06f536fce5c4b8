"""The projector app: ``python -m counting.screens --session DIR`` shows a counting session to
the witnesses, one panel at a time (→ / space: next, ← : previous, r: read the session again).
Everything shown is read from the session folder and verified the same way the CLI does."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from counting.paper import merge_paper
from counting.report import ReconciliationLine
from counting.screens.panels import (
    Line,
    Panel,
    State,
    import_panel,
    problems_panel,
    reconciliation_panel,
    result_panel,
    unlock_panel,
)
from counting.session import RECONCILE_LABEL, Session, results_from_data
from firmware.audit_events import AuditEvent


def session_panels(folder: Path) -> list[Panel]:
    """Verify every medium again and build the panels in the order of the day (read-only: the
    projector never writes to the session log)."""
    session = Session.open(folder)
    imported, newest, _ = session.import_all(keep_records=False, record=False)
    total = len(imported.findings)
    panels = [import_panel(imported, total, total), problems_panel(imported)]
    found = session.reconciliation(imported, newest, record=False)
    if found is not None:
        lines = [ReconciliationLine(p.place_id, RECONCILE_LABEL, p.issued,
                                    p.votes + p.abstentions + p.voided + p.outstanding)
                 for p in found.places if p.issued is not None]
        panel = reconciliation_panel(lines)
        decided = session.decisions.reconciled()
        notes = tuple(Line(m.message, "決定済 / decided" if m.subject in decided else "",
                           State.INFO if m.subject in decided else State.PROBLEM)
                      for m in found.mismatches)
        panels.append(Panel(panel.title, panel.subtitle, panel.lines + notes))
    entries = session.log.entries()
    present = [str(e.detail.get("holder", "")) for e in entries
               if e.event_id == AuditEvent.KEY_SHARE_READ and e.outcome == "ok"]
    unlocked = any(e.event_id == AuditEvent.COUNTING_KEY_UNLOCKED for e in entries)
    panels.append(unlock_panel(None, list(dict.fromkeys(present)), present, unlocked))
    counted = [e for e in entries if e.event_id == AuditEvent.RESULT_COUNTED]
    results_path = folder / "results.json"
    if counted and results_path.exists():
        encoded = results_path.read_bytes()
        if hashlib.sha256(encoded).hexdigest() != counted[-1].detail["results_sha256"]:
            panels.append(Panel("集計結果 / results", "集計結果のファイルが変更されています / "
                                "results.json was changed after counting", ()))
        else:
            results, _ = merge_paper(newest.package, results_from_data(json.loads(encoded)),
                                     session.paper_batches())
            panels += [result_panel(r) for r in results]
    return panels


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - opens a window
    parser = argparse.ArgumentParser(prog="python -m counting.screens")
    parser.add_argument("--session", type=Path, required=True)
    args = parser.parse_args(argv)
    from kivy.app import App
    from kivy.core.window import Window

    from counting.screens.projector import ProjectorScreen

    class ProjectorApp(App):  # type: ignore[misc]
        def build(self) -> Any:
            self.index = 0
            self.panels = session_panels(args.session)
            self.screen = ProjectorScreen()
            self.screen.show(self.panels[0])
            Window.bind(on_key_down=self.key)
            return self.screen

        def key(self, _window: Any, key: int, *_: Any) -> bool:
            if key == ord("r"):
                self.panels = session_panels(args.session)
            elif key in (275, 32):
                self.index += 1
            elif key == 276:
                self.index -= 1
            else:
                return False
            self.index %= len(self.panels)
            self.screen.show(self.panels[self.index])
            return True

    ProjectorApp().run()
    return 0
