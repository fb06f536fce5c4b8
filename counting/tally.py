"""Decrypting and tallying. Records of each contest from every counted medium are pooled and
shuffled before decryption, and only totals are kept (art. 9: counting by computer)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from counting.importer import CountedMachine
from election.package import CandidateStatus, ElectionPackage
from media.counting_key import private_key as load_private_key
from media.vote_record import RecordUnreadable, decrypt_vote


@dataclass(frozen=True)
class CandidateResult:
    candidate_id: str
    name: str
    party: str
    status: CandidateStatus
    votes: int


@dataclass(frozen=True)
class ContestResult:
    contest_id: str
    title: str
    title_en: str
    candidates: tuple[CandidateResult, ...]
    blank: int
    invalid: int  # for a person no longer a candidate (art. 9-3, 13)
    unreadable: int

    @property
    def valid(self) -> int:
        return sum(c.votes for c in self.candidates)

    @property
    def total(self) -> int:
        return self.valid + self.blank + self.invalid + self.unreadable


def tally(
    package: ElectionPackage,
    counted: Sequence[CountedMachine],
    counting_private_key: bytes,
    shuffle: random.Random | None = None,
) -> tuple[ContestResult, ...]:
    key = load_private_key(counting_private_key)
    rng = shuffle or random.SystemRandom()
    results = []
    for contest in package.contests:
        pool = [r for m in counted for r in m.reading.records.get(contest.contest_id, [])]
        rng.shuffle(pool)
        counts: Counter[str] = Counter()
        blank = invalid = unreadable = 0
        standing = {c.candidate_id for c in contest.candidates
                    if c.status is CandidateStatus.STANDING}
        while pool:
            record = pool.pop()
            try:
                choice = decrypt_vote(key, package.election_id, contest.contest_id, record)
            except RecordUnreadable:
                unreadable += 1
                continue
            if choice.candidate_id is None:
                blank += 1
            elif choice.candidate_id in standing:
                counts[choice.candidate_id] += 1
            else:
                invalid += 1
        results.append(
            ContestResult(
                contest_id=contest.contest_id,
                title=contest.title,
                title_en=contest.title_en,
                candidates=tuple(
                    CandidateResult(c.candidate_id, c.name, c.party, c.status,
                                    counts[c.candidate_id])
                    for c in contest.candidates
                ),
                blank=blank,
                invalid=invalid,
                unreadable=unreadable,
            )
        )
    return tuple(results)
