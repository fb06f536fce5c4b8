"""Releasing a voting card whose vote was not recorded (a session abandoned, dropped by a
media fault or a power failure): the card stays locked to this machine until the poll manager
releases it, and only if this machine's ledger holds no vote for it — the ledger decides, never
the card (art. 4-1-1). One reader: the poll manager authorises with the admin card, takes it
out, and inserts the voting card within ``RELEASE_WINDOW``."""

from __future__ import annotations

from datetime import datetime, timedelta

from election.credentials import CredentialError, read_token
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.card_ledger import CardLedger
from firmware.interfaces import CardError, CardKind, CardReader, Clock, VotingCardPhase
from firmware.screens import Notice

RELEASE_WINDOW = timedelta(minutes=2)  # an armed release waits this long for the voting card


class CardRelease:
    def __init__(self, machine_id: str, reader: CardReader, ledger: CardLedger, clock: Clock,
                 audit: AuditLog) -> None:
        self.machine_id = machine_id
        self.reader = reader
        self.ledger = ledger
        self.clock = clock
        self.audit = audit
        self.armed_until: datetime | None = None

    def arm_or_release(self) -> str:
        """The poll manager's 'release card': with the admin card in the reader, arm a release
        for the voting card inserted next; with the voting card there, release it now."""
        try:
            if self.reader.card_kind() is CardKind.ADMIN:
                self.armed_until = self.clock.now() + RELEASE_WINDOW
                self.audit.record(AuditEvent.VOTING_CARD_RELEASE_ARMED)
                return ("管理者カードを抜き、解放する投票カードを入れてください / "
                        "remove your card and insert the voting card to release")
        except CardError as exc:
            return f"カードを読めません / cannot read card: {exc}"
        return self.release_voting_card()

    def armed_release(self) -> Notice | None:
        """The voting card inserted after an armed release: what became of it, or None when no
        release was armed (or its window passed) and the card is a voter's as usual."""
        armed, self.armed_until = self.armed_until, None
        if armed is None or self.clock.now() > armed:
            return None
        ja, _, en = self.release_voting_card().partition(" / ")
        return Notice(ja, en, True)

    def release_voting_card(self) -> str:
        """Release the voting card in the reader if it is locked to this machine and its vote
        was not recorded (the ledger decides, never the card)."""
        reader = self.reader
        try:
            token, _, _ = read_token(reader.read_voting_token())
            status = reader.voting_card_status()
            if self.ledger.consumed(token.card_id):
                return "このカードの投票は記録済みです。解放できません / this card's vote is recorded"
            if status.phase is not VotingCardPhase.LOCKED or status.machine_id != self.machine_id:
                return "解放できるカードではありません / not a card to release"
            reader.release_voting_card(self.machine_id)
        except (CardError, CredentialError) as exc:
            return f"カードを読めません / cannot read card: {exc}"
        self.audit.record(AuditEvent.VOTING_CARD_RELEASED)
        return "カードを解放しました / card released"
