"""The cast journal on internal storage (docs/media-format.md §7.5): which card is voting and
which slots its vote may fill, written before the vote can reach a medium, so that start-up
after a power cut can resolve a half-written vote one way or the other.

One pre-allocated file of ``JOURNAL_SIZE`` bytes, written in place (one ``pwrite`` and one
``fdatasync``: no rename, no directory sync). Cleared means all zero. Anything that is not a
whole, checksummed entry is a write that never completed: no vote can depend on it, because
no medium is written before the entry is durable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from election import canonical
from election.fields import FieldReader, whole

JOURNAL_FILE = "journal.bin"
JOURNAL_SIZE = 4096
MAGIC = b"TJ02"  # /2: slots are named by contest and index only (media format v2)
_HEAD = len(MAGIC) + 4
_DIGEST = 32


class JournalUnreadable(ValueError):
    """A journal entry with a valid checksum but invalid fields (never written by us)."""


@dataclass(frozen=True)
class ReservedSlot:
    """The slot a contest's record goes to if the voter votes in it: slot ``index`` of the
    contest's table. Where that is on a medium comes from the medium's header (its table entry),
    never from the journal (docs/media-format.md §7.5)."""

    contest_id: str
    index: int


@dataclass(frozen=True)
class Reservation:
    """A voting session in progress: its card and the slots reserved for it. No choice."""

    card_id: str
    contests: tuple[str, ...]
    slots: tuple[ReservedSlot, ...]

    def slot(self, contest_id: str) -> ReservedSlot:
        for slot in self.slots:
            if slot.contest_id == contest_id:
                return slot
        raise KeyError(contest_id)


def encode_journal(reservation: Reservation) -> bytes:
    """``MAGIC``, 4-byte big-endian length, canonical JSON body, SHA-256 of the body; padded
    with zeros to ``JOURNAL_SIZE``."""
    body = canonical.encode({
        "card_id": reservation.card_id,
        "contests": list(reservation.contests),
        "slots": [
            {"contest_id": s.contest_id, "index": s.index}
            for s in reservation.slots
        ],
    })
    entry = MAGIC + len(body).to_bytes(4, "big") + body + hashlib.sha256(body).digest()
    if len(entry) > JOURNAL_SIZE:
        raise ValueError("journal entry too large")
    return entry + bytes(JOURNAL_SIZE - len(entry))


def decode_journal(data: bytes | None) -> Reservation | None:
    """The entry, or None when the journal is cleared, absent or holds an incomplete write."""
    if not data or not data.startswith(MAGIC) or len(data) < _HEAD:
        return None
    length = int.from_bytes(data[len(MAGIC):_HEAD], "big")
    end = _HEAD + length
    if end + _DIGEST > len(data):
        return None
    body = data[_HEAD:end]
    if hashlib.sha256(body).digest() != data[end:end + _DIGEST]:
        return None  # torn: the write of this entry never completed
    r = FieldReader(canonical.decode_object(body), "journal", JournalUnreadable)
    return whole(r, Reservation(
        card_id=r.identifier("card_id"),
        contests=tuple(r.texts("contests")),
        slots=tuple(
            whole(s, ReservedSlot(s.identifier("contest_id"), s.integer("index", minimum=0)))
            for s in r.items("slots")
        ),
    ))


def is_clear(data: bytes | None) -> bool:
    return data is None or not any(data)
