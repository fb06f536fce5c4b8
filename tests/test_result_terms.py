"""Blank and invalid votes in the law's terms (docs/media-format.md §13.3): the tally, the
result text, JSON and CSV, and the paper-ballot merge agree that 無効投票 is the sum of its
lines — 白票 among them — and that 投票総数 = 有効投票 + 無効投票."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from counting.importer import ImportResult
from counting.paper import PaperEntry, PaperKind, enter_batch, merge_paper
from counting.report import render_text, to_csv, to_json
from counting.tally import CandidateResult, ContestResult
from election.package import CandidateStatus
from tests.vectors.generate import package_versions


def mayor(**lines: int) -> ContestResult:
    return ContestResult(
        "mayor", "つくば市長選挙", "Mayor",
        (CandidateResult("m1", "山田 太郎", "無所属", CandidateStatus.STANDING, 5),
         CandidateResult("m2", "佐藤 花子", "市民の党", CandidateStatus.STANDING, 2),
         CandidateResult("m3", "鈴木 一郎", "未来党", CandidateStatus.WITHDRAWN, 0)),
        blank=lines.get("blank", 0), invalid=lines.get("invalid", 0),
        unreadable=lines.get("unreadable", 0),
        blank_not_allowed=lines.get("blank_not_allowed", 0),
        paper_invalid=lines.get("paper_invalid", 0))


def test_every_report_form_counts_blank_inside_invalid() -> None:
    result = mayor(blank=3, invalid=2, unreadable=1, blank_not_allowed=1, paper_invalid=4)
    assert (result.valid, result.invalid_total, result.total) == (7, 11, 18)
    signed = package_versions()[-1]
    empty = ImportResult((), (), ())
    text = render_text(signed, empty, [result])
    assert "無効投票 / invalid votes                 11" in text
    for line in ("うち白票", "うち候補者でない者への投票", "うち白票を認めない選挙の白票",
                 "うち紙の投票の無効票", "うち読めない記録"):
        assert line in text, line
    assert "投票総数 / total votes                   18" in text
    [contest] = json.loads(to_json(signed, empty, [result]))["contests"]
    lines = ("blank", "invalid_non_candidate", "blank_not_allowed", "paper_invalid",
             "unreadable")
    assert contest["invalid"] == sum(contest[k] for k in lines) == 11
    assert contest["total"] == contest["valid"] + contest["invalid"] == 18
    rows = {r[2]: int(r[6]) for r in csv.reader(io.StringIO(to_csv([result])))
            if r[0] == "mayor"}
    assert rows["invalid"] == sum(rows[k] for k in lines) and rows["total"] == 18


def test_lines_no_conforming_machine_produces_are_shown_only_when_present() -> None:
    text = render_text(package_versions()[-1], ImportResult((), (), ()), [mayor(blank=1)])
    assert "うち白票 / of which blank (白票)" in text and "うち候補者でない者への投票" in text
    assert "うち白票を認めない選挙の白票" not in text and "うち読めない記録" not in text


def test_paper_ballots_keep_their_invalid_ones_apart_from_non_candidates() -> None:
    v2 = package_versions()[-1]  # m3 withdrawn
    entry = {"mayor": {"m1": 2, "m3": 1, "blank": 1, "invalid": 2, "ballots": 6}}
    batch = enter_batch(v2.package, "absentee-1", PaperKind.ABSENTEE,
                        PaperEntry.of("高橋", entry), PaperEntry.of("伊藤", entry))
    base = replace(mayor(blank=1), contest_id="mayor")
    assembly = ContestResult("assembly", "議会", "Assembly", (), 0, 0, 0)
    merged, _ = merge_paper(v2.package, (base, assembly), [batch])
    paper = merged[0]
    assert (paper.blank, paper.invalid, paper.paper_invalid) == (2, 1, 2)
    assert paper.total == base.total + 6
    assert paper.invalid_total == base.invalid_total + 4
