"""Paper ballots counted by hand and merged into the computer count (art. 9-5): absentee
(不在者投票) and postal (郵便等投票) votes, and stations that fell back to paper (art. 13-2).
Each batch's counts are entered twice by two different officers and compared; any difference
must be resolved by the counting manager (recounted, with a recorded decision) before merging.
Votes on paper for a person who is no longer a candidate are invalid, as on the machines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from counting.decisions import DecisionKind, Decisions, SessionLog
from counting.report import PaperLine
from counting.tally import CandidateResult, ContestResult
from election.package import CandidateStatus, ElectionPackage, PackageError
from firmware.audit_events import AuditEvent


class PaperError(ValueError):
    """The paper counts cannot be merged as entered; the message says what to correct."""


class PaperCountInvalid(PaperError):
    pass


class SameOfficer(PaperError):
    pass


class PaperEntriesDiffer(PaperError):
    def __init__(self, batch_id: str, differences: Sequence[Difference]) -> None:
        listed = "、".join(f"{d.contest_id}/{d.row}: {d.first}≠{d.second}" for d in differences)
        super().__init__(
            f"紙の投票 {batch_id} の二つの入力が一致しません（{listed}）。数え直して開票管理者が"
            f"決定してください / the two entries of paper batch {batch_id} differ; recount and "
            "record the counting manager's decision before merging"
        )
        self.batch_id = batch_id
        self.differences = tuple(differences)


class PaperKind(StrEnum):
    ABSENTEE = "absentee"  # 不在者投票
    POSTAL = "postal"  # 郵便等による不在者投票
    FALLBACK = "fallback"  # 投票機を停止し紙に切り替えた投票所 (art. 13-2)


KIND_JA = {PaperKind.ABSENTEE: "不在者投票", PaperKind.POSTAL: "郵便等投票",
           PaperKind.FALLBACK: "紙に切り替えた投票所"}


@dataclass(frozen=True)
class PaperCount:
    """One officer's count of one contest in a batch: ``ballots`` is the batch's control total."""

    contest_id: str
    ballots: int
    candidates: tuple[tuple[str, int], ...]
    blank: int
    invalid: int

    def rows(self) -> dict[str, int]:
        return {**dict(self.candidates), "blank": self.blank, "invalid": self.invalid,
                "ballots": self.ballots}


@dataclass(frozen=True)
class PaperEntry:
    officer: str
    counts: tuple[PaperCount, ...]

    @classmethod
    def of(cls, officer: str, counts: Mapping[str, Mapping[str, int]]) -> PaperEntry:
        """``counts``: contest id → {candidate id: n, "blank": n, "invalid": n, "ballots": n}."""
        made = []
        for contest_id, rows in counts.items():
            rest = {k: v for k, v in rows.items() if k not in ("blank", "invalid", "ballots")}
            made.append(PaperCount(contest_id, rows.get("ballots", 0), tuple(sorted(rest.items())),
                                   rows.get("blank", 0), rows.get("invalid", 0)))
        return cls(officer, tuple(sorted(made, key=lambda c: c.contest_id)))


@dataclass(frozen=True)
class Difference:
    contest_id: str
    row: str
    first: int
    second: int


@dataclass(frozen=True)
class PaperBatch:
    batch_id: str
    kind: PaperKind
    first: PaperEntry
    second: PaperEntry
    resolved: PaperEntry | None = None  # the counting manager's recount, after a decision


def check_entry(package: ElectionPackage, batch_id: str, entry: PaperEntry) -> None:
    if not entry.officer.strip():
        raise PaperCountInvalid(f"{batch_id}: 入力者の氏名がありません / the officer is not named")
    for count in entry.counts:
        try:
            contest = package.contest(count.contest_id)
            for candidate_id, _ in count.candidates:
                contest.candidate(candidate_id)
        except PackageError as exc:
            raise PaperCountInvalid(f"{batch_id}（{entry.officer}）: {exc}") from exc
        values = [n for _, n in count.candidates] + [count.blank, count.invalid, count.ballots]
        if any(n < 0 for n in values):
            raise PaperCountInvalid(f"{batch_id}: 負の数があります / a negative count")
        summed = sum(n for _, n in count.candidates) + count.blank + count.invalid
        if summed != count.ballots:
            raise PaperCountInvalid(
                f"{batch_id}（{entry.officer}）{count.contest_id}: 内訳の合計 {summed} が投票用紙の"
                f"枚数 {count.ballots} と違います / the rows add up to {summed}, not the "
                f"{count.ballots} ballots counted"
            )


def compare(first: PaperEntry, second: PaperEntry) -> tuple[Difference, ...]:
    a = {c.contest_id: c.rows() for c in first.counts}
    b = {c.contest_id: c.rows() for c in second.counts}
    out = []
    for contest_id in sorted(a.keys() | b.keys()):
        rows_a, rows_b = a.get(contest_id, {}), b.get(contest_id, {})
        for row in sorted(rows_a.keys() | rows_b.keys()):
            if rows_a.get(row, 0) != rows_b.get(row, 0):
                out.append(Difference(contest_id, row, rows_a.get(row, 0), rows_b.get(row, 0)))
    return tuple(out)


def enter_batch(package: ElectionPackage, batch_id: str, kind: PaperKind, first: PaperEntry,
                second: PaperEntry, log: SessionLog | None = None) -> PaperBatch:
    """Record both officers' entries; they must be two different people."""
    for entry in (first, second):
        check_entry(package, batch_id, entry)
    if first.officer.strip() == second.officer.strip():
        raise SameOfficer(
            f"{batch_id}: 二回目の入力は別の事務従事者が行います / the second entry must be made "
            "by a different officer"
        )
    batch = PaperBatch(batch_id, kind, first, second)
    if log is not None:
        for entry in (first, second):
            log.append(AuditEvent.PAPER_ENTRY_RECORDED, "entered", batch_id=batch_id,
                       kind=kind.value, officer=entry.officer,
                       counts={c.contest_id: c.rows() for c in entry.counts})
        differences = compare(first, second)
        if differences:
            log.append(AuditEvent.PAPER_ENTRY_RECORDED, "entries_differ", batch_id=batch_id,
                       differences=[f"{d.contest_id}/{d.row}: {d.first}≠{d.second}"
                                    for d in differences])
    return batch


def resolve(package: ElectionPackage, batch: PaperBatch, recount: PaperEntry,
            decisions: Decisions, reason: str, decided_by: str,
            witnesses_heard: Sequence[str] = ()) -> PaperBatch:
    """The counting manager's recount replaces both entries, with the decision recorded."""
    check_entry(package, batch.batch_id, recount)
    figures = "; ".join(f"{c.contest_id}: {c.rows()}" for c in recount.counts)
    decisions.record(DecisionKind.PAPER, batch.batch_id, f"recounted {figures}", reason,
                     decided_by, witnesses_heard)
    return replace(batch, resolved=recount)


def agreed_entry(batch: PaperBatch) -> PaperEntry:
    if batch.resolved is not None:
        return batch.resolved
    differences = compare(batch.first, batch.second)
    if differences:
        raise PaperEntriesDiffer(batch.batch_id, differences)
    return batch.first


def merge_paper(
    package: ElectionPackage, results: Sequence[ContestResult], batches: Sequence[PaperBatch],
    log: SessionLog | None = None,
) -> tuple[tuple[ContestResult, ...], tuple[PaperLine, ...]]:
    """Add every batch's agreed counts to the computer count. Refuses (and merges nothing)
    while any batch's two entries differ without a resolution."""
    agreed = [(b, agreed_entry(b)) for b in batches]
    merged = {r.contest_id: r for r in results}
    lines = []
    for batch, entry in agreed:
        for count in entry.counts:
            result = merged[count.contest_id]
            contest = package.contest(count.contest_id)
            standing = {c.candidate_id for c in contest.candidates
                        if c.status is CandidateStatus.STANDING}
            votes = dict(count.candidates)
            not_standing = sum(n for cid, n in votes.items() if cid not in standing)
            merged[count.contest_id] = replace(
                result,
                candidates=tuple(
                    CandidateResult(c.candidate_id, c.name, c.party, c.status,
                                    c.votes + (votes.get(c.candidate_id, 0)
                                               if c.candidate_id in standing else 0))
                    for c in result.candidates),
                blank=result.blank + count.blank,
                invalid=result.invalid + not_standing,
                paper_invalid=result.paper_invalid + count.invalid,
            )
            lines.append(PaperLine(batch.batch_id, KIND_JA[batch.kind], count.contest_id,
                                   count.ballots))
    if log is not None and batches:
        log.append(AuditEvent.PAPER_MERGED, "merged",
                   batches=[b.batch_id for b in batches],
                   ballots={c: sum(p.votes for p in lines if p.contest_id == c) for c in merged})
    return tuple(merged[r.contest_id] for r in results), tuple(lines)
