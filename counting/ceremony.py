"""The counting-key ceremony (開票鍵の生成と分割), run by the election commission offline before
the election: generate the counting key pair, split the 96-byte private key k-of-n in SLIP-0039
layout (counting/shamir.py), write each share to one key holder's card behind that holder's PIN,
read every share back, prove that k of them rebuild the key, and hand out only the public key
and its fingerprint for the election package. The private key is never written to disk; it lives
in a bytearray that is overwritten before this function returns (see counting/unlock.py for what
Python can and cannot promise about memory).

Command line — the real cards, one PC/SC reader, each holder in turn::

    python -m counting.ceremony --threshold 3 --reader "" --commission-pub commission.hex
        --election-id tsukuba-2027 --holder 山田 --holder 佐藤 ... --public-key-out key.hex

or simulated cards for rehearsals and tests (``--cards DIR`` instead of ``--reader``).

PINs are typed at the terminal without echo, or read one per line from stdin with
--pins-from-stdin (counting/pin_entry.py: the same rule as the unlock).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from counting import shamir
from counting.pin_entry import FLAG_HELP, PinEntryUnavailable, pin_reader
from election.package import short_fingerprint as short_fingerprint
from firmware.audit_events import AuditEvent
from firmware.interfaces import CardError
from media.counting_key import PRIVATE_KEY_LENGTH, generate_private_key, public_key_bytes
from media.counting_key import fingerprint as counting_key_fingerprint

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


def _wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))


def _check_parameters(threshold: int, count: int) -> None:
    if not 2 <= threshold <= count <= MAX_HOLDERS:
        raise CeremonyError(
            f"鍵保管者は2人以上{MAX_HOLDERS}人以下、しきい値は2以上で人数以下にしてください / "
            f"need 2 ≤ k ≤ n ≤ {MAX_HOLDERS} (got k={threshold}, n={count})"
        )


def _open_card(card: KeyHolderCard, pin: str, holders: Sequence[str]) -> str:
    """The holder's label, once the PIN is right and the card is fresh and not yet seen."""
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
    if holder in holders:
        raise CeremonyError("同じ鍵保管者のカードが重複しています / the same holder twice")
    return holder


def run_ceremony(
    cards: Sequence[tuple[KeyHolderCard, str]],
    threshold: int,
    *,
    random_bytes: Callable[[int], bytes] = os.urandom,
    generate: Callable[[], bytes] = generate_private_key,
    log: Any = None,
) -> CeremonyResult:
    """``cards`` are (card, PIN) of every key holder, in holder order, all at hand (simulated
    cards, or one reader per holder): every card and PIN is checked before the key exists."""
    _check_parameters(threshold, len(cards))
    holders: list[str] = []
    for card, pin in cards:
        holders.append(_open_card(card, pin, holders))
    return _make_and_split(len(cards), threshold, lambda index: cards[index], None, holders,
                           random_bytes=random_bytes, generate=generate, log=log)


def run_ceremony_in_turn(
    present: Callable[[int], tuple[KeyHolderCard, str]],
    count: int,
    threshold: int,
    *,
    done: Callable[[int], None] = lambda index: None,
    random_bytes: Callable[[int], bytes] = os.urandom,
    generate: Callable[[], bytes] = generate_private_key,
    log: Any = None,
) -> CeremonyResult:
    """One reader: the key is made, then holder after holder inserts their card
    (``present(i)`` returns it with the PIN they typed), the card is checked, receives its share
    and gives it back, and is taken out (``done(i)``) before the next holder comes. A card that
    fails stops the ceremony; the cards already written must then be erased (the key is gone)."""
    _check_parameters(threshold, count)
    return _make_and_split(count, threshold, present, done, [],
                           random_bytes=random_bytes, generate=generate, log=log)


def _make_and_split(
    count: int,
    threshold: int,
    card_at: Callable[[int], tuple[KeyHolderCard, str]],
    done: Callable[[int], None] | None,
    holders: list[str],
    *,
    random_bytes: Callable[[int], bytes],
    generate: Callable[[], bytes],
    log: Any,
) -> CeremonyResult:
    """Generate the key, write one share per card and read it back, prove that quorums rebuild
    the key, wipe it. ``done`` is None when every card is at hand (already checked, read back
    after all are written); otherwise each card is checked, written and read back in turn."""
    private = bytearray(generate())
    try:
        if len(private) != PRIVATE_KEY_LENGTH:
            raise CeremonyError("counting private key has the wrong length")
        public = public_key_bytes(bytes(private))
        shares = shamir.split_secret(private, threshold, count, random_bytes=random_bytes)
        stored: list[shamir.Share] = []
        for index, share in enumerate(shares):
            card, pin = card_at(index)
            if done is not None:
                holders.append(_open_card(card, pin, holders))
            try:
                card.put_share(share.packed())
                if done is not None:
                    stored.append(shamir.unpack_share(card.get_share()))
            except (CardError, shamir.ShareError) as exc:
                raise CeremonyError(
                    f"{holders[index]}: 分割片を書き込めません。全カードを消去してやり直して"
                    f"ください / cannot write the share; erase all cards and start again: {exc}"
                ) from exc
            if done is not None:
                done(index)
        # Read back what the cards actually hold and prove that quorums rebuild the key.
        if done is None:
            stored = [shamir.unpack_share(card_at(i)[0].get_share()) for i in range(count)]
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


def _in_turn_over_pcsc(args: argparse.Namespace, ask_pin: Callable[[str], str],
                       threshold: int) -> CeremonyResult:
    """The real cards: one PC/SC reader, holder after holder (drivers/pcsc_keyholder.py)."""
    from drivers.clock import SystemClock
    from drivers.pcsc_keyholder import KeyHolderReader
    from drivers.pcsc_reader import PcscCardReader

    commission = bytes.fromhex(args.commission_pub.read_text().strip())
    station = KeyHolderReader(PcscCardReader(args.reader), commission, args.election_id,
                              SystemClock().now, ask_pin, lambda text: print(text, flush=True))
    names = args.holder
    return run_ceremony_in_turn(lambda i: station.present(i, names[i]), len(names), threshold,
                                done=station.done)


def main(argv: Sequence[str] | None = None) -> int:
    from drivers.card_keyholder_sim import SimulatedKeyHolderCard

    parser = argparse.ArgumentParser(
        prog="python -m counting.ceremony",
        description="開票鍵の生成と分割 / counting-key ceremony: the key holders' cards in one "
                    "PC/SC reader in turn (--reader), or simulated cards for rehearsals (--cards)",
    )
    parser.add_argument("--threshold", type=int, required=True, help="k (必要な鍵保管者の数)")
    parser.add_argument("--holder", action="append", required=True, help="鍵保管者 (repeat)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--reader", help="PC/SC reader name prefix: the real cards, in turn")
    where.add_argument("--cards", type=Path,
                       help="directory for simulated cards (one file per holder), rehearsals")
    parser.add_argument("--commission-pub", type=Path,
                        help="with --reader: the commission's public key (hex) the cards carry")
    parser.add_argument("--election-id", help="with --reader: the election the cards are for")
    parser.add_argument("--public-key-out", type=Path, required=True)
    parser.add_argument("--pins-from-stdin", action="store_true", help=FLAG_HELP)
    args = parser.parse_args(argv)
    try:
        ask_pin = pin_reader(args.pins_from_stdin, sys.stdin)
    except PinEntryUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2

    cards: list[tuple[SimulatedKeyHolderCard, str, Path]] = []
    try:
        if args.reader is not None:
            if args.commission_pub is None or args.election_id is None:
                parser.error("--reader needs --commission-pub and --election-id")
            result = _in_turn_over_pcsc(args, ask_pin, args.threshold)
        else:
            args.cards.mkdir(parents=True, exist_ok=True)
            for index, holder in enumerate(args.holder, start=1):
                pin = ask_pin(holder)
                path = args.cards / f"keyholder-{index:02d}.card"
                if path.exists():
                    print(f"{path} は既にあります / already exists", file=sys.stderr)
                    return 2
                cards.append((SimulatedKeyHolderCard.issue(holder, pin), pin, path))
            result = run_ceremony([(c, p) for c, p, _ in cards], args.threshold)
    except (CeremonyError, CardError) as exc:
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
