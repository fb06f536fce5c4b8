"""The cast journal (docs/media-format.md §7.5): the slots made durable when a card is accepted,
so that confirming writes the media and only the card's part of the journal; cleared after each
voter; resolved at start-up by what the copy holds (art. 4-1-4, 4-1-5)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pytest

from drivers.storage import SimulatedCrash
from election import canonical
from firmware import machine as fw
from firmware.ballot_box import BallotBoxError
from firmware.booth_screens import VoterSettingsMenu
from firmware.cast_journal import (
    CARD_OFFSET,
    JOURNAL_FILE,
    JOURNAL_SIZE,
    Reservation,
    ReservedSlot,
    decode_card,
    decode_journal,
    encode_card,
    encode_journal,
)
from firmware.cast_recovery import UNKNOWN_CARD, RecoveryOutcome
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


def test_the_journal_names_the_slots_but_not_the_card_once_the_card_is_accepted() -> None:
    station = open_station()
    card = station.voting_card()
    run_flow(station, [(Insert(card), VoterSettingsMenu)])
    raw = station.storage.files[JOURNAL_FILE]
    entry = decode_journal(raw)
    assert entry is not None and decode_card(raw, entry) is None
    assert f"{station.card_counter:032x}".encode() not in raw  # the card only at the cast (§14)
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
    assert raw[:4] == b"TJ03"
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
        reservation = Reservation(("mayor",), (slot,))
        journal = bytearray(encode_journal(reservation))
        card = encode_card("b" * 32, reservation)
        journal[CARD_OFFSET:CARD_OFFSET + len(card)] = card
        station.storage.files[JOURNAL_FILE] = journal
        with pytest.raises(BallotBoxError, match="no slot"):
            box.recover()
        assert assert_mirrored(station) == before


def test_confirming_writes_only_the_card_to_internal_storage_before_the_copy() -> None:
    """Between Cast and 'recorded on both media' the machine's own storage is written once: the
    card's part of the journal, before the copy (the slots were already durable)."""
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
    assert between == [f"storage:{JOURNAL_FILE}"], order
    assert order[first_medium:last_medium + 1] == (
        ["primary"] * 2 + [f"storage:{JOURNAL_FILE}"] + ["copy"] * 2), order
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
    reservation = Reservation(("mayor",), (ReservedSlot("mayor", 5),))
    entry = encode_journal(reservation)
    card = encode_card("b" * 32, reservation)  # even beside a whole card part
    whole = len(entry.rstrip(b"\0"))
    for k in range(whole):
        torn = bytearray(entry[:k] + bytes(JOURNAL_SIZE - k))
        torn[CARD_OFFSET:CARD_OFFSET + len(card)] = card
        station.storage.files[JOURNAL_FILE] = torn
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
        # after the audit entry and the journal's card part
        station.storage.crash_after = 2 if copy_writes == 2 else None
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


# --- how long a card id sits beside its slots (media-format §14) ---------------------------


def card_beside_slots(files: Mapping[str, bytes], card_id: str) -> list[str]:
    """The files of internal storage that hold ``card_id`` (as text or as bytes) together with
    slot positions: a journal with a whole reservation, or anything naming slots or indexes."""
    found = []
    for name, data in files.items():
        data = bytes(data)
        if card_id.encode() not in data and bytes.fromhex(card_id) not in data:
            continue
        if decode_journal(data) is not None or b'"slots"' in data or b'"index"' in data:
            found.append(name)
    return found


def test_the_link_check_sees_a_card_beside_slots_in_the_journal_before_this_one() -> None:
    """Journal format TJ02 (before issue 14) named the card with its slots from the card's
    acceptance to the voter's settling: the check finds that link."""
    body = canonical.encode({"card_id": "b" * 32, "contests": ["mayor"],
                             "slots": [{"contest_id": "mayor", "index": 5}]})
    tj02 = b"TJ02" + len(body).to_bytes(4, "big") + body + hashlib.sha256(body).digest()
    files = {JOURNAL_FILE: tj02 + bytes(JOURNAL_SIZE - len(tj02)), "cards.log": b""}
    assert card_beside_slots(files, "b" * 32) == [JOURNAL_FILE]
    assert card_beside_slots(files, "c" * 32) == []


def test_no_file_holds_a_card_id_beside_slot_positions_while_voting_or_between_voters() -> None:
    """Every file of internal storage, after every step of two voters (the ballot shown, each
    choice, the review, recorded, the card taken) and between them."""
    station = open_station()
    cards = []
    for choices in (FIRST, {"mayor": "mayor-2", "assembly": "assembly-1"}):
        card = station.voting_card()
        cards.append(f"{station.card_counter:032x}")
        for step in voter_flow(card, choices):
            run_flow(station, [step])
            for card_id in cards:
                assert card_beside_slots(station.storage.files, card_id) == [], (step, card_id)
            entry = decode_journal(station.storage.files.get(JOURNAL_FILE))
            assert entry is None or decode_card(station.storage.files[JOURNAL_FILE], entry) is None
    assert [line.card_id for line in ledger(station)] == cards  # the ledger has them, no slots


def test_the_card_id_is_beside_its_slots_only_inside_the_cast() -> None:
    """Watching every write to internal storage: the card's part of the journal appears while
    the Cast event is handled (after the primary's slots, before the copy's) and is gone when it
    returns, the ledger line written first."""
    station = open_station()
    card = station.voting_card()
    card_id = f"{station.card_counter:032x}"
    handling: list[str] = []
    linked: list[tuple[str, str]] = []
    write_at, append = station.storage.write_at, station.storage.append

    def watched_write_at(name: str, offset: int, data: bytes) -> None:
        write_at(name, offset, data)
        if card_beside_slots(station.storage.files, card_id):
            linked.append((handling[-1], "journal"))

    def watched_append(name: str, data: bytes) -> None:
        append(name, data)
        if name == "cards.log" and card_beside_slots(station.storage.files, card_id):
            linked.append((handling[-1], "ledger line"))

    station.storage.write_at = watched_write_at  # type: ignore[method-assign]
    station.storage.append = watched_append  # type: ignore[method-assign]
    for step in voter_flow(card, FIRST):
        handling.append(type(step[0]).__name__)
        run_flow(station, [step])
    assert linked == [("Cast", "journal"), ("Cast", "ledger line")], linked
    assert card_beside_slots(station.storage.files, card_id) == []


def test_a_power_cut_before_the_card_part_is_durable_leaves_the_vote_not_recorded() -> None:
    """The primary written, the card's part of the journal not: the copy was never written, so
    the vote is not recorded; recovery takes it off the primary and says the card is the one
    still locked to this machine (it has no id to show)."""
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    run_flow(station, voter_flow(station.voting_card(), FIRST, cast=False))
    card_id = f"{station.card_counter:032x}"
    station.storage.crash_after = 1  # the audit entry, then the card part: power lost
    with pytest.raises(SimulatedCrash):
        station.machine.handle(fw.Cast())
    station.storage.crash_after = None
    box = station.machine.ballot_box
    assert box.records(station.primary) != box.records(station.copy)  # the primary has it
    outcome = box.recover()
    assert outcome == RecoveryOutcome(UNKNOWN_CARD, False)
    assert "不明" in outcome.card_label and card_id[:8] not in outcome.card_label
    assert counts(station) == {"mayor": 1, "assembly": 1}
    assert_mirrored(station)
    assert not any(line.card_id == card_id for line in ledger(station))
    assert RecoveryOutcome(card_id, True).card_label == card_id[:8]


def test_a_clear_torn_to_the_reservation_alone_after_a_recorded_vote_changes_nothing() -> None:
    """Settling clears the journal after the ledger line; a power cut that zeroes the card part
    but not the reservation leaves slots the copy holds and no card: recovery knows that only a
    settled vote looks like that, and keeps it (the copy is never written before the card)."""
    station = open_station()
    steps = voter_flow(station.voting_card(), FIRST)
    run_flow(station, steps[:-2])  # at the review: the reservation is on storage
    reservation_only = bytes(station.storage.files[JOURNAL_FILE])
    run_flow(station, steps[-2:])
    before = assert_mirrored(station)
    station.storage.files[JOURNAL_FILE] = reservation_only
    assert station.machine.ballot_box.recover() is None
    assert assert_mirrored(station) == before and counts(station) == {"mayor": 1, "assembly": 1}
    assert len(ledger(station)) == 1 and not any(station.storage.files[JOURNAL_FILE])


def test_internal_storage_failing_at_the_card_part_leaves_the_copy_unwritten_and_the_vote_undone(
) -> None:
    """The card part cannot be written (internal storage fails): the copy is not written, the
    primary's slots are taken back, voting stops with the reason, nothing is recorded."""
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    before = assert_mirrored(station)
    run_flow(station, voter_flow(station.voting_card(), FIRST, cast=False))
    write_at = station.storage.write_at

    def failing(name: str, offset: int, data: bytes) -> None:
        if name == JOURNAL_FILE and offset == CARD_OFFSET:
            raise OSError(5, "Input/output error")
        write_at(name, offset, data)

    station.storage.write_at = failing  # type: ignore[method-assign]
    screen = station.machine.handle(fw.Cast())
    assert isinstance(screen, Notice) and screen.for_admin and "内部記憶" in screen.ja
    assert assert_mirrored(station) == before
    assert len(ledger(station)) == 1 and not any(station.storage.files[JOURNAL_FILE])
