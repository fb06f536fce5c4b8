"""Sealing the media at a close (封印, docs/media-format.md §9): the seal built from the records
and the card ledger, written with the audit log to both media, and read back from each before
anyone is told the media may be removed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.package import SignedPackage
from firmware.card_ledger import LedgerLine
from firmware.interfaces import MediumCorrupted, MediumStore
from media.layout import AUDIT_LOG_FILE, SEAL_FILE
from media.seal import Seal, SealedTable
from media.slot import table_digest


def build_seal(
    machine_id: str,
    signed: SignedPackage,
    records: Mapping[str, list[bytes]],
    lines: Sequence[LedgerLine],
    closing_number: int,
    final: bool,
    audit_entries: int,
    audit_head: str,
) -> Seal:
    """The seal over every contest's records (order-free digests, §7.4) and the sessions the
    ledger counts; the machine signs it when it is encoded."""
    return Seal(
        machine_id=machine_id,
        election_id=signed.package.election_id,
        package_fingerprint=signed.fingerprint,
        closing_number=closing_number,
        final=final,
        tables=tuple(SealedTable(c, len(r), table_digest(r)) for c, r in records.items()),
        sessions_voted=sum(line.voted for line in lines),
        sessions_without_vote=sum(not line.voted for line in lines),
        audit_log_entries=audit_entries,
        audit_log_head=audit_head,
    )


def write_seal(
    stores: Sequence[MediumStore], seal: Seal, machine_key: Ed25519PrivateKey, audit_log: bytes
) -> None:
    """The same audit log and seal to every medium, then both files read back from each
    medium (not the page cache): a difference is ``MediumCorrupted``."""
    encoded = seal.encode(machine_key)
    for store in stores:
        store.write_atomic(AUDIT_LOG_FILE, audit_log)
        store.write_atomic(SEAL_FILE, encoded)
    for store in stores:
        for name, data in ((AUDIT_LOG_FILE, audit_log), (SEAL_FILE, encoded)):
            if store.read_at(name, 0, len(data) + 1) != data:
                raise MediumCorrupted(
                    f"{store.label}: {name} を読み戻すと違っています / read-back of {name} "
                    "differs"
                )
