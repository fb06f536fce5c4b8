"""Management functions (art. 4-1-7): an admin card whose certificate the commission signed, plus
its PIN; lockout after wrong PINs, counted on the card; the session ends with the card; and the
election package is loaded only when signed, for this election and this machine, and chained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from election.package import CandidateStatus, SignedPackage, amend, sign_package
from firmware import machine as fw
from firmware.screens import AdminMenu, AdminPin, Notice, Phase, Standby
from tests.station import (
    COMMISSION_KEY,
    PIN,
    Station,
    admin_card,
    fixed_key,
    make_package,
    make_station,
)
from tests.test_firmware_support import (
    Insert,
    Pull,
    audit_entries,
    japanese,
    login,
    message_has,
    open_station,
    run_flow,
    station_in,
)

WRONG = ("86420975", "75319864", "97531086", "64208531")


# --- PIN -----------------------------------------------------------------------------------


def test_wrong_pin_shows_tries_left_and_is_logged_without_the_pin() -> None:
    station = make_station()
    mark = station.machine.audit.count
    run_flow(station, [
        (Insert(station.manager), AdminPin, lambda s: s.tries_left == -1 and s.role == "poll-manager"),
        (fw.PinEntered(WRONG[0]), AdminPin, lambda s: s.tries_left == 2),
        (fw.LoadPackage(station.package.to_bytes()), Notice),  # still no session
        (fw.PinEntered(PIN), AdminMenu),
        (Pull(), Standby),
    ])
    logged = audit_entries(station, mark)
    pins = [(e.outcome, e.detail) for e in logged if e.event == "admin_pin_checked"]
    assert pins == [("failure", {"card_id": "card-pm", "tries_left": 2}),
                    ("success", {"card_id": "card-pm"})]
    log = station.storage.files["audit.log"].decode()
    assert WRONG[0] not in log
    assert all(PIN not in str(v) for e in logged for v in e.detail.values())


def test_pin_attempts_wrong_pins_block_the_card_and_a_new_machine_does_not_unblock_it() -> None:
    station = station_in(Phase.PACKAGE_LOADED)
    attempts = station.package.package.settings.pin_attempts  # type: ignore[union-attr]
    assert attempts == station.manager.max_tries == 3
    steps: list[Any] = [(Insert(station.manager), AdminPin)]
    for i in range(attempts - 1):
        steps.append((fw.PinEntered(WRONG[i]), AdminPin,
                      lambda s, left=attempts - 1 - i: s.tries_left == left))
    steps += [
        (fw.PinEntered(WRONG[attempts - 1]), Notice,
         lambda s: s.for_admin and "ロック" in s.ja),
        (fw.PinEntered(PIN), Notice),  # the session is gone: the right PIN does nothing now
        (fw.ZeroCheck(), Notice),
        (Pull(), Standby),
    ]
    run_flow(station, steps)
    assert station.machine.phase is Phase.PACKAGE_LOADED
    blocked = [e.detail for e in audit_entries(station) if e.event == "admin_pin_checked"]
    assert blocked[-1] == {"card_id": "card-pm", "blocked": True}
    for fresh in (False, True):
        if fresh:
            station.reboot()  # a new Machine: the counter lives on the card, not in RAM
        run_flow(station, [
            (Insert(station.manager), AdminPin),
            (fw.PinEntered(PIN), Notice, lambda s: "ロック" in s.ja),
            (fw.ZeroCheck(), Notice),
            (Pull(), Standby),
        ])
    assert station.manager.tries_left == 0
    assert station.machine.phase is Phase.PACKAGE_LOADED


def test_a_right_pin_before_the_limit_resets_the_counter() -> None:
    station = make_station()
    run_flow(station, [
        (Insert(station.manager), AdminPin),
        (fw.PinEntered(WRONG[0]), AdminPin, lambda s: s.tries_left == 2),
        (fw.PinEntered(WRONG[1]), AdminPin, lambda s: s.tries_left == 1),
        (fw.PinEntered(PIN), AdminMenu),
        (Pull(), Standby),
        (Insert(station.manager), AdminPin),
        (fw.PinEntered(WRONG[2]), AdminPin, lambda s: s.tries_left == 2),
    ])


# --- certificates --------------------------------------------------------------------------

BAD_CARDS: dict[str, Callable[[Station], Any]] = {
    "signed by another key": lambda s: admin_card(signer=fixed_key("not-the-commission"),
                                                  label="fake"),
    "for another election": lambda s: admin_card(election_id="tsukuba-2027-04", label="old"),
    "expired": lambda s: (s.clock.advance(3 * 86400), admin_card())[1],
}


@pytest.mark.parametrize("what", list(BAD_CARDS))
def test_an_admin_card_the_commission_did_not_issue_for_this_election_is_refused(
    what: str,
) -> None:
    station = station_in(Phase.ZERO_CHECKED)
    card = BAD_CARDS[what](station)
    mark = station.machine.audit.count
    run_flow(station, [
        (Insert(card), Notice, lambda s: s.for_admin and japanese(s.ja)),
        (fw.PinEntered(PIN), Notice),
        (fw.OpenPolls(), Notice),
        (Pull(), Standby),
    ])
    assert station.machine.phase is Phase.ZERO_CHECKED
    assert card.tries_left == card.max_tries and not card.pin_verified  # PIN never sent
    logged = [(e.event, e.outcome) for e in audit_entries(station, mark)]
    assert logged[0] == ("admin_card_inserted", "failure")
    assert ("admin_action_refused", "done") in logged


def test_a_card_whose_identity_key_is_not_the_certified_one_is_refused_after_the_pin() -> None:
    station = station_in(Phase.ZERO_CHECKED)
    card = admin_card()
    card.identity_key = fixed_key("stolen-certificate")  # a copied certificate on another chip
    run_flow(station, [
        (Insert(card), AdminPin),
        (fw.PinEntered(PIN), Notice, lambda s: s.for_admin),
        (fw.OpenPolls(), Notice),
    ])
    assert station.machine.phase is Phase.ZERO_CHECKED
    assert audit_entries(station)[-2].detail["reason"] == "BadSignature"


def test_removing_the_card_or_signing_out_ends_the_admin_session() -> None:
    station = station_in(Phase.ZERO_CHECKED)
    mark = station.machine.audit.count
    run_flow(station, login(station.manager) + [
        (Pull(), Standby),
        (fw.OpenPolls(), Notice),
        (Insert(station.manager), AdminPin),
        (fw.PinEntered(PIN), AdminMenu),
        (fw.SignOut(), Standby),
        (fw.OpenPolls(), Notice),
    ])
    assert station.machine.phase is Phase.ZERO_CHECKED
    ended = [e.detail["reason"] for e in audit_entries(station, mark)
             if e.event == "admin_session_ended"]
    assert ended == ["card-removed", "sign-out"]
    refused = [e.detail for e in audit_entries(station, mark) if e.event == "admin_action_refused"]
    assert refused == [{"action": "OpenPolls", "reason": "no-session"}] * 2


# --- loading the election package ----------------------------------------------------------


def _other_key_for_this_machine(station: Station) -> SignedPackage:
    return make_package({station.machine_id: fixed_key("another-machine").public_key()
                         .public_bytes_raw()})


def _not_chained(station: Station) -> SignedPackage:
    other_v1 = make_package({station.machine_id: station.public_key}, slots=32)
    return sign_package(amend(other_v1, {("mayor", "mayor-1"): CandidateStatus.WITHDRAWN}),
                        COMMISSION_KEY)


def _machine_not_listed(station: Station) -> SignedPackage:
    from election.authoring import read_source
    from tests.station import SOURCE

    machines = [m for m in read_source(SOURCE.read_text("utf-8"))["machines"]
                if m["machine_id"] != station.machine_id]
    return make_package({}, machines=machines)


def _corrupted(station: Station) -> bytes:
    data = station.package.to_bytes()  # type: ignore[union-attr]
    return data.replace("筑波 太郎".encode(), "筑波 次郎".encode())


REFUSED_PACKAGES: dict[str, Callable[[Station], SignedPackage | bytes]] = {
    "signed by another commission key": lambda s: sign_package(
        s.package.package, fixed_key("another-commission")),  # type: ignore[union-attr]
    "for another election": lambda s: make_package(
        {s.machine_id: s.public_key}, election_id="tsukuba-2027-04"),
    "listing another key for this machine": _other_key_for_this_machine,
    "not listing this machine": _machine_not_listed,
    "altered after signing": _corrupted,
    "not valid JSON": lambda s: b"\xff\xfe not a package",
}


@pytest.mark.parametrize("what", list(REFUSED_PACKAGES))
def test_package_load_is_refused(what: str) -> None:
    station = make_station()
    made = REFUSED_PACKAGES[what](station)
    data = made if isinstance(made, bytes) else made.to_bytes()
    mark = station.machine.audit.count
    run_flow(station, login(station.manager) + [
        (fw.LoadPackage(data), AdminMenu,
         message_has("選挙データを読み込めません"), lambda s: s.phase is Phase.SETUP),
        (fw.ZeroCheck(), AdminMenu, lambda s: s.phase is Phase.SETUP),
        (Pull(), Standby),
    ])
    assert station.machine.package is None
    assert "package.json" not in station.storage.files
    assert station.primary.files == {} and station.copy.files == {}  # media not initialised
    loads = [e.outcome for e in audit_entries(station, mark) if e.event == "package_load"]
    assert loads == ["start", "failure"]
    station.reboot()
    assert station.machine.package is None and station.machine.phase is Phase.SETUP


AMENDMENT_REFUSALS: dict[str, Callable[[Station, SignedPackage], SignedPackage]] = {
    "an amendment that does not chain": lambda s, v2: _not_chained(s),
    "the old version after the amendment": lambda s, v2: s.package,  # type: ignore[misc]
    "a second version 1": lambda s, v2: make_package({s.machine_id: s.public_key}, slots=32),
    "an amendment of the amendment's sibling": lambda s, v2: sign_package(
        amend(s.package, {("assembly", "assembly-1"): CandidateStatus.DECEASED}),  # type: ignore[arg-type]
        COMMISSION_KEY),
}


@pytest.mark.parametrize("what", list(AMENDMENT_REFUSALS))
def test_only_an_amendment_of_the_loaded_package_is_accepted(what: str) -> None:
    station = open_station()
    assert station.package is not None
    v2 = sign_package(amend(station.package, {("mayor", "mayor-3"): CandidateStatus.WITHDRAWN}),
                      COMMISSION_KEY)
    run_flow(station, login(station.manager) + [
        (fw.LoadPackage(v2.to_bytes()), AdminMenu,
         lambda s: s.package_fingerprint == v2.short_fingerprint,
         message_has(v2.short_fingerprint), lambda s: s.phase is Phase.OPEN),
    ])
    assert station.machine.package is not None
    assert station.machine.package.fingerprint == v2.fingerprint
    refused = AMENDMENT_REFUSALS[what](station, v2)
    run_flow(station, [
        (fw.LoadPackage(refused.to_bytes()), AdminMenu, message_has("選挙データを読み込めません"),
         lambda s: s.package_fingerprint == v2.short_fingerprint and s.phase is Phase.OPEN),
        (Pull(), Standby),
    ])
    assert station.machine.package.fingerprint == v2.fingerprint
    station.reboot()
    assert station.machine.package.fingerprint == v2.fingerprint


def test_loading_shows_the_fingerprint_and_logs_it() -> None:
    station = make_station()
    assert station.package is not None
    mark = station.machine.audit.count
    run_flow(station, login(station.manager) + [
        (fw.LoadPackage(station.package.to_bytes()), AdminMenu,
         lambda s: s.package_fingerprint == station.package.short_fingerprint,
         message_has("指紋", station.package.short_fingerprint),
         lambda s: s.phase is Phase.PACKAGE_LOADED),
    ])
    loaded = [e for e in audit_entries(station, mark) if e.event == "package_load"]
    assert [e.outcome for e in loaded] == ["start", "success"]
    assert loaded[-1].detail == {"fingerprint": station.package.fingerprint, "version": 1}
    assert station.storage.files["package.json"] == station.package.to_bytes()


def test_media_from_another_machine_or_swapped_are_refused_at_load() -> None:
    other = station_in(Phase.PACKAGE_LOADED, make_station("M-002"))
    station = make_station()
    station.primary, station.copy = other.primary, other.copy
    station.reboot()
    run_flow(station, login(station.manager) + [
        (fw.LoadPackage(station.package.to_bytes()), AdminMenu,  # type: ignore[union-attr]
         message_has("別の選挙または別の投票機"), lambda s: s.phase is Phase.SETUP),
    ])
    swapped = station_in(Phase.PACKAGE_LOADED)
    swapped.primary, swapped.copy = swapped.copy, swapped.primary
    swapped.reboot()
    run_flow(swapped, login(swapped.manager) + [
        (fw.ZeroCheck(), AdminMenu, lambda s: s.phase is Phase.PACKAGE_LOADED),
    ])
    booted = swapped.reboot()
    assert isinstance(booted, Notice) and booted.for_admin and "逆" in booted.ja
