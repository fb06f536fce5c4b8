"""The machine's audit log (監査ログ): append-only on internal storage, hash-chained
(media/audit_log.py), exported to both media at close. Never a vote, never a slot."""

from __future__ import annotations

from typing import Any

from firmware.audit_events import AuditEvent
from firmware.interfaces import Clock, InternalStorage
from media.audit_log import GENESIS, AuditEntry, entry_hash, verify_chain

AUDIT_FILE = "audit.log"
# Keys that would put a vote, its position or a card-to-record link into the log.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"choice", "candidate", "candidate_id", "selection", "slot", "slots", "record", "vote"}
)
OUTCOMES = frozenset({"start", "success", "failure", "done"})


class AuditLog:
    def __init__(self, storage: InternalStorage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock
        data = storage.read(AUDIT_FILE) or b""
        whole = data[: data.rfind(b"\n") + 1]
        # A last line without its newline is an append torn by a power cut (never a complete
        # entry): drop it so the machine can start, and say so in the log (machine boot).
        self.torn_bytes = len(data) - len(whole)
        if self.torn_bytes:
            storage.write_atomic(AUDIT_FILE, whole)
        entries, head = verify_chain(whole)
        self._count = len(entries)
        self._head = head if entries else GENESIS

    @property
    def head(self) -> str:
        return self._head

    @property
    def count(self) -> int:
        return self._count

    def record(self, event: AuditEvent, outcome: str = "done", **detail: Any) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome}")
        leaked = FORBIDDEN_DETAIL_KEYS.intersection(detail)
        if leaked:
            raise ValueError(f"audit detail may not carry {sorted(leaked)}")
        entry = AuditEntry(
            sequence=self._count + 1,
            time=self._clock.now().isoformat(timespec="seconds"),
            event_id=int(event),
            event=event.name.lower(),
            outcome=outcome,
            detail=detail,
            previous=self._head,
        )
        line = entry.encode()
        self._storage.append(AUDIT_FILE, line + b"\n")
        self._count += 1
        self._head = entry_hash(line)

    def export(self) -> bytes:
        return self._storage.read(AUDIT_FILE) or b""

    def entries(self) -> list[AuditEntry]:
        return verify_chain(self.export())[0]
