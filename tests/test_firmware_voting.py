"""A voter at the machine: the choice screens, the confirmation (art. 4-1-3), candidates shown by
the package's order rule (art. 5) and never one who withdrew or died (art. 13), abstaining per
contest, one card for one or both contests (art. 14), ending without voting, and every reason a
voting card is refused — above all, one card never votes twice (art. 4-1-1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from drivers.card_sim import SimulatedVotingCard
from drivers.randomness import SeededRandom
from election.credentials import VotingCardToken
from election.package import CandidateStatus, Contest, OrderRule, amend, sign_package
from firmware import machine as fw
from firmware import spoken
from firmware.booth_screens import VoterSettingsMenu
from firmware.candidate_order import candidate_order
from firmware.interfaces import VotingCardPhase
from firmware.screens import (
    AdminMenu,
    ContestChoice,
    Notice,
    Phase,
    Recorded,
    Review,
    Screen,
    Standby,
)
from tests.station import COMMISSION_KEY, Station, fixed_key, issuer_key, make_station
from tests.test_firmware_support import (
    ALL_CANDIDATE_IDS,
    CANDIDATES,
    Insert,
    Pull,
    Step,
    as_manager,
    assert_mirrored,
    audit_entries,
    counts,
    decrypted,
    japanese,
    ledger,
    open_station,
    package_with_contests,
    run_flow,
    station_in,
    voter_flow,
)

FAST = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def _ids(screen: ContestChoice) -> list[str]:
    return [c.candidate_id for c in screen.candidates]


# --- the whole path ------------------------------------------------------------------------


def test_full_path_choice_per_contest_then_review_then_recorded() -> None:
    station = open_station()
    card = station.voting_card()
    screens = run_flow(station, [
        (Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice,
         lambda s: (s.contest_id, s.position, s.of, s.selected) == ("mayor", 1, 2, None)),
        (fw.Select("mayor-2"), ContestChoice, lambda s: s.selected == "mayor-2"),
        (fw.Next(), ContestChoice,
         lambda s: (s.contest_id, s.position, s.of, s.selected) == ("assembly", 2, 2, None)),
        (fw.Select("assembly-4"), ContestChoice, lambda s: s.selected == "assembly-4"),
        (fw.Next(), Review),
        (fw.Cast(), Recorded),
        (fw.Cast(), Recorded),  # pressing again records nothing more
        (Pull(), Standby),
    ])
    review = screens[5]
    assert [(line.contest_id, line.name, line.party) for line in review.lines] == [
        ("mayor", "桜川 花子", "学園都市の会"),
        ("assembly", "谷田部 さくら", "無所属"),
    ]
    assert decrypted(station) == {"mayor": ["mayor-2"], "assembly": ["assembly-4"]}
    assert_mirrored(station)
    assert card.phase is VotingCardPhase.CONSUMED
    assert [(x.voted, x.contests) for x in ledger(station)] == [(True, ("mayor", "assembly"))]


def _candidate(contest_id: str, candidate_id: str) -> Any:
    return next(c for c in make_station().package.package.contest(contest_id).candidates
                if c.candidate_id == candidate_id)


REVIEWED = [(c, k) for c, ids in CANDIDATES.items() for k in ids]


@pytest.mark.parametrize(("contest_id", "candidate_id"), REVIEWED)
def test_review_shows_name_and_party_and_audio_speaks_them(
    contest_id: str, candidate_id: str
) -> None:
    station = open_station()
    other = "assembly" if contest_id == "mayor" else "mayor"
    choices = {contest_id: candidate_id, other: "blank"}
    ordered = {c: choices[c] for c in ("mayor", "assembly")}
    card = station.voting_card(audio=True)
    screens = run_flow(station, voter_flow(card, ordered, cast=False))
    review = screens[-1]
    assert isinstance(review, Review)
    expected = _candidate(contest_id, candidate_id)
    line = next(x for x in review.lines if x.contest_id == contest_id)
    assert (line.name, line.party, line.kana) == (expected.name, expected.party, expected.kana)
    blank = next(x for x in review.lines if x.contest_id == other)
    assert "白票" in blank.name
    said = station.speaker.spoken
    # the review is spoken whole, only from the reviewed prompts (what an approved speaker
    # plays): the name read from its official kana, the party as its own clip
    clips = [(clip.language, clip.text) for clip in spoken.describe(review)]
    assert said[-len(clips):] == clips
    assert ("ja", spoken.to_katakana(expected.kana)) in clips
    assert any(expected.party in text for _, text in clips)
    assert not any(expected.name in text for _, text in said)  # never the kanji name
    run_flow(station, [(fw.Cast(), Recorded)])
    assert decrypted(station) == {contest_id: [candidate_id], other: ["blank"]}  # what was shown


def test_changing_a_choice_from_the_review_records_the_new_choice() -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(),
                                 {"mayor": "mayor-1", "assembly": "assembly-1"}, cast=False) + [
        (fw.ChangeContest("mayor"), ContestChoice,
         lambda s: s.contest_id == "mayor" and s.selected == "mayor-1"),
        (fw.Select("mayor-3"), ContestChoice),
        (fw.Next(), ContestChoice, lambda s: s.contest_id == "assembly"),
        (fw.Next(), Review, lambda s: s.lines[0].name == "霞ヶ浦 一郎"),
        (fw.Back(), ContestChoice, lambda s: s.contest_id == "assembly"),
        (fw.Back(), ContestChoice, lambda s: s.contest_id == "mayor"),
        (fw.Back(), ContestChoice, lambda s: s.contest_id == "mayor"),  # nothing before it
        (fw.ChangeContest("governor"), ContestChoice),  # not on the review: ignored
        (fw.Cast(), ContestChoice),  # no cast from a choice screen
        (fw.Next(), ContestChoice),
        (fw.Next(), Review),
        (fw.Cast(), Recorded),
    ])
    assert decrypted(station) == {"mayor": ["mayor-3"], "assembly": ["assembly-1"]}


def test_next_without_a_selection_stays_and_unknown_choices_are_ignored() -> None:
    station = open_station()
    def first(s: ContestChoice) -> bool:
        return s.contest_id == "mayor" and s.selected is None
    run_flow(station, [
        (Insert(station.voting_card()), VoterSettingsMenu), (fw.Next(), ContestChoice, first),
        (fw.Next(), ContestChoice, first),
        (fw.Select("assembly-1"), ContestChoice, first),  # a candidate of the other contest
        (fw.Select("mayor-9"), ContestChoice, first),
        (fw.Select(""), ContestChoice, first),
        (fw.Next(), ContestChoice, first),
        (fw.Cast(), ContestChoice, first),
    ])
    assert counts(station) == {"mayor": 0, "assembly": 0}


def test_blank_only_where_the_package_allows_it() -> None:
    def no_blank_for_mayor(contests: list[dict[str, Any]]) -> None:
        contests[0]["blank_allowed"] = False

    station = make_station()
    station.package = package_with_contests(station, no_blank_for_mayor)
    station_in(Phase.OPEN, station)
    run_flow(station, [
        (Insert(station.voting_card()), VoterSettingsMenu), (fw.Next(), ContestChoice,
         lambda s: s.contest_id == "mayor" and not s.blank_allowed),
        (fw.Select("blank"), ContestChoice, lambda s: s.selected is None),
        (fw.Next(), ContestChoice, lambda s: s.contest_id == "mayor"),
        (fw.Select("abstain"), ContestChoice, lambda s: s.selected == "abstain"),
        (fw.Next(), ContestChoice, lambda s: s.contest_id == "assembly" and s.blank_allowed),
        (fw.Select("blank"), ContestChoice, lambda s: s.selected == "blank"),
        (fw.Next(), Review,
         lambda s: [x.name for x in s.lines] == ["棄権 / abstain", "白票 / blank"]),
        (fw.Cast(), Recorded),
    ])
    assert decrypted(station) == {"mayor": [], "assembly": ["blank"]}


def test_abstaining_in_one_contest_writes_no_record_for_it_only() -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(),
                                 {"mayor": "abstain", "assembly": "assembly-2"}))
    run_flow(station, voter_flow(station.voting_card(),
                                 {"mayor": "mayor-1", "assembly": "abstain"}))
    assert decrypted(station) == {"mayor": ["mayor-1"], "assembly": ["assembly-2"]}
    assert_mirrored(station)
    assert [x.voted for x in ledger(station)] == [True, True]
    report = as_manager(station, fw.ClosePolls())[-2]
    assert isinstance(report, AdminMenu) and report.phase is Phase.CLOSED
    closing = "\n".join(station.printer.printed[-1].lines)
    assert closing.count("投票数 / ballots: 1  棄権 / abstentions: 1") == 2


def test_a_card_for_one_contest_shows_only_that_contest() -> None:
    station = open_station()
    card = station.voting_card(contests=("assembly",))
    run_flow(station, [
        (Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice,
         lambda s: (s.contest_id, s.position, s.of) == ("assembly", 1, 1)),
        (fw.Select("assembly-3"), ContestChoice),
        (fw.Next(), Review, lambda s: [x.contest_id for x in s.lines] == ["assembly"]),
        (fw.ChangeContest("mayor"), Review),  # not on this card
        (fw.Cast(), Recorded),
    ])
    assert decrypted(station) == {"mayor": [], "assembly": ["assembly-3"]}
    assert [(x.voted, x.contests) for x in ledger(station)] == [(True, ("assembly",))]


# --- candidates withdrawn or deceased (art. 13) --------------------------------------------


def test_withdrawn_and_deceased_candidates_are_not_offered_after_an_amendment() -> None:
    station = open_station()
    assert station.package is not None
    amended = sign_package(
        amend(station.package, {("mayor", "mayor-2"): CandidateStatus.WITHDRAWN,
                                ("assembly", "assembly-3"): CandidateStatus.DECEASED}),
        COMMISSION_KEY,
    )
    menu = as_manager(station, fw.LoadPackage(amended.to_bytes()))[-2]
    assert isinstance(menu, AdminMenu)
    assert menu.package_fingerprint == amended.short_fingerprint
    assert station.machine.phase is Phase.OPEN
    for reboot in (False, True):
        if reboot:
            station.reboot()
            as_manager(station, fw.ResumePolls())  # a power cut while open: resume by hand
        for _ in range(6):  # the assembly order is shuffled per voter; look at several
            screens = run_flow(station, [
                (Insert(station.voting_card()), VoterSettingsMenu), (fw.Next(), ContestChoice,
                 lambda s: "mayor-2" not in _ids(s) and len(s.candidates) == 2),
                (fw.Select("mayor-2"), ContestChoice, lambda s: s.selected is None),
                (fw.Next(), ContestChoice, lambda s: s.contest_id == "mayor"),
                (fw.Select("mayor-1"), ContestChoice),
                (fw.Next(), ContestChoice,
                 lambda s: "assembly-3" not in _ids(s) and len(s.candidates) == 4),
                (fw.Select("assembly-3"), ContestChoice, lambda s: s.selected is None),
                (fw.EndWithoutVoting(), Notice),
                (Pull(), Standby),
            ])
            assert all(c.status is CandidateStatus.STANDING
                       for s in screens if isinstance(s, ContestChoice) for c in s.candidates)


# --- candidate order (art. 5) --------------------------------------------------------------


def _orders(station: Station, contest_id: str, voters: int) -> list[tuple[str, ...]]:
    orders = []
    for _ in range(voters):
        screens = run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu),
                                     (fw.Next(), ContestChoice)])
        screen = screens[1]
        if screen.contest_id != contest_id:
            screen = run_flow(station, [(fw.Select("abstain"), ContestChoice),
                                        (fw.Next(), ContestChoice)])[-1]
        assert screen.contest_id == contest_id
        orders.append(tuple(_ids(screen)))
        run_flow(station, [(fw.EndWithoutVoting(), Notice), (Pull(), Standby)])
    return orders


def test_fixed_by_lot_keeps_the_package_order_on_every_machine_and_for_every_voter() -> None:
    def fixed(contests: list[dict[str, Any]]) -> None:
        contests[0]["order_rule"] = "fixed-by-lot"
        contests[0]["candidates"] = list(reversed(contests[0]["candidates"]))  # the lot's order

    for machine_id in ("M-001", "M-002"):
        station = make_station(machine_id)
        station.package = package_with_contests(station, fixed)
        station_in(Phase.OPEN, station)
        assert set(_orders(station, "mayor", 5)) == {("mayor-3", "mayor-2", "mayor-1")}


def test_rotated_per_machine_differs_by_machine_index() -> None:
    one = open_station("M-001")
    two = open_station("M-002")
    assert set(_orders(one, "mayor", 3)) == {("mayor-1", "mayor-2", "mayor-3")}
    assert set(_orders(two, "mayor", 3)) == {("mayor-2", "mayor-3", "mayor-1")}


def test_rotated_order_on_the_third_machine_of_another_place() -> None:
    station = open_station("M-003")
    screen = run_flow(station, [
        (Insert(station.voting_card(place_id="p02", issuer_id="R-p02")), VoterSettingsMenu),
        (fw.Next(), ContestChoice),
    ])[1]
    assert _ids(screen) == ["mayor-3", "mayor-1", "mayor-2"]


def test_shuffled_per_voter_varies_between_voters() -> None:
    station = open_station()
    orders = _orders(station, "assembly", 12)
    assert all(sorted(o) == list(CANDIDATES["assembly"]) for o in orders)
    assert len(set(orders)) >= 6  # 120 possible orders; 12 voters see many of them
    assert len({o[0] for o in orders}) >= 3  # and not always the same candidate on top


@given(
    rule=st.sampled_from(list(OrderRule)),
    statuses=st.lists(st.sampled_from(list(CandidateStatus)), min_size=1, max_size=7),
    machine_index=st.integers(min_value=0, max_value=20),
    seed=st.integers(min_value=0, max_value=2**32),
)
@FAST
def test_candidate_order_is_a_permutation_of_the_standing_candidates(
    rule: OrderRule, statuses: list[CandidateStatus], machine_index: int, seed: int
) -> None:
    from election.package import Candidate

    candidates = tuple(Candidate(f"c{i}", f"名前{i}", f"なまえ{i}", "無所属", status)
                       for i, status in enumerate(statuses))
    contest = Contest("x", "選挙", "Election", candidates, rule, True)
    standing = [c for c in candidates if c.status is CandidateStatus.STANDING]
    order = list(candidate_order(contest, machine_index, SeededRandom(seed)))
    assert sorted(order, key=lambda c: c.candidate_id) == sorted(
        standing, key=lambda c: c.candidate_id)
    if rule is OrderRule.FIXED_BY_LOT:
        assert order == standing
    elif rule is OrderRule.ROTATED_PER_MACHINE and standing:
        shift = machine_index % len(standing)
        assert order == standing[shift:] + standing[:shift]


# --- ending without voting -----------------------------------------------------------------


def test_end_without_voting_consumes_the_card_counts_it_and_writes_no_record() -> None:
    station = open_station()
    card = station.voting_card()
    mark = station.machine.audit.count
    run_flow(station, [
        (Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice),
        (fw.Select("mayor-1"), ContestChoice),
        (fw.Next(), ContestChoice),
        (fw.EndWithoutVoting(), Notice, lambda s: japanese(s.ja) and not s.for_admin),
        (fw.Cast(), Notice),  # nothing more happens in this session
        (Pull(), Standby),
        (Insert(card), Notice, lambda s: "使用済み" in s.ja),
        (Pull(), Standby),
    ])
    assert card.phase is VotingCardPhase.CONSUMED
    assert counts(station) == {"mayor": 0, "assembly": 0}
    assert [(x.voted, x.contests) for x in ledger(station)] == [(False, ("mayor", "assembly"))]
    assert "session_ended_without_vote" in [e.event for e in audit_entries(station, mark)]
    menu = as_manager(station, fw.ClosePolls())[-2]
    assert isinstance(menu, AdminMenu)
    assert (menu.sessions_voted, menu.sessions_without_vote) == (0, 1)
    assert "投票せず終了 / ended without voting: 1" in "\n".join(station.printer.printed[-1].lines)


# --- voting card refusals ------------------------------------------------------------------


def _forged(station: Station) -> SimulatedVotingCard:
    token = VotingCardToken(
        card_id="f" * 32, election_id="tsukuba-2026-11", place_id="p01", issuer_id="R-p01",
        contests=("mayor", "assembly"), audio=False,
        expires_at=station.clock.now() + timedelta(minutes=30),
    ).sign(fixed_key("forger"))
    return SimulatedVotingCard(token)


def _issued_by_other_place_key(station: Station) -> SimulatedVotingCard:
    token = VotingCardToken(
        card_id="e" * 32, election_id="tsukuba-2026-11", place_id="p01", issuer_id="R-p01",
        contests=("mayor",), audio=False,
        expires_at=station.clock.now() + timedelta(minutes=30),
    ).sign(issuer_key("R-p02"))  # a real issuer's key, but not the one named
    return SimulatedVotingCard(token)


def _used(station: Station) -> SimulatedVotingCard:
    card = station.voting_card()
    run_flow(station, voter_flow(card, {"mayor": "mayor-1", "assembly": "assembly-1"}))
    return card


def _consumed_elsewhere(station: Station) -> SimulatedVotingCard:
    card = station.voting_card()
    card.phase, card.machine_id = VotingCardPhase.CONSUMED, "M-002"
    return card


def _locked_elsewhere(station: Station) -> SimulatedVotingCard:
    card = station.voting_card()
    card.phase, card.machine_id = VotingCardPhase.LOCKED, "M-002"
    return card


def _expired(station: Station) -> SimulatedVotingCard:
    card = station.voting_card(minutes=30)
    station.clock.advance(31 * 60)
    return card


def _chip_reset_after_voting(station: Station) -> SimulatedVotingCard:
    card = _used(station)
    card.phase, card.machine_id = VotingCardPhase.ISSUED, ""  # a chip that lies
    return card


REFUSALS: dict[str, tuple[Callable[[Station], SimulatedVotingCard], str, str]] = {
    "already used here": (_used, "used", "使用済み"),
    "chip reset to ISSUED after voting": (_chip_reset_after_voting, "used", "使用済み"),
    "consumed on another machine": (_consumed_elsewhere, "used", "使用済み"),
    "locked to another machine": (_locked_elsewhere, "locked", "別の投票機"),
    "expired": (_expired, "expired", "有効期限"),
    "other polling place": (
        lambda s: s.voting_card(place_id="p02", issuer_id="R-p02"), "place", "投票所"),
    "other place named by this place's issuer": (
        lambda s: s.voting_card(place_id="p02"), "place", "投票所"),
    "other election": (
        lambda s: s.voting_card(election_id="tsukuba-2027-04"), "election", "別の選挙"),
    "forged issuer signature": (_forged, "invalid", "正しくありません"),
    "signed by another place's issuer": (_issued_by_other_place_key, "invalid", "正しくありません"),
    "unknown issuer": (lambda s: s.voting_card(issuer_id="R-p99"), "invalid", "正しくありません"),
    "unknown contest": (lambda s: s.voting_card(contests=("governor",)), "contests", "選挙"),
    "no contest": (lambda s: s.voting_card(contests=()), "contests", "選挙"),
    "unreadable token": (lambda s: SimulatedVotingCard(b"\x00garbage"), "invalid", "正しくありません"),
}


@pytest.mark.parametrize("why", list(REFUSALS))
def test_voting_card_refusals_are_explained_in_japanese_and_logged(why: str) -> None:
    station = open_station()
    make_card, reason, words = REFUSALS[why]
    card = make_card(station)
    phase_before, history_before = card.phase, list(card.history)
    records_before = counts(station)
    mark = station.machine.audit.count
    run_flow(station, [
        (Insert(card), Notice, lambda s: japanese(s.ja) and words in s.ja and not s.for_admin),
        (fw.Select("mayor-1"), Notice),
        (fw.Cast(), Notice),
        (Pull(), Standby),
    ])
    assert station.machine.session is None
    assert (card.phase, card.history) == (phase_before, history_before)
    assert counts(station) == records_before
    logged = [(e.event, e.outcome, e.detail) for e in audit_entries(station, mark)]
    assert logged == [("voting_card_checked", "failure", {"reason": reason})]


def test_the_control_card_is_accepted() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu), (fw.Next(), ContestChoice)])


def test_one_card_one_vote_even_if_the_chip_is_reset_again_and_again() -> None:
    station = open_station()
    card = station.voting_card()
    run_flow(station, voter_flow(card, {"mayor": "mayor-1", "assembly": "assembly-1"}))
    for attempt in range(3):
        card.phase, card.machine_id = VotingCardPhase.ISSUED, ""
        if attempt == 2:
            station.reboot()  # the ledger is on internal storage, not in memory
            as_manager(station, fw.ResumePolls())
        run_flow(station, [(Insert(card), Notice, lambda s: "使用済み" in s.ja), (Pull(), Standby)])
    assert counts(station) == {"mayor": 1, "assembly": 1}


def test_a_card_taken_out_mid_session_comes_back_only_to_this_machine() -> None:
    station = open_station()
    other = open_station("M-002")
    card = station.voting_card()
    run_flow(station, [
        (Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice),
        (fw.Select("mayor-1"), ContestChoice),
        (Pull(), Standby),  # the voter walks away: nothing recorded
    ])
    assert station.machine.session is None and counts(station) == {"mayor": 0, "assembly": 0}
    run_flow(other, [(Insert(card), Notice, lambda s: "別の投票機" in s.ja), (Pull(), Standby)])
    run_flow(station, [(Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice, lambda s: s.selected is None)])


# --- whatever the voter presses ------------------------------------------------------------

VOTER_EVENTS = st.one_of(
    st.sampled_from([fw.Next(), fw.Back(), fw.Cast(), fw.EndWithoutVoting(),
                     fw.ChangeContest("mayor"), fw.ChangeContest("assembly")]),
    st.sampled_from([*ALL_CANDIDATE_IDS, "blank", "abstain", "mayor-9", ""]).map(fw.Select),
)
# Chunks a purposeful voter presses (choose then next; cast), mixed with stray presses.
_PURPOSEFUL = st.sampled_from([*ALL_CANDIDATE_IDS, "blank", "abstain"]).map(
    lambda c: [fw.Select(c), fw.Next()])
VOTER_CHUNKS = st.integers(min_value=0, max_value=5).flatmap(
    lambda kind: VOTER_EVENTS.map(lambda e: [e]) if kind == 0
    else st.just([fw.Cast()]) if kind == 5 else _PURPOSEFUL
)


@given(
    contests=st.sampled_from([("mayor", "assembly"), ("mayor",), ("assembly",)]),
    events=st.lists(VOTER_CHUNKS, max_size=15).map(lambda chunks: sum(chunks, [])),
)
@settings(FAST, max_examples=80)
def test_whatever_the_voter_presses_the_record_is_what_the_review_showed(
    contests: tuple[str, ...], events: list[fw.Event]
) -> None:
    station = open_station()
    card = station.voting_card(contests=contests)
    screens: list[Screen] = run_flow(station, [(Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice)])
    reviewed: dict[str, str] | None = None
    for pressed in events:
        before = screens[-1]
        screen = station.machine.handle(pressed)
        if isinstance(pressed, fw.Cast) and isinstance(screen, Recorded) and not isinstance(
                before, Recorded):
            assert isinstance(before, Review)  # recording only from the confirmation screen
            reviewed = {line.contest_id: line.name for line in before.lines}
        screens.append(screen)
    recorded = any(isinstance(s, Recorded) for s in screens)
    ended = any(isinstance(s, Notice) for s in screens)
    event("recorded" if recorded else "ended" if ended else "unfinished")
    assert not (recorded and ended)
    assert_mirrored(station)
    found = decrypted(station)
    if recorded:
        assert reviewed is not None
        expected: dict[str, list[str]] = {"mayor": [], "assembly": []}
        package = station.package.package  # type: ignore[union-attr]
        for contest_id, name in reviewed.items():
            if name.startswith("棄権"):
                continue
            if name.startswith("白票"):
                expected[contest_id] = ["blank"]
                continue
            match = [c.candidate_id for c in package.contest(contest_id).candidates
                     if c.name == name]
            expected[contest_id] = match
        assert found == expected
        assert card.phase is VotingCardPhase.CONSUMED
        assert [(x.voted, x.contests) for x in ledger(station)] == [(True, contests)]
    else:
        assert found == {"mayor": [], "assembly": []}
        if ended:
            assert card.phase is VotingCardPhase.CONSUMED
            assert [(x.voted, x.contests) for x in ledger(station)] == [(False, contests)]
        else:
            assert card.phase is VotingCardPhase.LOCKED  # still usable for this voter
            assert ledger(station) == []
    run_flow(station, [(Pull(), Standby)])
    assert station.machine.session is None


def test_admin_card_during_a_voter_session_is_turned_away() -> None:
    station = open_station()
    steps: list[Step] = [(Insert(station.voting_card()), VoterSettingsMenu), (fw.Next(), ContestChoice)]
    run_flow(station, steps)
    station.reader.insert(station.manager)  # someone pushes an admin card in
    screen = station.machine.handle(fw.CardInserted())
    assert isinstance(screen, Notice)
    assert station.machine.admin is None
    assert isinstance(station.machine.handle(fw.ClosePolls()), Notice)
    assert station.machine.phase is Phase.OPEN
