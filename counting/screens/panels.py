"""What the projector shows, as plain data: import progress per medium, problems, reconciliation,
unlock status and results. Marks are words as well as colours (never colour alone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from counting.importer import STATUS_JA, ImportResult
from counting.report import STATUS_JA as CANDIDATE_STATUS_JA
from counting.report import ReconciliationLine
from counting.tally import ContestResult

PROJECTOR = (1920, 1080)
MIN_TEXT_PX = 40  # ≥ 1/27 of the picture height: legible from the back of a counting hall


class State(StrEnum):
    OK = "ok"
    PROBLEM = "problem"
    INFO = "info"


MARK = {State.OK: "○", State.PROBLEM: "× 要対応", State.INFO: "・"}


@dataclass(frozen=True)
class Line:
    label: str
    value: str = ""
    state: State = State.INFO


@dataclass(frozen=True)
class Panel:
    title: str
    subtitle: str
    lines: tuple[Line, ...]


def import_panel(imported: ImportResult, done: int, total: int) -> Panel:
    lines = []
    for f in imported.findings:
        ok = f.status in ("counted", "not-used", "same-medium")
        records = " ".join(f"{c} {n}" for c, n in f.records)
        lines.append(Line(f"{f.path.name} {STATUS_JA.get(f.status, f.status)} / {f.status}",
                          records or "—", State.OK if ok else State.PROBLEM))
    return Panel("記録媒体の取込 / importing media", f"{done} / {total} 媒体 media",
                 tuple(lines))


def problems_panel(imported: ImportResult) -> Panel:
    lines = [Line(p, "", State.PROBLEM) for p in imported.problems]
    lines += [Line(n, "", State.INFO) for n in imported.notes]
    subtitle = (f"開票を開始できません（{len(imported.problems)}件） / counting cannot start"
                if imported.problems else "問題はありません / no problems")
    return Panel("問題 / problems", subtitle, tuple(lines))


def reconciliation_panel(rows: Sequence[ReconciliationLine]) -> Panel:
    lines = tuple(Line(f"{r.subject} {r.label}", f"{r.expected:,} = {r.found:,}",
                       State.OK if r.ok else State.PROBLEM) for r in rows)
    bad = sum(not r.ok for r in rows)
    return Panel("投票者数の照合 / reconciliation",
                 f"不一致 {bad} 件 / {bad} mismatches" if bad else "すべて一致 / all match", lines)


def unlock_panel(threshold: int | None, holders: Sequence[str], present: Sequence[str],
                 unlocked: bool) -> Panel:
    lines = tuple(Line(h, "カード確認済 / card read" if h in present else "未提示 / not yet",
                       State.OK if h in present else State.INFO) for h in holders)
    if unlocked:
        status = "開票の鍵を復元しました（メモリ上のみ） / counting key rebuilt in memory only"
    elif threshold is None:
        status = (f"鍵保管者 {len(present)} 人のカードを確認（未復元） / {len(present)} key "
                  "holders' cards read; key not rebuilt")
    else:
        status = (f"鍵保管者 {len(present)} / {threshold} 人 — あと {max(threshold - len(present), 0)}"
                  f" 人 / {len(present)} of {threshold} key holders")
    return Panel("開票の鍵 / counting key", status, lines)


def result_panel(result: ContestResult) -> Panel:
    lines = [Line(f"{c.name}（{c.party}）{CANDIDATE_STATUS_JA[c.status]}", f"{c.votes:,} 票")
             for c in sorted(result.candidates, key=lambda c: (-c.votes, c.candidate_id))]
    lines += [
        Line("白票 / blank", f"{result.blank:,}"),
        Line("候補者でない者への投票 / non-candidate", f"{result.invalid:,}"),
        Line("投票総数 / total", f"{result.total:,}", State.OK),
    ]
    if result.unreadable:
        lines.insert(-1, Line("読めない記録 / unreadable", f"{result.unreadable:,}",
                              State.PROBLEM))
    return Panel(f"{result.title}", f"{result.title_en} — 有効投票 / valid {result.valid:,}",
                 tuple(lines))
