"""A simulated key holder's card (鍵保管者カード) for the counting-key ceremony and unlock.

It models the card the counting tool will talk to over PC/SC (GET/PUT SHARE, docs/counting-keys.md):
the PIN try counter lives on the card and blocks it after ``max_tries`` wrong PINs; the share is
released only after the PIN in the same session (a card reset — removal — clears it); the share
slot is written once and cannot be overwritten until explicitly erased with the PIN; the holder
label is readable without the PIN so the ceremony can name whose card is in the reader.

``save``/``load`` persist the card's state to a file, standing in for the card's own EEPROM
between the ceremony (before the election) and the count (after it). The file of a simulated card
holds its share in the clear exactly as a real card's chip does; it is for tests and the demo,
never for an election.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from firmware.interfaces import CardBlocked, CardRefused, CardRemoved, WrongPin

MAX_SHARE_BYTES = 255  # one short APDU; a 96-byte secret's share is 105 bytes packed
_PIN_SALT_BYTES = 16


def _pin_hash(salt: bytes, pin: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, 20_000)


@dataclass
class SimulatedKeyHolderCard:
    holder_label: str
    pin_salt: bytes
    pin_check: bytes
    share: bytes | None = None
    tries_left: int = 3
    max_tries: int = 3
    pin_verified: bool = False
    present: bool = True

    @classmethod
    def issue(cls, holder_label: str, pin: str, max_tries: int = 3) -> SimulatedKeyHolderCard:
        if not 4 <= len(pin) <= 12 or not pin.isdigit():
            raise CardRefused("PINは4〜12桁の数字です / the PIN must be 4-12 digits")
        salt = os.urandom(_PIN_SALT_BYTES)
        return cls(holder_label, salt, _pin_hash(salt, pin), tries_left=max_tries,
                   max_tries=max_tries)

    def _check_present(self) -> None:
        if not self.present:
            raise CardRemoved("鍵保管者カードが抜かれました / the key holder card was removed")

    def holder_id(self) -> str:
        self._check_present()
        return self.holder_label

    def verify_pin(self, pin: str) -> None:
        self._check_present()
        if self.tries_left == 0:
            raise CardBlocked("card blocked")
        if not hmac.compare_digest(_pin_hash(self.pin_salt, pin), self.pin_check):
            self.tries_left -= 1
            self.pin_verified = False
            if self.tries_left == 0:
                raise CardBlocked("card blocked")
            raise WrongPin(self.tries_left)
        self.tries_left = self.max_tries
        self.pin_verified = True

    def _require_pin(self) -> None:
        self._check_present()
        if not self.pin_verified:
            raise CardRefused("security status not satisfied: verify the PIN first")

    def has_share(self) -> bool:
        self._check_present()
        return self.share is not None

    def put_share(self, share: bytes) -> None:
        self._require_pin()
        if self.share is not None:
            raise CardRefused("このカードには既に分割片があります / the card already holds a share")
        if not 1 <= len(share) <= MAX_SHARE_BYTES:
            raise CardRefused("wrong length")
        self.share = bytes(share)

    def get_share(self) -> bytes:
        self._require_pin()
        if self.share is None:
            raise CardRefused("このカードに分割片はありません / the card holds no share")
        return self.share

    def erase_share(self) -> None:
        self._require_pin()
        self.share = None

    # -- physical events -------------------------------------------------------------------

    def remove(self) -> None:
        self.present = False
        self.pin_verified = False

    def insert(self) -> None:
        self.present = True
        self.pin_verified = False

    # -- persistence standing in for the chip's EEPROM ----------------------------------------

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({
            "holder": self.holder_label,
            "pin_salt": self.pin_salt.hex(),
            "pin_check": self.pin_check.hex(),
            "share": None if self.share is None else self.share.hex(),
            "tries_left": self.tries_left,
            "max_tries": self.max_tries,
        }, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SimulatedKeyHolderCard:
        state = json.loads(path.read_text(encoding="utf-8"))
        share = state["share"]
        return cls(
            holder_label=state["holder"],
            pin_salt=bytes.fromhex(state["pin_salt"]),
            pin_check=bytes.fromhex(state["pin_check"]),
            share=None if share is None else bytes.fromhex(share),
            tries_left=int(state["tries_left"]),
            max_tries=int(state["max_tries"]),
        )
