"""A power cut at every write point of a cast, a close and a recovery (art. 4-1-4, 4-1-5).

Each write the machine makes — internal storage (journal, ledger, audit log, state) and both
media — is a numbered crash point. For every point the test cuts power there (the simulator raises
``SimulatedCrash`` and tears the slot write in progress), reboots a new ``Machine`` over the same
storage and media, and checks the invariants: the vote is on both media or on neither; recorded
⇔ the card is in the ledger; no record twice; and the day goes on (resume, vote, close, seal).
The subprocess SIGKILL harness on real filesystems lives with issue #5; this is the same
enumeration in process, fast enough to run on every commit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.card_sim import SimulatedVotingCard
from drivers.storage import SimulatedCrash
from firmware import machine as fw
from firmware.audit_events import AuditEvent
from firmware.interfaces import VotingCardPhase
from firmware.screens import AdminMenu, Notice, Phase, Recorded
from media.layout import SLOT_FILE
from media.slot import SLOT_SIZE
from tests.station import Station
from tests.test_firmware_support import (
    Pull,
    as_manager,
    assert_mirrored,
    counts,
    decrypted,
    ledger,
    open_station,
    run_flow,
    voter_flow,
)

FIRST = {"mayor": "mayor-1", "assembly": "assembly-2"}
SECOND = {"mayor": "mayor-3", "assembly": "assembly-4"}
BIG = 10**6

Target = Callable[[Station], object]
TARGETS: dict[str, Target] = {
    "storage": lambda s: s.storage,
    "primary": lambda s: s.primary,
    "copy": lambda s: s.copy,
}


def _writes_during(station: Station, target: str, action: Callable[[], object]) -> int:
    """How many crash points ``action`` passes on ``target``: arm far away and count down."""
    device = TARGETS[target](station)
    device.crash_after = BIG  # type: ignore[attr-defined]
    action()
    used = BIG - device.crash_after  # type: ignore[attr-defined]
    device.crash_after = None  # type: ignore[attr-defined]
    return used


def _points(target: str) -> int:
    """Crash points of the Cast event alone, the voter having chosen."""
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    run_flow(station, voter_flow(station.voting_card(), SECOND, cast=False))
    return _writes_during(station, target, lambda: station.machine.handle(fw.Cast()))


CAST_POINTS = [(t, k) for t in TARGETS for k in range(_points(t))]


def test_every_device_has_crash_points_in_a_cast() -> None:
    """The enumeration is not vacuous: the journal, both slot writes per medium, the ledger."""
    per_target = {t: sum(1 for tt, _ in CAST_POINTS if tt == t) for t in TARGETS}
    assert per_target["primary"] >= 2 and per_target["copy"] >= 2, per_target
    assert per_target["storage"] >= 3, per_target


@pytest.mark.parametrize(("target", "point"), CAST_POINTS)
def test_power_cut_during_a_cast_leaves_the_vote_on_both_media_or_neither(
    target: str, point: int
) -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    card = station.voting_card()
    card_id = f"{station.card_counter:032x}"
    run_flow(station, voter_flow(card, SECOND, cast=False))
    device = TARGETS[target](station)
    device.crash_after = point  # type: ignore[attr-defined]
    with pytest.raises(SimulatedCrash):
        station.machine.handle(fw.Cast())
    device.crash_after = None  # type: ignore[attr-defined]

    chip_before = card.phase
    screen = station.reboot()  # the card is still in the reader, as after a real power cut
    mirrored = assert_mirrored(station)
    recorded = counts(station) == {"mayor": 2, "assembly": 2}
    # A recorded vote's card ends up marked used by this machine, at start-up (4-1-1); an
    # unrecorded one stays locked here for the poll manager, and nowhere else takes it.
    assert card.phase is (VotingCardPhase.CONSUMED if recorded else VotingCardPhase.LOCKED)
    assert card.machine_id == station.machine_id
    completed = [e for e in station.machine.audit.entries()
                 if e.event_id == int(AuditEvent.VOTING_CARD_CONSUMPTION_COMPLETED)]
    assert len(completed) == (1 if recorded and chip_before is VotingCardPhase.LOCKED else 0)
    assert recorded or counts(station) == {"mayor": 1, "assembly": 1}, counts(station)
    assert all(len(set(r)) == len(r) for r in mirrored.values())
    in_ledger = any(line.card_id == card_id and line.voted for line in ledger(station))
    assert in_ledger == recorded
    if isinstance(screen, Notice) and screen.for_admin and "中断" in screen.ja:
        assert ("記録されています" in screen.ja) == recorded, screen
    assert station.machine.phase in (Phase.OPEN, Phase.PAUSED)

    # The day goes on: the poll manager releases an unrecorded card, resumes, the voter votes.
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    if station.machine.phase is Phase.PAUSED:
        as_manager(station, fw.ResumePolls())
    assert station.machine.phase is Phase.OPEN
    if not recorded:
        run_flow(station, voter_flow(station.voting_card(), SECOND))
    expected = {"mayor": ["mayor-1", "mayor-3"], "assembly": ["assembly-2", "assembly-4"]}
    assert decrypted(station) == expected
    closed = as_manager(station, fw.ClosePolls())
    assert station.machine.phase is Phase.CLOSED, closed
    assert_mirrored(station)


CLOSE_POINTS = [(t, k) for t in ("storage", "primary", "copy") for k in range(8)]


@pytest.mark.parametrize(("target", "point"), CLOSE_POINTS)
def test_power_cut_while_sealing_keeps_every_vote_and_closing_can_be_done_again(
    target: str, point: int
) -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    run_flow(station, voter_flow(station.voting_card(), SECOND))
    device = TARGETS[target](station)
    device.crash_after = point  # type: ignore[attr-defined]
    try:
        as_manager(station, fw.ClosePolls())
        crashed = False
    except SimulatedCrash:
        crashed = True
    device.crash_after = None  # type: ignore[attr-defined]
    if not crashed:
        assert station.machine.phase is Phase.CLOSED
        return
    station.reboot()
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    assert station.machine.phase in (Phase.OPEN, Phase.PAUSED, Phase.CLOSED)
    if station.machine.phase is not Phase.CLOSED:
        screens = as_manager(station, fw.ClosePolls())
        assert station.machine.phase is Phase.CLOSED, screens
    assert_mirrored(station)
    assert counts(station) == {"mayor": 2, "assembly": 2}


def test_a_seal_that_fails_leaves_polls_paused_and_closing_can_be_retried() -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    station.copy.present = False
    screens = as_manager(station, fw.ClosePolls())
    assert station.machine.phase is Phase.PAUSED
    assert any(isinstance(s, AdminMenu) and "封印に失敗" in s.message for s in screens)
    station.copy.present = True
    as_manager(station, fw.ClosePolls())
    assert station.machine.phase is Phase.CLOSED
    assert counts(station) == {"mayor": 1, "assembly": 1}


def test_a_blank_medium_put_in_after_setup_is_refused_not_initialised() -> None:
    """Swapping the copy for a blank stick mid-day must not create an empty ballot box."""
    from drivers.simulated_medium import SimulatedMedium

    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    station.copy = SimulatedMedium("副本 / copy")
    screen = station.reboot()
    assert isinstance(screen, Notice) and screen.for_admin, screen
    assert station.copy.files == {}
    assert station.machine.phase is Phase.PAUSED


def test_a_copy_missing_a_record_is_found_at_boot() -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    header = station.machine.ballot_box.header
    assert header is not None
    table = header.tables[0].file
    station.copy.files[table] = bytearray(len(station.copy.files[table]))
    screen = station.reboot()
    assert isinstance(screen, Notice) and "一致しません" in screen.ja, screen
    assert station.machine.phase is Phase.PAUSED


@pytest.mark.parametrize("medium", ["primary", "copy"])
@pytest.mark.parametrize("change", [1, -SLOT_SIZE])
def test_a_slot_file_of_the_wrong_size_is_refused_at_boot(medium: str, change: int) -> None:
    """VOTES.SLT MUST be exactly Σ slots × 1280 bytes (§8.2 check 4): one byte more, or one
    slot fewer (the last contest's region cut short), and the machine does not vote on it."""
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), FIRST))
    files = getattr(station, medium).files
    size = len(files[SLOT_FILE])
    files[SLOT_FILE] = files[SLOT_FILE] + bytearray(1) if change > 0 else files[SLOT_FILE][:change]
    screen = station.reboot()
    assert isinstance(screen, Notice) and "the slot file has the wrong size" in screen.ja, screen
    assert f"{size + change} bytes, not {size}" in screen.ja
    assert station.machine.phase is Phase.PAUSED


def test_a_recorded_screen_is_shown_only_after_both_media_hold_the_vote() -> None:
    station = open_station()
    card = station.voting_card()
    run_flow(station, voter_flow(card, FIRST, cast=False))
    station.copy.read_only = True
    screen = station.machine.handle(fw.Cast())
    assert not isinstance(screen, Recorded)
    station.copy.read_only = False
    run_flow(station, [(Pull(), object)])
    station.reboot()
    assert_mirrored(station)
    assert counts(station) == {"mayor": 0, "assembly": 0}


def _cast_cut_before_the_chip(station: Station) -> SimulatedVotingCard:
    """A voter casts; the vote reaches both media, then the power fails while CONSUME is on its
    way to the card: the chip is still locked to this machine (issue #14, 4-1-1 residual)."""
    card = station.voting_card()
    run_flow(station, voter_flow(card, FIRST, cast=False))

    def power_lost(machine_id: str) -> None:
        raise SimulatedCrash("power lost before the card acted on CONSUME")

    card.consume = power_lost  # type: ignore[method-assign]
    with pytest.raises(SimulatedCrash):
        station.machine.handle(fw.Cast())
    del card.consume  # the chip itself is fine; only that one command never arrived
    assert card.phase is VotingCardPhase.LOCKED and card.machine_id == station.machine_id
    return card


def _completed(station: Station) -> int:
    return sum(e.event_id == int(AuditEvent.VOTING_CARD_CONSUMPTION_COMPLETED)
               for e in station.machine.audit.entries())


def test_a_card_left_in_the_reader_by_the_power_cut_is_marked_used_at_start_up() -> None:
    station = open_station()
    card = _cast_cut_before_the_chip(station)
    screen = station.reboot()  # the card is still in the reader
    assert counts(station) == {"mayor": 1, "assembly": 1}  # the vote is recorded
    assert card.phase is VotingCardPhase.CONSUMED and card.machine_id == "M-001"
    assert _completed(station) == 1
    assert isinstance(screen, Notice) and screen.for_admin and "記録されています" in screen.ja
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    login = as_manager(station)
    assert any("使用済みにしました" in getattr(s, "message", "") for s in login), login
    again = as_manager(station)  # told once, not at every sign-in
    assert not any("使用済みにしました" in getattr(s, "message", "") for s in again)


def test_a_card_taken_out_after_the_power_cut_is_refused_elsewhere_and_marked_used_here() -> None:
    station = open_station()
    other = open_station("M-002", seed=2)
    card = _cast_cut_before_the_chip(station)
    station.reader.remove()
    station.reboot()  # no card in the reader at start-up
    assert card.phase is VotingCardPhase.LOCKED and _completed(station) == 0
    other.reader.insert(card)
    refused = other.machine.handle(fw.CardInserted())
    assert isinstance(refused, Notice) and "別の投票機で使用中" in refused.ja
    other.reader.remove()
    assert card.phase is VotingCardPhase.LOCKED and card.machine_id == "M-001"
    as_manager(station, fw.ResumePolls())  # recovery paused the polls
    station.reader.insert(card)
    screen = station.machine.handle(fw.CardInserted())
    assert isinstance(screen, Notice) and "使用済み" in screen.ja
    assert card.phase is VotingCardPhase.CONSUMED and _completed(station) == 1
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    login = as_manager(station)
    assert any("使用済みにしました" in getattr(s, "message", "") for s in login), login
    assert counts(station) == {"mayor": 1, "assembly": 1}
