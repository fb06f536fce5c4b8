"""How ``unlock`` and ``count`` call the key holders: the real cards one after another at one
PC/SC reader (``--reader … --holders k``) or simulated card files for rehearsals (``--card``),
each PIN typed without echo (``counting/pin_entry.py``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from counting.commands.terminal import CliError
from counting.pin_entry import PinEntryUnavailable, pin_reader
from counting.session import Session
from counting.unlock import in_turn, unlock


def ask_pin(args: argparse.Namespace) -> Callable[[str], str]:
    try:
        return pin_reader(args.pins_from_stdin, sys.stdin)
    except PinEntryUnavailable as exc:
        raise CliError(str(exc)) from None


def present_cards(cards: Sequence[Path], ask: Callable[[str], str]) -> list[tuple[Any, str]]:
    from drivers.card_keyholder_sim import SimulatedKeyHolderCard

    presented = []
    for path in cards:
        card = SimulatedKeyHolderCard.load(path)
        presented.append((card, ask(card.holder_label)))
    return presented


def holders_at_reader(session: Session, args: argparse.Namespace) -> Any:
    """The real cards: the holders come to one PC/SC reader in turn; each card is checked
    (commission certificate, this election, key-holder role, authenticity) before its PIN."""
    from drivers.clock import SystemClock
    from drivers.pcsc_keyholder import KeyHolderReader
    from drivers.pcsc_reader import PcscCardReader

    if args.holders < 2:
        raise CliError("鍵保管者の人数を --holders で指定してください / give the number of key "
                       "holders present with --holders")
    _, newest = session.versions()
    commission = bytes.fromhex(Path(session.settings["commission_pub"]).read_text().strip())
    station = KeyHolderReader(
        PcscCardReader(args.reader), commission, newest.package.election_id, SystemClock().now,
        ask_pin(args), lambda text: print(text, file=sys.stderr, flush=True),
    )
    return in_turn(lambda i: station.present(i, f"鍵保管者 {i + 1} / key holder {i + 1}"),
                   args.holders, station.done)


def unlock_with_holders(session: Session, args: argparse.Namespace, public_key: bytes) -> Any:
    if args.reader is not None:
        if args.card:
            raise CliError("--reader と --card は同時に使えません / give --reader or --card")
        return unlock(holders_at_reader(session, args), public_key, session.log)
    cards: Sequence[Path] = args.card
    if not cards:
        raise CliError("鍵保管者のカードを --reader（本番）または --card（模擬カード）で示して"
                       "ください / present the key holders' cards with --reader (real cards) or "
                       "--card (simulated card files)")
    presented = present_cards(cards, ask_pin(args))
    try:
        return unlock(presented, public_key, session.log)
    finally:
        for (card, _), path in zip(presented, cards, strict=True):
            card.save(path)  # the card's PIN counter is kept, as on a real card
