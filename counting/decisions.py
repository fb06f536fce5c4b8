"""The counting session's own audit log (開票の作業記録) and the decisions the counting manager
(開票管理者) records in it: a vote's validity after hearing the witnesses (art. 9-4), using a
machine's copy medium when the primary is damaged or lost (art. 10-2), and reconciliation
mismatches. The log uses the media audit-log format (docs/media-format.md §10): one canonical
JSON line per entry, each naming the hash of the line before, so no decision can be edited,
removed or slipped in afterwards without breaking the chain."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from firmware.audit_events import AuditEvent
from media.audit_log import GENESIS, AuditChainBroken, AuditEntry, entry_hash, verify_chain

Clock = Callable[[], datetime]


class DecisionRefused(ValueError):
    """A decision is missing something the law or the record needs; the message says what."""


class DecisionKind(StrEnum):
    VALIDITY = "validity"  # art. 9-4
    COPY_MEDIUM = "copy_medium"  # art. 10-2
    RECONCILIATION = "reconciliation"
    PAPER = "paper"  # a paper batch's double-entry mismatch resolved (art. 9-5)
    NIGHT_SEAL = "night_seal"  # count a medium sealed for the night only (期日前投票)


EVENT_OF = {
    DecisionKind.VALIDITY: AuditEvent.VALIDITY_DECIDED,
    DecisionKind.COPY_MEDIUM: AuditEvent.COPY_MEDIUM_DECIDED,
    DecisionKind.RECONCILIATION: AuditEvent.RECONCILIATION_DECIDED,
    DecisionKind.PAPER: AuditEvent.PAPER_MISMATCH_RESOLVED,
    DecisionKind.NIGHT_SEAL: AuditEvent.NIGHT_SEALED_MEDIUM_DECIDED,
}
KIND_OF = {event.value: kind for kind, event in EVENT_OF.items()}
KIND_JA = {
    DecisionKind.VALIDITY: "投票の効力（法第9条第4項）",
    DecisionKind.COPY_MEDIUM: "副本の使用（法第10条第2項）",
    DecisionKind.RECONCILIATION: "投票者数の照合",
    DecisionKind.PAPER: "紙の投票の二重入力（法第9条第5項）",
    DecisionKind.NIGHT_SEAL: "夜間封印のみの媒体の計数（期日前投票）",
}
# Decisions the law makes only "after hearing the witnesses" (開票立会人の意見を聴いて).
NEEDS_WITNESSES = frozenset({DecisionKind.VALIDITY, DecisionKind.COPY_MEDIUM,
                             DecisionKind.NIGHT_SEAL})


@dataclass(frozen=True)
class Decision:
    """One recorded decision: what, about which subject, the ruling, why, when and by whom."""

    sequence: int
    time: str
    kind: DecisionKind
    subject: str
    ruling: str
    reason: str
    decided_by: str
    witnesses_heard: tuple[str, ...]


class SessionLog:
    """Append-only, hash-chained, fsync'd log file of one counting session. Re-opening an
    existing file verifies its whole chain first; a broken chain is refused, not repaired."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        if path.exists():
            self._entries, self._head = verify_chain(path.read_bytes())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._entries, self._head = [], GENESIS

    @property
    def head(self) -> str:
        return self._head

    def entries(self) -> tuple[AuditEntry, ...]:
        return tuple(self._entries)

    def append(self, event: AuditEvent, outcome: str, **detail: Any) -> AuditEntry:
        entry = AuditEntry(
            sequence=len(self._entries) + 1,
            time=self._clock().isoformat(timespec="seconds"),
            event_id=event.value,
            event=event.name.lower(),
            outcome=outcome,
            detail=detail,
            previous=self._head,
        )
        line = entry.encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        self._entries.append(entry)
        self._head = entry_hash(line)
        return entry


def _required(value: str, what_ja: str, what_en: str) -> str:
    if not value or not value.strip():
        raise DecisionRefused(f"{what_ja}を入力してください / {what_en} is required")
    return value.strip()


class Decisions:
    """The counting manager's decisions, kept only in the session log (never in memory alone)."""

    def __init__(self, log: SessionLog) -> None:
        self.log = log

    def record(
        self,
        kind: DecisionKind,
        subject: str,
        ruling: str,
        reason: str,
        decided_by: str,
        witnesses_heard: Sequence[str] = (),
    ) -> Decision:
        subject = _required(subject, "決定の対象", "the subject of the decision")
        ruling = _required(ruling, "決定の内容", "the ruling")
        reason = _required(reason, "決定の理由", "the reason")
        decided_by = _required(decided_by, "決定した開票管理者の氏名", "the counting manager's name")
        heard = tuple(w.strip() for w in witnesses_heard if w.strip())
        if kind in NEEDS_WITNESSES and not heard:
            raise DecisionRefused(
                f"{KIND_JA[kind]}は開票立会人の意見を聴いて決定します。意見を聴いた立会人の氏名を"
                "入力してください / this decision is taken after hearing the counting witnesses; "
                "name the witnesses heard"
            )
        if kind is DecisionKind.COPY_MEDIUM and ruling != "use_copy":
            raise DecisionRefused("副本の決定は use_copy のみです / a copy decision rules use_copy")
        if kind is DecisionKind.NIGHT_SEAL and ruling != "count":
            raise DecisionRefused("夜間封印の決定は count のみです / a night-seal decision rules count")
        entry = self.log.append(
            EVENT_OF[kind], "decided", kind=kind.value, subject=subject, ruling=ruling,
            reason=reason, decided_by=decided_by, witnesses_heard=list(heard),
        )
        return _decision(entry)

    def decide_validity(self, subject: str, ruling: str, reason: str, decided_by: str,
                        witnesses_heard: Sequence[str]) -> Decision:
        if ruling not in ("valid", "invalid"):
            raise DecisionRefused(
                f"効力の決定は valid（有効）か invalid（無効）です / ruling {ruling!r} must be "
                "valid or invalid"
            )
        return self.record(DecisionKind.VALIDITY, subject, ruling, reason, decided_by,
                           witnesses_heard)

    def decide_copy_medium(self, machine_id: str, reason: str, decided_by: str,
                           witnesses_heard: Sequence[str]) -> Decision:
        return self.record(DecisionKind.COPY_MEDIUM, machine_id, "use_copy", reason, decided_by,
                           witnesses_heard)

    def decide_night_sealed(self, machine_id: str, reason: str, decided_by: str,
                            witnesses_heard: Sequence[str]) -> Decision:
        """Count a machine's medium although its seal is a night seal only (final = false)."""
        return self.record(DecisionKind.NIGHT_SEAL, machine_id, "count", reason, decided_by,
                           witnesses_heard)

    def decide_reconciliation(self, subject: str, ruling: str, reason: str, decided_by: str,
                              witnesses_heard: Sequence[str] = ()) -> Decision:
        return self.record(DecisionKind.RECONCILIATION, subject, ruling, reason, decided_by,
                           witnesses_heard)

    def all(self) -> tuple[Decision, ...]:
        return tuple(_decision(e) for e in self.log.entries() if e.event_id in KIND_OF)

    def of_kind(self, kind: DecisionKind) -> tuple[Decision, ...]:
        return tuple(d for d in self.all() if d.kind is kind)

    def copy_decisions(self) -> dict[str, str]:
        """machine id → reason, the form ``counting.importer.import_media`` takes."""
        return {d.subject: d.reason for d in self.of_kind(DecisionKind.COPY_MEDIUM)}

    def night_seal_decisions(self) -> dict[str, str]:
        """machine id → reason, ``import_media(..., night_seal_decisions=...)``."""
        return {d.subject: d.reason for d in self.of_kind(DecisionKind.NIGHT_SEAL)}

    def reconciled(self) -> frozenset[str]:
        return frozenset(d.subject for d in self.of_kind(DecisionKind.RECONCILIATION))


def _decision(entry: AuditEntry) -> Decision:
    d = entry.detail
    try:
        return Decision(
            sequence=entry.sequence, time=entry.time, kind=DecisionKind(d["kind"]),
            subject=str(d["subject"]), ruling=str(d["ruling"]), reason=str(d["reason"]),
            decided_by=str(d["decided_by"]),
            witnesses_heard=tuple(str(w) for w in d["witnesses_heard"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise AuditChainBroken(
            f"決定の記録{entry.sequence}行目が読めません / decision entry {entry.sequence} is "
            f"unreadable: {exc}"
        ) from exc
