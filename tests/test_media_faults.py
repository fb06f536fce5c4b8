"""Media faults detected with a clear screen and log entry, voting stopped safely
(art. 4-1-4, 4-1-5): corrupted sectors, slow, replaced, read-only, removed, nearly full media; a
UPS power-failure signal; a torn ledger line; torn slots at every byte and random bit flips on a
real directory medium. Real filesystems (FAT32/exFAT via FUSE) are in test_media_fuse.py, the
subprocess SIGKILL harness in test_media_crash_harness.py."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from drivers.medium import DirectoryMedium
from drivers.simulated_medium import SimulatedMedium
from drivers.storage import DirectoryStorage
from firmware import machine as fw
from firmware.ballot_box import BallotBox
from firmware.booth_screens import VoterSettingsMenu
from firmware.card_ledger import LedgerLine
from firmware.screens import AdminMenu, ContestChoice, Notice, Phase, Recorded, Screen
from media.layout import HEADER_FILE, SLOT_FILE
from media.slot import SLOT_SIZE, Damaged, Empty, Filled, decode_slot, encode_slot
from tests.test_firmware_support import (
    Insert,
    as_manager,
    assert_mirrored,
    audit_entries,
    counts,
    events_named,
    ledger,
    open_station,
    run_flow,
    voter_flow,
)

FIRST = {"mayor": "mayor-1", "assembly": "assembly-2"}
SECOND = {"mayor": "mayor-3", "assembly": "assembly-4"}


def _fault_during_cast(station, break_medium) -> Screen:  # type: ignore[no-untyped-def]
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    run_flow(station, voter_flow(station.voting_card(), SECOND, cast=False))
    before = len(audit_entries(station))
    break_medium()
    screen = station.machine.handle(fw.Cast())
    assert isinstance(screen, Notice) and screen.for_admin, screen
    assert "記録媒体" in screen.ja and "media fault" in screen.en
    assert station.machine.phase is Phase.PAUSED
    failures = events_named(audit_entries(station, before), "media_error")
    assert failures and failures[-1].outcome == "failure"
    return screen


@pytest.mark.parametrize(
    ("fault", "reason", "words"),
    [
        ("bad-sectors", "MediumCorrupted", "読み戻す"),
        ("slow", "MediumSlow", "期限"),
        ("read-only", "MediumReadOnly", "書き込み禁止"),
        ("removed", "MediumRemoved", "ありません"),
        ("replaced", "MediumReplaced", "差し替え"),
    ],
)
@pytest.mark.parametrize("which", ["primary", "copy"])
def test_a_media_fault_during_a_cast_stops_voting_and_the_vote_is_not_half_recorded(
    fault: str, reason: str, words: str, which: str
) -> None:
    station = open_station()
    medium: SimulatedMedium = getattr(station, which)
    # another machine's medium full of votes: every slot holds a record
    full = encode_slot(bytes(1200))
    foreign = {k: full * (len(v) // SLOT_SIZE) if k.endswith(".SLT") else bytes(v)
               for k, v in getattr(open_station(seed=9), which).files.items()}

    def break_medium() -> None:
        if fault == "bad-sectors":
            for entry in station.machine.ballot_box._tables():
                medium.bad_sectors.append((entry.file, entry.offset, entry.end))
        elif fault == "slow":
            medium.slow = True
        elif fault == "read-only":
            medium.read_only = True
        elif fault == "removed":
            medium.present = False
        else:  # another medium, initialised for the same machine and election, put in its place
            medium.files = {k: bytearray(v) for k, v in foreign.items()}

    screen = _fault_during_cast(station, break_medium)
    assert words in screen.ja, screen.ja
    entry = events_named(audit_entries(station), "media_error")[-1]
    assert entry.detail["reason"] == reason
    # Nothing half-done: the failing vote is on neither medium once the fault is cleared.
    if fault == "replaced":
        # The foreign medium (it may hold another machine's votes) was not written, not even to
        # take the vote back; the medium left in place holds only the first voter's vote.
        assert {k: bytes(v) for k, v in medium.files.items()} == foreign
        kept = station.copy if which == "primary" else station.primary
        held = station.machine.ballot_box.records(kept)
        assert {c: len(r) for c, r in held.items()} == {"mayor": 1, "assembly": 1}
        return
    medium.bad_sectors.clear()
    medium.slow = medium.read_only = False
    medium.present = True
    station.reboot()
    assert counts(station) == {"mayor": 1, "assembly": 1}
    assert_mirrored(station)
    assert len([line for line in ledger(station) if line.voted]) == 1


def test_a_replaced_medium_names_the_expected_and_found_medium_ids() -> None:
    station = open_station()
    expected = station.machine.ballot_box.header
    assert expected is not None
    other = open_station(seed=9)

    def replace() -> None:
        station.primary.files = {k: bytearray(v) for k, v in other.primary.files.items()}

    screen = _fault_during_cast(station, replace)
    assert expected.medium_id in screen.ja
    found = other.machine.ballot_box.header
    assert found is not None and found.medium_id in screen.ja
    # and a reboot with the foreign medium refuses it outright (it is not this machine's)
    assert isinstance(station.reboot(), Notice)


def test_space_warning_reaches_the_poll_manager_well_before_a_table_is_full() -> None:
    station = open_station(slots=14)  # warn below max(10, 14 // 20) = 10 free slots
    for _ in range(3):
        run_flow(station, voter_flow(station.voting_card(), FIRST))
    assert not events_named(audit_entries(station), "media_space_low")
    run_flow(station, voter_flow(station.voting_card(), FIRST))  # 14 - 5 = 9 free after this
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    warned = events_named(audit_entries(station), "media_space_low")
    assert len(warned) == 1, "logged once, not on every vote"
    menu = [s for s in as_manager(station) if isinstance(s, AdminMenu)][-1]
    assert "残り" in menu.message and "nearly full" in menu.message, menu.message
    assert station.machine.phase is Phase.OPEN  # a warning does not stop voting


def test_space_warning_counts_bytes_kept_for_the_seal_and_audit_log() -> None:
    station = open_station()
    box = station.machine.ballot_box
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    assert box.space_warning(10_000) is None
    station.copy.capacity = station.copy.used() + (1 << 20)  # less than 1 MiB + 4 × audit log
    warning = box.space_warning(10_000)
    assert warning is not None and "封印" in warning and station.copy.label in warning


def test_power_failing_mid_session_pauses_and_the_card_can_be_released() -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    card = station.voting_card()
    run_flow(station, voter_flow(card, SECOND, cast=False))
    screen = station.machine.handle(fw.PowerFailing())
    assert isinstance(screen, Notice) and "停電" in screen.ja and "Power failure" in screen.en
    assert station.machine.phase is Phase.PAUSED
    assert station.machine.session is None
    assert station.machine.handle(fw.Cast()) == screen, "no cast after the power signal"
    assert events_named(audit_entries(station), "power_failing")
    # Power comes back (or the machine restarts on battery): still paused, nothing half-written.
    station.reboot()
    assert station.machine.phase is Phase.PAUSED
    assert counts(station) == {"mayor": 1, "assembly": 1}
    # the poll manager releases the card and resumes; the voter votes again
    station.reader.insert(station.manager)
    station.machine.handle(fw.CardInserted())
    station.machine.handle(fw.PinEntered("1234"))
    menu = station.machine.handle(fw.ReleaseCard())  # armed: the reader holds the manager's card
    assert isinstance(menu, AdminMenu) and "投票カードを入れて" in menu.message, menu
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    station.reader.insert(card)
    notice = station.machine.handle(fw.CardInserted())
    assert isinstance(notice, Notice) and "解放しました" in notice.ja, notice
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    station.reader.insert(station.manager)
    station.machine.handle(fw.CardInserted())
    station.machine.handle(fw.PinEntered("1234"))
    station.machine.handle(fw.ResumePolls())
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    assert station.machine.phase is Phase.OPEN
    run_flow(station, [(Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice)])
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())


def test_power_failing_when_idle_is_logged_and_pauses() -> None:
    station = open_station()
    station.machine.handle(fw.PowerFailing())
    assert station.machine.phase is Phase.PAUSED
    assert station.reboot() is not None and station.machine.phase is Phase.PAUSED


def test_a_torn_ledger_line_is_dropped_and_logged_and_the_vote_resolved_by_the_journal() -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    box = station.machine.ballot_box
    whole = station.storage.files["cards.log"]
    station.storage.files["cards.log"] = whole + b'{"card_id":"0000'
    assert box.ledger.torn() and len(box.ledger.lines()) == 1
    box.ledger.append(LedgerLine("f" * 32, True, ("mayor",)))
    assert station.storage.files["cards.log"].count(b"\n") == 2
    assert [line.card_id for line in box.ledger.lines()] == ["0" * 31 + "1", "f" * 32]
    station.storage.files["cards.log"] += b'{"card'
    station.reboot()
    assert events_named(audit_entries(station), "ledger_repaired")
    assert not station.machine.ballot_box.ledger.torn()


# --- a real directory medium ----------------------------------------------------------------


def _directory_box(tmp_path: Path) -> tuple[BallotBox, DirectoryMedium, DirectoryMedium]:
    """A station's media content copied onto two real directories, with a real ballot box."""
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    media = []
    for name in ("primary", "copy"):
        sim: SimulatedMedium = getattr(station, name)
        sim.dump_to(tmp_path / name)
        media.append(DirectoryMedium(tmp_path / name, sim.label))
    storage = DirectoryStorage(tmp_path / "internal")
    for file, data in station.storage.files.items():
        storage.write_atomic(file, data)
    box = BallotBox(media[0], media[1], storage, station.random)
    assert station.package is not None and station.machine.identity.key is not None
    box.prepare(station.machine_id, station.package, station.machine.identity.key)
    return box, media[0], media[1]


def test_read_back_bypasses_the_page_cache(tmp_path: Path) -> None:
    box, primary, _ = _directory_box(tmp_path)
    entry = box._tables()[0]
    data = primary.read_at(entry.file, 3 * SLOT_SIZE + 7, SLOT_SIZE)
    assert data == primary.read(entry.file)[3 * SLOT_SIZE + 7 : 4 * SLOT_SIZE + 7]
    assert primary.read_back_mode in ("O_DIRECT", "fadvise-dontneed")
    # read at the very end of the file: a short aligned read still returns exactly the bytes
    size = len(primary.read(entry.file))  # the slot file's end (after every contest's region)
    assert primary.read_at(entry.file, size - 5, 100) == primary.read(entry.file)[-5:]


def test_a_write_that_misses_the_deadline_is_reported_as_slow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box, primary, _ = _directory_box(tmp_path)
    from firmware.interfaces import MediumSlow

    real_fdatasync = os.fdatasync

    def slow_fdatasync(fd: int) -> None:  # a card controller that takes 0.5 s to commit
        time.sleep(0.5)
        real_fdatasync(fd)

    # (a zero deadline alone raced a fast write on an idle disk: the worker could finish first)
    monkeypatch.setattr("drivers.medium.os.fdatasync", slow_fdatasync)
    primary.write_deadline = 0.05
    with pytest.raises(MediumSlow, match="slow or failing medium"):
        primary.write_at(box._tables()[0].file, 0, bytes(SLOT_SIZE))


def _slot_writes(monkeypatch: pytest.MonkeyPatch, slow_primary: float,
                 failing_primary: list[int]) -> list[tuple[str, str]]:
    """Record each medium's slot pwrite and the end of its fdatasync, in the order they happen
    across the media's worker threads; the primary's sync takes ``slow_primary`` seconds, and
    fails with EIO while ``failing_primary`` holds a count."""
    happened: list[tuple[str, str]] = []
    real_pwrite, real_fdatasync = os.pwrite, os.fdatasync

    def medium_of(fd: int) -> str:
        path = os.readlink(f"/proc/self/fd/{fd}")
        return next((m for m in ("primary", "copy") if f"/{m}/" in path and ".SLT" in path), "")

    def pwrite(fd: int, data: bytes, offset: int) -> int:
        if medium_of(fd):
            happened.append((medium_of(fd), "pwrite"))
        return real_pwrite(fd, data, offset)

    def fdatasync(fd: int) -> None:
        medium = medium_of(fd)
        if medium == "primary":
            time.sleep(slow_primary)
            if failing_primary and failing_primary[0] > 0:
                failing_primary[0] -= 1
                raise OSError(5, "Input/output error")
        real_fdatasync(fd)
        if medium:
            happened.append((medium, "durable"))

    monkeypatch.setattr(os, "pwrite", pwrite)
    monkeypatch.setattr(os, "fdatasync", fdatasync)
    return happened


def test_the_copy_is_written_only_once_the_primary_is_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy's write is made only after the primary's sync returned, however slow the
    primary is (art. 4-1-4), and the copy's own write deadline runs from then."""
    box, primary, copy = _directory_box(tmp_path)
    box.recover()
    primary.write_deadline, copy.write_deadline = 2.0, 0.2  # the primary takes 0.3 s
    card = "c0ffee" * 5 + "00"
    box.reserve(card, ("mayor",))
    happened = _slot_writes(monkeypatch, slow_primary=0.3, failing_primary=[])
    box.cast(card, ("mayor",), {"mayor": bytes(1200)}, lambda: None)
    assert happened == [("primary", "pwrite"), ("primary", "durable"),
                        ("copy", "pwrite"), ("copy", "durable")]


def test_a_failed_primary_write_leaves_the_copy_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from firmware.interfaces import MediumIOError

    box, primary, copy = _directory_box(tmp_path)
    box.recover()
    tables = {t.file: copy.read(t.file) for t in box._tables()}
    card = "c0ffee" * 5 + "01"
    box.reserve(card, ("mayor",))
    happened = _slot_writes(monkeypatch, slow_primary=0.05, failing_primary=[1])
    consumed: list[str] = []
    with pytest.raises(MediumIOError):
        box.cast(card, ("mayor",), {"mayor": bytes(1200)}, lambda: consumed.append(card))
    assert ("copy", "pwrite") not in happened and not consumed
    assert {t: copy.read(t) for t in tables} == tables  # not a byte written on the copy
    assert {t: primary.read(t) for t in tables} == tables  # the primary's slot taken back


def test_a_two_contest_ballot_costs_one_sync_per_medium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every slot of a ballot is written to a medium before its one sync: a ballot for two
    contests pays what a raw durable write pays, not one sync per contest (§7.5)."""
    box, _, _ = _directory_box(tmp_path)
    box.recover()
    card = "c0ffee" * 5 + "02"
    box.reserve(card, ("mayor", "assembly"))
    happened = _slot_writes(monkeypatch, slow_primary=0.0, failing_primary=[])
    box.cast(card, ("mayor", "assembly"), {"mayor": bytes(1200), "assembly": bytes(1200)},
             lambda: None)
    assert happened == [("primary", "pwrite"), ("primary", "pwrite"), ("primary", "durable"),
                        ("copy", "pwrite"), ("copy", "pwrite"), ("copy", "durable")]


def test_a_copy_that_reads_back_wrong_from_its_device_is_taken_back_from_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a real medium: the copy's read-back from its device returns one flipped bit (a failing
    cell), so the cast fails with ``MediumCorrupted`` before "recorded", and the vote is
    zeroed on both media again."""
    from firmware.interfaces import MediumCorrupted

    box, primary, copy = _directory_box(tmp_path)
    box.recover()
    before = {m.label: m.read(SLOT_FILE) for m in (primary, copy)}
    real_read = copy._read_back
    flipped: list[int] = []

    def failing_cell(direct: int | None, path: str, offset: int, size: int) -> bytes:
        data = real_read(direct, path, offset, size)
        if not flipped and data != bytes(size):  # the first read-back of a written slot
            flipped.append(offset)
            return bytes([data[0] ^ 0x10]) + data[1:]
        return data

    monkeypatch.setattr(copy, "_read_back", failing_cell)
    card = "c0ffee" * 5 + "03"
    box.reserve(card, ("mayor",))
    consumed: list[str] = []
    with pytest.raises(MediumCorrupted):
        box.cast(card, ("mayor",), {"mayor": bytes(1200)}, lambda: consumed.append(card))
    assert flipped and not consumed
    assert {m.label: m.read(SLOT_FILE) for m in (primary, copy)} == before


def test_the_copy_is_not_started_when_the_primary_fails(tmp_path: Path) -> None:
    """At the driver: a copy's writes that follow a primary's failed writes are never made,
    and say why (``MediumWriteNotStarted``), whatever the primary failed with."""
    from firmware.interfaces import MediumRemoved, MediumWriteNotStarted

    _, primary, copy = _directory_box(tmp_path)
    before = copy.read(SLOT_FILE)
    plan = [(SLOT_FILE, 0, encode_slot(bytes(1200)))]
    os.rename(primary.root, tmp_path / "pulled-out")
    first = primary.start_write_verified(plan)
    second = copy.start_write_verified(plan, after=first)
    with pytest.raises(MediumRemoved):
        first.wait()
    with pytest.raises(MediumWriteNotStarted, match="not written"):
        second.wait()
    assert copy.read(SLOT_FILE) == before


def test_a_long_read_that_keeps_answering_is_not_a_hung_medium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a whole slot file of many MiB from a slow stick may take longer than one
    deadline; each MiB read renews it, so only a medium that stops answering is MediumSlow."""
    medium = DirectoryMedium(tmp_path, "正本 / primary", write_deadline=0.3)
    medium.create("TOHYOKI/VOTES.SLT", 4 << 20)
    real_read = os.read

    def slow_stick(fd: int, n: int) -> bytes:
        time.sleep(0.15)  # each MiB answers, slowly: 0.75 s in all, over twice the deadline
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", slow_stick)
    started = time.monotonic()
    assert medium.read("TOHYOKI/VOTES.SLT") == bytes(4 << 20)
    assert time.monotonic() - started > 0.6


def test_removed_directory_medium_is_medium_removed(tmp_path: Path) -> None:
    box, primary, _ = _directory_box(tmp_path)
    from firmware.interfaces import MediumRemoved

    os.rename(primary.root, tmp_path / "elsewhere")
    with pytest.raises(MediumRemoved):
        box.check_identity()
    with pytest.raises(MediumRemoved):
        primary.write_at(box._tables()[0].file, 0, bytes(SLOT_SIZE))


def test_torn_slot_at_every_byte_boundary_is_resolved_by_recovery(tmp_path: Path) -> None:
    """A vote journaled, then its primary slot write torn after k bytes (k = 0 … 1280), the
    copy not yet written: recovery never takes it as recorded and clears it on both media.
    Then the primary whole and the copy's write torn after k bytes: recorded exactly when the
    copy holds the same bytes as the primary."""
    from firmware.cast_journal import (
        CARD_OFFSET,
        JOURNAL_FILE,
        JOURNAL_SIZE,
        Reservation,
        ReservedSlot,
        encode_card,
        encode_journal,
    )

    box, primary, copy = _directory_box(tmp_path)
    entry = box._tables()[0]
    before = {c: sorted(r) for c, r in box.records(primary).items()}
    record = random.Random(5).randbytes(1200)
    slot = encode_slot(record)
    index = next(i for i, s in enumerate(box.read_tables(primary)[entry.contest_id])
                 if isinstance(s, Empty))
    reserved = (ReservedSlot("mayor", index),)
    storage = box._storage
    storage.create(JOURNAL_FILE, JOURNAL_SIZE)
    complete = len(slot.rstrip(b"\0"))  # the slot's trailing zero padding needs no writing
    assert complete > 1200
    offset = index * SLOT_SIZE
    for n, (torn, whole) in enumerate(((primary, None), (copy, primary))):
        for k in range(SLOT_SIZE + 1):
            card = f"e{n:x}{k:030x}"  # not a card of the box's earlier voters
            reservation = Reservation(("mayor",), reserved)
            storage.write_at(JOURNAL_FILE, 0, encode_journal(reservation))
            storage.write_at(JOURNAL_FILE, CARD_OFFSET, encode_card(card, reservation))
            if whole is not None:
                whole.write_at(entry.file, offset, slot)
            torn.write_at(entry.file, offset, slot[:k] + bytes(SLOT_SIZE - k))
            state = decode_slot(torn.read_at(entry.file, offset, SLOT_SIZE))
            assert isinstance(state, Filled) == (k >= complete), k
            assert isinstance(state, Empty) == (k == 0), k
            outcome = box.recover()
            recorded = whole is not None and k >= complete
            if whole is None and k == 0:
                assert outcome is None  # nothing reached a medium
            else:
                assert outcome is not None and outcome.recorded == recorded, (torn.label, k)
            assert not any(storage.read(JOURNAL_FILE) or b"x")
            if not recorded:
                assert {c: sorted(r) for c, r in box.records(primary).items()} == before
                assert {c: sorted(r) for c, r in box.records(copy).items()} == before
            else:
                assert box.records(copy)["mayor"].count(record) == 1
                assert box.records(primary)["mayor"].count(record) == 1
                assert box.ledger.consumed(card)
                primary.write_at(entry.file, offset, bytes(SLOT_SIZE))
                copy.write_at(entry.file, offset, bytes(SLOT_SIZE))


def test_random_bit_flips_in_a_record_are_damage_never_another_vote(tmp_path: Path) -> None:
    box, primary, _ = _directory_box(tmp_path)
    entry = box._tables()[0]
    table = primary.read(entry.file)
    index = next(i for i, s in enumerate(box.read_tables(primary)[entry.contest_id])
                 if isinstance(s, Filled))
    rng = random.Random(1320)
    for _ in range(300):
        offset = index * SLOT_SIZE + rng.randrange(SLOT_SIZE)
        bit = rng.randrange(8)
        flipped = bytearray(table[index * SLOT_SIZE : (index + 1) * SLOT_SIZE])
        flipped[offset - index * SLOT_SIZE] ^= 1 << bit
        primary.write_at(entry.file, index * SLOT_SIZE, bytes(flipped))
        assert isinstance(decode_slot(primary.read_at(entry.file, index * SLOT_SIZE,
                                                      SLOT_SIZE)), Damaged)
        from firmware.interfaces import MediumIOError

        with pytest.raises(MediumIOError, match="damaged"):
            box.check_mirror()
    primary.write_at(entry.file, index * SLOT_SIZE, table[index * SLOT_SIZE:(index + 1) * SLOT_SIZE])
    box.check_mirror()


def test_a_bit_flip_in_the_header_refuses_the_medium(tmp_path: Path) -> None:
    box, primary, _ = _directory_box(tmp_path)
    header = bytearray(primary.read(HEADER_FILE))
    header[len(header) // 2] ^= 0x04
    (primary.root / HEADER_FILE).write_bytes(bytes(header))
    from firmware.interfaces import MediumReplaced

    with pytest.raises(MediumReplaced):
        box.check_identity()


def test_recorded_screen_only_after_both_read_backs(tmp_path: Path) -> None:
    """The copy's read-back is the last thing before "recorded": a copy that reads back wrong
    leaves the voter without a recorded screen and the primary cleared again."""
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST, cast=False))
    header = station.machine.ballot_box.header
    assert header is not None
    assembly = header.table("assembly")  # only the second contest's region reads back wrong
    station.copy.bad_sectors.append((assembly.file, assembly.offset, assembly.end))
    screen = station.machine.handle(fw.Cast())
    assert not isinstance(screen, Recorded)
    station.copy.bad_sectors.clear()
    assert counts(station) == {"mayor": 0, "assembly": 0}
    assert_mirrored(station)


def _supply(root: Path, name: str, **attributes: str) -> Path:
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    for key, value in attributes.items():
        (path / key).write_text(value + "\n")
    return path


def test_ups_on_battery_becomes_one_power_failing_event(tmp_path: Path) -> None:
    """The sysfs power-supply ABI as a HAT or USB UPS driver fills it: mains lost → one event."""
    from drivers.ups import PowerSupplyWatch

    watch = PowerSupplyWatch(tmp_path)
    assert watch.on_mains() is None and watch.poll() is None
    mains = _supply(tmp_path, "ups-ac", type="Mains", online="1")
    battery = _supply(tmp_path, "ups-battery", type="Battery", status="Charging", capacity="98")
    assert watch.poll() is None
    (mains / "online").write_text("0\n")
    (battery / "status").write_text("Discharging\n")
    event = watch.poll()
    assert isinstance(event, fw.PowerFailing)
    assert watch.poll() is None, "one event per power failure"
    (mains / "online").write_text("1\n")
    assert watch.poll() is None and watch.on_mains() is True
    (mains / "online").write_text("0\n")
    assert isinstance(watch.poll(), fw.PowerFailing)
    station = open_station()
    assert isinstance(station.machine.handle(event), Notice)
    assert station.machine.phase is Phase.PAUSED
