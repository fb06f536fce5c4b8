"""The seal (封印記録): the machine's signature, written at each close, over what the medium holds
— counts and an order-independent digest per contest — so that a record changed, removed or added
afterwards is detected without keeping any order (docs/media-format.md §9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.fields import FieldReader, whole
from media.signed_document import DocumentUnreadable, SignedDocument, decode_signed, encode_signed

SEAL_FORMAT = "tohyoki-seal/1"
SEAL_PURPOSE = "seal"


@dataclass(frozen=True)
class SealedTable:
    contest_id: str
    records: int
    digest: str


@dataclass(frozen=True)
class Seal:
    machine_id: str
    election_id: str
    package_fingerprint: str
    closing_number: int
    final: bool
    tables: tuple[SealedTable, ...]
    sessions_voted: int
    sessions_without_vote: int
    audit_log_entries: int
    audit_log_head: str

    def to_body(self) -> dict[str, Any]:
        return {
            "format": SEAL_FORMAT,
            "machine_id": self.machine_id,
            "election_id": self.election_id,
            "package_fingerprint": self.package_fingerprint,
            "closing_number": self.closing_number,
            "final": self.final,
            "tables": [
                {"contest_id": t.contest_id, "records": t.records, "digest": t.digest}
                for t in self.tables
            ],
            "sessions_voted": self.sessions_voted,
            "sessions_without_vote": self.sessions_without_vote,
            "audit_log_entries": self.audit_log_entries,
            "audit_log_head": self.audit_log_head,
        }

    def encode(self, machine_key: Ed25519PrivateKey) -> bytes:
        return encode_signed(self.to_body(), machine_key, SEAL_PURPOSE)

    def table(self, contest_id: str) -> SealedTable:
        for entry in self.tables:
            if entry.contest_id == contest_id:
                return entry
        raise KeyError(contest_id)


def decode_seal(data: bytes) -> tuple[Seal, SignedDocument]:
    document = decode_signed(data, SEAL_FORMAT, "封印記録 / seal")
    r = FieldReader(document.body, "seal", DocumentUnreadable)
    r.text("format")  # checked by decode_signed
    seal = whole(r, Seal(
        machine_id=r.identifier("machine_id"),
        election_id=r.identifier("election_id"),
        package_fingerprint=r.digest("package_fingerprint"),
        closing_number=r.integer("closing_number", minimum=1),
        final=r.flag("final"),
        tables=tuple(
            whole(t, SealedTable(t.identifier("contest_id"), t.integer("records"),
                                 t.digest("digest")))
            for t in r.items("tables")
        ),
        sessions_voted=r.integer("sessions_voted"),
        sessions_without_vote=r.integer("sessions_without_vote"),
        audit_log_entries=r.integer("audit_log_entries"),
        audit_log_head=r.digest("audit_log_head"),
    ))
    return seal, document
