"""Import at the counting centre (docs/media-format.md §13, art. 10) on a generated election of
many machines: every import problem detected and explained, the copy used only by the counting
manager's decision, and the count — on every core, key unlocked from k key-holder cards — equal
to what the simulated voters chose."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.election_gen import Election, cached, machine_key
from counting import importer
from counting.importer import ImportResult, import_media
from counting.medium_reader import (
    ForeignMedium,
    MediumDamaged,
    SealMismatch,
    TablesMismatch,
    read_medium,
)
from counting.tally import ContestResult, CountInterrupted, RecordChangedSinceImport, tally
from counting.unlock import unlock
from media.counting_key import private_key
from media.layout import HEADER_FILE, SEAL_FILE, SLOT_FILE, MediumRole, decode_header
from media.seal import SealedTable, decode_seal
from media.slot import EMPTY_SLOT, SLOT_SIZE, Filled, decode_slot, split_table, table_digest
from media.vote_record import RecordUnreadable, decrypt_vote

MACHINES, VOTERS = 24, 120


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Election:
    return cached(tmp_path_factory.mktemp("gen"), seed=41, machines=MACHINES, voters=VOTERS)


@pytest.fixture
def media(election: Election, tmp_path: Path) -> Path:
    """A writable copy of the first three machines' media."""
    target = tmp_path / "media"
    target.mkdir()
    for m in ("G-0001", "G-0002", "G-0003"):
        for role in ("primary", "copy"):
            shutil.copytree(election.media_dir / f"{m}-{role}", target / f"{m}-{role}")
    return target


def as_truth(results: Sequence[ContestResult]) -> dict[str, dict[str, int]]:
    out = {}
    for r in results:
        counts = {c.candidate_id: c.votes for c in r.candidates if c.votes}
        if r.blank:
            counts["blank"] = r.blank
        out[r.contest_id] = counts
        assert r.invalid == r.unreadable == r.blank_not_allowed == 0
    return out


@dataclasses.dataclass(frozen=True)
class Table:
    """One contest's slot table on a medium: its region of the slot file (§8.2)."""

    file: Path
    offset: int
    slots: int

    def read(self) -> bytes:
        with self.file.open("rb") as f:
            f.seek(self.offset)
            return f.read(self.slots * SLOT_SIZE)


def slot_table(path: Path, contest_index: int = 1) -> Table:
    """The contest_index-th (1-based) contest's table, from the medium's header."""
    header, _ = decode_header((path / HEADER_FILE).read_bytes())
    entry = header.tables[contest_index - 1]
    return Table(path / SLOT_FILE, entry.offset, entry.slots)


def filled_slots(table: Table) -> list[int]:
    return [i for i, raw in enumerate(split_table(table.read()))
            if isinstance(decode_slot(raw), Filled)]


def write_slot(table: Table, index: int, raw: bytes) -> None:
    assert 0 <= index < table.slots
    with table.file.open("r+b") as f:
        f.seek(table.offset + index * SLOT_SIZE)
        f.write(raw)


def read_slot(table: Table, index: int) -> bytes:
    with table.file.open("rb") as f:
        f.seek(table.offset + index * SLOT_SIZE)
        return f.read(SLOT_SIZE)


def reseal(path: Path, election: Election, **changes: object) -> None:
    """Play a compromised machine: recompute the seal over what is on the medium and sign it
    with the machine's own key."""
    seal, _ = decode_seal((path / SEAL_FILE).read_bytes())
    tables = []
    for i, t in enumerate(seal.tables, start=1):
        data = slot_table(path, i).read()
        records = [s.record for s in (decode_slot(data[j:j + SLOT_SIZE])
                                      for j in range(0, len(data), SLOT_SIZE))
                   if isinstance(s, Filled)]
        tables.append(SealedTable(t.contest_id, len(records), table_digest(records)))
    seal = dataclasses.replace(seal, tables=tuple(tables), **changes)  # type: ignore[arg-type]
    key = machine_key(election.seed, seal.machine_id)
    (path / SEAL_FILE).write_bytes(seal.encode(key))


def finding(result: ImportResult, name: str) -> importer.MediumFinding:
    [found] = [f for f in result.findings if f.path.name == name]
    return found


# --- the whole election -----------------------------------------------------------------------


def test_large_election_counts_what_the_voters_chose(election: Election) -> None:
    imported = import_media(election.media(), election.versions, {}, keep_records=False,
                            workers=2)
    assert imported.problems == () and imported.missing_machines == ()
    assert len(imported.counted) == MACHINES
    assert all(m.role is MediumRole.PRIMARY for m in imported.counted)
    statuses = {f.path.name: f.status for f in imported.findings}
    assert statuses["G-0001-primary"] == importer.STATUS_COUNTED
    assert statuses["G-0001-copy"] == importer.STATUS_NOT_USED
    package = election.versions[-1].package
    with unlock(election.key_holder_cards()[2:], election.counting_public) as key:
        streamed = tally(package, imported.counted, key.raw, workers=2)
        single = tally(package, imported.counted, key.raw, workers=1)
    assert key.wiped
    assert as_truth(streamed) == as_truth(single) == election.truth
    per_machine = {f.machine_id: dict(f.records) for f in imported.findings
                   if f.status == importer.STATUS_COUNTED}
    assert per_machine == election.per_machine
    # the in-memory path agrees
    kept = import_media(election.media()[:10], election.versions, {})
    with unlock(election.key_holder_cards()[:3], election.counting_public) as key:
        a = tally(package, kept.counted, key.raw)
        b = tally(package, dataclasses.replace(kept).counted, key.raw, workers=2)
    assert a == b


def test_progress_is_reported_for_every_medium(election: Election) -> None:
    seen: list[tuple[int, int]] = []
    import_media(election.media()[:6], election.versions, {}, keep_records=False,
                 progress=lambda done, total, path: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(1, 7)]


def test_blank_in_a_contest_without_blank_votes_is_reported(election: Election) -> None:
    package = election.versions[-1].package
    strict = dataclasses.replace(package, contests=tuple(
        dataclasses.replace(c, blank_allowed=False) for c in package.contests))
    imported = import_media(election.media()[:8], election.versions, {}, keep_records=False)
    with unlock(election.key_holder_cards()[:3], election.counting_public) as key:
        loose = tally(package, imported.counted, key.raw, workers=1)
        strict_results = tally(strict, imported.counted, key.raw, workers=1)
    for a, b in zip(loose, strict_results, strict=True):
        assert a.blank > 0 and b.blank == 0 and b.blank_not_allowed == a.blank
        assert a.total == b.total


# --- every import problem -----------------------------------------------------------------------


def test_medium_of_another_election(election: Election, media: Path,
                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    other = cached(tmp_path_factory.mktemp("other"), seed=42, machines=2, voters=5)
    paths = [other.media_dir / "G-0001-primary", media / "G-0002-primary"]
    result = import_media(paths, election.versions, {})
    assert any("別の選挙" in p and "generated-42" in p for p in result.problems)
    assert finding(result, "G-0001-primary").status == importer.STATUS_REJECTED
    assert finding(result, "G-0001-primary").problem == "ForeignMedium"
    with pytest.raises(ForeignMedium):
        read_medium(paths[0], election.versions)


def test_same_medium_twice_is_counted_once(election: Election, media: Path) -> None:
    shutil.copytree(media / "G-0001-primary", media / "again")
    result = import_media([media / "G-0001-primary", media / "again"], election.versions, {})
    assert result.problems == ()
    assert [m.machine_id for m in result.counted] == ["G-0001"]
    assert finding(result, "again").status == importer.STATUS_SAME_MEDIUM


def test_the_same_machine_twice_is_a_problem(election: Election, media: Path) -> None:
    second = media / "G-0001-second"
    shutil.copytree(media / "G-0001-primary", second)
    header, _ = decode_header((second / HEADER_FILE).read_bytes())
    other = dataclasses.replace(header, medium_id="G-0001-primary-another")
    (second / HEADER_FILE).write_bytes(other.encode(machine_key(election.seed, "G-0001")))
    result = import_media([media / "G-0001-primary", second], election.versions, {})
    assert any("G-0001" in p and "more than one primary" in p for p in result.problems)
    assert result.counted == ()
    assert finding(result, "G-0001-second").status == importer.STATUS_HELD


def test_primary_and_copy_are_counted_once(election: Election, media: Path) -> None:
    result = import_media(sorted(media.iterdir()), election.versions, {})
    assert result.problems == () and len(result.counted) == 3
    assert finding(result, "G-0002-copy").status == importer.STATUS_NOT_USED
    records = sum(n for m in result.counted for n in
                  (m.reading.record_count(c) for c in ("mayor", "assembly")))
    assert records == sum(sum(election.per_machine[m].values())
                          for m in ("G-0001", "G-0002", "G-0003"))


def test_a_missing_machine_is_named(election: Election, media: Path) -> None:
    result = import_media(sorted(media.iterdir()), election.versions, {})
    assert len(result.missing_machines) == MACHINES - 3
    assert "G-0004" in result.missing_machines
    assert any("G-0004" in n and "no medium" in n for n in result.notes)


def test_seal_that_does_not_match(election: Election, media: Path) -> None:
    path = media / "G-0001-primary"
    seal, _ = decode_seal((path / SEAL_FILE).read_bytes())
    (path / SEAL_FILE).write_bytes(
        dataclasses.replace(seal, sessions_voted=seal.sessions_voted + 1).encode(
            machine_key(election.seed, "G-0002")))  # signed by another machine
    with pytest.raises(SealMismatch):
        read_medium(path, election.versions)
    result = import_media([path, media / "G-0001-copy"], election.versions, {})
    assert finding(result, "G-0001-primary").status == importer.STATUS_REJECTED
    assert finding(result, "G-0001-primary").machine_id == "G-0001"
    # the primary is damaged: its copy needs the counting manager's decision (art. 10-2)
    assert any("法第10条" in p for p in result.problems)
    reason = "正本の封印が一致しないため、立会人の意見を聴いて副本を使用"
    decided = import_media([path, media / "G-0001-copy"], election.versions, {"G-0001": reason})
    assert [(m.machine_id, m.role) for m in decided.counted] == [("G-0001", MediumRole.COPY)]
    assert reason in decided.counted[0].note
    assert finding(decided, "G-0001-copy").status == importer.STATUS_COUNTED


@pytest.mark.parametrize("change", ["added", "removed"])
def test_records_added_or_removed(election: Election, media: Path, change: str) -> None:
    path = media / "G-0003-primary"
    table = slot_table(path)
    filled = filled_slots(table)
    if change == "added":
        empty = next(i for i in range(table.slots) if i not in filled)
        other = slot_table(media / "G-0002-primary")
        write_slot(table, empty, read_slot(other, filled_slots(other)[0]))
    else:
        write_slot(table, filled[0], EMPTY_SLOT)
    result = import_media([path], election.versions, {})
    [problem] = result.problems
    assert f"records were {change}" in problem and "G-0003" in problem


@pytest.mark.parametrize("change", ["one byte longer", "one slot shorter"])
def test_a_slot_file_of_the_wrong_size_is_refused(election: Election, media: Path,
                                                  change: str) -> None:
    """VOTES.SLT MUST be exactly Σ slots × 1280 bytes (§8.2 check 4, §13 step 4)."""
    path = media / "G-0002-primary"
    file = path / SLOT_FILE
    size = file.stat().st_size
    header, _ = decode_header((path / HEADER_FILE).read_bytes())
    assert size == sum(t.slots for t in header.tables) * SLOT_SIZE
    with file.open("r+b") as f:
        f.truncate(size + 1 if change == "one byte longer" else size - SLOT_SIZE)
    with pytest.raises(MediumDamaged, match="slot file is"):
        read_medium(path, election.versions)
    result = import_media([path], election.versions, {})
    assert finding(result, "G-0002-primary").problem == "MediumDamaged"
    assert result.counted == ()


def test_each_contest_is_read_from_its_own_region(election: Election, media: Path) -> None:
    """Records are attributed to the contest whose region of VOTES.SLT holds them — by the
    reader that keeps records and by the positions the streamed tally reads again — and each
    decrypts only as a record of that contest."""
    path = media / "G-0001-primary"
    header, _ = decode_header((path / HEADER_FILE).read_bytes())
    assert [t.contest_id for t in header.tables] == ["mayor", "assembly"]
    kept = read_medium(path, election.versions, keep_records=True)
    streamed = read_medium(path, election.versions, keep_records=False)
    with unlock(election.key_holder_cards()[:3], election.counting_public) as key:
        secret = private_key(bytes(key.raw))
    for index, entry in enumerate(header.tables, start=1):
        table = slot_table(path, index)
        assert table.offset == entry.offset == (0 if index == 1 else header.tables[0].end)
        slots = split_table(table.read())
        filled = filled_slots(table)
        records = [decode_slot(slots[i]) for i in filled]
        expected = [r.record for r in records if isinstance(r, Filled)]
        assert filled and kept.records[entry.contest_id] == expected
        found = streamed.tables[entry.contest_id]
        assert found.offset == entry.offset and found.slots.tolist() == filled
        other = "assembly" if entry.contest_id == "mayor" else "mayor"
        for record in expected[:5]:
            decrypt_vote(secret, election.versions[-1].package.election_id, entry.contest_id,
                         record)
            with pytest.raises(RecordUnreadable):
                decrypt_vote(secret, election.versions[-1].package.election_id, other, record)


def test_a_record_added_to_the_second_contest_is_charged_to_it(election: Election,
                                                              media: Path) -> None:
    path = media / "G-0003-primary"
    assembly = slot_table(path, 2)
    other = slot_table(media / "G-0002-primary", 2)
    empty = next(i for i in range(assembly.slots) if i not in filled_slots(assembly))
    write_slot(assembly, empty, read_slot(other, filled_slots(other)[0]))
    [problem] = import_media([path], election.versions, {}).problems
    assert "assembly の記録数" in problem and "records were added" in problem
    assert "mayor" not in problem


def test_copy_alone_needs_a_recorded_decision(election: Election, media: Path) -> None:
    paths = [media / "G-0001-copy", media / "G-0002-primary"]
    result = import_media(paths, election.versions, {})
    assert any("G-0001" in p and "art. 10" in p for p in result.problems)
    assert finding(result, "G-0001-copy").status == importer.STATUS_HELD
    with_decision = import_media(paths, election.versions, {"G-0001": "正本紛失"})
    assert with_decision.problems == ()
    ignored = import_media(sorted(media.iterdir()), election.versions, {"G-0001": "不要"})
    assert all(m.role is MediumRole.PRIMARY for m in ignored.counted)
    assert any("not applied" in n for n in ignored.notes)


@pytest.mark.parametrize("where", ["across machines", "within a table"])
def test_duplicate_ciphertext_is_a_problem(election: Election, media: Path, where: str) -> None:
    """A compromised machine copies a valid record and re-signs its seal: each medium is valid
    alone; the duplicate is found only across the counted media."""
    path = media / "G-0003-primary"
    table = slot_table(path)
    filled = filled_slots(table)
    source = slot_table(media / "G-0002-primary") if where == "across machines" else table
    raw = read_slot(source, filled_slots(source)[0])
    empty = next(i for i in range(table.slots) if i not in filled)
    write_slot(table, empty, raw)
    reseal(path, election)
    read_medium(path, election.versions)  # valid on its own
    result = import_media([media / "G-0002-primary", path], election.versions, {})
    [problem] = result.problems
    assert "同一の投票記録" in problem and "G-0003/mayor" in problem
    assert result.duplicate_records == 1


def test_header_tables_not_matching_the_package(election: Election, media: Path) -> None:
    path = media / "G-0001-primary"
    header, _ = decode_header((path / HEADER_FILE).read_bytes())
    swapped = dataclasses.replace(header, tables=tuple(
        dataclasses.replace(t, contest_id=c) for t, c in zip(header.tables,
                                                             ("assembly", "mayor"), strict=True)))
    (path / HEADER_FILE).write_bytes(swapped.encode(machine_key(election.seed, "G-0001")))
    with pytest.raises(TablesMismatch, match="do not match the package"):
        read_medium(path, election.versions)
    result = import_media([path], election.versions, {})
    assert finding(result, "G-0001-primary").problem == "TablesMismatch"


def test_edited_audit_log_is_detected(election: Election, media: Path) -> None:
    path = media / "G-0002-primary"
    log = (path / "TOHYOKI" / "AUDIT.LOG").read_bytes().replace(b'"polls_closed"', b'"polls_opened"')
    (path / "TOHYOKI" / "AUDIT.LOG").write_bytes(log)
    with pytest.raises(SealMismatch):
        read_medium(path, election.versions)


def test_a_medium_changed_after_import_is_caught_at_decryption(election: Election,
                                                               media: Path) -> None:
    path = media / "G-0001-primary"
    imported = import_media([path], election.versions, {}, keep_records=False)
    table = slot_table(path)
    first = filled_slots(table)[0]
    other = slot_table(media / "G-0002-primary")
    write_slot(table, first, read_slot(other, filled_slots(other)[0]))
    with unlock(election.key_holder_cards()[:3], election.counting_public) as key:
        with pytest.raises(RecordChangedSinceImport):
            tally(election.versions[-1].package, imported.counted, key.raw, workers=1)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("cut", ["inside a record", "to nothing"])
def test_a_table_cut_short_after_import_is_caught_at_decryption(
        election: Election, media: Path, workers: int, cut: str) -> None:
    """The tally reads each record again at its place: a table truncated between import and
    count gives short or empty reads, whose digests differ — the count stops with the reason,
    in the counting process and in pool workers alike."""
    paths = [media / "G-0001-primary", media / "G-0002-primary"]
    imported = import_media(paths, election.versions, {}, keep_records=False)
    table = slot_table(paths[0])
    slot = filled_slots(table)[len(filled_slots(table)) // 2]
    with table.file.open("r+b") as f:
        f.truncate(table.offset + slot * SLOT_SIZE + 100 if cut == "inside a record" else 0)
    with unlock(election.key_holder_cards()[:3], election.counting_public) as key:
        with pytest.raises(RecordChangedSinceImport, match="import again"):
            tally(election.versions[-1].package, imported.counted, key.raw, workers=workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_medium_folder_gone_after_import_stops_the_count_with_the_reason(
        election: Election, media: Path, workers: int) -> None:
    paths = [media / "G-0001-primary", media / "G-0002-primary"]
    imported = import_media(paths, election.versions, {}, keep_records=False)
    shutil.rmtree(paths[1])
    with unlock(election.key_holder_cards()[:3], election.counting_public) as key:
        with pytest.raises(RecordChangedSinceImport, match="cannot read a medium"):
            tally(election.versions[-1].package, imported.counted, key.raw, workers=workers)


def _pool_workers() -> list[int]:
    """The children of this process's multiprocessing forkserver: the pool's workers."""
    parents, servers = {}, set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
            if b"multiprocessing.forkserver" in command:
                servers.add(int(entry.name))
    me = os.getpid()
    return [pid for pid, parent in parents.items()
            if parent in servers and parents.get(parent) == me]


def test_a_counting_worker_killed_mid_count_stops_it_instead_of_hanging(
        election: Election) -> None:
    """A worker killed during the count (the kernel's out-of-memory killer sends SIGKILL) ends
    the count with a reason and no total, where a multiprocessing.Pool would wait forever."""
    paths = [election.media_dir / f"G-{n:04d}-primary" for n in range(1, MACHINES + 1)]
    imported = import_media(paths, election.versions, {}, keep_records=False)
    work = imported.counted * 30  # the same records many times over: a count that lasts
    outcome: list[BaseException | None] = []

    def count() -> None:
        with unlock(election.key_holder_cards()[:3], election.counting_public) as key:
            try:
                tally(election.versions[-1].package, work, key.raw, workers=2)
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - examined below
                outcome.append(exc)

    counting = threading.Thread(target=count)
    counting.start()
    deadline = time.monotonic() + 30
    while not _pool_workers() and time.monotonic() < deadline and counting.is_alive():
        time.sleep(0.05)
    time.sleep(0.3)  # decrypting by now
    victims = _pool_workers()
    assert victims, "the count started no worker"
    os.kill(victims[0], signal.SIGKILL)
    counting.join(timeout=60)
    assert not counting.is_alive(), "the count hangs after its worker died"
    assert len(outcome) == 1 and isinstance(outcome[0], CountInterrupted), outcome


def test_table_digest_sorts_digests_in_byte_order() -> None:
    """counting.medium_reader.table_digest_of sorts the record digests as numbers, a row of
    four big-endian words each: the same order as the bytes, so the same digest as
    media.slot.table_digest — on real records and on digests that differ only late, only in
    high bytes (no sign), or around zero bytes."""
    import hashlib
    import os
    import random

    from counting.medium_reader import TABLE_LABEL, table_digest_of

    records = [os.urandom(40) for _ in range(300)]
    digests = [hashlib.sha256(b"tohyoki/record/v1\x00" + r).digest() for r in records]
    assert table_digest_of(b"".join(digests)) == table_digest(records)
    crafted = [bytes(32), b"\xff" * 32, b"\x00" * 31 + b"\x01", b"\x80" + bytes(31),
               b"\x7f" + b"\xff" * 31, bytes(8) + b"\x80" + bytes(23), bytes(8) + b"\x01" * 24,
               bytes(24) + b"\xff" * 8, bytes(24) + b"\x00" * 7 + b"\x80",
               b"\x01" * 16 + b"\x00" * 16, b"\x01" * 16 + b"\xff" + b"\x00" * 15]
    rng = random.Random(5)
    crafted += [bytes(rng.choice((0, 1, 127, 128, 255)) for _ in range(32)) for _ in range(200)]
    rng.shuffle(crafted)
    expected = hashlib.sha256(TABLE_LABEL + b"".join(sorted(crafted))).hexdigest()
    assert table_digest_of(b"".join(crafted)) == expected
    assert table_digest_of(b"") == table_digest([])


def test_the_counting_pools_preload_modules_that_exist() -> None:
    """The forkserver silently skips a preload module it cannot import (a renamed module would
    only slow every pool down again): each named module must import."""
    import importlib

    assert importer.worker_context().get_start_method() == "forkserver"
    named = [m for m in importer._PRELOAD if m != "__main__"]
    assert named
    for name in named:
        importlib.import_module(name)


def test_counting_benchmark_runs_at_small_scale(election: Election) -> None:
    """``make bench`` measures 1,000,000 records (20,000 with --quick); here its code path on
    the small generated election: the count must be right, every figure measured."""
    from bench.bench_counting import measure

    figures = {m.name: m for m in measure(election, workers=2, repeat=1)}
    assert figures["count equals the simulated voters' choices"].met is True
    assert figures["overhead over raw HPKE decryption"].value > -50
    assert figures["whole count: import + verify + decrypt + tally"].value > 0


def _both_verdicts(data: bytes) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """(fast check, reference check) of one audit log: (entries, head), or None if refused."""
    from counting.medium_reader import verify_audit_log
    from media.audit_log import AuditChainBroken, verify_export

    try:
        entries, head = verify_export(data)
        reference: tuple[int, str] | None = (len(entries), head)
    except AuditChainBroken:
        reference = None
    try:
        fast: tuple[int, str] | None = verify_audit_log(data)
    except AuditChainBroken:
        fast = None
    return fast, reference


def test_fast_audit_check_agrees_with_the_reference_reader(election: Election) -> None:
    """counting.medium_reader.verify_audit_log accepts exactly what
    media.audit_log.verify_export accepts, with the same count and head, on mutated logs."""
    import random


    log = (election.media_dir / "G-0005-primary" / "TOHYOKI" / "AUDIT.LOG").read_bytes()
    lines = log.split(b"\n")[:-1]
    rng = random.Random(3)
    variants = [log, log[:-1], b"", log + b"\n", b"\n".join(lines[:5]) + b"\n"]
    variants += [log.replace(b'"detail":{}', b'"detail":{"n":1.5}', 1),
                 log.replace(b'"detail":{}', b'"detail":{"n":9007199254740992}', 1),
                 log.replace(b'"detail":{}', b'"detail":{"n":[true,null,"x"]}', 1),
                 log.replace(b'"seq":1,', b'"seq":true,', 1),
                 log.replace(b'"event_id":1301', b'"event_id":0', 1),
                 log.replace(b',"event"', b', "event"', 1),
                 log.replace(b'"outcome":"done"', b'"outcome":""', 1),
                 log.replace(b'"outcome":"done"', b'"outcome":"ok"', 1),
                 log.replace(b'"time":"2026-11-29T', b'"time":"2026-11-31T', 1),
                 log.replace(b'"time":"2026-11-29T', b'"time":"2026-02-29T', 1),
                 log.replace(b'+09:00"', b'"', 1),
                 log.replace(b'"event":"', b'"event":"X', 1),
                 b"\n".join([lines[1], lines[0], *lines[2:]]) + b"\n",
                 b"\n".join([*lines[:3], *lines[4:]]) + b"\n"]
    for _ in range(150):
        data = bytearray(log)
        data[rng.randrange(len(data))] = rng.randrange(256)
        variants.append(bytes(data))
    accepted = 0
    for data in variants:
        fast, reference = _both_verdicts(data)
        assert fast == reference, data[:200]
        accepted += reference is not None
    assert 3 <= accepted < len(variants) - 100


@pytest.mark.parametrize(("old", "new", "valid"), [
    (b'"event_id":1502', b'"event_id":9007199254740991', True),  # largest JSON-safe integer
    (b'"event_id":1502', b'"event_id":9007199254740992', False),
    (b'"event_id":1502', b'"event_id":01502', False),
    (b'"event":"vote_commit"', b'"event":"vote commit"', False),  # §10: a lower-case name
    (b'"event":"vote_commit"', b'"event":"\xe6\x8a\x95\xe7\xa5\xa8"', False),
    (b'"event":"vote_commit"', b'"event":"vote_\\u0063ommit"', False),  # needless escape
    (b'"event":"vote_commit"', b'"event":""', False),
    (b'"outcome":"done"', b'"outcome":"OK-1.5"', False),  # §10: one of four outcomes
    (b'"outcome":"done"', b'"outcome":"failure"', True),
    (b'"detail":{}', b'"detail":{"n":1}', True),  # not the plain form
    (b'"detail":{}', b'"detail":{"n":"\xe6\x8a\x95"}', True),
    (b'"detail":{}', b'"detail": {}', False),
    (b'"time":"', b'"time":"x', False),  # §10: the time as the machine writes it
    (b'"time":"2026-11-29T', b'"time":"2028-02-29T', True),  # a leap day
    (b'"time":"2026-11-29T', b'"time":"2027-02-29T', False),
    (b'"seq":', b'"seq":0', False),
])
def test_fast_audit_check_agrees_on_an_edited_then_rechained_log(
        election: Election, old: bytes, new: bytes, valid: bool) -> None:
    """A line edited and every later link recomputed (what a forger with the machine's key
    would write): the fast check takes exactly the field rules of the reference reader."""
    import re

    from media.audit_log import entry_hash

    log = (election.media_dir / "G-0005-primary" / "TOHYOKI" / "AUDIT.LOG").read_bytes()
    lines = log.split(b"\n")[:-1]
    at = next(i for i, line in enumerate(lines) if old in line and b'"event_id":1502' in line)
    lines[at] = lines[at].replace(old, new, 1)
    for i in range(at + 1, len(lines)):
        link = f'"prev":"{entry_hash(lines[i - 1])}"'.encode()
        lines[i] = re.sub(rb'"prev":"[0-9a-f]{64}"', link, lines[i], count=1)
    data = b"\n".join(lines) + b"\n"
    fast, reference = _both_verdicts(data)
    assert fast == reference
    assert (reference is not None) is valid


def test_import_is_logged_in_the_counting_session_log(election: Election, media: Path,
                                                      tmp_path: Path) -> None:
    from datetime import datetime

    from counting.decisions import SessionLog
    from firmware.audit_events import AuditEvent

    (media / "G-0003-primary" / SEAL_FILE).unlink()
    log = SessionLog(tmp_path / "session.log", lambda: datetime(2026, 11, 29, 21, 0))
    result = import_media(sorted(media.iterdir()), election.versions, {}, log=log)
    entries = log.entries()
    imported = [e for e in entries if e.event_id == AuditEvent.MEDIUM_IMPORTED.value]
    assert [e.detail["medium"] for e in imported] == sorted(p.name for p in media.iterdir())
    [rejected] = [e for e in imported if e.outcome == "rejected"]
    assert rejected.detail["machine_id"] == "G-0003" and rejected.detail["problem"] == "NotSealed"
    assert entries[-1].event_id == AuditEvent.IMPORT_COMPLETED.value
    assert entries[-1].detail["problems"] == len(result.problems) == 2  # + copy needs a decision


def test_counting_benchmark_cold_cache_path_runs(election: Election) -> None:
    """``make bench`` also times raw and the tally each on an emptied page cache (root: it
    writes /proc/sys/vm/drop_caches). Here its code path, without emptying the cache of the
    machine running the suite: both sides are timed and compared."""
    from bench.bench_counting import measure_cold

    drops: list[str] = []
    (figure,) = measure_cold(election, workers=2, drop=lambda: drops.append("drop") or True)
    assert drops == ["drop", "drop"]  # before raw, and again before the tally
    assert figure.unit == "×" and 0.2 < figure.value < 5, figure
