"""Secret ballot (brief §2, art. 4-1-2): no plaintext vote anywhere the machine writes, nothing in
memory after the cast, nothing in the audit log, and the slot a record lands in says nothing
about when it was cast (Brazil 2012) or which record of the other contest came with it (art. 14).

The statistical tests are seeded, hence deterministic; each computes the same statistic for a
sequential allocator (slot = next free) to show the threshold would catch one."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.randomness import SeededRandom
from firmware import machine as fw
from firmware.audit import FORBIDDEN_DETAIL_KEYS, AuditLog
from firmware.ballot_box import BallotBox
from firmware.cast_journal import CARD_OFFSET, JOURNAL_FILE, decode_card, decode_journal
from firmware.screens import Recorded, Review, Standby
from media.counting_key import private_key
from media.layout import DIRECTORY, SLOT_FILE, TableEntry, slot_file_size
from media.slot import Empty, Filled, decode_slot, split_table
from media.vote_record import CIPHERTEXT_LENGTH, decrypt_vote
from tests.station import COUNTING_PRIVATE, Station
from tests.test_firmware_support import (
    ALL_CANDIDATE_IDS,
    CANDIDATES,
    Pull,
    Spy,
    as_manager,
    decrypted,
    open_station,
    run_flow,
    voter_flow,
)

CHOICES = {c: (*ids, "blank", "abstain") for c, ids in CANDIDATES.items()}


def _every_candidate_once(station: Station) -> None:
    """Cast votes so that every candidate and blank gets at least one vote in each contest."""
    mayor = [*CANDIDATES["mayor"], "blank"]
    assembly = [*CANDIDATES["assembly"], "blank"]
    for i in range(max(len(mayor), len(assembly))):
        run_flow(station, voter_flow(station.voting_card(), {
            "mayor": mayor[i % len(mayor)], "assembly": assembly[i % len(assembly)]}))


def _region(data: bytes | bytearray, entry: TableEntry) -> list[bytes]:
    """A contest's slots: its region of the slot file."""
    return split_table(bytes(data[entry.offset : entry.end]))


def _slot_tables(station: Station) -> dict[str, list[int]]:
    """Which slots are filled, per contest's table, on the primary."""
    header = station.machine.ballot_box.header
    assert header is not None
    return {
        e.contest_id: [i for i, s in enumerate(_region(station.primary.files[SLOT_FILE], e))
                       if not isinstance(decode_slot(s), Empty)]
        for e in header.tables
    }


# --- nothing in plaintext anywhere ---------------------------------------------------------


def test_no_plaintext_candidate_id_or_name_in_storage_or_on_either_medium() -> None:
    station = open_station()
    _every_candidate_once(station)
    counted = decrypted(station)
    assert all(set(counted[c]) == {*CANDIDATES[c], "blank"} for c in CANDIDATES)
    as_manager(station, fw.ClosePolls())  # the seal, the closing report and the exported log too
    assert station.package is not None
    names = [k.name for c in station.package.package.contests for k in c.candidates]
    assert station.storage.files["package.json"] == station.package.to_bytes()
    places = {"storage": {k: v for k, v in station.storage.files.items() if k != "package.json"},
              "primary": station.primary.files, "copy": station.copy.files}
    assert any(name.startswith(DIRECTORY) for name in station.primary.files)
    for place, files in places.items():
        for name, data in files.items():
            raw = bytes(data)
            for secret in (*ALL_CANDIDATE_IDS, *names):
                assert secret.encode("utf-8") not in raw, (place, name, secret)


def test_session_holds_no_selection_after_cast_and_nothing_after_the_card_leaves() -> None:
    station = open_station()
    card = station.voting_card()
    run_flow(station, voter_flow(card, {"mayor": "mayor-2", "assembly": "assembly-5"},
                                 cast=False))
    session = station.machine.session
    assert session is not None and session.selections == {"mayor": "mayor-2",
                                                           "assembly": "assembly-5"}
    run_flow(station, [(fw.Cast(), Recorded)])
    assert session.selections == {} and session.recorded
    assert station.machine.screen == Recorded()
    run_flow(station, [(Pull(), Standby)])
    assert station.machine.session is None
    assert not isinstance(station.machine.screen, Review)


def test_the_cast_journal_holds_card_and_slots_only_and_is_cleared_after_the_vote() -> None:
    station = open_station()
    spy = Spy().attach(station)
    run_flow(station, voter_flow(station.voting_card(),
                                 {"mayor": "mayor-1", "assembly": "assembly-3"}))
    journals = [data for name, data in spy.writes if name == JOURNAL_FILE]
    # the slots when the card was accepted, the card's part at the cast, then cleared
    assert len(journals) == 3
    entry = decode_journal(journals[0])
    card = decode_card(bytes(CARD_OFFSET) + journals[1], entry) if entry else None
    assert entry is not None and card and set(entry.contests) == {"mayor", "assembly"}
    assert not any(cid.encode() in journals[0] + journals[1] for cid in ALL_CANDIDATE_IDS)
    assert not any(journals[2]) and not any(station.storage.files[JOURNAL_FILE])
    for name, data in spy.writes:  # nothing written to storage during the day names a choice
        assert not any(cid.encode() in data for cid in ALL_CANDIDATE_IDS), name


VOTERS = st.lists(
    st.fixed_dictionaries({c: st.sampled_from(CHOICES[c]) for c in ("mayor", "assembly")}),
    min_size=1, max_size=3,
)


@given(voters=VOTERS)
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
def test_internal_storage_and_slot_positions_do_not_depend_on_the_choice(
    voters: list[dict[str, str]],
) -> None:
    """Two machines in the same state, the same voters, different choices (same abstentions):
    internal storage is byte for byte the same, and so are the slots used on the media."""
    reference = [{c: "abstain" if v == "abstain" else "blank" for c, v in voter.items()}
                 for voter in voters]
    stations = []
    for choices in (voters, reference):
        station = open_station()
        for voter in choices:
            run_flow(station, voter_flow(station.voting_card(), voter))
        stations.append(station)
    one, two = stations
    assert one.storage.files == two.storage.files
    assert _slot_tables(one) == _slot_tables(two)
    outside_slots = [n for n in one.primary.files if not n.endswith(".SLT")]
    assert outside_slots and all(one.primary.files[n] == two.primary.files[n]
                                 for n in outside_slots)
    for station in stations:
        as_manager(station, fw.ClosePolls())
    # the closing report carries the seal's digests of the (random) ciphertexts; the rest is equal
    assert {k: v for k, v in one.storage.files.items() if k != "last-report.json"} == {
        k: v for k, v in two.storage.files.items() if k != "last-report.json"}


# --- the audit log -------------------------------------------------------------------------


def test_audit_log_never_holds_a_choice_or_a_slot_position() -> None:
    """The same day with different choices AND different slots gives the same audit log."""
    logs, slots = [], []
    for choices, slot_seed in ((("mayor-1", "assembly-2"), None), (("mayor-3", "blank"), 99)):
        station = open_station()
        if slot_seed is not None:
            station.machine.ballot_box._random = SeededRandom(slot_seed)
        for _ in range(4):
            run_flow(station, voter_flow(station.voting_card(),
                                         {"mayor": choices[0], "assembly": choices[1]}))
        as_manager(station, fw.PausePolls(), fw.ResumePolls(), fw.ClosePolls())
        logs.append(station.storage.files["audit.log"])
        slots.append(_slot_tables(station))
        entries = station.machine.audit.entries()
        assert entries and all(not FORBIDDEN_DETAIL_KEYS & set(e.detail) for e in entries)
        assert not any(cid.encode() in logs[-1] for cid in ALL_CANDIDATE_IDS)
    assert slots[0] != slots[1]  # the slots really differ ...
    assert logs[0] == logs[1]  # ... and the log cannot tell


@pytest.mark.parametrize("key", sorted(FORBIDDEN_DETAIL_KEYS))
def test_audit_log_refuses_a_detail_that_would_carry_a_vote_or_a_slot(key: str) -> None:
    station = open_station()
    log: AuditLog = station.machine.audit
    before = (log.count, log.head, station.storage.files["audit.log"])
    from firmware.audit_events import AuditEvent

    with pytest.raises(ValueError, match=key):
        log.record(AuditEvent.VOTE_COMMIT, "success", **{key: "mayor-1"})
    with pytest.raises(ValueError):
        log.record(AuditEvent.VOTE_COMMIT, "finished")  # an unknown outcome
    assert (log.count, log.head, station.storage.files["audit.log"]) == before


# --- order-free storage (statistics) -------------------------------------------------------

SLOTS = 256
CASTS = 200
TRIALS = 10


class _NoLedger:
    """The card ledger plays no part in where a record goes; skipping it keeps trials fast."""

    def append(self, line: Any) -> None:
        pass


def _fresh_box(slots: int = SLOTS) -> tuple[Station, BallotBox]:
    station = open_station(slots=slots)
    box = station.machine.ballot_box
    box.ledger = _NoLedger()  # type: ignore[assignment]
    return station, box


def _empty_tables(station: Station, box: BallotBox) -> None:
    assert box.header is not None
    for medium in (station.primary, station.copy):
        medium.files[SLOT_FILE] = bytearray(slot_file_size(box.header.tables))
    box._free = None  # the tables were emptied behind the ballot box's back


def _slots_in_cast_order(station: Station, box: BallotBox, seed: int, casts: int) -> list[int]:
    """Cast ``casts`` records into an empty mayor table; then, as an observer holding the medium
    and (for the test's sake) knowing which record was cast when, list each record's slot."""
    _empty_tables(station, box)
    box._random = SeededRandom(seed)
    make = random.Random(seed)
    cast_records = []
    for _ in range(casts):
        record = make.randbytes(CIPHERTEXT_LENGTH)
        box.cast("c" * 32, ("mayor",), {"mayor": record}, lambda: None)
        cast_records.append(record)
    assert box.header is not None
    table = _region(station.primary.files[SLOT_FILE], box.header.table("mayor"))
    where = {}
    for index, raw in enumerate(table):
        slot = decode_slot(raw)
        if not isinstance(slot, Empty):
            where[slot.record] = index  # type: ignore[union-attr]
    return [where[r] for r in cast_records]


def _sequential(box: BallotBox) -> None:
    """A bad allocator for comparison: the lowest free slot, i.e. slot = cast index."""

    def first_free(free: list[int]) -> int:
        index = min(free)
        free.remove(index)
        return index

    box._pick = first_free  # type: ignore[method-assign]


def _random_start_then_sequential(box: BallotBox, slots: int = SLOTS) -> None:
    """A subtler bad allocator: a random first slot, then the next free one after it."""

    def next_free(free: list[int]) -> int:
        used = sorted(set(range(slots)) - set(free))
        start = (used[-1] + 1) if used else box._random.below(slots)
        index = next((start + k) % slots for k in range(slots) if (start + k) % slots in free)
        free.remove(index)
        return index

    box._pick = next_free  # type: ignore[method-assign]


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation for values without ties."""
    def ranks(values: Sequence[float]) -> list[int]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0] * len(values)
        for rank, i in enumerate(order):
            result[i] = rank
        return result

    n = len(xs)
    d2 = sum((a - b) ** 2 for a, b in zip(ranks(xs), ranks(ys), strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def chi_square(observed: Sequence[int]) -> float:
    expected = sum(observed) / len(observed)
    return sum((o - expected) ** 2 / expected for o in observed)


# chi-square with 7 degrees of freedom: P(X > 24.32) = 0.001
CHI2_7_P001 = 24.32


def _order_statistics(slots_per_trial: list[list[int]]) -> tuple[float, float, float]:
    """Mean Spearman ρ(cast index, slot), the largest |ρ| of a trial, and the mean distance
    between the slots of two consecutive casts."""
    rhos = [spearman(list(range(len(s))), s) for s in slots_per_trial]
    gaps = [abs(b - a) for s in slots_per_trial for a, b in zip(s, s[1:], strict=False)]
    return sum(rhos) / len(rhos), max(abs(r) for r in rhos), sum(gaps) / len(gaps)


def _order_free(stats: tuple[float, float, float]) -> bool:
    mean_rho, worst_rho, mean_gap = stats
    # Under independence ρ has s.d. 1/√199 ≈ 0.071 per trial, 0.022 for the mean of 10;
    # the gap between two random slots of 256 averages ≈ 85.
    return abs(mean_rho) < 0.1 and worst_rho < 0.3 and mean_gap > 70


def test_slot_position_is_independent_of_cast_order() -> None:
    station, box = _fresh_box()
    trials = [_slots_in_cast_order(station, box, seed, CASTS) for seed in range(TRIALS)]
    assert all(len(set(t)) == CASTS for t in trials)  # every record in its own slot
    stats = _order_statistics(trials)
    assert _order_free(stats), stats
    # the same measurement catches allocators that keep the order
    for bad in (_sequential, _random_start_then_sequential):
        station, box = _fresh_box()
        bad(box)
        bad_stats = _order_statistics(
            [_slots_in_cast_order(station, box, seed, CASTS) for seed in range(3)])
        assert not _order_free(bad_stats), (bad.__name__, bad_stats)


def _first_slot_buckets(setup: Callable[[BallotBox], None] | None, trials: int) -> list[int]:
    station, box = _fresh_box()
    if setup is not None:
        setup(box)
    buckets = [0] * 8
    for seed in range(trials):
        first = _slots_in_cast_order(station, box, 1000 + seed, 1)[0]
        buckets[first * 8 // SLOTS] += 1
    return buckets


def test_the_first_vote_of_the_day_lands_anywhere() -> None:
    """Brazil 2012: knowing who voted first must not tell where their record is."""
    buckets = _first_slot_buckets(None, 400)
    assert chi_square(buckets) < CHI2_7_P001, buckets
    assert chi_square(_first_slot_buckets(_sequential, 50)) > CHI2_7_P001


def test_contests_voted_together_land_in_unlinked_slots_of_their_own_regions() -> None:
    """Art. 14: one voter's mayor and assembly records, seen by someone watching the media
    after every vote, sit in independent slots, each inside its own contest's region of the one
    slot file (a vote for contest 2 never lands in contest 1's region, nor the reverse)."""
    station = open_station(slots=SLOTS)
    header = station.machine.ballot_box.header
    assert header is not None
    mayor, assembly = header.table("mayor"), header.table("assembly")
    assert mayor.end == assembly.offset and assembly.end == len(station.primary.files[SLOT_FILE])
    pick = random.Random(5)
    secret = private_key(COUNTING_PRIVATE)
    before = split_table(bytes(station.primary.files[SLOT_FILE]))
    pairs = []
    for _ in range(CASTS):
        run_flow(station, voter_flow(station.voting_card(), {
            "mayor": pick.choice(CANDIDATES["mayor"]),
            "assembly": pick.choice(CANDIDATES["assembly"])}))
        after = split_table(bytes(station.primary.files[SLOT_FILE]))
        diff = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        before = after
        # one slot of each region, each now holding a record of its own contest
        in_mayor = [i for i in diff if i < mayor.slots]
        in_assembly = [i - mayor.slots for i in diff
                       if mayor.slots <= i < mayor.slots + assembly.slots]
        assert len(diff) == 2 and len(in_mayor) == len(in_assembly) == 1, diff
        for contest, i in (("mayor", diff[0]), ("assembly", diff[1])):
            slot = decode_slot(after[i])
            assert isinstance(slot, Filled)
            decrypt_vote(secret, header.election_id, contest, slot.record)  # else unreadable
        pairs.append((in_mayor[0], in_assembly[0]))
    mayor = [m for m, _ in pairs]
    assembly = [a for _, a in pairs]
    assert abs(spearman(mayor, assembly)) < 0.3  # s.d. ≈ 0.071 when independent
    assert sum(m == a for m, a in pairs) < 8  # same index only by chance (≈ 1 expected)
    for slots in (mayor, assembly):  # and neither is in cast order
        assert abs(spearman(list(range(CASTS)), slots)) < 0.3
        assert sum(abs(b - a) for a, b in zip(slots, slots[1:], strict=False)) / CASTS > 70
    assert spearman(mayor, mayor) > 0.3  # a linked allocator (same slot) would fail
    # the records themselves are unrelated ciphertexts of the same length
    stored = station.machine.ballot_box.records(station.primary)
    assert {len(r) for rs in stored.values() for r in rs} == {CIPHERTEXT_LENGTH}
