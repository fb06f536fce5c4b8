"""Accepting a voting card (投票カード) at the booth: the token the reception desk wrote is for
this election and polling place, signed by its issuer, written for this very chip, not expired,
names known contests, and neither this machine's ledger nor the chip says it was used, voided or
taken by another machine (art. 4-1-1: one card, one vote per contest, across all machines).
The ledger decides, never the card alone: a chip left locked here after its vote was recorded
is marked used now (``finish_consumption``)."""

from __future__ import annotations

from dataclasses import dataclass

from election.credentials import (
    CredentialError,
    VotingCardToken,
    read_token,
    token_card_serial,
    verify_token_signature,
)
from election.package import PackageError, SignedPackage
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.card_ledger import CardLedger
from firmware.interfaces import CardError, CardKind, CardReader, Clock, VotingCardPhase


@dataclass(frozen=True)
class CardRefused(Exception):
    """Why the card is refused: a reason for the audit log and the voter's message."""

    reason: str
    ja: str
    en: str
    completed: str | None = None  # the card id, when its chip was marked used just now


def accept_voting_card(
    reader: CardReader, signed: SignedPackage, machine_id: str, ledger: CardLedger, clock: Clock,
    audit: AuditLog,
) -> VotingCardToken:
    """Check the card in the reader and lock it to this machine; raises ``CardRefused``."""
    package = signed.package
    try:
        token, body, signature = read_token(reader.read_voting_token())
        if token.election_id != package.election_id:
            raise CardRefused("election", "別の選挙の投票カードです",
                              "This card is for another election")
        issuer = package.issuer(token.issuer_id)
        place = package.machine(machine_id).place_id
        if issuer.place_id != place or token.place_id != place:
            raise CardRefused("place", "この投票所の投票カードではありません",
                              "This card is for another polling place")
        verify_token_signature(body, signature, issuer.public_key)
        if token_card_serial(token) != reader.card_serial().hex():
            # a genuine token copied onto another card: the chip serial is not the one the
            # issuer wrote it for (docs/card-protocol.md §7.2)
            raise CardRefused("copied", "この投票カードは受付で発行されたカードではありません",
                              "This token was not issued for this card; call staff")
        if token.expires_at < clock.now():
            raise CardRefused("expired", "投票カードの有効期限が切れています",
                              "This card has expired; return to reception")
        contest_ids = [c.contest_id for c in package.contests]
        if not token.contests or any(c not in contest_ids for c in token.contests):
            raise CardRefused("contests", "投票カードの選挙が不正です",
                              "The card names an unknown contest")
        if ledger.consumed(token.card_id):
            completed = finish_consumption(reader, machine_id, audit)
            raise CardRefused("used", "この投票カードは使用済みです",
                              "This card has already been used",
                              token.card_id if completed else None)
        status = reader.voting_card_status()
        if status.phase is VotingCardPhase.CONSUMED:
            raise CardRefused("used", "この投票カードは使用済みです",
                              "This card has already been used")
        if status.phase is VotingCardPhase.VOIDED:
            raise CardRefused("voided", "この投票カードは無効にされています",
                              "This card was voided at reception")
        if status.phase is VotingCardPhase.LOCKED and status.machine_id != machine_id:
            raise CardRefused("locked", "このカードは別の投票機で使用中です",
                              "This card is in use on another machine")
        reader.lock_voting_card(machine_id)
    except (CredentialError, PackageError) as exc:
        raise CardRefused("invalid", f"投票カードが正しくありません: {exc}", str(exc)) from exc
    except CardError as exc:
        raise CardRefused("card-error", "カードを読めません。もう一度入れてください",
                          "The card could not be read; insert it again") from exc
    return token


def finish_consumption(reader: CardReader, machine_id: str, audit: AuditLog) -> bool:
    """A card this machine's ledger holds but whose chip is still locked here (pulled, or
    the power lost, before CONSUME): mark it used now, so the chip says what the ledger
    says and no other machine has to rely on the lock alone. True if it was marked now."""
    try:
        status = reader.voting_card_status()
        if status.phase is VotingCardPhase.LOCKED and status.machine_id == machine_id:
            reader.consume_voting_card(machine_id)
            audit.record(AuditEvent.VOTING_CARD_CONSUMPTION_COMPLETED)
            return True
    except CardError:
        pass  # refused as used either way; the ledger keeps refusing it here
    return False


def complete_card_in_reader(
    reader: CardReader, machine_id: str, ledger: CardLedger, audit: AuditLog
) -> str | None:
    """At start-up: the voting card left in the reader by a power cut after its vote reached
    the ledger is marked used at once. Its card id when it was; None otherwise (no card, an
    admin card, or nothing to complete)."""
    try:
        if reader.card_kind() is not CardKind.VOTING:
            return None
        token, _, _ = read_token(reader.read_voting_token())
    except (CardError, CredentialError):
        return None
    if not ledger.consumed(token.card_id):
        return None
    return token.card_id if finish_consumption(reader, machine_id, audit) else None
