"""The cast journal on internal storage (docs/media-format.md §7.5): which slots a voter's vote
may fill, written when the card is accepted, and — only from the voter's confirmation until the
vote is settled — which card it is, so that start-up after a power cut can resolve a
half-written vote one way or the other and say whose it was.

One pre-allocated file of ``JOURNAL_SIZE`` bytes, written in place (one ``pwrite`` and one
``fdatasync``: no rename, no directory sync). Cleared means all zero. Two parts, each a whole,
checksummed entry or nothing: the *reservation* at offset 0 (contests and slots, no card), and
the *card* at ``CARD_OFFSET`` (the card id, bound to the reservation by its digest). Anything
that is not a whole entry is a write that never completed: no medium is written before the
reservation is durable, and the copy is not written before the card is (§14: the card id and
the slot positions are together on the machine only for the milliseconds of a cast)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from election import canonical
from election.fields import FieldReader, whole

JOURNAL_FILE = "journal.bin"
JOURNAL_SIZE = 4096
MAGIC = b"TJ03"  # /3: the reservation names no card; the card is its own part (media format v2)
CARD_MAGIC = b"TJC3"
CARD_OFFSET = 2048  # the card part; the reservation must end before it
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
    """A voting session in progress: the contests on its card and the slots reserved for them.
    No card id and no choice."""

    contests: tuple[str, ...]
    slots: tuple[ReservedSlot, ...]

    def slot(self, contest_id: str) -> ReservedSlot:
        for slot in self.slots:
            if slot.contest_id == contest_id:
                return slot
        raise KeyError(contest_id)


def _reservation_body(reservation: Reservation) -> bytes:
    return canonical.encode({
        "contests": list(reservation.contests),
        "slots": [
            {"contest_id": s.contest_id, "index": s.index}
            for s in reservation.slots
        ],
    })


def _entry(magic: bytes, body: bytes) -> bytes:
    """``magic``, 4-byte big-endian length, canonical JSON body, SHA-256 of the body."""
    return magic + len(body).to_bytes(4, "big") + body + hashlib.sha256(body).digest()


def _whole_body(data: bytes, magic: bytes) -> bytes | None:
    """The body of a whole entry at the start of ``data``, or None (cleared, torn, absent)."""
    if not data.startswith(magic) or len(data) < _HEAD:
        return None
    length = int.from_bytes(data[len(magic):_HEAD], "big")
    end = _HEAD + length
    if end + _DIGEST > len(data):
        return None
    body = data[_HEAD:end]
    if hashlib.sha256(body).digest() != data[end:end + _DIGEST]:
        return None  # torn: the write of this entry never completed
    return body


def encode_journal(reservation: Reservation) -> bytes:
    """The whole journal with this reservation and no card part (zeros up to ``JOURNAL_SIZE``,
    so writing it also clears any card part left by a torn clear)."""
    entry = _entry(MAGIC, _reservation_body(reservation))
    if len(entry) > CARD_OFFSET:
        raise ValueError("journal entry too large")
    return entry + bytes(JOURNAL_SIZE - len(entry))


def encode_card(card_id: str, reservation: Reservation) -> bytes:
    """The card part, written at ``CARD_OFFSET`` when the voter confirms: the card id and the
    SHA-256 of the reservation's body it belongs to, so a card part left behind by a torn write
    is never taken for another voter's."""
    body = canonical.encode({
        "card_id": card_id,
        "reservation": hashlib.sha256(_reservation_body(reservation)).hexdigest(),
    })
    entry = _entry(CARD_MAGIC, body)
    if len(entry) > JOURNAL_SIZE - CARD_OFFSET:
        raise ValueError("journal card part too large")
    return entry


def decode_journal(data: bytes | None) -> Reservation | None:
    """The reservation, or None when the journal is cleared, absent or holds an incomplete
    write."""
    body = _whole_body(data or b"", MAGIC)
    if body is None:
        return None
    r = FieldReader(canonical.decode_object(body), "journal", JournalUnreadable)
    return whole(r, Reservation(
        contests=tuple(r.texts("contests")),
        slots=tuple(
            whole(s, ReservedSlot(s.identifier("contest_id"), s.integer("index", minimum=0)))
            for s in r.items("slots")
        ),
    ))


def decode_card(data: bytes | None, reservation: Reservation) -> str | None:
    """The card id of ``reservation``'s voter, or None when no whole card part for it is there
    (not yet confirmed, torn, cleared, or left from another reservation)."""
    body = _whole_body((data or b"")[CARD_OFFSET:], CARD_MAGIC)
    if body is None:
        return None
    r = FieldReader(canonical.decode_object(body), "journal card", JournalUnreadable)
    card_id = r.identifier("card_id")
    belongs_to = r.digest("reservation")
    r.done()
    if belongs_to != hashlib.sha256(_reservation_body(reservation)).hexdigest():
        return None
    return card_id


def is_clear(data: bytes | None) -> bool:
    return data is None or not any(data)
