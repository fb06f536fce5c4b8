"""The audit log's byte format: one canonical JSON object per line, each naming the hash of the
line before, so an edit, insertion or deletion breaks the chain (docs/media-format.md §10).
It never holds a vote, a choice, a slot number or a card's link to a record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from election import canonical
from election.fields import FieldReader, whole

GENESIS = "0" * 64


class AuditChainBroken(ValueError):
    """The log's hash chain does not hold: an entry was altered, inserted or removed."""


@dataclass(frozen=True)
class AuditEntry:
    sequence: int
    time: str
    event_id: int
    event: str
    outcome: str
    detail: dict[str, Any]
    previous: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.sequence,
            "time": self.time,
            "event_id": self.event_id,
            "event": self.event,
            "outcome": self.outcome,
            "detail": self.detail,
            "prev": self.previous,
        }

    def encode(self) -> bytes:
        return canonical.encode(self.to_dict())


def entry_hash(line: bytes) -> str:
    return hashlib.sha256(b"tohyoki/audit/v1\x00" + line).hexdigest()


def decode_entry(line: bytes) -> AuditEntry:
    try:
        r = FieldReader(canonical.decode_object(line), "audit entry", AuditChainBroken)
        return whole(r, AuditEntry(
            sequence=r.integer("seq"),
            time=r.text("time"),
            event_id=r.integer("event_id", minimum=1),
            event=r.identifier("event"),
            outcome=r.text("outcome"),
            detail=r.mapping("detail"),
            previous=r.text("prev", allow_empty=True),
        ))
    except canonical.NotCanonical as exc:
        raise AuditChainBroken(f"監査ログの行が読めません / unreadable audit line: {exc}") from exc


def verify_chain(data: bytes) -> tuple[list[AuditEntry], str]:
    """Check every link; return the entries and the head hash (hash of the last line)."""
    entries: list[AuditEntry] = []
    head = GENESIS
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for index, line in enumerate(lines):
        entry = decode_entry(line)
        if entry.sequence != index + 1 or entry.previous != head:
            raise AuditChainBroken(
                f"監査ログの{index + 1}行目で連鎖が切れています / audit log chain broken at "
                f"entry {index + 1}"
            )
        entries.append(entry)
        head = entry_hash(line)
    return entries, head
