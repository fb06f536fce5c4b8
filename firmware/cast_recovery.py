"""Resolving a vote a power cut interrupted (docs/media-format.md §7.5): from the cast journal's
reservation, its card part if the voter had confirmed, and what the two media hold in the
reserved slots, the vote is either recorded (the copy holds it whole) or taken back from both
media — never half (art. 4-1-4, 4-1-5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware.card_ledger import CardLedger, LedgerLine
from firmware.cast_journal import Reservation, ReservedSlot
from firmware.interfaces import MediumStore
from media.slot import EMPTY_SLOT, SLOT_SIZE, Filled, decode_slot

UNKNOWN_CARD = ""


@dataclass(frozen=True)
class RecoveryOutcome:
    """What start-up found of a vote interrupted by a crash, for the poll manager. ``card_id``
    is ``UNKNOWN_CARD`` when the power failed before the card's part of the journal was
    durable: then the copy was never written, the vote is not recorded, and the card is the
    one still locked to this machine."""

    card_id: str
    recorded: bool

    @property
    def card_label(self) -> str:
        """What the poll manager is shown to find the card: the id's first 8 digits."""
        if self.card_id == UNKNOWN_CARD:
            return "不明（この投票機にロックされたカード） / unknown: the card locked to this machine"
        return self.card_id[:8]


def resolve_reservation(
    entry: Reservation,
    card_id: str | None,
    slot_position: Callable[[str, int], tuple[str, int]],
    primary: MediumStore,
    copy: MediumStore,
    ledger: CardLedger,
) -> RecoveryOutcome | None:
    """The vote is recorded exactly when the copy holds it: every reserved slot holds the same
    bytes on both media, and at least one is a whole record; its ledger line is then written.
    Otherwise every reserved slot that is not empty is zeroed on both media. None when the card
    was already settled or nothing reached a medium. ``card_id``: the journal's card part, None
    when there is none. ``slot_position``: where a contest's slot index is on both media (from
    the verified header, ``BallotBox.slot_position``)."""
    if card_id is not None and ledger.consumed(card_id):  # the crash came while settling
        return None
    positions: dict[ReservedSlot, tuple[str, int]] = {
        s: slot_position(s.contest_id, s.index) for s in entry.slots
    }
    found = [
        (slot, primary.read_at(*positions[slot], SLOT_SIZE),
         copy.read_at(*positions[slot], SLOT_SIZE))
        for slot in entry.slots
    ]
    written = [(s, p, c) for s, p, c in found if p != EMPTY_SLOT or c != EMPTY_SLOT]
    if not written:
        return None
    if card_id is None and any(c != EMPTY_SLOT for _, _, c in written):
        # The copy is written only once the card part is durable, and the card part is cleared
        # only after the card's ledger line: this is a clear torn by a power cut, all settled.
        return None
    recorded = card_id is not None and all(
        p == c and isinstance(decode_slot(p), Filled) for _, p, c in written
    )
    if card_id is not None and recorded:
        ledger.append(LedgerLine(card_id, True, entry.contests))
    else:
        for slot, p, c in written:
            for store, held in ((primary, p), (copy, c)):
                if held != EMPTY_SLOT:
                    store.write_at(*positions[slot], EMPTY_SLOT)
    return RecoveryOutcome(UNKNOWN_CARD if card_id is None else card_id, recorded)
