"""Where the key holders' cards come from when the counting centre's application calls the
holders in turn: the real PC/SC reader (``drivers.pcsc_keyholder`` checks each card before its
PIN) or, in rehearsals and tests, simulated card files (``--card``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from counting.ceremony import KeyHolderCard
from counting.session import Session
from counting.unlock import UnlockRefused


class KeyHolderSource:
    """Where the key holders' cards come from: the real PC/SC reader (``drivers.pcsc_keyholder``
    checks each card before its PIN) or, in rehearsals and tests, simulated card files."""

    def present(self, index: int, ask_pin: Callable[[str], str]) -> tuple[KeyHolderCard, str]:
        raise NotImplementedError

    def done(self, index: int) -> None:
        """After the holder's share was read (the real reader waits for the card to leave)."""

    def finish(self) -> None:
        """After the unlock, whatever its outcome."""


class SimulatedCards(KeyHolderSource):
    """Rehearsal cards (``--card FILE``), presented in the order given; each card's PIN counter
    is saved back after the unlock, as a real card keeps it."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self._cards: list[tuple[Any, Path]] = []

    def present(self, index: int, ask_pin: Callable[[str], str]) -> tuple[KeyHolderCard, str]:
        from drivers.card_keyholder_sim import SimulatedKeyHolderCard

        if index >= len(self.paths):
            raise UnlockRefused(f"模擬カードは {len(self.paths)} 枚です / only {len(self.paths)} "
                                "rehearsal cards were given")
        card = SimulatedKeyHolderCard.load(self.paths[index])
        self._cards.append((card, self.paths[index]))
        return card, ask_pin(card.holder_label)

    def finish(self) -> None:
        for card, path in self._cards:
            card.save(path)
        self._cards.clear()


class ReaderCards(KeyHolderSource):
    """The real key-holder cards, one holder after another at one PC/SC reader; each card is
    checked (commission certificate, this election, key-holder role, authenticity) before its
    PIN is asked."""

    def __init__(self, reader: str, say: Callable[[str], None]) -> None:
        self.reader = reader
        self.say = say
        self.session: Session | None = None
        self._station: Any = None

    def present(self, index: int, ask_pin: Callable[[str], str]) -> tuple[KeyHolderCard, str]:
        from drivers.clock import SystemClock
        from drivers.pcsc_keyholder import KeyHolderReader
        from drivers.pcsc_reader import PcscCardReader

        assert self.session is not None
        _, newest = self.session.versions()
        commission = bytes.fromhex(
            Path(self.session.settings["commission_pub"]).read_text().strip())
        self._station = KeyHolderReader(PcscCardReader(self.reader), commission,
                                        newest.package.election_id, SystemClock().now, ask_pin,
                                        self.say)
        card, pin = self._station.present(index, f"鍵保管者 {index + 1} / key holder {index + 1}")
        return card, pin

    def done(self, index: int) -> None:
        if self._station is not None:
            self._station.done(index)
