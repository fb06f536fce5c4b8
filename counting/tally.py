"""Decrypting and tallying. Records of each contest from every counted medium are pooled and
shuffled before decryption, and only totals are kept (art. 9: counting by computer).

Two paths give the same result:

- records kept in memory by the import (small elections, tests): decrypted here, in one process;
- records left on the media (``import_media(keep_records=False)``): the references (medium,
  slot, record digest) of each contest are pooled and shuffled, cut into chunks, and decrypted by
  worker processes on every core. A worker reads each record again, checks it against the digest
  verified at import (so a medium changed between import and count is detected), decrypts it and
  returns only the totals of its chunk: no record, choice or position ever leaves a worker.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidTag

from counting.importer import CountedMachine
from counting.medium_reader import RECORD_LABEL
from election.package import CandidateStatus, ElectionPackage
from media.counting_key import SUITE
from media.counting_key import private_key as load_private_key
from media.slot import SLOT_SIZE
from media.vote_record import (
    CIPHERTEXT_LENGTH,
    RecordUnreadable,
    decode_choice,
    decrypt_vote,
    info,
)

CHUNK = 2000  # records per work item
RECORD_OFFSET = 6  # a record's place in its slot, after magic and length (media.slot)
_RECORD_HASH = hashlib.sha256(RECORD_LABEL)  # media.slot.record_digest


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
    blank_not_allowed: int = 0  # blank records in a contest without blank votes: reported

    @property
    def valid(self) -> int:
        return sum(c.votes for c in self.candidates)

    @property
    def total(self) -> int:
        return self.valid + self.blank + self.invalid + self.unreadable + self.blank_not_allowed


class RecordChangedSinceImport(Exception):
    """A record read for decryption is not the one verified at import: the medium changed."""


@dataclass
class _Totals:
    counts: Counter[str]
    blank: int = 0
    invalid: int = 0
    unreadable: int = 0
    blank_not_allowed: int = 0
    changed: int = 0

    def add(self, other: _Totals) -> None:
        self.counts.update(other.counts)
        self.blank += other.blank
        self.invalid += other.invalid
        self.unreadable += other.unreadable
        self.blank_not_allowed += other.blank_not_allowed
        self.changed += other.changed


def _classify(totals: _Totals, candidate_id: str | None, standing: frozenset[str],
              blank_allowed: bool, count: int = 1) -> None:
    if candidate_id is None:
        if blank_allowed:
            totals.blank += count
        else:
            totals.blank_not_allowed += count
    elif candidate_id in standing:
        totals.counts[candidate_id] += count
    else:
        totals.invalid += count


def _result(package: ElectionPackage, contest_id: str, t: _Totals) -> ContestResult:
    contest = next(c for c in package.contests if c.contest_id == contest_id)
    return ContestResult(
        contest_id=contest.contest_id,
        title=contest.title,
        title_en=contest.title_en,
        candidates=tuple(
            CandidateResult(c.candidate_id, c.name, c.party, c.status, t.counts[c.candidate_id])
            for c in contest.candidates
        ),
        blank=t.blank,
        invalid=t.invalid,
        unreadable=t.unreadable,
        blank_not_allowed=t.blank_not_allowed,
    )


def _standing(package: ElectionPackage, contest_id: str) -> frozenset[str]:
    contest = next(c for c in package.contests if c.contest_id == contest_id)
    return frozenset(c.candidate_id for c in contest.candidates
                     if c.status is CandidateStatus.STANDING)


def tally(
    package: ElectionPackage,
    counted: Sequence[CountedMachine],
    counting_private_key: bytes | bytearray,
    shuffle: random.Random | None = None,
    *,
    workers: int | None = None,
) -> tuple[ContestResult, ...]:
    """Count every contest of ``package`` over the counted media. ``workers`` (default: every
    core) applies to media imported with ``keep_records=False``."""
    in_memory = all(
        m.reading.records or not any(len(t) for t in m.reading.tables.values()) for m in counted
    )
    if not in_memory:
        return _tally_streamed(package, counted, counting_private_key,
                               workers or os.cpu_count() or 1)
    key = load_private_key(bytes(counting_private_key))
    rng = shuffle or random.SystemRandom()
    results = []
    for contest in package.contests:
        pool = [r for m in counted for r in m.reading.records.get(contest.contest_id, [])]
        rng.shuffle(pool)
        totals = _Totals(Counter())
        standing = _standing(package, contest.contest_id)
        while pool:
            record = pool.pop()
            try:
                choice = decrypt_vote(key, package.election_id, contest.contest_id, record)
            except RecordUnreadable:
                totals.unreadable += 1
                continue
            _classify(totals, choice.candidate_id, standing, contest.blank_allowed)
        results.append(_result(package, contest.contest_id, totals))
    return tuple(results)


# ------------------------------------------------------------------------ the parallel path

_W_KEY: object = None
_W_FILES: list[Path] = []
_W_HANDLES: dict[int, int] = {}
_W_ELECTION = ""


def _init_decrypt(raw: bytes | bytearray, files: list[Path], election_id: str) -> None:
    global _W_KEY, _W_FILES, _W_ELECTION
    _W_KEY = load_private_key(bytes(raw))
    _W_FILES, _W_ELECTION = files, election_id
    _W_HANDLES.clear()


def _release_worker() -> None:
    """Drop the key object and close the files (the in-process path; pool workers exit)."""
    global _W_KEY
    _W_KEY = None
    for fd in _W_HANDLES.values():
        os.close(fd)
    _W_HANDLES.clear()


def _fd(file_index: int) -> int:
    fd = _W_HANDLES.get(file_index)
    if fd is None:
        fd = os.open(_W_FILES[file_index], os.O_RDONLY)
        _W_HANDLES[file_index] = fd
    return fd


def _decrypt_chunk(item: tuple[str, frozenset[str], bool, np.ndarray, bytes]) -> _Totals:
    """Read each record of the chunk, prove it is the one verified at import (its digest),
    decrypt it and count its plaintext; only the chunk's totals are returned. The plaintext of
    a choice is fixed (media.vote_record.encode_choice), so each distinct plaintext is decoded
    and classified once, with its count."""
    contest_id, standing, blank_allowed, refs, digests = item
    totals = _Totals(Counter())
    decrypt, key, label = SUITE.decrypt, _W_KEY, info(_W_ELECTION, contest_id)
    pread, digest_of = os.pread, _RECORD_HASH.copy
    fds = [_fd(i) for i in refs[:, 0].tolist()]
    offsets = (refs[:, 1].astype(np.int64) * SLOT_SIZE + RECORD_OFFSET).tolist()
    plaintexts: dict[bytes, int] = {}
    for n, (fd, offset) in enumerate(zip(fds, offsets, strict=True)):
        record = pread(fd, CIPHERTEXT_LENGTH, offset)
        h = digest_of()
        h.update(record)
        if h.digest() != digests[n * 32:n * 32 + 32]:
            totals.changed += 1  # also a record cut short: its digest differs
            continue
        try:
            plaintext = decrypt(record, key, info=label)  # type: ignore[arg-type]
        except (InvalidTag, ValueError):
            totals.unreadable += 1
            continue
        plaintexts[plaintext] = plaintexts.get(plaintext, 0) + 1
    for plaintext, count in plaintexts.items():
        try:
            choice = decode_choice(plaintext)
        except RecordUnreadable:
            totals.unreadable += count
            continue
        _classify(totals, choice.candidate_id, standing, blank_allowed, count)
    return totals


def work_items(package: ElectionPackage, counted: Sequence[CountedMachine],
               rng: np.random.Generator) -> tuple[list[Path], list[tuple[str, frozenset[str], bool,
                                                                         np.ndarray, bytes]]]:
    """The shuffled, chunked references of every contest's records (see module doc)."""
    files: list[Path] = []
    items = []
    for contest in package.contests:
        refs, digests = [], []
        for machine in counted:
            table = machine.reading.tables.get(contest.contest_id)
            if table is None or len(table) == 0:
                continue
            files.append(table.file)
            block = np.empty((len(table), 2), dtype=np.uint32)
            block[:, 0] = len(files) - 1
            block[:, 1] = table.slots
            refs.append(block)
            digests.append(np.frombuffer(table.digests, dtype=np.uint8).reshape(-1, 32))
        if not refs:
            continue
        all_refs = np.concatenate(refs)
        all_digests = np.concatenate(digests)
        order = rng.permutation(len(all_refs))
        all_refs, all_digests = all_refs[order], all_digests[order]
        standing = _standing(package, contest.contest_id)
        for start in range(0, len(all_refs), CHUNK):
            items.append((contest.contest_id, standing, contest.blank_allowed,
                          all_refs[start:start + CHUNK],
                          all_digests[start:start + CHUNK].tobytes()))
    return files, items


def _tally_streamed(package: ElectionPackage, counted: Sequence[CountedMachine],
                    raw: bytes | bytearray, workers: int) -> tuple[ContestResult, ...]:
    rng = np.random.default_rng(secrets.randbits(128))
    files, items = work_items(package, counted, rng)
    totals = {c.contest_id: _Totals(Counter()) for c in package.contests}
    if workers <= 1:
        _init_decrypt(raw, files, package.election_id)
        try:
            for item in items:
                totals[item[0]].add(_decrypt_chunk(item))
        finally:
            _release_worker()
    else:
        context = multiprocessing.get_context("forkserver")  # not fork: the caller may run kivy threads
        with context.Pool(workers, _init_decrypt, (raw, files, package.election_id)) as pool:
            for item, part in zip(items, pool.imap(_decrypt_chunk, items), strict=True):
                totals[item[0]].add(part)
    changed = sum(t.changed for t in totals.values())
    if changed:
        raise RecordChangedSinceImport(
            f"取り込み後に記録媒体の記録が{changed}件変わっています。取り込みからやり直して"
            f"ください / {changed} records changed on the media since import: import again"
        )
    return tuple(_result(package, c.contest_id, totals[c.contest_id]) for c in package.contests)
