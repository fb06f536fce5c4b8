"""Voting cards over the real PC/SC path: checks before the lock, the lock to one machine,
consumption atomic with the vote, refusals with a message and a log entry, and a card pulled at
every step of consumption — never a second vote, never a lost one."""

from __future__ import annotations

import pytest

from drivers.card_apdu import Ins
from drivers.card_apdu import Phase as CardPhase
from drivers.card_emulator.applets import VotingCardApplet
from firmware import machine as fw
from firmware.booth_screens import VoterSettingsMenu
from firmware.screens import AdminMenu, ContestChoice, Notice, Recorded, Review, Screen
from tests import pcsc_env
from tests.cards_support import (
    admin_card,
    insert,
    login,
    open_polls,
    pcsc_station,
    pull,
    token_for,
    voting_card,
    write_token,
)
from tests.station import Station, fixed_key
from tests.test_firmware_support import audit_entries, counts, events_named, ledger

CHOICES = {"mayor": "mayor-1", "assembly": "assembly-2"}


def choose(station: Station) -> Screen:
    """From the settings screen to the review: a choice per contest."""
    screen = station.machine.handle(fw.Next())
    assert isinstance(screen, ContestChoice), screen
    for contest in ("mayor", "assembly"):
        station.machine.handle(fw.Select(CHOICES[contest]))
        screen = station.machine.handle(fw.Next())
    assert isinstance(screen, Review), screen
    return screen


def vote(station: Station, card: VotingCardApplet) -> Screen:
    assert isinstance(insert(station, card), VoterSettingsMenu)
    choose(station)
    screen = station.machine.handle(fw.Cast())
    pull(station)
    return screen


@pytest.fixture(scope="module")
def two_machines() -> tuple[Station, Station, object]:
    manager = admin_card()
    first, second = pcsc_station("M-001"), pcsc_station("M-002", seed=2)
    open_polls(first, manager)
    open_polls(second, manager)
    return first, second, manager


def test_a_vote_consumes_the_card_and_the_card_never_votes_again(two_machines) -> None:
    first, second, _ = two_machines
    before = counts(first)
    card = voting_card(first)
    assert isinstance(vote(first, card), Recorded)
    assert card.phase is CardPhase.CONSUMED and card.machine_id == "M-001"
    assert counts(first) == {c: before[c] + 1 for c in before}
    for station in (first, second):  # reinserted here or anywhere: refused, nothing recorded
        screen = insert(station, card)
        assert isinstance(screen, Notice) and "使用済み" in screen.ja, screen
        pull(station)
    assert counts(first) == {c: before[c] + 1 for c in before}


def test_bad_voting_cards_are_refused_with_a_message_and_a_log_entry(two_machines) -> None:
    first, second, _ = two_machines
    now = first.clock.now()
    altered = VotingCardApplet()
    good = token_for(altered.serial, now)
    write_token(altered, good.replace(b'"audio":false', b'"audio":true '.strip()))
    copied = VotingCardApplet()
    write_token(copied, token_for(VotingCardApplet().serial, now))  # another card's token
    voided = voting_card(first)
    voided.phase = CardPhase.VOIDED  # as the issuer's VOID leaves it (tests/test_cards_issuer)
    locked_elsewhere = voting_card(first)
    locked_elsewhere.phase, locked_elsewhere.machine_id = CardPhase.LOCKED, "M-002"
    cases = {
        "other election": (voting_card(first, election_id="tokyo-2027-04"), "別の選挙"),
        "other place": (voting_card(first, place_id="p02", issuer_id="R-p02"), "この投票所"),
        "expired": (voting_card(first, minutes=-1), "有効期限"),
        "forged": (voting_card(first, signer=fixed_key("not-an-issuer")), "正しくありません"),
        "altered": (altered, "正しくありません"),
        "copied token": (copied, "発行されたカードではありません"),
        "never issued": (VotingCardApplet(), "カードを読めません"),
        "voided": (voided, "無効"),
        "locked to another machine": (locked_elsewhere, "別の投票機"),
    }
    before = counts(first)
    for name, (card, words) in cases.items():
        screen = insert(first, card)
        assert isinstance(screen, Notice) and words in screen.ja, (name, screen)
        assert first.machine.session is None, name
        pull(first)
    assert counts(first) == before
    refusals = [e for e in events_named(audit_entries(first), "voting_card_checked")
                if e.outcome == "failure"]
    assert len(refusals) >= len(cases)
    assert copied.phase is CardPhase.ISSUED and voided.phase is CardPhase.VOIDED


def test_a_card_pulled_mid_session_stays_locked_and_only_the_poll_manager_releases_it(
    two_machines,
) -> None:
    first, second, manager = two_machines
    card = voting_card(first)
    insert(first, card)
    choose(first)
    pull(first)
    assert card.phase is CardPhase.LOCKED and card.machine_id == "M-001"
    screen = insert(second, card)
    assert isinstance(screen, Notice) and "別の投票機" in screen.ja
    pull(second)
    release(first, manager, card, "解放しました")
    assert card.phase is CardPhase.ISSUED
    assert isinstance(vote(second, card), Recorded)  # votes once, anywhere


def release(station: Station, manager: object, card: VotingCardApplet, words: str) -> None:
    """The real one-reader flow: PIN, "release", take the admin card out, insert the card."""
    login(station, manager)  # type: ignore[arg-type]
    menu = station.machine.handle(fw.ReleaseCard())
    assert isinstance(menu, AdminMenu) and "投票カードを入れて" in menu.message, menu
    pull(station)
    screen = insert(station, card)
    assert isinstance(screen, Notice) and words in screen.ja, screen
    pull(station)


@pytest.mark.parametrize("step", ["before-card-acts", "after-card-acts", "never"])
def test_card_pulled_at_each_step_of_consumption(two_machines, step: str) -> None:
    first, second, manager = two_machines
    card = voting_card(first)
    before = counts(first)
    insert(first, card)
    choose(first)
    slot = pcsc_env.shared_daemon().slots[0]
    if step != "never":
        slot.pull_at(lambda apdu: apdu[1] == Ins.CONSUME, after_card_acted=step == "after-card-acts")
    screen = first.machine.handle(fw.Cast())
    assert isinstance(screen, Recorded), screen  # recorded on both media before the card
    if step != "never":
        assert slot.pulled.is_set()
    pull(first)
    after = {c: before[c] + 1 for c in before}
    assert counts(first) == after  # not lost
    assert ledger(first)[-1].card_id.startswith(card.serial.hex())
    expected = CardPhase.LOCKED if step == "before-card-acts" else CardPhase.CONSUMED
    assert card.phase is expected and card.machine_id == "M-001"
    mark = len(audit_entries(first))
    for station in (second, first):  # never a second vote, elsewhere or here
        screen = insert(station, card)
        assert isinstance(screen, Notice), screen
        pull(station)
    # back in the machine that recorded its vote, a card still locked there is marked used
    assert card.phase is CardPhase.CONSUMED and card.machine_id == "M-001"
    completed = events_named(audit_entries(first, mark), "voting_card_consumption_completed")
    assert len(completed) == (1 if step == "before-card-acts" else 0)
    release(first, manager, card, "記録済み")  # the release is refused: the vote is recorded
    assert card.phase is CardPhase.CONSUMED
    assert counts(first) == after and counts(second) == counts(second)


def test_pulled_before_the_cast_nothing_is_recorded_and_release_lets_the_voter_vote(
    two_machines,
) -> None:
    first, _, manager = two_machines
    card = voting_card(first)
    before = counts(first)
    insert(first, card)
    choose(first)
    pull(first)  # gone before confirming: nothing written
    assert counts(first) == before
    release(first, manager, card, "解放しました")
    assert isinstance(vote(first, card), Recorded)
    assert counts(first) == {c: before[c] + 1 for c in before}


def test_end_without_voting_consumes_the_card_and_is_counted(two_machines) -> None:
    first, _, _ = two_machines
    card = voting_card(first)
    before = counts(first)
    without = sum(not line.voted for line in ledger(first))
    insert(first, card)
    screen = first.machine.handle(fw.EndWithoutVoting())
    assert isinstance(screen, Notice) and "投票せずに終了" in screen.ja
    pull(first)
    assert card.phase is CardPhase.CONSUMED
    assert counts(first) == before
    assert sum(not line.voted for line in ledger(first)) == without + 1
    screen = insert(first, card)
    assert isinstance(screen, Notice) and "使用済み" in screen.ja
    pull(first)
