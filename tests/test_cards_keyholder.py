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
