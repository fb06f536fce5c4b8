"""The slot table: a pre-sized file of fixed-size slots; a vote goes into a uniformly random free
slot so that position says nothing about when it was cast (docs/media-format.md §7)."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from media.vote_record import CIPHERTEXT_LENGTH

SLOT_SIZE = 1280
SLOT_MAGIC = b"TVR1"
SLOT_HEADER = struct.Struct(">4sH")  # magic, ciphertext length
RECORD_OFFSET = SLOT_HEADER.size  # where the record starts in its slot
CHECK_LENGTH = 32  # SHA-256 of header and record, right after the record
EMPTY_SLOT = bytes(SLOT_SIZE)
RECORD_LABEL = b"tohyoki/record/v1\x00"  # record_digest
TABLE_LABEL = b"tohyoki/table/v1\x00"  # table_digest


@dataclass(frozen=True)
class Empty:
    """All-zero slot: never written."""


@dataclass(frozen=True)
class Filled:
    """A slot holding one complete record."""

    record: bytes


@dataclass(frozen=True)
class Damaged:
    """A slot that is neither empty nor a complete record: a torn write or corruption."""

    reason: str


SlotContent = Empty | Filled | Damaged


def encode_slot(record: bytes) -> bytes:
    """magic ‖ length (u16 BE) ‖ record ‖ SHA-256(magic ‖ length ‖ record) ‖ zeros to 1280."""
    if len(record) != CIPHERTEXT_LENGTH:
        raise ValueError("record must be one HPKE ciphertext of the vote record size")
    head = SLOT_HEADER.pack(SLOT_MAGIC, len(record)) + record
    body = head + hashlib.sha256(head).digest()
    return body + bytes(SLOT_SIZE - len(body))


def decode_slot(raw: bytes) -> SlotContent:
    if len(raw) != SLOT_SIZE:
        return Damaged(f"slot is {len(raw)} bytes, not {SLOT_SIZE}")
    if raw == EMPTY_SLOT:
        return Empty()
    magic, length = SLOT_HEADER.unpack_from(raw)
    if magic != SLOT_MAGIC or length != CIPHERTEXT_LENGTH:
        return Damaged("bad slot header")
    end = RECORD_OFFSET + length
    if hashlib.sha256(raw[:end]).digest() != raw[end : end + CHECK_LENGTH]:
        return Damaged("slot checksum mismatch")
    if any(raw[end + CHECK_LENGTH :]):
        return Damaged("slot padding is not zero")
    return Filled(raw[RECORD_OFFSET : end])


def split_table(table: bytes) -> list[bytes]:
    """Cut a slot table file into its slots (a partial trailing slot stays, to be reported)."""
    return [table[i : i + SLOT_SIZE] for i in range(0, len(table), SLOT_SIZE)]


def record_digest(record: bytes) -> bytes:
    return hashlib.sha256(RECORD_LABEL + record).digest()


def table_digest(records: list[bytes]) -> str:
    """Order-independent digest: SHA-256 over the sorted record digests (a multiset hash)."""
    h = hashlib.sha256(TABLE_LABEL)
    for digest in sorted(record_digest(r) for r in records):
        h.update(digest)
    return h.hexdigest()
