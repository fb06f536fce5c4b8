"""The cast journal (docs/media-format.md §7.5): made durable when a card is accepted, so that
confirming writes only the media; cleared after each voter; resolved at start-up by what the
copy holds (art. 4-1-4, 4-1-5)."""

from __future__ import annotations

import pytest

from drivers.storage import SimulatedCrash
from election import canonical
from firmware import machine as fw
from firmware.ballot_box import BallotBoxError
from firmware.booth_screens import VoterSettingsMenu
from firmware.cast_journal import (
    JOURNAL_FILE,
    JOURNAL_SIZE,
    Reservation,
    ReservedSlot,
    decode_journal,
    encode_journal,
)
from firmware.screens import Notice, Recorded, Standby
from media.layout import SLOT_FILE
from media.slot import EMPTY_SLOT, SLOT_SIZE
from tests.test_firmware_support import (
    Insert,
    Pull,
    assert_mirrored,
    counts,
    ledger,
    open_station,
    run_flow,
    voter_flow,
)

FIRST = {"mayor": "mayor-1", "assembly": "assembly-2"}


def test_the_journal_names_the_card_and_its_slots_once_the_card_is_accepted() -> None:
    station = open_station()
    card = station.voting_card()
    run_flow(station, [(Insert(card), VoterSettingsMenu)])
    entry = decode_journal(station.storage.files[JOURNAL_FILE])
    assert entry is not None and entry.card_id == f"{station.card_counter:032x}"
    assert {s.contest_id for s in entry.slots} == {"mayor", "assembly"}
    box = station.machine.ballot_box
    assert box.header is not None
    for slot in entry.slots:  # reserved slots are empty on both media, in their own region
        file, offset = box.slot_position(slot.contest_id, slot.index)
        table = box.header.table(slot.contest_id)
        assert file == SLOT_FILE and offset == table.offset + slot.index * SLOT_SIZE
        assert table.offset <= offset < table.end
        for medium in (station.primary, station.copy):
            assert medium.read_at(file, offset, SLOT_SIZE) == EMPTY_SLOT
    # the body names contest and slot index only: where that is comes from the header (§7.5)
    raw = station.storage.files[JOURNAL_FILE]
    assert raw[:4] == b"TJ02"
    body = canonical.decode_object(raw[8 : 8 + int.from_bytes(raw[4:8], "big")])
    assert [sorted(s) for s in body["slots"]] == [["contest_id", "index"]] * 2


def test_a_journal_naming_a_slot_the_header_does_not_have_is_refused_not_written() -> None:
    station = open_station()
    box = station.machine.ballot_box
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    before = assert_mirrored(station)
    assert box.header is not None
    beyond = box.header.table("mayor").slots  # would be the first slot of assembly's region
    for slot in (ReservedSlot("mayor", beyond), ReservedSlot("governor", 0)):
        station.storage.files[JOURNAL_FILE] = bytearray(encode_journal(
            Reservation("b" * 32, ("mayor",), (slot,))))
        with pytest.raises(BallotBoxError, match="no slot"):
            box.recover()
        assert assert_mirrored(station) == before


def test_confirming_writes_no_internal_storage_before_the_vote_is_on_both_media() -> None:
    """Between Cast and 'recorded on both media' the machine's own storage is not written
    except for the audit log: the journal entry was already durable."""
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST, cast=False))
    order: list[str] = []
    for name in ("primary", "copy"):
        medium = getattr(station, name)
        original = medium.write_at

        def spy(file: str, offset: int, data: bytes, original=original, name=name) -> None:
            order.append(name)
            original(file, offset, data)

        medium.write_at = spy
    for method in ("write_at", "append", "write_atomic"):
        original_storage = getattr(station.storage, method)

        def storage_spy(name: str, *args: object, original=original_storage) -> None:
            order.append(f"storage:{name}")
            original(name, *args)

        setattr(station.storage, method, storage_spy)
    run_flow(station, [(fw.Cast(), Recorded)])
    first_medium = order.index("primary")
    last_medium = max(i for i, o in enumerate(order) if o in ("primary", "copy"))
    between = [o for o in order[first_medium:last_medium] if o.startswith("storage:")]
    assert between == [], order
    assert order[first_medium:last_medium + 1] == ["primary"] * 2 + ["copy"] * 2, order
    after = order[last_medium + 1:]
    assert after.index("storage:cards.log") < after.index(f"storage:{JOURNAL_FILE}"), after


def test_a_session_that_ends_without_a_vote_frees_its_slots_and_clears_the_journal() -> None:
    station = open_station()
    box = station.machine.ballot_box
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    free_before = dict(box.free_slots)
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu)])
    assert {c: n + 1 for c, n in box.free_slots.items()} == free_before
    run_flow(station, [(Pull(), Standby)])
    assert box.free_slots == free_before
    assert not any(station.storage.files[JOURNAL_FILE])
    assert counts(station) == {"mayor": 1, "assembly": 1}


def test_a_full_slot_table_refuses_the_card_before_the_ballot_is_shown() -> None:
    station = open_station(slots=2)
    for _ in range(2):
        run_flow(station, voter_flow(station.voting_card(), FIRST))
    screen = run_flow(station, [(Insert(station.voting_card()), Notice)])[0]
    assert "いっぱい" in screen.ja and screen.for_admin
    assert station.machine.session is None
    assert counts(station) == {"mayor": 2, "assembly": 2}


def test_a_vote_abstaining_in_every_contest_is_in_the_ledger_before_the_card_is_consumed() -> None:
    station = open_station()
    box = station.machine.ballot_box
    card_id = "a" * 32
    box.reserve(card_id, ("mayor",))
    seen: list[bool] = []
    box.cast(card_id, ("mayor",), {}, lambda: seen.append(box.ledger.consumed(card_id)))
    assert seen == [True]
    box.settle()
    assert counts(station) == {"mayor": 0, "assembly": 0}


def test_a_journal_entry_torn_at_every_byte_is_no_vote_and_is_cleared() -> None:
    station = open_station()
    box = station.machine.ballot_box
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    before = assert_mirrored(station)
    entry = encode_journal(Reservation("b" * 32, ("mayor",),
                                       (ReservedSlot("mayor", 5),)))
    whole = len(entry.rstrip(b"\0"))
    for k in range(whole):
        station.storage.files[JOURNAL_FILE] = entry[:k] + bytes(JOURNAL_SIZE - k)
        assert decode_journal(station.storage.files[JOURNAL_FILE]) is None, k
        assert box.recover() is None
        assert not any(station.storage.files[JOURNAL_FILE]), k
    assert assert_mirrored(station) == before
    assert not box.ledger.consumed("b" * 32)


def test_a_vote_is_recorded_at_recovery_exactly_when_the_copy_holds_it() -> None:
    """Power cut after the primary's slots (not recorded: taken off the primary) and after the
    copy's (recorded, though the card was never marked and no ledger line written)."""
    for copy_writes, recorded in ((0, False), (1, False), (2, True)):
        station = open_station()
        run_flow(station, voter_flow(station.voting_card(), FIRST))
        run_flow(station, voter_flow(station.voting_card(), FIRST, cast=False))
        card_id = f"{station.card_counter:032x}"
        station.copy.crash_after = copy_writes
        station.storage.crash_after = 1 if copy_writes == 2 else None  # after the audit entry
        with pytest.raises(SimulatedCrash):
            station.machine.handle(fw.Cast())
        station.copy.crash_after = station.storage.crash_after = None
        screen = station.reboot()
        assert isinstance(screen, Notice) and ("記録されています" in screen.ja) == recorded
        assert counts(station) == ({"mayor": 2, "assembly": 2} if recorded
                                   else {"mayor": 1, "assembly": 1}), copy_writes
        assert_mirrored(station)
        assert any(line.card_id == card_id for line in ledger(station)) == recorded
        assert not any(station.storage.files[JOURNAL_FILE])


def test_a_new_card_is_refused_while_an_interrupted_vote_is_unresolved() -> None:
    station = open_station()
    box = station.machine.ballot_box
    box._unresolved = True  # a cast whose undo failed (a medium pulled mid-cast)
    with pytest.raises(BallotBoxError, match="resume"):
        box.reserve("c" * 32, ("mayor",))
