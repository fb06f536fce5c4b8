"""A key holder's admin card over PC/SC, as the counting-key ceremony and the unlock use it
(``counting.ceremony.KeyHolderCard``; docs/card-protocol.md §6.3). Same reader code as the
machine; the card must be a genuine key-holder card of the election before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from drivers.card_apdu import Command, Ins, Tag, get_data
from drivers.pcsc_reader import PcscCardReader
from election.credentials import (
    CARD_AUTH_PURPOSE,
    CredentialError,
    Role,
    card_auth_challenge,
    open_card_auth_certificate,
    open_certificate,
)
from election.signature import BadSignature, verify
from firmware.interfaces import CardKind, CardProtocolError, CardRefused, CardRemoved, UnknownCard


class PcscKeyHolderCard:
    """Opens the card in ``reader`` and checks it (certificate, card authenticity, role)."""

    def __init__(self, reader: PcscCardReader, commission_public_key: bytes, election_id: str,
                 now: datetime, station_id: str = "counting") -> None:
        self.reader = reader
        if reader.card_kind() is not CardKind.ADMIN:
            raise UnknownCard("鍵保管者カードではありません / not a key holder's card")
        try:
            data = reader.read_admin_certificate()
            cert = open_certificate(data, commission_public_key, election_id, now)
            auth = open_card_auth_certificate(reader.read_card_auth_certificate(),
                                              commission_public_key, election_id, now)
            challenge = card_auth_challenge(_nonce(), station_id)
            verify(auth.public_key, CARD_AUTH_PURPOSE, challenge,
                   reader.authenticate_card(challenge), "鍵保管者カード / key holder card")
        except (CredentialError, BadSignature) as exc:
            raise CardRefused(f"鍵保管者カードを確認できません / key holder card refused: {exc}") \
                from exc
        if cert.role is not Role.KEY_HOLDER or auth.card_id != cert.card_id:
            raise CardRefused("鍵保管者のカードではありません / not a key holder's card")
        self.certificate = cert

    def holder_id(self) -> str:
        return self.certificate.card_id

    def verify_pin(self, pin: str) -> None:
        self.reader.verify_pin(pin)

    def has_share(self) -> bool:
        flag = self.reader.transmit_admin(get_data(Tag.SHARE_STATUS), "share status")
        if flag not in (b"\x00", b"\x01"):
            raise CardProtocolError("分割片の状態が不正です / malformed share status")
        return flag == b"\x01"

    def put_share(self, share: bytes) -> None:
        if not 1 <= len(share) <= 255:
            raise CardRefused("分割片の長さが不正です / a share is 1-255 bytes")
        self.reader.transmit_admin(Command(0x80, Ins.PUT_SHARE, 0, 0, share), "PUT SHARE")

    def get_share(self) -> bytes:
        share = self.reader.transmit_admin(Command(0x80, Ins.GET_SHARE, 0, 0, b"", 0),
                                           "GET SHARE")
        if not 1 <= len(share) <= 255:
            raise CardProtocolError("分割片の長さが不正です / malformed share")
        return share

    def erase_share(self) -> None:
        self.reader.transmit_admin(Command(0x80, Ins.PUT_SHARE, 1, 0), "ERASE SHARE")


def _nonce() -> bytes:
    import os

    return os.urandom(32)


class KeyHolderReader:
    """One PC/SC reader at the key ceremony or the unlock, in front of the witnesses: asks each
    holder in turn to insert their card (``present``), opens and checks it, takes the PIN they
    type, and after their share is written or read asks them to take it out (``done``), so
    only one holder's card is ever in the reader."""

    def __init__(
        self,
        reader: PcscCardReader,
        commission_public_key: bytes,
        election_id: str,
        now: Callable[[], datetime],
        ask_pin: Callable[[str], str],
        say: Callable[[str], None],
        poll_seconds: float = 0.2,
        wait_seconds: float = 600.0,
    ) -> None:
        self.reader = reader
        self.commission_public_key = commission_public_key
        self.election_id = election_id
        self.now = now
        self.ask_pin = ask_pin
        self.say = say
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds

    def _wait(self, card_in: bool, what: str) -> None:
        deadline = time.monotonic() + self.wait_seconds
        while bool(self.reader.present()) is not card_in:
            if time.monotonic() > deadline:
                raise CardRemoved(f"{what}: 時間内にカードの出し入れがありません / no card "
                                  f"{'inserted' if card_in else 'removed'} in time")
            time.sleep(self.poll_seconds)

    def present(self, index: int, name: str) -> tuple[PcscKeyHolderCard, str]:
        self.say(f"{name} さん: 鍵保管者カードを読取機に入れてください / {name}: insert your "
                 "key holder card")
        self._wait(True, name)
        card = PcscKeyHolderCard(self.reader, self.commission_public_key, self.election_id,
                                 self.now())
        return card, self.ask_pin(card.holder_id())

    def done(self, index: int) -> None:
        self.say("カードを抜いてください / take your card out of the reader")
        self._wait(False, "")
