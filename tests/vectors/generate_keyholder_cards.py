"""Regenerate ``keyholder_cards.json``: three simulated key-holder card files (the files behind
``python -m counting count --card FILE``, docs/counting-keys.md §8) holding a 2-of-3 SLIP-0039
split of the test counting private key of ``vote_record.json``. Run from the repository root::

    .venv/bin/python -m tests.vectors.generate_keyholder_cards

The split's randomness and the PIN salts come from a fixed seed, so a rerun writes identical
bytes. Public test keys and PINs: never for an election.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

from counting.shamir import split_secret
from drivers.card_keyholder_sim import SimulatedKeyHolderCard, _pin_hash
from media.counting_key import fingerprint, public_key_bytes
from tests.vectors.generate import COUNTING_PRIVATE

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "keyholder_cards.json"
THRESHOLD = 2
HOLDERS = (("鍵保管者A", "1357"), ("鍵保管者B", "2468"), ("鍵保管者C", "3579"))
SEED = b"tohyoki/test-vector/keyholder-cards"


def seeded_bytes(label: bytes) -> Callable[[int], bytes]:
    """A deterministic stand-in for os.urandom: SHA-256 in counter mode over ``label``."""
    counter = 0

    def take(n: int) -> bytes:
        nonlocal counter
        out = b""
        while len(out) < n:
            out += hashlib.sha256(label + counter.to_bytes(8, "big")).digest()
            counter += 1
        return out[:n]

    return take


def card_file(card: SimulatedKeyHolderCard) -> bytes:
    """The exact bytes ``SimulatedKeyHolderCard.save`` writes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "card.json"
        card.save(path)
        return path.read_bytes()


def build() -> str:
    shares = split_secret(COUNTING_PRIVATE, THRESHOLD, len(HOLDERS),
                          random_bytes=seeded_bytes(SEED + b"/split"))
    salts = seeded_bytes(SEED + b"/salts")
    cards: list[dict[str, Any]] = []
    for (holder, pin), share in zip(HOLDERS, shares, strict=True):
        salt = salts(16)
        card = SimulatedKeyHolderCard(holder, salt, _pin_hash(salt, pin), share=share.packed())
        cards.append({
            "holder": holder,
            "pin": pin,
            "file": card_file(card).decode("utf-8"),
            "file_hex": card_file(card).hex(),
            "share_packed_hex": share.packed().hex(),
            "share_mnemonic": share.mnemonic(),
            "member_index": share.index,
        })
    public = public_key_bytes(COUNTING_PRIVATE)
    data = {
        "spec": "docs/counting-keys.md §1 (shares), §8 (card file)",
        "note": "Each file is what a simulated key holder's card holds (its share in the clear: "
        "demo and test only). Any 2 of the 3 shares give counting_private_key_hex (SLIP-0039, "
        "one group, empty passphrase); the key's public half has the fingerprint given.",
        "threshold": THRESHOLD,
        "counting_private_key_hex": COUNTING_PRIVATE.hex(),
        "counting_key_fingerprint": fingerprint(public),
        "cards": cards,
        "quorums": [list(pair) for pair in combinations(range(len(HOLDERS)), THRESHOLD)],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    OUTPUT.write_text(build(), encoding="utf-8")


if __name__ == "__main__":
    main()
