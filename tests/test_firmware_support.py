"""Helpers shared by the firmware tests: flows written as data, and ways to look at what the
machine left behind (audit log, media, card ledger) the way an inspector would.

A flow is a list of steps ``(action, expected screen type, *checks)``. An action is a machine
event, or a physical action at the reader (``Insert`` a card, ``Pull`` it out, ``Swap`` it for
another while the machine keeps its session). ``run_flow`` performs the steps in order and stops
at the first screen that is not what the step expects, naming the step.

The few tests at the end check the helpers themselves, so that a flow that should fail does."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import pytest

from drivers.card_sim import SimulatedAdminCard, SimulatedVotingCard, with_card_authenticity
from election.authoring import read_source
from election.credentials import AdminCertificate, Role
from election.package import SignedPackage
from firmware import machine as fw
from firmware.screens import AdminMenu, AdminPin, Phase, Screen, Standby
from media.audit_log import AuditEntry
from media.counting_key import private_key
from media.vote_record import decrypt_vote
from tests.station import (
    COMMISSION_KEY,
    COUNTING_PRIVATE,
    PIN,
    SOURCE,
    Station,
    fixed_key,
    make_package,
    make_station,
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
ELECTION_ID = "tsukuba-2026-11"
CANDIDATES = {
    "mayor": ("mayor-1", "mayor-2", "mayor-3"),
    "assembly": ("assembly-1", "assembly-2", "assembly-3", "assembly-4", "assembly-5"),
}
ALL_CANDIDATE_IDS = tuple(c for ids in CANDIDATES.values() for c in ids)


# --- physical actions ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Insert:
    """A card goes into the reader; the machine is told."""

    card: SimulatedAdminCard | SimulatedVotingCard


@dataclass(frozen=True)
class Pull:
    """The card leaves the reader; the machine is told."""


@dataclass(frozen=True, eq=False)
class Swap:
    """The reader now holds ``card`` and the machine keeps its session (it is not told). The
    machine has one reader and releasing a voting card needs the poll manager's session, so a
    release is done this way (see the report on ReleaseCard)."""

    card: SimulatedAdminCard | SimulatedVotingCard


Action = fw.Event | Insert | Pull | Swap
Check = Callable[[Any], object]
Step = tuple[Any, ...]  # (action, expected type or tuple of types, *checks)


def act(station: Station, action: Action) -> Screen:
    if isinstance(action, Insert):
        station.reader.insert(action.card)
        return station.machine.handle(fw.CardInserted())
    if isinstance(action, Pull):
        station.reader.remove()
        return station.machine.handle(fw.CardRemoved_())
    if isinstance(action, Swap):
        station.reader.remove()
        station.reader.insert(action.card)
        return station.machine.screen
    return station.machine.handle(action)


def _describe(action: Action) -> str:
    text = repr(action)
    return text if len(text) <= 80 else type(action).__name__


def run_flow(station: Station, steps: Sequence[Step]) -> list[Screen]:
    """Perform each step; assert the screen type and every check. Returns the screens."""
    screens: list[Screen] = []
    for number, (action, expected, *checks) in enumerate(steps, start=1):
        screen = act(station, action)
        where = f"step {number} ({_describe(action)})"
        assert isinstance(screen, expected), f"{where}: expected {expected}, got {screen!r}"
        for check in checks:
            assert check(screen), f"{where}: check failed on {screen!r}"
        screens.append(screen)
    return screens


def login(card: SimulatedAdminCard, pin: str = PIN) -> list[Step]:
    """Insert an admin card and enter its PIN: the two factors."""
    return [(Insert(card), AdminPin), (fw.PinEntered(pin), AdminMenu)]


def as_manager(station: Station, *events: fw.Event) -> list[Screen]:
    """Log in with the poll manager's card, handle ``events`` (any screen), remove the card."""
    screens = run_flow(station, login(station.manager))
    screens += [station.machine.handle(event) for event in events]
    screens += run_flow(station, [(Pull(), Standby)])
    return screens


def japanese(text: str) -> bool:
    return bool(JAPANESE.search(text))


def message_has(*words: str) -> Check:
    return lambda screen: all(word in screen.message for word in words)


# --- stations in a given phase -------------------------------------------------------------


def station_in(phase: Phase, station: Station | None = None) -> Station:
    """A fresh station (or ``station``) brought through the day to ``phase`` by the manager."""
    station = station or make_station()
    assert station.package is not None
    path: list[tuple[Phase, fw.Event]] = [
        (Phase.PACKAGE_LOADED, fw.LoadPackage(station.package.to_bytes())),
        (Phase.ZERO_CHECKED, fw.ZeroCheck()),
        (Phase.OPEN, fw.OpenPolls()),
        (Phase.PAUSED, fw.PausePolls()),
        (Phase.CLOSED, fw.ClosePolls()),
    ]
    if phase is not Phase.SETUP:
        events = []
        for reached, event in path:
            if reached is Phase.PAUSED and phase is Phase.CLOSED:
                continue
            events.append(event)
            if reached is phase:
                break
        as_manager(station, *events)
    assert station.machine.phase is phase, station.machine.screen
    return station


def open_station(machine_id: str = "M-001", seed: int = 1, slots: int = 64) -> Station:
    return station_in(Phase.OPEN, make_station(machine_id, seed=seed, slots=slots))


def voter_flow(
    card: SimulatedVotingCard, choices: dict[str, str], cast: bool = True
) -> list[Step]:
    """A voter's path as steps: the settings screen (left as they are), a choice screen per
    contest, the review, then recorded."""
    from firmware.booth_screens import VoterSettingsMenu
    from firmware.screens import ContestChoice, Recorded, Review

    steps: list[Step] = [(Insert(card), VoterSettingsMenu), (fw.Next(), ContestChoice)]
    contests = sorted(choices, key=list(CANDIDATES).index)  # the machine shows package order
    for index, contest_id in enumerate(contests):
        steps.append(
            (fw.Select(choices[contest_id]), ContestChoice,
             lambda s, c=contest_id, v=choices[contest_id]: s.contest_id == c and s.selected == v)
        )
        steps.append((fw.Next(), Review if index == len(contests) - 1 else ContestChoice))
    if cast:
        steps += [(fw.Cast(), Recorded), (Pull(), Standby)]
    return steps


# --- what the machine left behind ----------------------------------------------------------


def audit_entries(station: Station, since: int = 0) -> list[AuditEntry]:
    return station.machine.audit.entries()[since:]


def events_named(entries: Sequence[AuditEntry], name: str) -> list[AuditEntry]:
    return [e for e in entries if e.event == name]


def records(station: Station, medium: str = "primary") -> dict[str, list[bytes]]:
    store = station.primary if medium == "primary" else station.copy
    return station.machine.ballot_box.records(store)


def counts(station: Station) -> dict[str, int]:
    return {c: len(r) for c, r in records(station).items()}


def assert_mirrored(station: Station) -> dict[str, list[bytes]]:
    """The primary and the copy hold the same records (as multisets); returns the primary's."""
    primary, copy_ = records(station, "primary"), records(station, "copy")
    assert {c: sorted(r) for c, r in primary.items()} == {c: sorted(r) for c, r in copy_.items()}
    return primary


@cache
def _counting_key() -> Any:
    return private_key(COUNTING_PRIVATE)


def decrypted(station: Station) -> dict[str, list[str]]:
    """What the counting centre would read from the primary: candidate ids, 'blank'."""
    result = {}
    for contest_id, found in records(station).items():
        choices = [decrypt_vote(_counting_key(), ELECTION_ID, contest_id, r) for r in found]
        result[contest_id] = sorted(c.candidate_id or "blank" for c in choices)
    return result


def ledger(station: Station) -> list[Any]:
    return station.machine.ballot_box.ledger.lines()


# --- credentials and packages --------------------------------------------------------------


def admin_card_valid(
    not_before: datetime,
    not_after: datetime,
    role: Role = Role.POLL_MANAGER,
    label: str = "pm-wide",
    election_id: str = ELECTION_ID,
) -> SimulatedAdminCard:
    """An admin card with the validity period a test needs."""
    identity = fixed_key(f"admin:{label}")
    certificate = AdminCertificate(
        card_id=f"card-{label}",
        role=role,
        holder=f"テスト {label}",
        municipality="茨城県つくば市",
        election_id=election_id,
        not_before=not_before,
        not_after=not_after,
        public_key=identity.public_key().public_bytes_raw(),
    ).sign(COMMISSION_KEY)
    return with_card_authenticity(SimulatedAdminCard(certificate, identity, PIN), COMMISSION_KEY)


def source_contests() -> list[dict[str, Any]]:
    return copy.deepcopy(read_source(SOURCE.read_text(encoding="utf-8"))["contests"])


def package_with_contests(
    station: Station, change: Callable[[list[dict[str, Any]]], None]
) -> SignedPackage:
    """The station's package with its contests changed by ``change`` (signed by the
    commission)."""
    contests = source_contests()
    change(contests)
    return make_package({station.machine_id: station.public_key}, contests=contests)


def storage_snapshot(station: Station, *, without: tuple[str, ...] = ()) -> dict[str, bytes]:
    return {k: v for k, v in station.storage.files.items() if k not in without}


@dataclass
class Spy:
    """Collects what was written to internal storage, by file name."""

    writes: list[tuple[str, bytes]] = field(default_factory=list)

    def attach(self, station: Station) -> Spy:
        storage = station.storage
        write_atomic, append = storage.write_atomic, storage.append

        def spy_write(name: str, data: bytes) -> None:
            self.writes.append((name, bytes(data)))
            write_atomic(name, data)

        def spy_append(name: str, data: bytes) -> None:
            self.writes.append((name, bytes(data)))
            append(name, data)

        write_at = storage.write_at

        def spy_write_at(name: str, offset: int, data: bytes) -> None:
            self.writes.append((name, bytes(data)))
            write_at(name, offset, data)

        storage.write_atomic = spy_write  # type: ignore[method-assign]
        storage.append = spy_append  # type: ignore[method-assign]
        storage.write_at = spy_write_at  # type: ignore[method-assign]
        return self


# --- the helpers fail when they should -----------------------------------------------------


def test_run_flow_stops_at_an_unexpected_screen() -> None:
    station = make_station()
    with pytest.raises(AssertionError, match="step 1"):
        run_flow(station, [(fw.OpenPolls(), AdminMenu)])  # no session: a Notice, not a menu


def test_run_flow_runs_the_checks() -> None:
    station = make_station()
    with pytest.raises(AssertionError, match=r"step 3 \(LoadPackage\)"):
        run_flow(station, login(station.manager) + [
            (fw.LoadPackage(station.package.to_bytes()), AdminMenu, lambda s: s.phase is Phase.OPEN),
        ])


def test_station_in_reaches_every_phase() -> None:
    for phase in (Phase.SETUP, Phase.PACKAGE_LOADED, Phase.ZERO_CHECKED, Phase.OPEN,
                  Phase.PAUSED, Phase.CLOSED):
        assert station_in(phase).machine.phase is phase
