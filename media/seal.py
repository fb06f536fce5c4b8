"""The seal (封印記録): the machine's signature, written at each close, over what the medium holds
— counts and an order-independent digest per contest — so that a record changed, removed or added
afterwards is detected without keeping any order (docs/media-format.md §9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

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
    body = document.body
    try:
        seal = Seal(
            machine_id=str(body["machine_id"]),
            election_id=str(body["election_id"]),
            package_fingerprint=str(body["package_fingerprint"]),
            closing_number=int(body["closing_number"]),
            final=bool(body["final"]),
            tables=tuple(
                SealedTable(str(t["contest_id"]), int(t["records"]), str(t["digest"]))
                for t in body["tables"]
            ),
            sessions_voted=int(body["sessions_voted"]),
            sessions_without_vote=int(body["sessions_without_vote"]),
            audit_log_entries=int(body["audit_log_entries"]),
            audit_log_head=str(body["audit_log_head"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise DocumentUnreadable("封印記録の項目が不正です / seal fields are invalid") from exc
    return seal, document
