"""Admin cards over the real PC/SC path (pyscard → private pcscd → vpcd → our card emulator):
certificate and card-authenticity checks before the PIN, the PIN counter on the card, lockout,
commission reset, operation-bound signatures, removal and time limits ending the session."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.card_apdu import (
    ADMIN_AID,
    SW_BAD_DATA,
    SW_SECURITY,
    KeyRef,
    Tag,
    exchange,
    internal_authenticate,
    select,
)
from drivers.card_emulator.applets import AdminCardApplet, ForeignCard, Lifecycle
from drivers.card_programmer import ProgrammingError, reset_admin_card
from election.credentials import Role, login_challenge
from firmware import machine as fw
from firmware.screens import AdminMenu, AdminPin, Notice, Standby
from tests import pcsc_env
from tests.cards_support import admin_card, as_manager, insert, login, pcsc_station, pull
from tests.station import COMMISSION_KEY, ELECTION_DAY, PIN
from tests.test_firmware_support import audit_entries, events_named


def test_login_runs_every_operation_through_a_card_signature_and_removal_ends_it() -> None:
    station = pcsc_station()
    card = admin_card()
    assert isinstance(insert(station, card), AdminPin)
    menu = station.machine.handle(fw.PinEntered(PIN))
    assert isinstance(menu, AdminMenu), menu
    assert station.package is not None
    menu = station.machine.handle(fw.LoadPackage(station.package.to_bytes()))
    assert station.machine.phase.value == "package-loaded", menu
    signed = [e for e in audit_entries(station) if e.event == "admin_card_authenticated"]
    assert signed and signed[-1].outcome == "success"
    assert isinstance(pull(station), Standby)
    refused = station.machine.handle(fw.ZeroCheck())
    assert isinstance(refused, Notice) and "管理者カード" in refused.ja
    assert station.machine.phase.value == "package-loaded"
    assert events_named(audit_entries(station), "admin_action_refused")


def test_wrong_pin_shows_tries_left_and_the_counter_lives_on_the_card() -> None:
    first, second = pcsc_station("M-001"), pcsc_station("M-001", seed=2)
    card = admin_card(label="pin")
    screen = login(first, card, "0000")
    assert isinstance(screen, AdminPin) and screen.tries_left == 2
    pull(first)
    # another machine (or the same one after a reboot) gains nothing: the card remembers
    screen = login(second, card, "9999")
    assert isinstance(screen, AdminPin) and screen.tries_left == 1
    screen = second.machine.handle(fw.PinEntered("1111"))
    assert isinstance(screen, Notice) and "ロック" in screen.ja and screen.for_admin
    pull(second)
    assert card.tries_left == 0
    # blocked everywhere, even with the right PIN
    screen = login(first, card, PIN)
    assert isinstance(screen, Notice) and "ロック" in screen.ja
    pull(first)
    failures = [e for e in audit_entries(first) if e.event == "admin_pin_checked"]
    assert [e.outcome for e in failures] == ["failure", "failure"]


def test_commission_reset_wipes_the_keys_before_the_new_pin() -> None:
    card = admin_card(label="reset")
    for wrong in ("0000", "0001", "0002"):
        exchange(card.process, select(ADMIN_AID))
        card.process(bytes([0x00, 0x20, 0x00, 0x80, 4]) + wrong.encode())
    assert card.tries_left == 0
    old_identity = card.identity_key
    # someone else's key cannot reset it
    try:
        reset_admin_card(card.process, "5678", Ed25519PrivateKey.generate())
    except ProgrammingError as exc:
        assert "6982" in str(exc)
    else:
        raise AssertionError("reset by a foreign key was accepted")
    assert card.tries_left == 0 and card.identity_key is old_identity
    reset_admin_card(card.process, "5678", COMMISSION_KEY)
    assert card.identity_key is None and card.auth_key is None and card.share is None
    assert set(card.objects) == {Tag.COMMISSION_KEY}
    assert card.lifecycle is Lifecycle.PERSONALISATION and card.tries_left == card.max_tries
    # a reset card is not an admin card until the commission programs it again
    station = pcsc_station()
    screen = insert(station, card)
    assert isinstance(screen, Notice) and "確認できません" in screen.ja
    pull(station)


def test_the_card_signs_only_login_challenges_and_only_after_the_pin() -> None:
    card = admin_card(label="oracle")
    exchange(card.process, select(ADMIN_AID))
    challenge = login_challenge(b"\x01" * 32, "M-001", "", "login")
    assert exchange(card.process, internal_authenticate(KeyRef.IDENTITY, challenge)).sw == \
        SW_SECURITY
    card.process(bytes([0x00, 0x20, 0x00, 0x80, 4]) + PIN.encode())
    assert exchange(card.process, internal_authenticate(KeyRef.IDENTITY, challenge)).ok
    for forged in (b"tohyoki/election-package/v1\x00" + b"x" * 40, b"\x01" * 10,
                   challenge + b"\x00", login_challenge(b"\x01" * 32, "M-001", "z" * 64, "login"),
                   login_challenge(b"\x01" * 32, "M-001", "", "Load Package")):
        assert exchange(card.process, internal_authenticate(KeyRef.IDENTITY, forged)).sw == \
            SW_BAD_DATA, forged


def test_refused_admin_cards_get_a_clear_message_and_a_log_entry() -> None:
    station = pcsc_station()
    assert station.package is not None
    as_manager(station, admin_card(), fw.LoadPackage(station.package.to_bytes()))
    real = admin_card(label="real")
    copy = admin_card(label="copy")  # its own keys, the real card's certificates
    copy.objects = dict(real.objects)
    cases = {
        "foreign": (ForeignCard(), "投票機のカードではありません"),
        "other election": (admin_card(label="other", election_id="tokyo-2027-04"), "別の選挙"),
        "expired": (admin_card(label="old", not_before=ELECTION_DAY - timedelta(days=30),
                               not_after=ELECTION_DAY - timedelta(days=5)), "有効期間外"),
        "forged": (admin_card(label="forged", signer=Ed25519PrivateKey.generate()),
                   "発行したものではありません"),
        "copied certificate": (copy, "署名が正しくありません"),
    }
    for name, (card, words) in cases.items():
        screen = insert(station, card)
        assert isinstance(screen, Notice) and words in screen.ja, (name, screen)
        assert station.machine.admin is None, name
        pull(station)
    entries = audit_entries(station)
    assert events_named(entries, "card_reader_fault")
    assert len([e for e in entries if e.event in ("admin_card_inserted",
                                                  "admin_card_authenticated")
                and e.outcome == "failure"]) == 4


def test_a_key_holder_card_cannot_manage_polls() -> None:
    station = pcsc_station()
    screen = as_manager(station, admin_card(Role.KEY_HOLDER, label="kh"), fw.ZeroCheck())
    assert isinstance(screen, Notice) and "投票管理者" in screen.ja


def test_idle_and_overall_limits_end_the_session() -> None:
    station = pcsc_station()
    card = admin_card(label="idle")
    assert station.package is not None
    as_manager(station, card, fw.LoadPackage(station.package.to_bytes()))
    settings = station.package.package.settings
    assert isinstance(login(station, card), AdminMenu)
    station.clock.advance(settings.inactivity_alert_seconds + 1)
    screen = station.machine.handle(fw.ZeroCheck())
    assert isinstance(screen, Notice) and "時間" in screen.ja
    assert station.machine.phase.value == "package-loaded"
    assert events_named(audit_entries(station), "admin_session_expired")[-1].detail["limit"] \
        == "idle"
    pull(station)
    assert isinstance(login(station, card), AdminMenu)
    step = settings.inactivity_alert_seconds // 2
    elapsed = 0
    while elapsed <= settings.admin_session_seconds and station.machine.admin is not None:
        station.clock.advance(step)
        elapsed += step
        station.machine.handle(fw.ShowMenu())
    assert elapsed > settings.admin_session_seconds
    assert station.machine.admin is None
    assert events_named(audit_entries(station), "admin_session_expired")[-1].detail["limit"] \
        == "overall"
    pull(station)


def test_reader_unplugged_and_two_cards() -> None:
    station = pcsc_station()
    # a reader that is not attached: what the kiosk sees when the USB reader is unplugged
    from drivers.pcsc_reader import PcscCardReader
    from firmware.interfaces import ReaderUnavailable

    unplugged = PcscCardReader("ACS ACR39U")
    try:
        unplugged.card_kind()
    except ReaderUnavailable as exc:
        assert "カードリーダー" in str(exc)
    else:
        raise AssertionError("no error for a missing reader")
    pcsc_env.insert(admin_card(label="two-a"), 0)
    screen = insert(station, AdminCardApplet(), 1)
    assert isinstance(screen, Notice) and "2枚" in screen.ja
    pcsc_env.remove(1)
    pcsc_env.remove(0)
    assert events_named(audit_entries(station), "card_reader_fault")[-1].detail["reason"] \
        == "TwoCards"


def test_the_package_list_of_admin_cards_refuses_a_card_left_out() -> None:
    from election.authoring import author_package, read_source
    from election.credentials import certificate_digest
    from election.package import sign_package
    from tests.station import COUNTING_PUBLIC, SOURCE, issuer_key

    station = pcsc_station()
    listed, left_out = admin_card(label="listed"), admin_card(label="lost")
    source = read_source(SOURCE.read_text(encoding="utf-8"))
    package = sign_package(author_package(
        source,
        machine_keys={m["machine_id"]: station.public_key if m["machine_id"] == "M-001"
                      else bytes(32) for m in source["machines"]},
        issuer_keys={i["issuer_id"]: issuer_key(i["issuer_id"]).public_key().public_bytes_raw()
                     for i in source["issuers"]},
        counting_public_key=COUNTING_PUBLIC,
        admin_certificates=(certificate_digest(listed.objects[Tag.IDENTITY_CERTIFICATE]),),
    ), COMMISSION_KEY)
    as_manager(station, listed, fw.LoadPackage(package.to_bytes()))
    assert station.machine.phase.value == "package-loaded"
    screen = insert(station, left_out)
    assert isinstance(screen, Notice) and "登録されていません" in screen.ja
    pull(station)
    assert isinstance(login(station, listed), AdminMenu)
    pull(station)
