"""The reception card issuer over the real PC/SC path: poll-manager login, voting cards per
ballot style, a spoiled card voided, used cards taken back, a card pulled mid-write counted once
or not at all, and the counts that reconcile (issued = consumed + voided + outstanding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.card_apdu import Ins
from drivers.card_apdu import Phase as CardPhase
from drivers.card_emulator.applets import VotingCardApplet
from drivers.pcsc_reader import PcscCardReader
from election.credentials import Role
from election.reception_report import open_reception_report
from firmware.interfaces import VotingCardPhase
from firmware.screens import Recorded
from reception.card_issuer import CardIssuer, IssuerError
from tests import pcsc_env
from tests.cards_support import admin_card, open_polls, pcsc_station
from tests.station import COMMISSION_PUB, PIN, issuer_key
from tests.test_cards_voting import vote


def desk(tmp_path: Path, station_package: object, clock: object) -> CardIssuer:
    return CardIssuer(PcscCardReader("Virtual PCD"), station_package, "R-p01",  # type: ignore[arg-type]
                      issuer_key("R-p01"), COMMISSION_PUB, tmp_path, clock)  # type: ignore[arg-type]


def test_reception_issues_voids_takes_back_and_reconciles(tmp_path: Path) -> None:
    station = pcsc_station()
    manager = admin_card()
    open_polls(station, manager)
    assert station.package is not None
    issuer = desk(tmp_path, station.package, station.clock)
    with pytest.raises(IssuerError, match="ログイン"):
        issuer.issue(("mayor",))
    pcsc_env.insert(admin_card(Role.KEY_HOLDER, label="kh"))
    with pytest.raises(IssuerError, match="投票管理者のカードではありません"):
        issuer.login(PIN)
    pcsc_env.insert(manager)
    with pytest.raises(IssuerError, match="wrong PIN"):
        issuer.login("0000")
    assert issuer.login(PIN) == "テスト pm"
    pcsc_env.remove()
    cards = [VotingCardApplet() for _ in range(3)]
    styles = [("mayor", "assembly"), ("mayor",), ("mayor", "assembly")]
    for card, style in zip(cards, styles, strict=True):
        pcsc_env.insert(card)
        issuer.issue(style)
        assert card.phase is CardPhase.ISSUED
        with pytest.raises(IssuerError, match="発行済み"):
            issuer.issue(style)  # never two tokens on one card
    pcsc_env.insert(cards[1])
    issuer.void()  # spoiled: handed the wrong ballot style
    assert cards[1].phase is CardPhase.VOIDED
    pcsc_env.remove()
    assert isinstance(vote(station, cards[0]), Recorded)  # the voter votes; card comes back
    pcsc_env.insert(cards[0])
    assert issuer.take_back() is VotingCardPhase.CONSUMED
    assert issuer.take_back() is VotingCardPhase.CONSUMED  # counted once
    pcsc_env.remove()
    counts = issuer.counts()
    assert (counts.issued, counts.consumed, counts.voided, counts.outstanding) == (3, 1, 1, 1)
    assert counts.balanced
    assert dict(counts.by_style) == {"mayor,assembly": 2, "mayor": 1}
    report = issuer.report()
    assert report[0].startswith("投票カード発行枚数報告")
    assert "照合 / check: 3 = 1 + 1 + 1" in report
    # the signed report for the counting centre: the desk's key, bound to its polling place
    signed = open_reception_report(issuer.signed_report(), station.package.package)
    assert (signed.issuer_id, signed.place_id) == ("R-p01", "p01")
    assert (signed.issued, signed.consumed, signed.voided, signed.outstanding) == (3, 1, 1, 1)
    assert signed.package_fingerprint == station.package.fingerprint
    # the desk's state survives a restart, and holds no voter identity
    again = desk(tmp_path, station.package, station.clock)
    assert again.counts() == counts
    log = (tmp_path / "desk-log.jsonl").read_text(encoding="utf-8")
    assert '"event_id": 1522' in log and '"event_id": 1523' in log and '"event_id": 1524' in log


@pytest.mark.parametrize(("cla", "after_card_acted"), [
    (0x90, True),  # between the blocks of the chained write: the card kept nothing
    (0x80, False),  # the last block never reached the card
    (0x80, True),  # the card wrote the token, the answer never came back
])
def test_a_card_pulled_mid_write_is_counted_once_or_not_at_all(
    tmp_path: Path, cla: int, after_card_acted: bool
) -> None:
    station = pcsc_station()
    assert station.package is not None
    issuer = desk(tmp_path, station.package, station.clock)
    pcsc_env.insert(admin_card())
    issuer.login(PIN)
    card = VotingCardApplet()
    pcsc_env.insert(card)
    pcsc_env.shared_daemon().slots[0].pull_at(
        lambda apdu: apdu[:2] == bytes([cla, Ins.WRITE_TOKEN]), after_card_acted)
    with pytest.raises(IssuerError, match="入れ直して"):
        issuer.issue(("mayor", "assembly"))
    pcsc_env.remove()
    assert issuer.counts().issued == 0 and issuer.counts().unconfirmed == 1
    written = cla == 0x80 and after_card_acted
    assert card.phase is (CardPhase.ISSUED if written else CardPhase.EMPTY)
    pcsc_env.insert(card)
    if written:
        assert issuer.take_back() is VotingCardPhase.ISSUED  # the write is found and counted
    else:
        issuer.issue(("mayor", "assembly"))  # written now
    pcsc_env.remove()
    counts = issuer.counts()
    assert counts.issued == 1 and counts.outstanding == 1 and counts.balanced
