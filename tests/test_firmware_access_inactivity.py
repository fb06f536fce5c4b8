"""Inactivity (VVSG 2.0 7.2, issue #3): after the package's limit an alert is shown and spoken;
an answer resumes the session; no answer within the grace period locks it — selections wiped,
nothing recorded — until the poll manager's card, who can then release the card."""

from __future__ import annotations

from drivers.card_sim import SimulatedVotingCard
from firmware import machine as fw
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.inactivity import GRACE_SECONDS
from firmware.interfaces import VotingCardPhase
from firmware.keypad import Key, KeyPressed
from firmware.screens import AdminMenu, ContestChoice, Recorded, Review, Standby
from tests.station import Station
from tests.test_firmware_support import (
    Insert,
    Pull,
    Swap,
    audit_entries,
    counts,
    decrypted,
    events_named,
    ledger,
    login,
    open_station,
    run_flow,
    voter_flow,
)


def limit(station: Station) -> int:
    assert station.package is not None
    return station.package.package.settings.inactivity_alert_seconds


def wait(station: Station, seconds: float) -> object:
    """Time passes; the UI ticks once at the end."""
    station.clock.advance(seconds)
    return station.machine.handle(fw.Tick())


def test_the_package_limit_is_two_to_five_minutes() -> None:
    station = open_station()
    assert 120 <= limit(station) <= 300


def test_no_alert_before_the_limit_and_any_input_restarts_it() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu),
                       (fw.Next(), ContestChoice)])
    assert isinstance(wait(station, limit(station) - 1), ContestChoice)
    station.machine.handle(fw.Select("mayor-1"))  # input: the clock starts again
    assert isinstance(wait(station, limit(station) - 1), ContestChoice)
    assert not events_named(audit_entries(station), "inactivity_alert")


def test_alert_then_the_voter_continues_with_choices_kept() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card(audio=True)), VoterSettingsMenu),
                       (fw.Next(), ContestChoice), (fw.Select("mayor-3"), ContestChoice)])
    spoken_before = len(station.speaker.spoken)
    alert = wait(station, limit(station))
    assert isinstance(alert, InactivityAlert) and alert.seconds_to_lock == GRACE_SECONDS
    assert alert.settings.audio
    assert len(station.speaker.spoken) > spoken_before  # the alert is spoken in audio mode
    later = wait(station, GRACE_SECONDS - 10)
    assert isinstance(later, InactivityAlert) and later.seconds_to_lock == 10
    screen = station.machine.handle(KeyPressed(Key.SELECT))  # "continue" by keypad
    assert isinstance(screen, ContestChoice) and screen.selected == "mayor-3"
    run_flow(station, [(fw.Next(), ContestChoice), (fw.Select("assembly-1"), ContestChoice),
                       (fw.Next(), Review), (fw.Cast(), Recorded), (Pull(), Standby)])
    assert decrypted(station) == {"mayor": ["mayor-3"], "assembly": ["assembly-1"]}
    entries = audit_entries(station)
    assert len(events_named(entries, "inactivity_alert")) == 1
    assert len(events_named(entries, "inactivity_resumed")) == 1


def test_a_touch_on_the_alert_only_answers_it() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu),
                       (fw.Next(), ContestChoice), (fw.Select("mayor-1"), ContestChoice)])
    assert isinstance(wait(station, limit(station)), InactivityAlert)
    # The voter could not see the contest under the alert: the touch does not choose.
    screen = station.machine.handle(fw.Select("mayor-2"))
    assert isinstance(screen, ContestChoice) and screen.selected == "mayor-1"
    assert isinstance(station.machine.handle(fw.KeepVoting()), ContestChoice)


def test_timeout_alert_then_lock_then_poll_manager_releases_the_card() -> None:
    station = open_station()
    card = station.voting_card()
    run_flow(station, [(Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice),
                       (fw.Select("mayor-2"), ContestChoice), (fw.Next(), ContestChoice),
                       (fw.Select("assembly-5"), ContestChoice), (fw.Next(), Review)])
    assert isinstance(wait(station, limit(station)), InactivityAlert)
    assert isinstance(wait(station, GRACE_SECONDS), SessionLocked)
    assert station.machine.session is None  # the selections are gone with the session
    # Locked: no input, no card, no tick brings voting back.
    for action in (fw.Cast(), fw.Next(), KeyPressed(Key.SELECT), fw.Tick()):
        assert isinstance(station.machine.handle(action), SessionLocked)
    other = station.voting_card()
    run_flow(station, [
        (Pull(), SessionLocked),
        (Insert(other), SessionLocked),  # another voter cannot start
        (Pull(), SessionLocked),
    ])
    assert counts(station) == {"mayor": 0, "assembly": 0}  # nothing recorded
    assert ledger(station) == []
    assert card.phase is VotingCardPhase.LOCKED  # locked to this machine only
    # A power cycle does not lift the lock.
    assert isinstance(station.reboot(), SessionLocked)
    run_flow(station, [(Insert(other), SessionLocked), (Pull(), SessionLocked)])
    # The poll manager's card and PIN unlock; the menu says the card can be released.
    screens = run_flow(station, login(station.manager))
    menu = screens[-1]
    assert isinstance(menu, AdminMenu) and "記録されていません" in menu.message
    assert "can be released" in menu.message
    run_flow(station, [
        (Swap(card), AdminMenu),
        (fw.ReleaseCard(), AdminMenu, lambda s: "解放しました" in s.message),
        (Pull(), Standby),
    ])
    assert card.phase is VotingCardPhase.ISSUED
    entries = audit_entries(station)
    assert [e.event for e in entries if e.event in (
        "inactivity_alert", "session_locked", "session_unlocked", "voting_card_released")] == [
        "inactivity_alert", "session_locked", "session_unlocked", "voting_card_released"]
    # The released card votes normally afterwards.
    run_flow(station, voter_flow(card, {"mayor": "mayor-1", "assembly": "assembly-2"}))
    assert decrypted(station) == {"mayor": ["mayor-1"], "assembly": ["assembly-2"]}


def test_the_lock_is_on_the_settings_screen_too_and_a_recorded_session_is_not_alerted() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu)])
    assert isinstance(wait(station, limit(station)), InactivityAlert)
    assert isinstance(wait(station, GRACE_SECONDS), SessionLocked)
    run_flow(station, login(station.manager) + [(Pull(), Standby)])
    card: SimulatedVotingCard = station.voting_card(("mayor",))
    run_flow(station, voter_flow(card, {"mayor": "mayor-1"}, cast=False)
             + [(fw.Cast(), Recorded)])
    assert isinstance(wait(station, limit(station) + GRACE_SECONDS), Recorded)
    assert len(events_named(audit_entries(station), "session_locked")) == 1
