"""The key holder's share slot over the real PC/SC path (docs/card-protocol.md §6.3), through
the adapter the counting tool uses (drivers/pcsc_keyholder.py)."""

from __future__ import annotations

import pytest

from drivers.pcsc_keyholder import PcscKeyHolderCard
from drivers.pcsc_reader import PcscCardReader
from election.credentials import Role
from firmware.interfaces import CardRefused, WrongPin
from tests import pcsc_env
from tests.cards_support import ELECTION_ID, admin_card
from tests.station import COMMISSION_PUB, ELECTION_DAY, PIN


def open_card(reader: PcscCardReader) -> PcscKeyHolderCard:
    return PcscKeyHolderCard(reader, COMMISSION_PUB, ELECTION_ID, ELECTION_DAY)


def test_share_slot_behind_the_pin_written_once_and_gone_with_the_card() -> None:
    pcsc_env.empty_all()
    reader = PcscCardReader("Virtual PCD")
    card = admin_card(Role.KEY_HOLDER, label="kh1")
    pcsc_env.insert(card)
    holder = open_card(reader)
    assert holder.holder_id() == "card-kh1" and not holder.has_share()
    with pytest.raises(CardRefused, match="PIN"):
        holder.put_share(b"\x01" * 105)
    with pytest.raises(WrongPin):
        holder.verify_pin("0000")
    holder.verify_pin(PIN)
    holder.put_share(b"\x01" * 105)
    with pytest.raises(CardRefused, match="状態"):
        holder.put_share(b"\x02" * 105)  # written once
    assert holder.has_share()
    pcsc_env.remove()
    pcsc_env.insert(card)
    holder = open_card(reader)
    with pytest.raises(CardRefused, match="PIN"):
        holder.get_share()  # removal cleared the PIN state
    holder.verify_pin(PIN)
    assert holder.get_share() == b"\x01" * 105
    holder.erase_share()
    assert not holder.has_share()
    pcsc_env.remove()


def test_only_a_key_holder_card_opens() -> None:
    pcsc_env.empty_all()
    pcsc_env.insert(admin_card(Role.POLL_MANAGER, label="pm-kh"))
    with pytest.raises(CardRefused, match="鍵保管者"):
        open_card(PcscCardReader("Virtual PCD"))
    pcsc_env.remove()


def _holders_at_one_reader(cards: list, pins: list[str], said: list[str]):  # noqa: ANN202
    """The holders as the reader sees them: whoever is asked inserts their card, and takes it
    out when told (the scripted people; everything else is the real PC/SC path)."""
    from drivers.pcsc_keyholder import KeyHolderReader

    queue = list(range(len(cards)))

    def say(text: str) -> None:
        said.append(text)
        if "insert" in text:
            pcsc_env.insert(cards[queue.pop(0)])
        else:
            pcsc_env.remove()

    asked: list[str] = []

    def ask_pin(holder: str) -> str:
        asked.append(holder)
        return pins[len(asked) - 1]

    station = KeyHolderReader(PcscCardReader("Virtual PCD"), COMMISSION_PUB, ELECTION_ID,
                              lambda: ELECTION_DAY, ask_pin, say, poll_seconds=0.02,
                              wait_seconds=10)
    return station, queue


def test_ceremony_and_unlock_with_real_cards_one_reader_holder_after_holder() -> None:
    """Issue #6 on the real path: the key made, split 2-of-3 onto three key-holder cards
    presented in turn in one PC/SC reader, each written and read back; then two holders, in
    turn, unlock a key that matches; a holder with a wrong PIN is named, not a wrong key."""
    from counting.ceremony import run_ceremony_in_turn
    from counting.unlock import HolderCardFailed, in_turn, unlock

    pcsc_env.empty_all()
    cards = [admin_card(Role.KEY_HOLDER, label=f"kh{n}") for n in range(3)]
    said: list[str] = []
    station, _ = _holders_at_one_reader(cards, [PIN] * 3, said)
    names = ["山田", "佐藤", "鈴木"]
    result = run_ceremony_in_turn(lambda i: station.present(i, names[i]), 3, 2,
                                  done=station.done)
    assert result.holders == ("card-kh0", "card-kh1", "card-kh2") and result.threshold == 2
    assert sum("insert" in s for s in said) == 3 and sum("take" in s for s in said) == 3
    assert all(card.share is not None for card in cards)  # on the cards, behind the PIN

    station, _ = _holders_at_one_reader([cards[2], cards[0]], [PIN, PIN], said)
    with unlock(in_turn(lambda i: station.present(i, names[i]), 2, station.done),
                result.public_key) as key:
        assert sorted(key.holders) == ["card-kh0", "card-kh2"]
    station, _ = _holders_at_one_reader([cards[1], cards[0]], [PIN, "0000"], said)
    with pytest.raises(HolderCardFailed, match="card-kh0"):
        unlock(in_turn(lambda i: station.present(i, names[i]), 2, station.done),
               result.public_key)
    pcsc_env.empty_all()
