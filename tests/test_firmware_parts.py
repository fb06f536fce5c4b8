"""Each part of the machine built alone with simulated devices, without a ``Machine``: the
polling day, the booth, the poll manager's session, its views, the card release and the card
check. They meet only through what their constructors receive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from drivers.card_sim import SimulatedCardReader, SimulatedVotingCard
from drivers.clock import SimulatedClock
from drivers.medium import SimulatedMedium
from drivers.network import SimulatedNetwork
from drivers.printer_sim import SimulatedPrinter
from drivers.randomness import SeededRandom
from drivers.speaker_sim import SimulatedSpeaker
from drivers.storage import MemoryStorage
from election.credentials import Role, VotingCardToken
from firmware.admin_views import AdminViews, ShowCounts
from firmware.assisted import AssistedVoting
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.ballot_box import BallotBox
from firmware.booth import Booth
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.card_release import RELEASE_WINDOW, CardRelease
from firmware.display import BoothVoice, Display
from firmware.events import Cast, LoadPackage, Next, OpenPolls, PausePolls, Select, ZeroCheck
from firmware.identity import MachineIdentity, provision
from firmware.inactivity import Tick
from firmware.interfaces import VotingCardPhase
from firmware.poll_manager import PollManager
from firmware.polling_day import DayDevices, PollingDay
from firmware.screens import AdminMenu, AdminPin, ContestChoice, Notice, Phase, Recorded, Review
from firmware.voting_card_check import CardRefused, accept_voting_card
from tests.station import (
    COMMISSION_PUB,
    ELECTION_DAY,
    PIN,
    admin_card,
    issuer_key,
    make_package,
)

ELECTION = "tsukuba-2026-11"


@dataclass
class Parts:
    """The shared pieces every part is built from: storage, clock, audit log, ballot box."""

    storage: MemoryStorage
    clock: SimulatedClock
    random: SeededRandom
    identity: MachineIdentity
    public_key: bytes
    audit: AuditLog
    ballot_box: BallotBox
    primary: SimulatedMedium
    copy: SimulatedMedium
    printer: SimulatedPrinter
    speaker: SimulatedSpeaker
    network: SimulatedNetwork
    reader: SimulatedCardReader
    display: Display

    def day(self) -> PollingDay:
        return PollingDay(self.identity, self.storage, self.clock, self.audit, self.ballot_box,
                          DayDevices(self.printer, self.speaker, self.network), self.display,
                          "0" * 64)

    def booth(self, day: PollingDay) -> Booth:
        return Booth(self.identity, self.reader, self.storage, self.clock, self.random,
                     self.audit, self.ballot_box, AssistedVoting(self.storage), day, self.display)

    def card(self, number: int, contests: tuple[str, ...] = ("mayor", "assembly"),
             minutes: int = 30) -> SimulatedVotingCard:
        token = VotingCardToken(
            card_id=f"{number:032x}", election_id=ELECTION, place_id="p01", issuer_id="R-p01",
            contests=contests, audio=False,
            expires_at=self.clock.now() + timedelta(minutes=minutes),
        ).sign(issuer_key("R-p01"))
        return SimulatedVotingCard(token)


def make_parts(machine_id: str = "M-001") -> Parts:
    storage = MemoryStorage()
    random = SeededRandom(7)
    public = provision(storage, machine_id, COMMISSION_PUB, random)
    clock = SimulatedClock(ELECTION_DAY)
    primary, copy = SimulatedMedium("正本 / primary"), SimulatedMedium("副本 / copy")
    speaker = SimulatedSpeaker()
    return Parts(storage, clock, random, MachineIdentity.read(storage), public,
                 AuditLog(storage, clock), BallotBox(primary, copy, storage, random), primary,
                 copy, SimulatedPrinter(), speaker, SimulatedNetwork(), SimulatedCardReader(),
                 Display(BoothVoice(speaker)))


def open_day(parts: Parts) -> PollingDay:
    """The day driven to OPEN through its own operations (no poll manager, no machine)."""
    day = parts.day()
    day.restore()
    package = make_package({parts.identity.machine_id: parts.public_key})
    assert "fingerprint" in day.load_package(package.to_bytes(), ELECTION)
    assert "印刷しました" in day.zero_check()
    assert day.transition(Phase.ZERO_CHECKED, Phase.OPEN, AuditEvent.POLLS_OPENED) == ""
    return day


# --- PollingDay ----------------------------------------------------------------------------


def test_the_polling_day_alone_runs_from_package_to_seal_and_survives_a_restart() -> None:
    parts = make_parts()
    day = open_day(parts)
    assert day.phase is Phase.OPEN
    assert [d.title for d in parts.printer.printed][0].startswith("ゼロ確認")
    message = day.close()
    assert "取り外して" in message and day.phase is Phase.CLOSED
    again = parts.day()  # a new day over the same internal storage: the power cycle
    assert again.restore() is not None
    assert again.phase is Phase.CLOSED and again.closing_number == 1
    assert "投票は終了しています" in again.load_package(b"{}", ELECTION)


def test_the_polling_day_refuses_another_election_and_an_unlisted_key() -> None:
    parts = make_parts()
    day = parts.day()
    day.restore()
    package = make_package({"M-001": parts.public_key})
    assert "別の選挙" in day.load_package(package.to_bytes(), "another-election")
    other = make_package({"M-001": bytes(32)})
    assert "鍵がこの投票機の鍵と違います" in day.load_package(other.to_bytes(), ELECTION)
    assert day.package is None and day.phase is Phase.SETUP


def test_the_polling_day_keeps_polls_closed_while_a_network_interface_exists() -> None:
    parts = make_parts()
    parts.network.names.append("eth0")
    day = parts.day()
    day.restore()
    day.load_package(make_package({"M-001": parts.public_key}).to_bytes(), ELECTION)
    day.zero_check()
    message = day.transition(Phase.ZERO_CHECKED, Phase.OPEN, AuditEvent.POLLS_OPENED)
    assert "第4条の2" in message and "eth0" in message and day.phase is Phase.ZERO_CHECKED


def test_a_media_fault_pauses_the_open_day_and_says_so_to_the_poll_manager() -> None:
    parts = make_parts()
    day = open_day(parts)
    screen = day.media_fault(OSError("pulled"))
    assert isinstance(screen, Notice) and screen.for_admin and day.phase is Phase.PAUSED
    assert parts.display.screen == screen


# --- Booth ---------------------------------------------------------------------------------


def test_the_booth_alone_takes_a_card_to_a_recorded_vote() -> None:
    parts = make_parts()
    booth = parts.booth(open_day(parts))
    parts.reader.insert(parts.card(1))
    assert isinstance(booth.card_inserted(admin_present=False), VoterSettingsMenu)
    assert isinstance(booth.voter_action(Next()), ContestChoice)
    assert booth.session is not None
    for _ in booth.session.contests:
        booth.voter_action(Select("abstain"))
        screen = booth.voter_action(Next())
    assert isinstance(screen, Review)
    assert isinstance(booth.voter_action(Cast()), Recorded)
    assert parts.ballot_box.ledger.consumed(f"{1:032x}")
    assert parts.reader.voting_card_status().phase is VotingCardPhase.CONSUMED


def test_the_booth_refuses_a_card_while_the_day_is_not_open() -> None:
    parts = make_parts()
    day = open_day(parts)
    day.transition(Phase.OPEN, Phase.PAUSED, AuditEvent.POLLS_PAUSED)
    booth = parts.booth(day)
    parts.reader.insert(parts.card(1))
    screen = booth.card_inserted(admin_present=False)
    assert isinstance(screen, Notice) and "投票できません" in screen.ja
    assert parts.reader.voting_card_status().phase is VotingCardPhase.ISSUED


def test_an_abandoned_session_stays_locked_across_a_new_booth_until_released() -> None:
    parts = make_parts()
    day = open_day(parts)
    booth = parts.booth(day)
    parts.reader.insert(parts.card(1))
    booth.card_inserted(admin_present=False)
    limit = day.package.package.settings.inactivity_alert_seconds if day.package else 0
    parts.clock.advance(limit + 1)
    assert isinstance(booth.booth_event(Tick()), InactivityAlert)
    parts.clock.advance(limit + 1)
    assert isinstance(booth.booth_event(Tick()), SessionLocked)
    again = parts.booth(day)  # power cycle: the lock is on internal storage
    assert again.locked_card == f"{1:032x}"
    assert "記録されていません" in again.held.notes_for_poll_manager()
    assert again.locked_card is None and parts.booth(day).locked_card is None


# --- PollManager and its views ----------------------------------------------------------


def _poll_manager(parts: Parts, day: PollingDay) -> PollManager:
    release = CardRelease(parts.identity.machine_id, parts.reader, parts.ballot_box.ledger,
                          parts.clock, parts.audit)
    views = AdminViews(parts.ballot_box, parts.audit, AssistedVoting(parts.storage), day)
    return PollManager(parts.identity, parts.reader, parts.clock, parts.random, parts.audit,
                       parts.ballot_box, day, views, release, parts.display,
                       on_login=lambda: "login settled")


def test_the_poll_manager_alone_logs_in_with_card_and_pin_and_operates_the_day() -> None:
    parts = make_parts()
    day = parts.day()
    day.restore()
    manager = _poll_manager(parts, day)
    parts.reader.insert(admin_card())
    assert isinstance(manager.card_inserted(), AdminPin)
    wrong = manager.pin_entered("0000")
    assert isinstance(wrong, AdminPin) and wrong.tries_left >= 0
    menu = manager.pin_entered(PIN)
    assert isinstance(menu, AdminMenu) and menu.message == "login settled"
    assert menu.actions == ("load-package",)
    package = make_package({"M-001": parts.public_key})
    loaded = manager.action(LoadPackage(package.to_bytes()))
    assert isinstance(loaded, AdminMenu) and loaded.phase is Phase.PACKAGE_LOADED
    assert manager.action(ZeroCheck()).phase is Phase.ZERO_CHECKED  # type: ignore[union-attr]
    assert manager.action(OpenPolls()).phase is Phase.OPEN  # type: ignore[union-attr]
    counts = manager.action(ShowCounts())
    assert counts.sessions_voted == 0  # type: ignore[union-attr]


def test_the_poll_manager_refuses_another_role_and_ends_on_the_idle_limit() -> None:
    parts = make_parts()
    day = open_day(parts)
    manager = _poll_manager(parts, day)
    parts.reader.insert(admin_card(Role.COUNTING_MANAGER, label="other"))
    manager.card_inserted()
    manager.pin_entered(PIN)
    refused = manager.action(PausePolls())
    assert isinstance(refused, Notice) and "投票管理者のカード" in refused.ja
    assert day.phase is Phase.OPEN
    assert day.package is not None
    idle = day.package.package.settings.inactivity_alert_seconds
    parts.clock.advance(idle + 1)
    expired = manager.expired()
    assert isinstance(expired, Notice) and manager.admin is None


def test_the_admin_views_alone_answer_with_a_message_before_a_package() -> None:
    parts = make_parts()
    day = parts.day()
    day.restore()
    views = AdminViews(parts.ballot_box, parts.audit, AssistedVoting(parts.storage), day)
    assert views.view(ShowCounts()) == "選挙データが読み込まれていません / no package loaded"


# --- CardRelease and the card check -------------------------------------------------------


def test_the_card_release_alone_releases_a_locked_unrecorded_card_within_its_window() -> None:
    parts = make_parts()
    release = CardRelease("M-001", parts.reader, parts.ballot_box.ledger, parts.clock,
                          parts.audit)
    card = parts.card(1)
    card.lock("M-001")
    parts.reader.insert(admin_card())
    assert "投票カードを入れてください" in release.arm_or_release()
    parts.reader.remove()
    parts.reader.insert(card)
    released = release.armed_release()
    assert released is not None and released.ja == "カードを解放しました"
    assert parts.reader.voting_card_status().phase is VotingCardPhase.ISSUED
    card.lock("M-001")
    parts.reader.remove()
    parts.reader.insert(admin_card())
    release.arm_or_release()
    parts.clock.advance(RELEASE_WINDOW.total_seconds() + 1)
    parts.reader.remove()
    parts.reader.insert(card)
    assert release.armed_release() is None  # the window passed: a voter's card as usual


def test_the_card_check_alone_refuses_an_expired_card_and_locks_a_good_one() -> None:
    parts = make_parts()
    package = make_package({"M-001": parts.public_key})
    parts.reader.insert(parts.card(1, minutes=-1))
    with pytest.raises(CardRefused) as refused:
        accept_voting_card(parts.reader, package, "M-001", parts.ballot_box.ledger,
                           parts.clock, parts.audit)
    assert refused.value.reason == "expired"
    parts.reader.remove()
    parts.reader.insert(parts.card(2))
    token = accept_voting_card(parts.reader, package, "M-001", parts.ballot_box.ledger,
                               parts.clock, parts.audit)
    assert token.card_id == f"{2:032x}"
    status = parts.reader.voting_card_status()
    assert status.phase is VotingCardPhase.LOCKED and status.machine_id == "M-001"
