"""The audit log's byte format: one canonical JSON object per line, each naming the hash of the
line before, so an edit, insertion or deletion breaks the chain (docs/media-format.md §10).
It never holds a vote, a choice, a slot number or a card's link to a record."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from election import canonical
from election.fields import FieldReader, whole

GENESIS = "0" * 64
# What a machine's exported log may hold in its value fields (docs/media-format.md §10).
OUTCOMES = frozenset({"start", "success", "failure", "done"})
EVENT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
TIME = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                  r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9][+-](?:[01][0-9]|2[0-3]):[0-5][0-9]")
MAX_EVENT_ID = 2**53 - 1


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


def check_exported_entry(entry: AuditEntry) -> None:
    """The value rules of a line of a medium's ``AUDIT.LOG`` beyond its types (§10): the time
    as the machine writes it, a lower-case event name, one of the four outcomes."""
    problem = ""
    if not TIME.fullmatch(entry.time):
        problem = f"time {entry.time!r} is not YYYY-MM-DDTHH:MM:SS±HH:MM"
    else:
        try:
            datetime.fromisoformat(entry.time)
        except ValueError:
            problem = f"time {entry.time!r} is not a valid time"
    if not problem and not EVENT_NAME.fullmatch(entry.event):
        problem = f"event {entry.event!r} is not a lower-case name"
    if not problem and entry.outcome not in OUTCOMES:
        problem = f"outcome {entry.outcome!r} is not one of {', '.join(sorted(OUTCOMES))}"
    if not problem and entry.event_id > MAX_EVENT_ID:
        problem = f"event_id {entry.event_id} is out of range"
    if problem:
        raise AuditChainBroken(
            f"監査ログの{entry.sequence}行目の値が不正です / audit log line {entry.sequence}: "
            f"{problem}")


def verify_chain(data: bytes) -> tuple[list[AuditEntry], str]:
    """Check every link; return the entries and the head hash (hash of the last line). The
    chain rule only, for the logs kept on internal storage and the counting session's log."""
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


def verify_export(data: bytes) -> tuple[list[AuditEntry], str]:
    """A medium's ``AUDIT.LOG`` as §10 defines it: the chain, every line ended by its line feed
    (so an empty line anywhere, or a last line without one, is refused), and each line's values
    as the machine writes them (``check_exported_entry``)."""
    if data and not data.endswith(b"\n"):
        raise AuditChainBroken(
            "監査ログの最後の行に改行がありません / the audit log's last line lacks its line feed")
    entries, head = verify_chain(data)
    for entry in entries:
        check_exported_entry(entry)
    return entries, head
