"""The witnesses' projector (開票立会人の画面), a second process: kivy draws one window per
process, and a process of its own can sit on the projector's display, can fail or be
restarted without touching the counting manager's window, and is read-only by construction —
it opens the session's files for reading only and never holds the session log for writing.

It reads the session log (hash chain verified on every read), the counted totals (checked
against the digest in the log) and the manager window's ``progress.json``, once a second, and
shows the panel of the step under way; → / ← page through the others.

    python -m counting.app --projector --session DIR [--lang ja|en]"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from counting.app.evening import PROGRESS_FILE
from counting.decisions import KIND_JA, KIND_OF
from counting.paper import PaperError, merge_paper
from counting.screens.panels import Line, Panel, State, result_panel, unlock_panel
from counting.session import Session, SessionError
from firmware.audit_events import AuditEvent
from media.audit_log import AuditChainBroken, AuditEntry, verify_chain

OK_STATUSES = ("counted", "not-used", "same-medium")


def english_first(text: str) -> str:
    """"日本語 / English" → "English / 日本語" (only for a text of exactly two halves)."""
    halves = text.split(" / ")
    return f"{halves[1]} / {halves[0]}" if len(halves) == 2 else text


def read_progress(folder: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((folder / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data


def _bar(done: int, total: int) -> str:
    filled = 20 * done // max(total, 1)
    return f"{'■' * filled}{'□' * (20 - filled)} {done:,} / {total:,}"


def _received_panel(progress: dict[str, Any]) -> Panel:
    lines = tuple(Line(name, verdict, State.OK if ok else State.PROBLEM)
                  for name, ok, verdict in progress.get("received", []))
    return Panel("記録媒体の受領 / media received", f"{len(lines)} 媒体 / media", lines)


def _import_panel(entries: list[AuditEntry], progress: dict[str, Any]) -> Panel:
    if progress.get("step") == "import" and progress.get("running"):
        return Panel("記録媒体の取込 / importing media", "取込中 / importing",
                     (Line(_bar(progress.get("done", 0), progress.get("total", 0))),))
    done = [i for i, e in enumerate(entries) if e.event_id == AuditEvent.IMPORT_COMPLETED]
    if not done:
        return Panel("記録媒体の取込 / importing media", "まだ取り込んでいません / not yet", ())
    last, start = done[-1], (done[-2] + 1 if len(done) > 1 else 0)
    lines = []
    for e in entries[start:last]:
        if e.event_id != AuditEvent.MEDIUM_IMPORTED:
            continue
        status = str(e.detail.get("status", ""))
        records = " ".join(f"{c} {n:,}" for c, n in dict(e.detail.get("records", {})).items())
        lines.append(Line(f"{e.detail.get('medium', '')} {status}", records or "—",
                          State.OK if status in OK_STATUSES else State.PROBLEM))
    problems = int(entries[last].detail.get("problems", 0))
    subtitle = (f"開票を開始できません（{problems}件） / counting cannot start" if problems
                else f"{len(entries[last].detail.get('counted', []))} 台を集計 / machines counted")
    return Panel("記録媒体の取込 / importing media", subtitle, tuple(lines))


def _decisions_panel(entries: list[AuditEntry]) -> Panel:
    lines = []
    for e in entries:
        kind = KIND_OF.get(e.event_id)
        if kind is None:
            continue
        heard = "、".join(e.detail.get("witnesses_heard", [])) or "—"
        lines.append(Line(f"{KIND_JA[kind]}: {e.detail.get('subject', '')} "
                          f"{e.detail.get('reason', '')}", f"聴取 / heard: {heard}"))
    return Panel("開票管理者の決定 / decisions", f"{len(lines)} 件 / recorded", tuple(lines))


def _key_panel(entries: list[AuditEntry], progress: dict[str, Any]) -> Panel:
    attempts = [i for i, e in enumerate(entries)
                if e.event_id in (AuditEvent.COUNTING_KEY_UNLOCKED,
                                  AuditEvent.COUNTING_KEY_UNLOCK_REFUSED)]
    since = attempts[-1] + 1 if attempts and progress.get("running") else 0
    present = [str(e.detail.get("holder", "")) for e in entries[since:]
               if e.event_id == AuditEvent.KEY_SHARE_READ and e.outcome == "ok"]
    unlocked = bool(attempts) and entries[attempts[-1]].event_id == \
        AuditEvent.COUNTING_KEY_UNLOCKED
    holders = int(progress.get("holders", 0)) or None
    panel = unlock_panel(holders, list(dict.fromkeys(present)), present, unlocked)
    if progress.get("awaiting_pin"):
        called = (f"{progress.get('holder_label', '')} さんが暗証番号を入力中 / key holder "
                  f"{int(progress.get('holder_index', 0)) + 1} is typing their PIN")
        panel = replace(panel, lines=panel.lines + (Line(called, "", State.INFO),))
    return panel


def _count_panel(progress: dict[str, Any]) -> Panel:
    return Panel("集計 / counting", "集計中（復号は無作為の順） / counting, in shuffled order",
                 (Line(_bar(progress.get("done", 0), progress.get("total", 0))),))


RESULTS = 4
STEP_OF = {AuditEvent.MEDIUM_IMPORTED: 1, AuditEvent.IMPORT_COMPLETED: 1,
           AuditEvent.RECONCILIATION_CHECKED: 1, AuditEvent.KEY_SHARE_READ: 3,
           AuditEvent.COUNTING_KEY_UNLOCKED: 3, AuditEvent.COUNTING_KEY_UNLOCK_REFUSED: 3,
           AuditEvent.RESULT_COUNTED: RESULTS, AuditEvent.PAPER_ENTRY_RECORDED: RESULTS,
           AuditEvent.PAPER_MERGED: RESULTS, AuditEvent.PAPER_MISMATCH_RESOLVED: RESULTS,
           AuditEvent.RESULT_SIGNED: RESULTS}


def _latest_step(entries: list[AuditEntry]) -> int:
    """The panel of the step the last entry of the log belongs to (a decision: the decisions;
    the report's own entries: the results)."""
    for e in reversed(entries):
        if KIND_OF.get(e.event_id) and e.event_id != AuditEvent.PAPER_MISMATCH_RESOLVED:
            return 2
        step = STEP_OF.get(AuditEvent(e.event_id)) if e.event_id in STEP_OF else None
        if step is not None:
            return step
    return 0


def projector_panels(folder: Path, lang: str = "ja") -> tuple[list[Panel], int]:
    """Every panel in the order of the day, and the one to show now (the step under way)."""
    progress = read_progress(folder)
    try:
        entries = list(verify_chain((folder / "session.log").read_bytes())[0])
    except FileNotFoundError:
        entries = []
    except AuditChainBroken as exc:
        broken = Panel("作業記録が壊れています / the session log is broken", str(exc), ())
        return [broken], 0
    panels = [_received_panel(progress), _import_panel(entries, progress),
              _decisions_panel(entries), _key_panel(entries, progress)]
    current = _latest_step(entries) if entries else 0
    step, running = progress.get("step"), progress.get("running")
    if step == "import" and running:
        current = 1
    elif step == "count" and running:
        if progress.get("total"):
            panels.append(_count_panel(progress))
            current = len(panels) - 1
        else:
            current = 3
    results = _results(folder)
    if current == RESULTS:
        current = len(panels) if results else 1
    panels += results
    if lang == "en":
        panels = [replace(p, title=english_first(p.title), subtitle=english_first(p.subtitle))
                  for p in panels]
    return panels, current


def _results(folder: Path) -> list[Panel]:
    try:
        session = Session.open(folder)
        counted = session.counted_results()
        if counted is None:
            return []
        _, newest = session.versions()
        results, _ = merge_paper(newest.package, counted, session.paper_batches())
    except PaperError as exc:  # shown once both entries agree or the recount is recorded
        return [Panel("集計結果 / results", "紙の投票の確認待ち / waiting for the paper ballots",
                      (Line(str(exc), "", State.PROBLEM),))]
    except (SessionError, OSError, ValueError) as exc:
        return [Panel("集計結果 / results", "集計結果を表示できません / cannot show the results",
                      (Line(str(exc), "", State.PROBLEM),))]
    return [result_panel(r) for r in results]


def run_projector(folder: Path, lang: str, smoke: bool = False) -> int:  # pragma: no cover
    """The projector's window (tested through ``--smoke`` in a process of its own)."""
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from counting.screens.projector import ProjectorScreen

    class ProjectorApp(App):  # type: ignore[misc]
        def build(self) -> Any:
            self.title = "開票立会人 / witnesses"
            self.screen = ProjectorScreen()
            self.index, self.follow = 0, True
            self.shown: Any = None
            self.refresh()
            Window.bind(on_key_down=self.key)
            Clock.schedule_interval(lambda _dt: self.refresh(), 1.0)
            if smoke:
                Clock.schedule_once(lambda _dt: self.drawn(), 0.5)
            return self.screen

        def drawn(self) -> None:
            print(f"projector drawn: {self.panels[self.index].title}", flush=True)
            self.stop()

        def refresh(self) -> None:
            self.panels, current = projector_panels(folder, lang)
            if self.follow:
                self.index = current
            self.index %= len(self.panels)
            panel = self.panels[self.index]
            if panel != self.shown:
                self.screen.show(panel)
                self.shown = panel

        def key(self, _window: Any, key: int, *_: Any) -> bool:
            if key in (275, 32):
                self.index, self.follow = self.index + 1, False
            elif key == 276:
                self.index, self.follow = self.index - 1, False
            elif key == ord("f"):
                self.follow = True
            else:
                return False
            self.refresh()
            return True

    ProjectorApp().run()
    return 0
