"""The card ledger (``cards.log`` on internal storage, docs/media-format.md §7.5): every voting
card consumed on this machine, so a consumed card is refused here even if its chip lies, and the
seal can count sessions (§9). One canonical line per card; no choice, no slot."""

from __future__ import annotations

from dataclasses import dataclass

from election import canonical
from firmware.interfaces import InternalStorage

LEDGER_FILE = "cards.log"


@dataclass(frozen=True)
class LedgerLine:
    """One consumed voting card: whether it voted and which contests it carried. No choice."""

    card_id: str
    voted: bool
    contests: tuple[str, ...]


class CardLedger:
    """Cards consumed on this machine, so a consumed card is refused even if its chip lies."""

    def __init__(self, storage: InternalStorage) -> None:
        self._storage = storage

    def _whole_lines(self) -> bytes:
        """The ledger up to its last complete line. A line without its newline is an append
        torn by a power cut: the card was never consumed by it (the journal still says so)."""
        data = self._storage.read(LEDGER_FILE) or b""
        return data[: data.rfind(b"\n") + 1]

    def torn(self) -> bool:
        data = self._storage.read(LEDGER_FILE) or b""
        return bool(data) and not data.endswith(b"\n")

    def repair(self) -> bool:
        """Drop a torn last line (atomically); True if there was one."""
        if not self.torn():
            return False
        self._storage.write_atomic(LEDGER_FILE, self._whole_lines())
        return True

    def lines(self) -> list[LedgerLine]:
        data = self._whole_lines()
        result = []
        for raw in data.splitlines():
            d = canonical.decode_object(raw)
            result.append(LedgerLine(d["card_id"], d["voted"], tuple(d["contests"])))
        return result

    def consumed(self, card_id: str) -> bool:
        # Every line holds its card id in canonical form, so a ledger without that text has no
        # line for the card: only then is parsing each line (O(ledger) per vote) skipped.
        if canonical.encode([card_id])[1:-1] not in self._whole_lines():
            return False
        return any(line.card_id == card_id for line in self.lines())

    def append(self, line: LedgerLine) -> None:
        if self.consumed(line.card_id):
            return
        self.repair()
        body = {"card_id": line.card_id, "voted": line.voted, "contests": list(line.contests)}
        self._storage.append(LEDGER_FILE, canonical.encode(body) + b"\n")
