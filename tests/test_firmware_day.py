"""The polling day's states (brief: "Election day"): voting only while open, management only with
an admin card + PIN of a poll manager (art. 4-1-7), a zero check that refuses non-empty media,
close is final, pause and resume, and opening only within the package's validity period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from drivers.clock import JST
from election.credentials import Role
from firmware import machine as fw
from firmware.booth_screens import VoterSettingsMenu
from firmware.interfaces import VotingCardPhase
from firmware.screens import AdminMenu, AdminPin, ContestChoice, Notice, Phase, Recorded, Standby
from media.layout import SEAL_FILE
from media.slot import SLOT_SIZE, encode_slot
from media.vote_record import CIPHERTEXT_LENGTH
from tests.station import Station, admin_card, make_station
from tests.test_firmware_support import (
    Insert,
    Pull,
    Step,
    admin_card_valid,
    as_manager,
    audit_entries,
    counts,
    japanese,
    login,
    message_has,
    run_flow,
    station_in,
    storage_snapshot,
    voter_flow,
)

ALL_PHASES = (Phase.SETUP, Phase.PACKAGE_LOADED, Phase.ZERO_CHECKED, Phase.OPEN, Phase.PAUSED,
              Phase.CLOSED)


# --- voting only while open ----------------------------------------------------------------


@pytest.mark.parametrize("phase", ALL_PHASES)
def test_voting_card_is_accepted_only_while_polls_are_open(phase: Phase) -> None:
    station = station_in(phase)
    card = station.voting_card()
    mark = station.machine.audit.count
    if phase is Phase.OPEN:  # the control: the very same card is accepted when open
        run_flow(station, [(Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice)])
        assert card.phase is VotingCardPhase.LOCKED
        return
    run_flow(station, [
        (Insert(card), Notice, lambda s: not s.for_admin and japanese(s.ja)),
        (Pull(), Standby),
    ])
    assert station.machine.session is None
    assert card.phase is VotingCardPhase.ISSUED and card.history == []  # not even locked
    checked = [e for e in audit_entries(station, mark) if e.event == "voting_card_checked"]
    assert [(e.outcome, e.detail) for e in checked] == [("failure", {"reason": "not-open"})]


# --- management needs a poll manager's card and PIN ----------------------------------------

# For each action, the phase where a poll manager may do it and the phase it leads to.
ADMIN_ACTIONS: list[tuple[Callable[[Station], fw.Event], Phase, Phase]] = [
    (lambda s: fw.LoadPackage(s.package.to_bytes()), Phase.SETUP, Phase.PACKAGE_LOADED),
    (lambda s: fw.ZeroCheck(), Phase.PACKAGE_LOADED, Phase.ZERO_CHECKED),
    (lambda s: fw.OpenPolls(), Phase.ZERO_CHECKED, Phase.OPEN),
    (lambda s: fw.PausePolls(), Phase.OPEN, Phase.PAUSED),
    (lambda s: fw.ResumePolls(), Phase.PAUSED, Phase.OPEN),
    (lambda s: fw.ClosePolls(), Phase.OPEN, Phase.CLOSED),
    (lambda s: fw.ReleaseCard(), Phase.PAUSED, Phase.PAUSED),
]
ACTION_IDS = ["load", "zero-check", "open", "pause", "resume", "close", "release-card"]

# Who is at the machine: the steps before the action, and the refusal reason expected (None:
# the action is done).
CREDENTIALS: dict[str, tuple[Callable[[Station], list[Step]], str | None]] = {
    "no card": (lambda s: [], "no-session"),
    "card without PIN": (lambda s: [(Insert(s.manager), AdminPin)], "no-session"),
    "wrong PIN": (
        lambda s: [(Insert(s.manager), AdminPin), (fw.PinEntered("0000"), AdminPin)],
        "no-session",
    ),
    "key holder's card": (
        lambda s: login(admin_card(Role.KEY_HOLDER, label="kh")), "role",
    ),
    "counting manager's card": (
        lambda s: login(admin_card(Role.COUNTING_MANAGER, label="cm")), "role",
    ),
    "poll manager's card + PIN": (lambda s: login(s.manager), None),
}


@pytest.mark.parametrize("who", list(CREDENTIALS))
@pytest.mark.parametrize(("make_event", "phase", "after"), ADMIN_ACTIONS, ids=ACTION_IDS)
def test_management_needs_poll_manager_card_and_pin(
    make_event: Callable[[Station], fw.Event], phase: Phase, after: Phase, who: str
) -> None:
    station = station_in(phase)
    before, reason = CREDENTIALS[who]
    event = make_event(station)
    run_flow(station, before(station))
    untouched = storage_snapshot(station, without=("audit.log",))
    media = (dict(station.primary.files), dict(station.copy.files))
    mark = station.machine.audit.count
    screen = station.machine.handle(event)
    if reason is None:  # the control: the same action in the same phase is done
        assert isinstance(screen, AdminMenu), screen
        assert station.machine.phase is after
        return
    assert isinstance(screen, Notice), screen
    assert japanese(screen.ja)
    assert station.machine.phase is phase
    assert storage_snapshot(station, without=("audit.log",)) == untouched
    assert (station.primary.files, station.copy.files) == media
    logged = audit_entries(station, mark)
    assert [(e.event, e.detail) for e in logged] == [
        ("admin_action_refused", {"action": type(event).__name__, "reason": reason})
    ]


# Every action in every phase, by the poll manager: the only phase changes are these edges.
EDGES = {
    (Phase.SETUP, "LoadPackage"): Phase.PACKAGE_LOADED,
    (Phase.PACKAGE_LOADED, "ZeroCheck"): Phase.ZERO_CHECKED,
    (Phase.ZERO_CHECKED, "OpenPolls"): Phase.OPEN,
    (Phase.OPEN, "PausePolls"): Phase.PAUSED,
    (Phase.OPEN, "ClosePolls"): Phase.CLOSED,
    (Phase.PAUSED, "ResumePolls"): Phase.OPEN,
    (Phase.PAUSED, "ClosePolls"): Phase.CLOSED,
}


@pytest.mark.parametrize("phase", ALL_PHASES)
def test_every_action_in_every_phase_follows_the_day_and_never_crashes(phase: Phase) -> None:
    for make_event, _, _ in ADMIN_ACTIONS:
        station = station_in(phase)
        event = make_event(station)
        run_flow(station, login(station.manager))
        screen = station.machine.handle(event)
        name = type(event).__name__
        assert isinstance(screen, AdminMenu), (phase, name, screen)
        assert station.machine.phase is EDGES.get((phase, name), phase), (phase, name)
        # the phase the machine shows is the one it restores after a power cut
        station.reboot()
        assert station.machine.phase is EDGES.get((phase, name), phase), (phase, name)


# --- zero check ----------------------------------------------------------------------------


def _record_in(medium_name: str) -> Callable[[Station], None]:
    def put(station: Station) -> None:
        medium = station.primary if medium_name == "primary" else station.copy
        slot = encode_slot(bytes(range(256)) * (CIPHERTEXT_LENGTH // 256) + bytes(
            CIPHERTEXT_LENGTH % 256))
        file, offset = station.machine.ballot_box.slot_position("assembly", 5)
        medium.files[file][offset : offset + SLOT_SIZE] = slot

    return put


def _seal_on(medium_name: str) -> Callable[[Station], None]:
    def put(station: Station) -> None:
        medium = station.primary if medium_name == "primary" else station.copy
        medium.files[SEAL_FILE] = bytearray(b'{"format":"tohyoki-seal/1"}')

    return put


def _flipped_bit(station: Station) -> None:
    file, offset = station.machine.ballot_box.slot_position("mayor", 3)
    station.copy.flip(file, offset + 100)


NOT_EMPTY = {
    "nothing (control)": lambda s: None,
    "a record on the primary": _record_in("primary"),
    "a record on the copy": _record_in("copy"),
    "a seal on the primary": _seal_on("primary"),
    "a seal on the copy": _seal_on("copy"),
    "a damaged slot on the copy": _flipped_bit,
}


@pytest.mark.parametrize("what", list(NOT_EMPTY))
def test_zero_check_fails_and_open_is_refused_unless_both_media_are_empty(what: str) -> None:
    station = station_in(Phase.PACKAGE_LOADED)
    NOT_EMPTY[what](station)
    mark = station.machine.audit.count
    printed = len(station.printer.printed)
    if what == "nothing (control)":
        run_flow(station, login(station.manager) + [
            (fw.ZeroCheck(), AdminMenu, lambda s: s.phase is Phase.ZERO_CHECKED),
            (fw.OpenPolls(), AdminMenu, lambda s: s.phase is Phase.OPEN),
        ])
        assert station.printer.printed[-1].title.startswith("ゼロ確認報告")
        return
    run_flow(station, login(station.manager) + [
        (fw.ZeroCheck(), AdminMenu, lambda s: s.phase is Phase.PACKAGE_LOADED and s.message),
        (fw.OpenPolls(), AdminMenu, lambda s: s.phase is Phase.PACKAGE_LOADED),
        (Pull(), Standby),
    ])
    assert len(station.printer.printed) == printed  # no zero report for non-empty media
    zero = [e.outcome for e in audit_entries(station, mark) if e.event == "zero_check"]
    assert zero == ["start", "failure"]
    # and the refusal survives a power cut
    station.reboot()
    as_manager(station, fw.OpenPolls())
    assert station.machine.phase is Phase.PACKAGE_LOADED


def test_zero_check_names_what_is_not_empty() -> None:
    station = station_in(Phase.PACKAGE_LOADED)
    _record_in("copy")(station)
    _seal_on("primary")(station)
    run_flow(station, login(station.manager) + [
        (fw.ZeroCheck(), AdminMenu,
         message_has("ゼロ確認失敗", "副本 / copy", "assembly", "正本 / primary", "封印")),
    ])


# --- close is final ------------------------------------------------------------------------


def _after_close(station: Station) -> list[fw.Event]:
    assert station.package is not None
    return [fw.OpenPolls(), fw.ResumePolls(), fw.ZeroCheck(), fw.PausePolls(), fw.ClosePolls(),
            fw.LoadPackage(station.package.to_bytes()), fw.ReleaseCard()]


def _assert_closed_for_good(station: Station) -> None:
    media = ({k: bytes(v) for k, v in station.primary.files.items()},
             {k: bytes(v) for k, v in station.copy.files.items()})
    mark = station.machine.audit.count
    steps: list[Step] = login(station.manager)
    steps += [(e, AdminMenu, lambda s: s.phase is Phase.CLOSED and s.actions == ("reprint",))
              for e in _after_close(station)]
    steps += [(Pull(), Standby, lambda s: s.phase is Phase.CLOSED)]
    run_flow(station, steps)
    refused = [e.detail["action"] for e in audit_entries(station, mark)
               if e.event == "admin_action_refused"]
    assert len(refused) == len(_after_close(station))
    card = station.voting_card()
    run_flow(station, [(Insert(card), Notice, lambda s: japanese(s.ja)), (Pull(), Standby)])
    assert card.phase is VotingCardPhase.ISSUED
    assert station.machine.phase is Phase.CLOSED
    after = ({k: bytes(v) for k, v in station.primary.files.items()},
             {k: bytes(v) for k, v in station.copy.files.items()})
    assert after == media  # the sealed media are not touched again


def test_close_is_final_even_after_a_power_cut() -> None:
    station = station_in(Phase.OPEN)
    run_flow(station, voter_flow(station.voting_card(), {"mayor": "mayor-1",
                                                         "assembly": "assembly-1"}))
    run_flow(station, login(station.manager) + [
        (fw.ClosePolls(), AdminMenu,
         lambda s: s.phase is Phase.CLOSED and s.actions == ("reprint",)),
        (Pull(), Standby),
    ])
    assert station.printer.printed[-1].title.startswith("投票終了報告")
    assert station.primary.exists(SEAL_FILE) and station.copy.exists(SEAL_FILE)
    _assert_closed_for_good(station)
    assert isinstance(station.reboot(), Standby)
    assert station.machine.phase is Phase.CLOSED
    _assert_closed_for_good(station)
    assert counts(station) == {"mayor": 1, "assembly": 1}


# --- pause and resume ----------------------------------------------------------------------


def test_pause_blocks_voting_and_resume_allows_it() -> None:
    station = station_in(Phase.OPEN)
    card = station.voting_card()
    run_flow(station, login(station.manager) + [
        (fw.PausePolls(), AdminMenu, lambda s: s.phase is Phase.PAUSED and "resume" in s.actions),
        (Pull(), Standby, lambda s: s.phase is Phase.PAUSED),
        (Insert(card), Notice, lambda s: japanese(s.ja)),
        (Pull(), Standby),
    ])
    assert card.phase is VotingCardPhase.ISSUED
    station.reboot()  # a pause survives a power cut
    assert station.machine.phase is Phase.PAUSED
    run_flow(station, login(station.manager) + [
        (fw.ResumePolls(), AdminMenu, lambda s: s.phase is Phase.OPEN),
        (Pull(), Standby, lambda s: s.phase is Phase.OPEN),
    ])
    run_flow(station, voter_flow(card, {"mayor": "mayor-3", "assembly": "assembly-5"}))
    assert counts(station) == {"mayor": 1, "assembly": 1}
    opened = [e.event for e in audit_entries(station) if e.event.startswith("polls_")]
    assert opened == ["polls_opened", "polls_paused", "polls_resumed"]


def test_a_voter_cannot_pause_or_close_from_the_booth() -> None:
    station = station_in(Phase.OPEN)
    run_flow(station, [
        (Insert(station.voting_card()), VoterSettingsMenu), (fw.Next(), ContestChoice),
        (fw.PausePolls(), Notice),
        (fw.ClosePolls(), Notice),
    ])
    assert station.machine.phase is Phase.OPEN
    assert station.machine.session is not None  # the voter's session goes on
    run_flow(station, [(fw.Select("mayor-1"), ContestChoice), (fw.Next(), ContestChoice),
                       (fw.Select("abstain"), ContestChoice), (fw.Next(), object),
                       (fw.Cast(), Recorded)])


# --- validity period -----------------------------------------------------------------------

# The package is valid 2026-11-15 .. 2026-11-30 (JST dates).
VALIDITY = [
    (datetime(2026, 11, 14, 23, 59, tzinfo=JST), False),
    (datetime(2026, 11, 15, 0, 0, tzinfo=JST), True),
    (datetime(2026, 11, 29, 7, 0, tzinfo=JST), True),
    (datetime(2026, 11, 30, 23, 59, tzinfo=JST), True),
    (datetime(2026, 12, 1, 0, 0, tzinfo=JST), False),
    (datetime(2027, 4, 1, 9, 0, tzinfo=JST), False),
]


@pytest.mark.parametrize(("when", "may_open"), VALIDITY, ids=[str(w) for w, _ in VALIDITY])
def test_opening_only_within_the_package_validity_period(when: datetime, may_open: bool) -> None:
    station = make_station()
    station.manager = admin_card_valid(datetime(2026, 10, 1, tzinfo=JST),
                                       datetime(2027, 12, 31, tzinfo=JST))
    station.clock.advance((when - station.clock.now()).total_seconds())
    assert station.clock.now() == when
    station_in(Phase.ZERO_CHECKED, station)
    mark = station.machine.audit.count
    screen = as_manager(station, fw.OpenPolls())[-2]
    assert isinstance(screen, AdminMenu)
    if may_open:
        assert station.machine.phase is Phase.OPEN
        return
    assert station.machine.phase is Phase.ZERO_CHECKED
    assert "有効期間" in screen.message
    refused = [e.detail for e in audit_entries(station, mark) if e.event == "admin_action_refused"]
    assert refused == [{"action": "open", "reason": "phase"}]


def test_resume_is_also_refused_once_the_validity_period_is_over() -> None:
    station = make_station()
    station.manager = admin_card_valid(datetime(2026, 10, 1, tzinfo=JST),
                                       datetime(2027, 12, 31, tzinfo=JST))
    station_in(Phase.PAUSED, station)
    station.clock.advance(timedelta(days=3).total_seconds())  # 2026-12-02
    as_manager(station, fw.ResumePolls())
    assert station.machine.phase is Phase.PAUSED
