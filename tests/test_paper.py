"""Paper ballots (absentee, postal, stations fallen back to paper) entered twice by two
officers, compared, resolved by the counting manager, and merged into the count (art. 9-5)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from counting.decisions import DecisionKind, Decisions, SessionLog
from counting.importer import import_media
from counting.paper import (
    PaperCountInvalid,
    PaperEntriesDiffer,
    PaperEntry,
    PaperKind,
    SameOfficer,
    enter_batch,
    merge_paper,
    resolve,
)
from counting.tally import ContestResult, tally
from drivers.clock import JST
from election.package import CandidateStatus, amend
from media.audit_log import verify_chain
from tests.station import COUNTING_PRIVATE
from tests.test_counting import Day, counted, day, expected_counts  # noqa: F401

WHEN = datetime(2026, 11, 29, 21, 0, tzinfo=JST)
ABSENTEE = {"mayor": {"mayor-1": 4, "mayor-2": 1, "blank": 1, "invalid": 1, "ballots": 7},
            "assembly": {"assembly-3": 2, "assembly-5": 3, "ballots": 5}}


def electronic(day: Day) -> tuple[ContestResult, ...]:  # noqa: F811
    imported = import_media(day.all_media(), day.versions, {})
    return tally(day.versions[-1].package, imported.counted, COUNTING_PRIVATE, random.Random(2))


def test_agreeing_entries_are_merged_into_the_count(day: Day, tmp_path: Path) -> None:  # noqa: F811
    package = day.versions[-1].package
    log = SessionLog(tmp_path / "session.log", lambda: WHEN)
    batch = enter_batch(package, "absentee-1", PaperKind.ABSENTEE,
                        PaperEntry.of("事務 高橋", ABSENTEE), PaperEntry.of("事務 伊藤", ABSENTEE),
                        log)
    merged, lines = merge_paper(package, electronic(day), [batch], log)
    want = expected_counts(day)
    want["mayor"].update({"mayor-1": 4, "mayor-2": 1, "blank": 1, "paper_invalid": 1})
    want["assembly"].update({"assembly-3": 2, "assembly-5": 3})
    assert counted(merged) == want
    assert [(p.contest_id, p.votes) for p in lines] == [("assembly", 5), ("mayor", 7)]
    entries, _ = verify_chain(log.path.read_bytes())
    assert [e.event for e in entries] == ["paper_entry_recorded", "paper_entry_recorded",
                                          "paper_merged"]
    assert entries[0].detail["officer"] == "事務 高橋"


def test_a_mismatch_blocks_merging_until_resolved(day: Day, tmp_path: Path) -> None:  # noqa: F811
    package = day.versions[-1].package
    decisions = Decisions(SessionLog(tmp_path / "session.log", lambda: WHEN))
    typo = {**ABSENTEE, "mayor": {**ABSENTEE["mayor"], "mayor-1": 3, "mayor-2": 2}}
    batch = enter_batch(package, "postal-1", PaperKind.POSTAL, PaperEntry.of("高橋", ABSENTEE),
                        PaperEntry.of("伊藤", typo), decisions.log)
    results = electronic(day)
    with pytest.raises(PaperEntriesDiffer, match="postal-1") as refused:
        merge_paper(package, results, [batch])
    assert [(d.row, d.first, d.second) for d in refused.value.differences] == [
        ("mayor-1", 4, 3), ("mayor-2", 1, 2)]
    fixed = resolve(package, batch, PaperEntry.of("開票管理者 山田", ABSENTEE), decisions,
                    "開票立会人の前で数え直した / recounted before the witnesses", "山田",
                    ["佐藤"])
    merged, _ = merge_paper(package, results, [fixed])
    assert {c.candidate_id: c.votes for c in merged[0].candidates}["mayor-1"] == (
        expected_counts(day)["mayor"]["mayor-1"] + 4)
    [decision] = decisions.of_kind(DecisionKind.PAPER)
    assert decision.subject == "postal-1" and "mayor-1" in decision.ruling


def test_same_officer_twice_and_bad_sums_are_refused(day: Day) -> None:  # noqa: F811
    package = day.versions[-1].package
    with pytest.raises(SameOfficer):
        enter_batch(package, "b", PaperKind.ABSENTEE, PaperEntry.of("高橋", ABSENTEE),
                    PaperEntry.of(" 高橋", ABSENTEE))
    short = {"mayor": {**ABSENTEE["mayor"], "ballots": 8}}
    with pytest.raises(PaperCountInvalid, match="not the 8 ballots"):
        enter_batch(package, "b", PaperKind.ABSENTEE, PaperEntry.of("高橋", short),
                    PaperEntry.of("伊藤", short))
    unknown = {"mayor": {"mayor-9": 1, "ballots": 1}}
    with pytest.raises(PaperCountInvalid, match="mayor-9"):
        enter_batch(package, "b", PaperKind.FALLBACK, PaperEntry.of("高橋", unknown),
                    PaperEntry.of("伊藤", unknown))


def test_paper_votes_for_a_withdrawn_candidate_are_invalid(day: Day) -> None:  # noqa: F811
    v2 = amend(day.versions[0], {("assembly", "assembly-5"): CandidateStatus.WITHDRAWN})
    batch = enter_batch(v2, "fallback-p02", PaperKind.FALLBACK, PaperEntry.of("高橋", ABSENTEE),
                        PaperEntry.of("伊藤", ABSENTEE))
    base = electronic(day)
    merged, _ = merge_paper(v2, base, [batch])
    [assembly] = [r for r in merged if r.contest_id == "assembly"]
    [before] = [r for r in base if r.contest_id == "assembly"]
    assert assembly.invalid == before.invalid + 3
    assert Counter({c.candidate_id: c.votes for c in assembly.candidates})["assembly-5"] == (
        Counter({c.candidate_id: c.votes for c in before.candidates})["assembly-5"])
    assert assembly.total == before.total + 5
