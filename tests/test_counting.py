"""Counting (開票, docs/media-format.md §13): a small day on three seeded machines, its media
images read back, every kind of after-the-fact tampering detected, primary and copy media
resolved per art. 10, votes for a candidate who died counted invalid per art. 9 and 13."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import counting.tally as tally_module
from counting.importer import import_media
from counting.medium_reader import (
    ForeignMedium,
    MediumDamaged,
    NotSealed,
    SealMismatch,
    read_medium,
)
from counting.tally import ContestResult, tally
from election import canonical
from election.package import CandidateStatus, SignedPackage, amend, sign_package
from firmware import machine as fw
from firmware.screens import Recorded
from media.audit_log import AuditEntry, entry_hash
from media.layout import (
    AUDIT_LOG_FILE,
    HEADER_FILE,
    SEAL_FILE,
    SLOT_FILE,
    MediumRole,
    TableEntry,
    decode_header,
)
from media.seal import decode_seal
from media.slot import SLOT_SIZE, Empty, Filled, decode_slot, split_table
from tests.station import (
    COMMISSION_KEY,
    COUNTING_PRIVATE,
    Station,
    admin_card,
    make_package,
    make_station,
)

# machine -> (polling place, reception desk, seed)
MACHINES = {"M-001": ("p01", "R-p01", 1), "M-002": ("p01", "R-p01", 2),
            "M-003": ("p02", "R-p02", 3)}
Ballot = Mapping[str, str]
BALLOTS: dict[str, list[Ballot]] = {
    "M-001": [
        {"mayor": "mayor-1", "assembly": "assembly-2"},
        {"mayor": "mayor-3", "assembly": "blank"},
        {"mayor": "blank", "assembly": "assembly-5"},
    ],
    "M-002": [
        {"mayor": "mayor-2", "assembly": "assembly-1"},
        {"mayor": "mayor-1", "assembly": "abstain"},
    ],
    "M-003": [
        {"mayor": "mayor-3", "assembly": "assembly-3"},
        {"mayor": "mayor-2"},  # a card for the mayoral election only
        {"mayor": "mayor-1", "assembly": "assembly-3"},
    ],
}
# Contests whose tables the tests edit: each a region of the medium's one slot file (§8.2).
MAYOR_TABLE = "mayor"
ASSEMBLY_TABLE = "assembly"


@dataclass
class Day:
    root: Path
    stations: dict[str, Station]
    versions: list[SignedPackage]
    ballots: dict[str, list[Ballot]]

    def medium(self, machine_id: str, role: str = "primary") -> Path:
        return self.root / "media" / f"{machine_id}-{role}"

    def all_media(self) -> list[Path]:
        return sorted((self.root / "media").iterdir())


def run_small_day(
    root: Path,
    ballots: Mapping[str, Sequence[Ballot]] = BALLOTS,
    *,
    amendment: Mapping[tuple[str, str], CandidateStatus] | None = None,
    after_amendment: Mapping[str, Sequence[Ballot]] | None = None,
    close: bool = True,
    election_id: str | None = None,
    build: Callable[[dict[str, bytes]], SignedPackage] | None = None,
) -> Day:
    """Three seeded machines with one package listing them all: open, vote, optionally amend,
    close, and dump every medium as the counting PC would see it mounted. ``build`` makes the
    package from the machines' public keys (default: tests.station.make_package)."""
    stations = {m: make_station(m, seed=seed) for m, (_, _, seed) in MACHINES.items()}
    keys = {m: s.public_key for m, s in stations.items()}
    if build is not None:
        package = build(keys)
    else:
        package = make_package(keys, **({"election_id": election_id} if election_id else {}))
    versions = [package]
    for station in stations.values():
        station.package = package
        if election_id:
            station.manager = admin_card(election_id=election_id)
        station.open_polls()

    def cast(machine_id: str, ballot: Ballot) -> None:
        station = stations[machine_id]
        place, issuer, _ = MACHINES[machine_id]
        card = station.voting_card(tuple(ballot), place_id=place, issuer_id=issuer,
                                   election_id=election_id or "tsukuba-2026-11")
        assert isinstance(station.vote(dict(ballot), card), Recorded)

    for machine_id, mine in ballots.items():
        for ballot in mine:
            cast(machine_id, ballot)
    if amendment is not None:
        v2 = sign_package(amend(package, amendment), COMMISSION_KEY)
        versions.append(v2)
        for station in stations.values():
            screen = station.admin(fw.LoadPackage(v2.to_bytes()))
            assert v2.short_fingerprint in getattr(screen, "message", ""), screen
        for machine_id, mine in (after_amendment or {}).items():
            for ballot in mine:
                cast(machine_id, ballot)
    for machine_id, station in stations.items():
        if close:
            station.admin(fw.ClosePolls())
            assert station.machine.phase.value == "closed"
        station.primary.dump_to(root / "media" / f"{machine_id}-primary")
        station.copy.dump_to(root / "media" / f"{machine_id}-copy")
    every = {m: [*ballots.get(m, ()), *(after_amendment or {}).get(m, ())] for m in MACHINES}
    return Day(root, stations, versions, every)


def expected_counts(day: Day, invalid: frozenset[str] = frozenset()) -> dict[str, Counter[str]]:
    """What the simulated voters chose (the simulator's memory, never the machine's)."""
    result: dict[str, Counter[str]] = {"mayor": Counter(), "assembly": Counter()}
    for ballots in day.ballots.values():
        for ballot in ballots:
            for contest_id, pick in ballot.items():
                if pick == "abstain":
                    continue
                result[contest_id]["invalid" if pick in invalid else pick] += 1
    return result


def counted(results: Sequence[ContestResult]) -> dict[str, Counter[str]]:
    out = {}
    for r in results:
        counts = Counter({c.candidate_id: c.votes for c in r.candidates if c.votes})
        counts.update({"blank": r.blank, "invalid": r.invalid, "unreadable": r.unreadable,
                       "paper_invalid": r.paper_invalid})
        out[r.contest_id] = +counts
    return out


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    return run_small_day(tmp_path_factory.mktemp("day"))


@pytest.fixture
def media(day: Day, tmp_path: Path) -> Path:
    """A private copy of the day's media images for a test to tamper with."""
    target = tmp_path / "media"
    shutil.copytree(day.root / "media", target)
    return target


# --- slot helpers -----------------------------------------------------------------------------


def entry(path: Path, table: str) -> TableEntry:
    """The contest's table entry, from the medium's header."""
    return decode_header((path / HEADER_FILE).read_bytes())[0].table(table)


def slots(path: Path, table: str) -> list[bytes]:
    region = entry(path, table)
    return split_table((path / SLOT_FILE).read_bytes()[region.offset : region.end])


def filled(path: Path, table: str) -> list[int]:
    return [i for i, s in enumerate(slots(path, table)) if isinstance(decode_slot(s), Filled)]


def empty(path: Path, table: str) -> list[int]:
    return [i for i, s in enumerate(slots(path, table)) if isinstance(decode_slot(s), Empty)]


def write_slot(path: Path, table: str, index: int, raw: bytes) -> None:
    start = entry(path, table).slot_offset(index)
    data = bytearray((path / SLOT_FILE).read_bytes())
    data[start : start + SLOT_SIZE] = raw
    (path / SLOT_FILE).write_bytes(bytes(data))


def machine_key(day: Day, machine_id: str) -> Ed25519PrivateKey:
    raw = day.stations[machine_id].storage.read(fw.MACHINE_KEY_FILE)
    assert raw is not None
    return Ed25519PrivateKey.from_private_bytes(raw)


# --- the round trip ---------------------------------------------------------------------------


def test_full_round_trip_counts_exactly_the_votes_cast(day: Day) -> None:
    imported = import_media(day.all_media(), day.versions, {})
    assert imported.problems == ()
    assert [(m.machine_id, m.role) for m in imported.counted] == [
        ("M-001", MediumRole.PRIMARY), ("M-002", MediumRole.PRIMARY),
        ("M-003", MediumRole.PRIMARY)]
    results = tally(day.versions[-1].package, imported.counted, COUNTING_PRIVATE)
    assert counted(results) == expected_counts(day)
    mayor, assembly = results
    assert (mayor.total, mayor.blank, mayor.invalid, mayor.unreadable) == (8, 1, 0, 0)
    assert (assembly.total, assembly.blank) == (6, 1)  # one abstained, one mayor-only card
    sessions = sum(m.reading.seal.sessions_voted for m in imported.counted)
    assert sessions == sum(len(b) for b in day.ballots.values())


def test_reading_one_medium(day: Day) -> None:
    reading = read_medium(day.medium("M-003"), day.versions)
    assert reading.header.machine_id == "M-003" and reading.header.role is MediumRole.PRIMARY
    assert {c: len(r) for c, r in reading.records.items()} == {"mayor": 3, "assembly": 2}
    assert reading.seal.final and reading.seal.closing_number == 1
    assert reading.audit_entries == reading.seal.audit_log_entries > 0
    copy = read_medium(day.medium("M-003", "copy"), day.versions)
    assert copy.seal == reading.seal and copy.header.medium_id != reading.header.medium_id
    assert sorted(copy.records["mayor"]) == sorted(reading.records["mayor"])


def test_moving_a_record_to_another_slot_is_not_tampering(day: Day, media: Path) -> None:
    """Order-free storage: the seal binds what is recorded, not where."""
    path = media / "M-001-primary"
    source, target = filled(path, MAYOR_TABLE)[0], empty(path, MAYOR_TABLE)[-1]
    raw = slots(path, MAYOR_TABLE)[source]
    write_slot(path, MAYOR_TABLE, target, raw)
    write_slot(path, MAYOR_TABLE, source, bytes(SLOT_SIZE))
    reading = read_medium(path, day.versions)
    assert sorted(reading.records["mayor"]) == sorted(
        read_medium(day.medium("M-001"), day.versions).records["mayor"])


def test_tally_decrypts_in_a_shuffled_order(day: Day, monkeypatch: pytest.MonkeyPatch) -> None:
    imported = import_media(day.all_media(), day.versions, {})
    package = day.versions[-1].package
    order: list[bytes] = []
    real = tally_module.decrypt_vote

    def spy(key: object, election_id: str, contest_id: str, record: bytes) -> object:
        order.append(record)
        return real(key, election_id, contest_id, record)  # type: ignore[arg-type]

    monkeypatch.setattr(tally_module, "decrypt_vote", spy)
    outcomes, orders = [], []
    for seed in (1, 2):
        order.clear()
        outcomes.append(tally(package, imported.counted, COUNTING_PRIVATE, random.Random(seed)))
        orders.append(list(order))
    stored = [r for c in ("mayor", "assembly") for m in imported.counted
              for r in m.reading.records[c]]
    assert outcomes[0] == outcomes[1]
    assert orders[0] != orders[1]  # the order depends on the shuffle, not on the media
    assert sorted(orders[0]) == sorted(orders[1]) == sorted(stored)  # each record exactly once
    assert outcomes[0] == tally(package, imported.counted, COUNTING_PRIVATE)


def test_a_record_that_does_not_decrypt_is_reported_unreadable(day: Day) -> None:
    imported = import_media([day.medium("M-002")], day.versions, {})
    [machine] = imported.counted
    wrong_contest = machine.reading.records["assembly"][0]
    records = dict(machine.reading.records)
    records["mayor"] = [*records["mayor"], wrong_contest]
    forged = replace(machine, reading=replace(machine.reading, records=records))
    mayor = tally(day.versions[0].package, [forged], COUNTING_PRIVATE)[0]
    assert (mayor.unreadable, mayor.valid, mayor.total) == (1, 2, 3)


# --- tampering after sealing ------------------------------------------------------------------


def test_record_replaced_by_one_from_another_medium_is_detected(media: Path, day: Day) -> None:
    path, other = media / "M-001-primary", media / "M-002-primary"
    valid_elsewhere = slots(other, MAYOR_TABLE)[filled(other, MAYOR_TABLE)[0]]
    assert isinstance(decode_slot(valid_elsewhere), Filled)
    write_slot(path, MAYOR_TABLE, filled(path, MAYOR_TABLE)[0], valid_elsewhere)
    with pytest.raises(SealMismatch, match="changed after sealing"):
        read_medium(path, day.versions)


def test_record_replaced_by_another_slot_of_the_same_medium_is_detected(
    media: Path, day: Day
) -> None:
    path = media / "M-001-primary"
    first, second = filled(path, MAYOR_TABLE)[:2]
    write_slot(path, MAYOR_TABLE, first, slots(path, MAYOR_TABLE)[second])  # one vote twice
    with pytest.raises(SealMismatch, match="変更.*changed after sealing"):
        read_medium(path, day.versions)


def test_record_moved_between_contest_tables_is_detected(media: Path, day: Day) -> None:
    path = media / "M-001-primary"
    mayor_record = slots(path, MAYOR_TABLE)[filled(path, MAYOR_TABLE)[0]]
    write_slot(path, ASSEMBLY_TABLE, filled(path, ASSEMBLY_TABLE)[0], mayor_record)
    with pytest.raises(SealMismatch, match="assembly"):
        read_medium(path, day.versions)


def test_removed_record_is_detected(media: Path, day: Day) -> None:
    path = media / "M-003-copy"
    write_slot(path, MAYOR_TABLE, filled(path, MAYOR_TABLE)[1], bytes(SLOT_SIZE))
    with pytest.raises(SealMismatch, match="削除.*removed after sealing"):
        read_medium(path, day.versions)


def test_added_record_is_detected(media: Path, day: Day) -> None:
    path = media / "M-002-primary"
    record = slots(path, ASSEMBLY_TABLE)[filled(path, ASSEMBLY_TABLE)[0]]
    write_slot(path, ASSEMBLY_TABLE, empty(path, ASSEMBLY_TABLE)[0], record)
    with pytest.raises(SealMismatch, match="追加.*added after sealing"):
        read_medium(path, day.versions)


def test_seal_edited_to_match_is_detected(media: Path, day: Day) -> None:
    path = media / "M-001-primary"
    write_slot(path, MAYOR_TABLE, filled(path, MAYOR_TABLE)[0], bytes(SLOT_SIZE))
    outer = canonical.decode_object((path / SEAL_FILE).read_bytes())
    outer["body"]["tables"][0]["records"] -= 1  # the attacker "fixes" the count
    (path / SEAL_FILE).write_bytes(canonical.encode(outer))
    with pytest.raises(SealMismatch, match="封印記録 / seal"):
        read_medium(path, day.versions)


def test_seal_of_another_machine_is_detected(media: Path, day: Day) -> None:
    shutil.copy(media / "M-002-primary" / SEAL_FILE, media / "M-001-primary" / SEAL_FILE)
    with pytest.raises(SealMismatch):
        read_medium(media / "M-001-primary", day.versions)


def test_header_of_another_machine_is_detected(media: Path, day: Day) -> None:
    shutil.copy(media / "M-002-primary" / HEADER_FILE, media / "M-001-primary" / HEADER_FILE)
    with pytest.raises(SealMismatch):
        read_medium(media / "M-001-primary", day.versions)


def test_deleted_seal_is_not_counted(media: Path, day: Day) -> None:
    (media / "M-001-primary" / SEAL_FILE).unlink()
    with pytest.raises(NotSealed):
        read_medium(media / "M-001-primary", day.versions)


def _edit_middle_line(log: bytes) -> bytes:
    lines = log.split(b"\n")
    entry = canonical.decode_object(lines[3])
    entry["outcome"] = "failure" if entry["outcome"] != "failure" else "success"
    lines[3] = canonical.encode(entry)
    return b"\n".join(lines)


def _drop_last_line(log: bytes) -> bytes:
    return b"".join(line + b"\n" for line in log.split(b"\n")[:-2])


def _drop_middle_line(log: bytes) -> bytes:
    lines = log.split(b"\n")
    return b"\n".join(lines[:2] + lines[3:])


def _swap_lines(log: bytes) -> bytes:
    lines = log.split(b"\n")
    lines[2], lines[3] = lines[3], lines[2]
    return b"\n".join(lines)


def _append_valid_line(log: bytes) -> bytes:
    lines = log.split(b"\n")[:-1]
    forged = AuditEntry(len(lines) + 1, "2026-11-29T21:00:00+09:00", 1, "forged", "done", {},
                        entry_hash(lines[-1])).encode()
    return log + forged + b"\n"


@pytest.mark.parametrize(
    "edit", [_edit_middle_line, _drop_last_line, _drop_middle_line, _swap_lines, _append_valid_line]
)
def test_edited_audit_log_is_detected(
    media: Path, day: Day, edit: Callable[[bytes], bytes]
) -> None:
    path = media / "M-002-primary"
    log = (path / AUDIT_LOG_FILE).read_bytes()
    assert log.endswith(b"\n") and log.count(b"\n") > 5
    (path / AUDIT_LOG_FILE).write_bytes(edit(log))
    with pytest.raises(SealMismatch, match="監査ログ"):
        read_medium(path, day.versions)


def test_a_flipped_checksum_byte_is_damage_and_the_copy_shows_the_slot(
    media: Path, day: Day,
) -> None:
    """A slot whose checksum alone is altered is Damaged (§7.2) even though its record is the
    sealed one: the primary is refused, never silently counted, and the import names the slot
    that differs from the copy, for the counting manager's decision on the copy (art. 10(2))."""
    path = media / "M-001-primary"
    index = filled(path, MAYOR_TABLE)[0]
    start = entry(path, MAYOR_TABLE).slot_offset(index)
    data = bytearray((path / SLOT_FILE).read_bytes())
    data[start + 6 + 1200 + 3] ^= 0x01  # inside the slot checksum, after the record
    (path / SLOT_FILE).write_bytes(bytes(data))
    with pytest.raises(MediumDamaged, match=f"damaged slot {index} in mayor"):
        read_medium(path, day.versions)
    imported = import_media([path, media / "M-001-copy"], day.versions, {})
    assert imported.counted == ()
    [primary, copy] = imported.findings
    assert primary.problem == "MediumDamaged" and copy.status == "held"
    assert primary.differing_slots == copy.differing_slots == (("mayor", (index,)),)
    assert any("slots that differ between primary and copy: mayor: 1" in n
               for n in imported.notes)


def test_flipped_bit_in_a_record_is_damage(media: Path, day: Day) -> None:
    path = media / "M-001-primary"
    start = entry(path, MAYOR_TABLE).slot_offset(filled(path, MAYOR_TABLE)[0])
    data = bytearray((path / SLOT_FILE).read_bytes())
    data[start + 600] ^= 0x10
    (path / SLOT_FILE).write_bytes(bytes(data))
    with pytest.raises(MediumDamaged, match="damaged slot"):
        read_medium(path, day.versions)


@pytest.mark.parametrize("cut", [1, SLOT_SIZE, SLOT_SIZE + 7])
def test_truncated_slot_table_is_damage(media: Path, day: Day, cut: int) -> None:
    path = media / "M-003-primary"
    data = (path / SLOT_FILE).read_bytes()  # assembly's region is the last
    assert entry(path, ASSEMBLY_TABLE).end == len(data)
    (path / SLOT_FILE).write_bytes(data[:-cut])
    with pytest.raises(MediumDamaged, match="slot file is"):
        read_medium(path, day.versions)


@pytest.mark.parametrize("missing", [SLOT_FILE, AUDIT_LOG_FILE])
def test_missing_file_is_damage(media: Path, day: Day, missing: str) -> None:
    (media / "M-003-primary" / missing).unlink()
    with pytest.raises(MediumDamaged, match="is missing"):
        read_medium(media / "M-003-primary", day.versions)


def test_missing_or_garbled_header_is_not_a_vote_medium(media: Path, day: Day) -> None:
    (media / "M-001-primary" / HEADER_FILE).unlink()
    with pytest.raises(MediumDamaged):
        read_medium(media / "M-001-primary", day.versions)
    (media / "M-002-primary" / HEADER_FILE).write_bytes(b"{}")
    with pytest.raises(ForeignMedium, match="not a vote medium"):
        read_medium(media / "M-002-primary", day.versions)


def test_damaged_medium_blocks_counting(media: Path, day: Day) -> None:
    path = media / "M-003-primary"
    (path / SLOT_FILE).write_bytes((path / SLOT_FILE).read_bytes()[:-1])
    imported = import_media(sorted(media.iterdir()), day.versions, {})
    assert any("M-003-primary" in p and "slot file is" in p for p in imported.problems)


# --- primary, copy and duplicates (art. 10) ---------------------------------------------------


def test_same_medium_imported_twice_is_counted_once(day: Day, media: Path) -> None:
    shutil.copytree(media / "M-001-primary", media / "M-001-again")
    paths = [media / "M-001-primary", media / "M-001-again", media / "M-002-primary",
             media / "M-003-primary"]
    imported = import_media(paths, day.versions, {})
    assert imported.problems == ()
    assert [m.machine_id for m in imported.counted] == ["M-001", "M-002", "M-003"]
    assert any("M-001-again" in n and "counted once" in n for n in imported.notes)
    results = tally(day.versions[0].package, imported.counted, COUNTING_PRIVATE)
    assert counted(results) == expected_counts(day)


def test_primary_and_copy_of_a_machine_are_counted_once(day: Day) -> None:
    imported = import_media(day.all_media(), day.versions, {})
    assert len(imported.counted) == 3
    assert all(m.role is MediumRole.PRIMARY and "副本と封印が一致" in m.note
               for m in imported.counted)
    assert all(f.differing_slots == () for f in imported.findings)
    results = tally(day.versions[0].package, imported.counted, COUNTING_PRIVATE)
    assert results[0].total == sum("mayor" in b for bs in day.ballots.values() for b in bs)


def test_copy_alone_needs_the_counting_managers_decision(day: Day) -> None:
    paths = [day.medium("M-001", "copy"), day.medium("M-002"), day.medium("M-003")]
    imported = import_media(paths, day.versions, {})
    [problem] = imported.problems
    assert "M-001" in problem and "法第10条" in problem and "art. 10" in problem
    assert "M-001" not in [m.machine_id for m in imported.counted]


def test_copy_alone_with_a_decision_is_counted_with_a_note(day: Day) -> None:
    paths = [day.medium("M-001", "copy"), day.medium("M-002"), day.medium("M-003")]
    reason = "正本の記録媒体が破損したため（開票立会人の意見を聴取）"
    imported = import_media(paths, day.versions, {"M-001": reason})
    assert imported.problems == ()
    [m001] = [m for m in imported.counted if m.machine_id == "M-001"]
    assert m001.role is MediumRole.COPY and reason in m001.note
    results = tally(day.versions[0].package, imported.counted, COUNTING_PRIVATE)
    assert counted(results) == expected_counts(day)


def test_decision_for_a_copy_does_not_replace_a_present_primary(day: Day) -> None:
    imported = import_media(day.all_media(), day.versions, {"M-002": "誤った決定"})
    [m002] = [m for m in imported.counted if m.machine_id == "M-002"]
    assert m002.role is MediumRole.PRIMARY


def _resign_header(day: Day, path: Path, **changes: object) -> None:
    header, _ = decode_header((path / HEADER_FILE).read_bytes())
    machine_id = header.machine_id
    forged = replace(header, **changes)  # type: ignore[arg-type]
    (path / HEADER_FILE).write_bytes(forged.encode(machine_key(day, machine_id)))


def test_two_primaries_for_one_machine_is_a_problem(day: Day, media: Path) -> None:
    second = media / "M-001-second"
    shutil.copytree(media / "M-001-copy", second)
    _resign_header(day, second, role=MediumRole.PRIMARY, medium_id="ffffffffffffffff")
    assert read_medium(second, day.versions).header.role is MediumRole.PRIMARY  # valid alone
    imported = import_media([media / "M-001-primary", second, media / "M-002-primary"],
                            day.versions, {})
    assert any("M-001" in p and "more than one primary" in p for p in imported.problems)
    assert "M-001" not in [m.machine_id for m in imported.counted]


def test_primary_and_copy_with_different_seals_is_a_problem(day: Day, media: Path) -> None:
    path = media / "M-001-copy"
    seal, _ = decode_seal((path / SEAL_FILE).read_bytes())
    (path / SEAL_FILE).write_bytes(replace(seal, closing_number=2).encode(machine_key(day, "M-001")))
    assert read_medium(path, day.versions).seal.closing_number == 2  # valid alone
    imported = import_media([media / "M-001-primary", path], day.versions, {})
    assert any("seals differ" in p for p in imported.problems)
    assert imported.counted == ()


def test_machine_without_any_medium_is_noted(day: Day) -> None:
    imported = import_media([day.medium("M-001"), day.medium("M-003")], day.versions, {})
    assert imported.problems == ()
    assert any("M-002" in n and "no medium" in n for n in imported.notes)


# --- media that are not this election's, or not finished ---------------------------------------


def test_medium_of_another_election_is_foreign(day: Day, tmp_path: Path) -> None:
    other = run_small_day(tmp_path / "other", {"M-001": [{"mayor": "mayor-2"}]},
                          election_id="mito-2026-11")
    with pytest.raises(ForeignMedium, match="別の選挙.*another election") as caught:
        read_medium(other.medium("M-001"), day.versions)
    assert "mito-2026-11" in str(caught.value)
    imported = import_media([other.medium("M-001"), day.medium("M-002")], day.versions, {})
    assert any("別の選挙" in p for p in imported.problems)


def test_medium_of_another_package_of_the_same_election_is_foreign(day: Day, tmp_path: Path) -> None:
    # same election id, but initialised under a package the counting tool was not given
    stranger = make_package({}, slots=32)
    with pytest.raises(ForeignMedium, match="another election"):
        read_medium(day.medium("M-001"), [stranger])


def test_unsealed_medium_is_refused(tmp_path: Path) -> None:
    unsealed = run_small_day(tmp_path / "open", {"M-002": [{"mayor": "mayor-1"}]}, close=False)
    with pytest.raises(NotSealed, match="polls were not closed"):
        read_medium(unsealed.medium("M-002"), unsealed.versions)
    imported = import_media(unsealed.all_media(), unsealed.versions, {})
    assert len(imported.problems) == 6 and imported.counted == ()
    assert all("polls were not closed" in p for p in imported.problems)


# --- art. 9 and 13: votes for someone who is no longer a candidate -----------------------------


def test_votes_for_a_candidate_who_died_count_as_invalid(tmp_path: Path) -> None:
    amended_day = run_small_day(
        tmp_path / "amended",
        amendment={("mayor", "mayor-3"): CandidateStatus.DECEASED},
        after_amendment={"M-002": [{"mayor": "mayor-2", "assembly": "blank"}]},
    )
    v1, v2 = amended_day.versions
    imported = import_media(amended_day.all_media(), amended_day.versions, {})
    assert imported.problems == ()
    assert all(m.reading.seal.package_fingerprint == v2.fingerprint for m in imported.counted)
    results = tally(v2.package, imported.counted, COUNTING_PRIVATE)
    mayor = results[0]
    assert mayor.invalid == 2  # the two votes cast for mayor-3 before he died
    assert {c.candidate_id: c.votes for c in mayor.candidates}["mayor-3"] == 0
    assert mayor.blank == 1
    assert counted(results) == expected_counts(amended_day, invalid=frozenset({"mayor-3"}))
    assert results[1].blank == 2  # blank stays blank, never invalid


def test_counting_without_the_amendment_the_machines_sealed_under_is_refused(
    tmp_path: Path,
) -> None:
    amended_day = run_small_day(
        tmp_path / "amended", {"M-001": [{"mayor": "mayor-3"}]},
        amendment={("mayor", "mayor-3"): CandidateStatus.DECEASED},
    )
    with pytest.raises(SealMismatch, match="unknown package in seal"):
        read_medium(amended_day.medium("M-001"), amended_day.versions[:1])


@pytest.mark.parametrize("status", [CandidateStatus.DECEASED, CandidateStatus.WITHDRAWN])
def test_amendment_issued_after_closing_still_invalidates(day: Day, status: CandidateStatus) -> None:
    v2 = sign_package(amend(day.versions[0], {("assembly", "assembly-3"): status}), COMMISSION_KEY)
    imported = import_media(day.all_media(), [day.versions[0], v2], {})
    assert imported.problems == ()
    assembly = tally(v2.package, imported.counted, COUNTING_PRIVATE)[1]
    assert assembly.invalid == 2
    assert {c.candidate_id: c.votes for c in assembly.candidates}["assembly-3"] == 0
    assert assembly.total == 6
