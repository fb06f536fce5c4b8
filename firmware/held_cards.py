"""Voting cards the booth holds for the poll manager (投票管理者): the card of a session
locked for inactivity — kept on internal storage, so a power cycle does not lift the lock, only
the poll manager's card does — and the cards a power cut left locked here after their vote was
recorded, marked used since the poll manager last signed in (art. 4-1-1; the audit log keeps
both for good)."""

from __future__ import annotations

from election import canonical
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.card_ledger import CardLedger
from firmware.identity import LOCKED_FILE
from firmware.interfaces import CardReader, InternalStorage
from firmware.voting_card_check import complete_card_in_reader


class HeldCards:
    def __init__(self, storage: InternalStorage, audit: AuditLog) -> None:
        self.storage = storage
        self.audit = audit
        saved = storage.read(LOCKED_FILE)
        self.locked_card: str | None = (
            str(canonical.decode_object(saved)["card_id"]) if saved else None
        )
        self.completed_cards: list[str] = []

    def lock(self, card_id: str) -> None:
        """An abandoned session: its card stays locked here until the poll manager's card."""
        self.locked_card = card_id
        self.storage.write_atomic(LOCKED_FILE, canonical.encode({"card_id": card_id}))

    def completed(self, card_id: str) -> None:
        self.completed_cards.append(card_id)

    def complete_card_in_reader(self, reader: CardReader, machine_id: str,
                                ledger: CardLedger) -> str | None:
        """Start-up: a card left in the reader whose vote the ledger holds is marked used."""
        card = complete_card_in_reader(reader, machine_id, ledger, self.audit)
        if card is not None:
            self.completed(card)
        return card

    def notes_for_poll_manager(self) -> str:
        """What the poll manager's card settles and is told at sign-in: an abandoned session
        unlocked, and the cards marked used after a power cut."""
        notes = [f"カード {card[:8]} の投票は記録済みのため、カードを使用済みにしました / card "
                 f"{card[:8]}: its vote is recorded, the card is now marked used"
                 for card in self.completed_cards]
        self.completed_cards = []
        abandoned = self._release_abandoned()
        return "\n".join([abandoned, *notes] if abandoned else notes)

    def _release_abandoned(self) -> str:
        if self.locked_card is None:
            return ""
        card = self.locked_card
        self.locked_card = None
        self.storage.delete(LOCKED_FILE)
        self.audit.record(AuditEvent.SESSION_UNLOCKED)
        return (
            f"無操作で中断された投票は記録されていません（カード {card[:8]}）。カードを解放できます"
            f" / the abandoned session recorded nothing (card {card[:8]}); its card can be released"
        )
