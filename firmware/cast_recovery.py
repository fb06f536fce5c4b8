"""Resolving a vote a power cut interrupted (docs/media-format.md §7.5): from the cast journal's
reservation and what the two media hold in its slots, the vote is either recorded (the copy
holds it whole) or taken back from both media — never half (art. 4-1-4, 4-1-5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware.card_ledger import CardLedger, LedgerLine
from firmware.cast_journal import Reservation, ReservedSlot
from firmware.interfaces import MediumStore
from media.slot import EMPTY_SLOT, SLOT_SIZE, Filled, decode_slot


@dataclass(frozen=True)
class RecoveryOutcome:
    """What start-up found of a vote interrupted by a crash, for the poll manager."""

    card_id: str
    recorded: bool


def resolve_reservation(
    entry: Reservation,
    slot_position: Callable[[str, int], tuple[str, int]],
    primary: MediumStore,
    copy: MediumStore,
    ledger: CardLedger,
) -> RecoveryOutcome | None:
    """The vote is recorded exactly when the copy holds it: every reserved slot holds the same
    bytes on both media, and at least one is a whole record; its ledger line is then written.
    Otherwise every reserved slot that is not empty is zeroed on both media. None when the card
    was already settled or nothing reached a medium. ``slot_position``: where a contest's slot
    index is on both media (from the verified header, ``BallotBox.slot_position``)."""
    if ledger.consumed(entry.card_id):  # the crash came while settling: all done
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
    recorded = all(p == c and isinstance(decode_slot(p), Filled) for _, p, c in written)
    if recorded:
        ledger.append(LedgerLine(entry.card_id, True, entry.contests))
    else:
        for slot, p, c in written:
            for store, held in ((primary, p), (copy, c)):
                if held != EMPTY_SLOT:
                    store.write_at(*positions[slot], EMPTY_SLOT)
    return RecoveryOutcome(entry.card_id, recorded)
