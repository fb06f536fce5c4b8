"""`make demo` says what each machine's reports say (issue 17.3): the zero line of every contest
at the zero check, and at the close each machine's own seal digest and ballots per contest —
checked here against the media themselves, not against the narration's source."""

from __future__ import annotations

from pathlib import Path

from demo.election_day import run_day
from media.layout import SEAL_FILE
from media.seal import decode_seal


def test_narration_reads_each_report_by_its_fields(tmp_path: Path) -> None:
    said: list[str] = []
    outcome = run_day(tmp_path / "day", voters=12, seed=3, amend_after=6, say=said.append)
    assert outcome.matches()
    zero_at = next(i for i, line in enumerate(said) if line.startswith("③"))
    close_at = next(i for i, line in enumerate(said) if line.startswith("⑤"))
    count_at = next(i for i, line in enumerate(said) if line.startswith("⑥"))
    zero, close = said[zero_at + 1:close_at], said[close_at + 1:count_at]
    assert not any("署名" in line or "Witness" in line for line in zero + close)
    digests = set()
    for booth in outcome.booths:
        # the zero check: every contest named with its zero, on this machine's line
        mine = [line for line in zero if line.strip().startswith(f"{booth.machine_id}:")]
        assert mine == [f"   {booth.machine_id}: ゼロ確認 つくば市長選挙 0 件、"
                        f"つくば市議会議員一般選挙 0 件 / zero report: mayor 0, assembly 0 records"]
        # the close: the seal on this machine's primary medium, and its ballots per contest
        seal, _ = decode_seal((tmp_path / "day" / "media" / f"{booth.machine_id}-primary"
                               / SEAL_FILE).read_bytes())
        counts = booth.machine.ballot_box.record_counts()
        at = next(i for i, line in enumerate(close)
                  if line.strip().startswith(f"{booth.machine_id}:"))
        head, rows = close[at], close[at + 1:at + 3]
        cards = seal.sessions_voted + seal.sessions_without_vote
        assert f"seal no. {seal.closing_number}" in head and f"cards {cards}" in head, head
        for table, row in zip(seal.tables, rows, strict=True):
            assert f"投票 {counts[table.contest_id]}・" in row, row
            assert f"封印 {table.digest[:16]}" in row, row
            digests.add(table.digest[:16])
    assert len(digests) == 2 * len(outcome.booths)  # each machine's own, not one shared hash
    assert not any(booth.machine.software_hash[:16] in line for booth in outcome.booths
                   for line in close)
