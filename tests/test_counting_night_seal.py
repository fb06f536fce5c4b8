"""A medium sealed only for the night (期日前投票, seal ``final = false``) is not a finished
medium: import holds it as a problem that blocks counting until the counting manager records a
decision (after hearing the witnesses); a medium finally closed is counted as usual. Media come
from the real firmware (tests/station.py, fw.CloseForNight)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from counting.decisions import DecisionKind, DecisionRefused, Decisions, SessionLog
from counting.importer import STATUS_HELD, STATUS_NOT_USED, import_media
from counting.tally import tally
from firmware import machine as fw
from firmware.audit_events import AuditEvent
from firmware.screens import AdminMenu, Phase, Recorded
from media.layout import SEAL_FILE
from media.seal import decode_seal
from tests.station import COMMISSION_PUB, COUNTING_PRIVATE, Station, make_station
from tests.test_decisions import Ticking

HOUR = 3600.0
ROOT = Path(__file__).resolve().parents[1]
BALLOTS = [{"mayor": "mayor-1", "assembly": "assembly-2"}, {"mayor": "mayor-2"}]


def night_closed(tmp_path: Path) -> tuple[Station, list[Path]]:
    station = make_station()
    station.open_polls()
    for ballot in BALLOTS:
        assert isinstance(station.vote(dict(ballot)), Recorded)
    station.clock.advance(13 * HOUR)
    screen = station.admin(fw.CloseForNight())
    assert isinstance(screen, AdminMenu) and screen.phase is Phase.NIGHT_CLOSED, screen
    seal, _ = decode_seal(bytes(station.primary.files[SEAL_FILE]))
    assert not seal.final and seal.closing_number == 1
    return station, dump(station, tmp_path / "night")


def dump(station: Station, root: Path) -> list[Path]:
    paths = [root / "M-001-primary", root / "M-001-copy"]
    station.primary.dump_to(paths[0])
    station.copy.dump_to(paths[1])
    return paths


def test_a_night_sealed_medium_is_held_as_a_problem(tmp_path: Path) -> None:
    station, paths = night_closed(tmp_path)
    assert station.package is not None
    imported = import_media(paths, [station.package], {})
    assert imported.counted == ()
    [problem] = imported.problems
    assert "夜間封印のみ" in problem and "not finally closed" in problem
    assert {f.status for f in imported.findings} == {STATUS_HELD}
    # the copy alone is no way round it, even with a decision to use the copy
    copy_only = import_media(paths[1:], [station.package], {"M-001": "正本紛失"})
    assert copy_only.counted == () and any("夜間封印" in p for p in copy_only.problems)


def test_a_recorded_decision_lets_it_be_counted(tmp_path: Path) -> None:
    station, paths = night_closed(tmp_path)
    assert station.package is not None
    decisions = Decisions(SessionLog(tmp_path / "session.log", Ticking()))
    with pytest.raises(DecisionRefused):  # the witnesses are heard first
        decisions.decide_night_sealed("M-001", "最終日の閉鎖前に停電", "山田", [])
    decisions.decide_night_sealed("M-001", "最終日の閉鎖前に停電", "山田", ["佐藤"])
    [decision] = decisions.of_kind(DecisionKind.NIGHT_SEAL)
    assert decision.subject == "M-001" and decision.ruling == "count"
    assert decisions.log.entries()[-1].event_id == AuditEvent.NIGHT_SEALED_MEDIUM_DECIDED.value
    imported = import_media(paths, [station.package], {},
                            night_seal_decisions=decisions.night_seal_decisions())
    assert imported.problems == ()
    assert [m.machine_id for m in imported.counted] == ["M-001"]
    assert any("最終日の閉鎖前に停電" in n for n in imported.notes)
    results = tally(station.package.package, imported.counted, COUNTING_PRIVATE)
    got = {r.contest_id: +Counter({c.candidate_id: c.votes for c in r.candidates})
           for r in results}
    assert got == {"mayor": Counter({"mayor-1": 1, "mayor-2": 1}),
                   "assembly": Counter({"assembly-2": 1})}


def test_after_the_final_close_the_medium_is_counted_without_a_decision(tmp_path: Path) -> None:
    station, _ = night_closed(tmp_path)
    assert station.package is not None
    station.clock.advance(12.5 * HOUR)
    station.reboot()
    station.admin(fw.ReopenCheck())
    station.admin(fw.OpenPolls())
    assert isinstance(station.vote({"mayor": "mayor-3"}), Recorded)
    station.admin(fw.ClosePolls())
    assert station.machine.phase.value == "closed"
    paths = dump(station, tmp_path / "final")
    imported = import_media(paths, [station.package], {})
    assert imported.problems == ()
    assert [m.machine_id for m in imported.counted] == ["M-001"]
    assert imported.findings[1].status == STATUS_NOT_USED


def test_command_line_holds_then_counts_by_decision(tmp_path: Path) -> None:
    station, paths = night_closed(tmp_path)
    assert station.package is not None
    package = tmp_path / "package-v1.json"
    package.write_bytes(station.package.to_bytes())
    commission = tmp_path / "commission.pub"
    commission.write_text(COMMISSION_PUB.hex() + "\n")
    session = tmp_path / "session"

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "counting", *map(str, args)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    def import_() -> subprocess.CompletedProcess[str]:
        return run("import", "--session", session, "--commission-pub", commission,
                   "--package", package, "--media", paths[0].parent,
                   "--manager", "開票管理者 山田", "--witness", "立会人 佐藤")

    held = import_()
    assert held.returncode == 3 and "夜間封印のみ" in held.stderr, held.stderr
    unheard = run("decide", "--session", session, "night-seal", "M-001", "--reason", "停電",
                  "--by", "開票管理者 山田")
    assert unheard.returncode != 0
    decided = run("decide", "--session", session, "night-seal", "M-001", "--reason", "停電",
                  "--by", "開票管理者 山田", "--heard", "立会人 佐藤")
    assert decided.returncode == 0, decided.stderr
    counted = import_()
    assert counted.returncode == 0, counted.stderr
