"""The counting-key ceremony (開票鍵の生成と分割), run by the election commission offline before
the election: generate the counting key pair, split the 96-byte private key k-of-n in SLIP-0039
layout (counting/shamir.py), write each share to one key holder's card behind that holder's PIN,
read every share back, prove that k of them rebuild the key, and hand out only the public key
and its fingerprint for the election package. The private key is never written to disk; it lives
in a bytearray that is overwritten before this function returns (see counting/unlock.py for what
Python can and cannot promise about memory).

Command line (simulated cards, for rehearsals and tests)::

    python -m counting.ceremony --threshold 3 --cards DIR --holder 山田 --holder 佐藤 ...
        --public-key-out counting_public_key.hex

PINs are asked for with getpass (or read one per line from stdin with --pins-from-stdin).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import itertools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from counting import shamir
from firmware.audit_events import AuditEvent
from firmware.interfaces import CardError
from media.counting_key import PRIVATE_KEY_LENGTH, generate_private_key, public_key_bytes

FINGERPRINT_LABEL = b"tohyoki/counting-public-key/v1\x00"
MAX_HOLDERS = shamir.MAX_SHARES


class KeyHolderCard(Protocol):
    """What the ceremony and the unlock need from a key holder's card (docs/counting-keys.md).
    Implemented by drivers/card_keyholder_sim.py and by the PC/SC driver of the real card."""

    def holder_id(self) -> str:
        """The holder's label, readable without the PIN."""
        ...

    def verify_pin(self, pin: str) -> None:
        """Raises WrongPin (tries left) or CardBlocked; the card counts the tries."""
        ...

    def has_share(self) -> bool: ...

    def put_share(self, share: bytes) -> None:
        """Only after the PIN; refused (CardRefused) if the card already holds a share."""
        ...

    def get_share(self) -> bytes:
        """Only after the PIN."""
        ...


class CeremonyError(Exception):
    """The ceremony cannot proceed; nothing usable was produced. The message says why."""


@dataclass(frozen=True)
class CeremonyResult:
    public_key: bytes  # 1216 bytes, for the package's counting_public_key
    fingerprint: str  # 64 hex
    short_fingerprint: str  # read aloud and signed on paper
    identifier: int  # SLIP-0039 set identifier (15 bits), printed with each holder's receipt
    threshold: int
    holders: tuple[str, ...]

    @property
    def public_key_hex(self) -> str:
        return self.public_key.hex()


def counting_key_fingerprint(public_key: bytes) -> str:
    """SHA-256 over ``"tohyoki/counting-public-key/v1" ‖ 0x00 ‖ public key`` (1216 bytes)."""
    return hashlib.sha256(FINGERPRINT_LABEL + public_key).hexdigest()


def short_fingerprint(fingerprint: str) -> str:
    head = fingerprint[:20].upper()
    return "-".join(head[i:i + 4] for i in range(0, 20, 4))


def _wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))


def run_ceremony(
    cards: Sequence[tuple[KeyHolderCard, str]],
    threshold: int,
    *,
    random_bytes: Callable[[int], bytes] = os.urandom,
    generate: Callable[[], bytes] = generate_private_key,
    log: Any = None,
) -> CeremonyResult:
    """``cards`` are (card, PIN) of every key holder, in holder order."""
    count = len(cards)
    if not 2 <= threshold <= count <= MAX_HOLDERS:
        raise CeremonyError(
            f"鍵保管者は2人以上{MAX_HOLDERS}人以下、しきい値は2以上で人数以下にしてください / "
            f"need 2 ≤ k ≤ n ≤ {MAX_HOLDERS} (got k={threshold}, n={count})"
        )
    holders = []
    for card, pin in cards:
        try:
            holder = card.holder_id()
            card.verify_pin(pin)
            if card.has_share():
                raise CeremonyError(
                    f"{holder}: カードに既に分割片があります。新しいカードを使ってください / "
                    "this card already holds a share; use a fresh card"
                )
        except CardError as exc:
            raise CeremonyError(f"鍵保管者カードを使えません / key holder card unusable: "
                                f"{type(exc).__name__}: {exc}") from exc
        holders.append(holder)
    if len(set(holders)) != len(holders):
        raise CeremonyError("同じ鍵保管者のカードが重複しています / the same holder twice")

    private = bytearray(generate())
    try:
        if len(private) != PRIVATE_KEY_LENGTH:
            raise CeremonyError("counting private key has the wrong length")
        public = public_key_bytes(bytes(private))
        shares = shamir.split_secret(private, threshold, count, random_bytes=random_bytes)
        for (card, _), share in zip(cards, shares, strict=True):
            try:
                card.put_share(share.packed())
            except CardError as exc:
                raise CeremonyError(
                    f"{card.holder_id()}: 分割片を書き込めません。全カードを消去してやり直して"
                    f"ください / cannot write the share; erase all cards and start again: {exc}"
                ) from exc
        # Read back what the cards actually hold and prove that quorums rebuild the key.
        stored = [shamir.unpack_share(card.get_share()) for card, _ in cards]
        if stored != shares:
            raise CeremonyError("カードから読み戻した分割片が違います / a card returned a "
                                "different share than was written")
        subsets = [stored[:threshold], stored[-threshold:]]
        subsets += [list(s) for s in itertools.islice(
            itertools.combinations(stored, threshold), 8)]
        for subset in subsets:
            rebuilt = shamir.combine_shares(subset)
            try:
                if rebuilt != private:
                    raise CeremonyError("分割片から鍵を復元できません / shares do not rebuild "
                                        "the key")
            finally:
                _wipe(rebuilt)
        result = CeremonyResult(
            public_key=public,
            fingerprint=counting_key_fingerprint(public),
            short_fingerprint=short_fingerprint(counting_key_fingerprint(public)),
            identifier=shares[0].identifier,
            threshold=threshold,
            holders=tuple(holders),
        )
        if log is not None:  # the commission's own log (an EventLog, counting/importer.py)
            log.append(AuditEvent.KEY_CEREMONY_COMPLETED, "ok",
                       public_key_fingerprint=result.fingerprint, threshold=threshold,
                       holders=list(holders), share_set=result.identifier)
        return result
    finally:
        _wipe(private)


def main(argv: Sequence[str] | None = None) -> int:
    from drivers.card_keyholder_sim import SimulatedKeyHolderCard

    parser = argparse.ArgumentParser(
        prog="python -m counting.ceremony",
        description="開票鍵の生成と分割（模擬カード） / counting-key ceremony (simulated cards)",
    )
    parser.add_argument("--threshold", type=int, required=True, help="k (必要な鍵保管者の数)")
    parser.add_argument("--holder", action="append", required=True, help="鍵保管者 (repeat)")
    parser.add_argument("--cards", type=Path, required=True,
                        help="directory for the simulated cards (one file per holder)")
    parser.add_argument("--public-key-out", type=Path, required=True)
    parser.add_argument("--pins-from-stdin", action="store_true")
    args = parser.parse_args(argv)
    args.cards.mkdir(parents=True, exist_ok=True)
    cards: list[tuple[SimulatedKeyHolderCard, str, Path]] = []
    for index, holder in enumerate(args.holder, start=1):
        prompt = f"{holder} さんの暗証番号 / PIN for {holder}: "
        pin = sys.stdin.readline().strip() if args.pins_from_stdin else getpass.getpass(prompt)
        path = args.cards / f"keyholder-{index:02d}.card"
        if path.exists():
            print(f"{path} は既にあります / already exists", file=sys.stderr)
            return 2
        cards.append((SimulatedKeyHolderCard.issue(holder, pin), pin, path))
    try:
        result = run_ceremony([(c, p) for c, p, _ in cards], args.threshold)
    except CeremonyError as exc:
        print(exc, file=sys.stderr)
        return 1
    for card, _, path in cards:
        card.save(path)
    args.public_key_out.write_text(result.public_key_hex + "\n", encoding="ascii")
    print(f"開票公開鍵の指紋 / counting public key fingerprint: {result.fingerprint}")
    print(f"短縮指紋 / short fingerprint: {result.short_fingerprint}")
    print(f"分割: {result.threshold} / {len(result.holders)} 人 "
          f"(SLIP-0039 identifier {result.identifier})")
    for index, holder in enumerate(result.holders, start=1):
        print(f"  {index:2d}. {holder}  署名 / signature: ________________")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
