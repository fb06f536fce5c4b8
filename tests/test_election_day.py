"""The whole day end to end (issue 2 §7): the count equals what the simulated voters chose,
including votes made invalid by a mid-day amendment (art. 13)."""

from __future__ import annotations

import json
from pathlib import Path

from counting.report_signed import verify_result
from demo.election_day import run_day


def test_simulated_day_count_matches_voters(tmp_path: Path) -> None:
    outcome = run_day(tmp_path / "day", voters=40, seed=7, amend_after=20, say=lambda _: None)
    assert outcome.matches()
    mayor = next(r for r in outcome.results if r.contest_id == "mayor")
    assert mayor.total > 0
    assert sum(r.total for r in outcome.results) > 0
    # every card handed out was consumed and accounted for
    assert outcome.sessions == 40
    assert (outcome.result_dir / "result.csv").read_text(encoding="utf-8").count("\n") > 10
    # the demo's report files: PDF, signed result that verifies, QR; no private-key file left
    assert (outcome.result_dir / "result.pdf").read_bytes().startswith(b"%PDF")
    signed = json.loads((outcome.result_dir / "result.json").read_text(encoding="utf-8"))
    assert verify_result((outcome.result_dir / "result.signed.json").read_text(
        encoding="utf-8")) == signed
    assert (outcome.result_dir / "result-qr.png").stat().st_size > 0
    assert not list((tmp_path / "day").rglob("*DEMO-ONLY*"))
