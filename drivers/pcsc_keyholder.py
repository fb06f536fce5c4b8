"""A key holder's admin card over PC/SC, as the counting-key ceremony and the unlock use it
(``counting.ceremony.KeyHolderCard``; docs/card-protocol.md §6.3). Same reader code as the
machine; the card must be a genuine key-holder card of the election before anything else."""

from __future__ import annotations

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
from firmware.interfaces import CardKind, CardProtocolError, CardRefused, UnknownCard


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
