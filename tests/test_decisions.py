"""The counting manager's decisions (art. 9-4, 10-2, reconciliation) in the counting session's
hash-chained log: recorded with reason, time and who; refused without them; not editable."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from counting.decisions import DecisionKind, DecisionRefused, Decisions, SessionLog
from counting.importer import import_media
from drivers.clock import JST
from firmware.audit_events import AuditEvent
from media.audit_log import AuditChainBroken, verify_chain
from tests.test_counting import Day, day  # noqa: F401  (module fixture)

START = datetime(2026, 11, 29, 20, 30, tzinfo=JST)


class Ticking:
    """A fixed clock that moves one minute per reading, so every entry's time is known."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def decisions_at(path: Path) -> Decisions:
    return Decisions(SessionLog(path, Ticking()))


def test_each_decision_is_logged_with_reason_time_and_who(tmp_path: Path) -> None:
    log_path = tmp_path / "session.log"
    decisions = decisions_at(log_path)
    decisions.decide_copy_medium("M-001", "正本が読めない（破損）", "開票管理者 山田",
                                 ["立会人 佐藤", "立会人 鈴木"])
    decisions.decide_validity("mayor: 候補者でない者への投票 1票", "invalid", "法第9条第3項",
                              "開票管理者 山田", ["立会人 佐藤"])
    decisions.decide_reconciliation("p01", "accept", "カード1枚を持ち帰り（受付簿で確認）",
                                    "開票管理者 山田")
    reopened = decisions_at(log_path)
    found = reopened.all()
    assert [d.kind for d in found] == [DecisionKind.COPY_MEDIUM, DecisionKind.VALIDITY,
                                       DecisionKind.RECONCILIATION]
    assert [d.time for d in found] == ["2026-11-29T20:31:00+09:00", "2026-11-29T20:32:00+09:00",
                                       "2026-11-29T20:33:00+09:00"]
    assert found[0].witnesses_heard == ("立会人 佐藤", "立会人 鈴木")
    assert found[1].ruling == "invalid" and found[1].decided_by == "開票管理者 山田"
    assert reopened.copy_decisions() == {"M-001": "正本が読めない（破損）"}
    assert reopened.reconciled() == {"p01"}
    entries, head = verify_chain(log_path.read_bytes())
    assert [e.event_id for e in entries] == [AuditEvent.COPY_MEDIUM_DECIDED,
                                             AuditEvent.VALIDITY_DECIDED,
                                             AuditEvent.RECONCILIATION_DECIDED]
    assert head == reopened.log.head


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda d: d.decide_copy_medium("M-001", "破損", "山田", []), "name the witnesses heard"),
        (lambda d: d.decide_validity("x", "invalid", "理由", "山田", []),
         "name the witnesses heard"),
        (lambda d: d.decide_validity("x", "maybe", "理由", "山田", ["佐藤"]), "valid or invalid"),
        (lambda d: d.decide_copy_medium("M-001", "  ", "山田", ["佐藤"]), "the reason"),
        (lambda d: d.decide_reconciliation("p01", "accept", "理由", ""), "counting manager's name"),
    ],
)
def test_incomplete_decisions_are_refused_and_not_logged(tmp_path: Path, call: object,
                                                         words: str) -> None:
    decisions = decisions_at(tmp_path / "session.log")
    with pytest.raises(DecisionRefused, match=words):
        call(decisions)  # type: ignore[operator]
    assert decisions.all() == ()
    assert not (tmp_path / "session.log").exists()


def test_an_edited_decision_breaks_the_chain(tmp_path: Path) -> None:
    log_path = tmp_path / "session.log"
    decisions = decisions_at(log_path)
    decisions.decide_copy_medium("M-001", "正本紛失", "山田", ["佐藤"])
    decisions.decide_copy_medium("M-002", "正本破損", "山田", ["佐藤"])
    log_path.write_bytes(log_path.read_bytes().replace(b"M-001", b"M-003"))
    with pytest.raises(AuditChainBroken):
        decisions_at(log_path)
    lines = (tmp_path / "session.log").read_bytes().splitlines(keepends=True)
    log_path.write_bytes(lines[1])  # the first decision removed
    with pytest.raises(AuditChainBroken):
        decisions_at(log_path)


def test_recorded_copy_decision_lets_the_copy_be_counted(day: Day, tmp_path: Path) -> None:  # noqa: F811
    media = [p for p in day.all_media() if p.name != "M-001-primary"]
    assert any("art. 10" in p for p in import_media(media, day.versions, {}).problems)
    decisions = decisions_at(tmp_path / "session.log")
    decisions.decide_copy_medium("M-001", "正本が開票所に届く途中で破損", "山田", ["佐藤"])
    imported = import_media(media, day.versions, decisions.copy_decisions())
    assert imported.problems == ()
    [m001] = [m for m in imported.counted if m.machine_id == "M-001"]
    assert m001.role.value == "copy" and "正本が開票所に届く途中で破損" in m001.note
