"""Where things are on a vote medium and what its header says (docs/media-format.md §8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.fields import FieldReader, whole
from media.signed_document import DocumentUnreadable, SignedDocument, decode_signed, encode_signed
from media.slot import SLOT_SIZE

DIRECTORY = "TOHYOKI"
HEADER_FILE = f"{DIRECTORY}/MEDIUM.JSN"
SEAL_FILE = f"{DIRECTORY}/SEAL.JSN"
AUDIT_LOG_FILE = f"{DIRECTORY}/AUDIT.LOG"
# The one slot file of a medium: every contest's slot table, one contiguous region each, in the
# package's contest order (§8.1); an 8.3 name so any FAT driver accepts it.
SLOT_FILE = f"{DIRECTORY}/VOTES.SLT"
HEADER_FORMAT = "tohyoki-medium/2"
HEADER_PURPOSE = "medium-header"


class MediumRole(StrEnum):
    """Primary medium or its copy (複写, art. 10: used only when the primary is damaged or lost)."""

    PRIMARY = "primary"
    COPY = "copy"


@dataclass(frozen=True)
class TableEntry:
    """One contest's slot table: ``slots`` slots of ``SLOT_SIZE`` bytes from byte ``offset`` of
    the slot file (§8.2). Slot *i* is at ``offset + i × SLOT_SIZE``."""

    contest_id: str
    offset: int
    slots: int

    @property
    def file(self) -> str:
        """The file holding the table: always the medium's one slot file."""
        return SLOT_FILE

    @property
    def size(self) -> int:
        return self.slots * SLOT_SIZE

    @property
    def end(self) -> int:
        """The byte just after the table's region: the next table's ``offset``."""
        return self.offset + self.size

    def slot_offset(self, index: int) -> int:
        """Byte offset of slot ``index`` of this table in the slot file."""
        if not 0 <= index < self.slots:
            raise IndexError(f"{self.contest_id}: slot {index} is outside 0..{self.slots - 1}")
        return self.offset + index * SLOT_SIZE


def table_entries(tables: Iterable[tuple[str, int]]) -> tuple[TableEntry, ...]:
    """``(contest_id, slots)`` in the package's contest order → entries laid out back to back
    from byte 0 of the slot file, the only layout a reader accepts (§8.2)."""
    entries: list[TableEntry] = []
    offset = 0
    for contest_id, slots in tables:
        entries.append(TableEntry(contest_id, offset, slots))
        offset += slots * SLOT_SIZE
    return tuple(entries)


def slot_file_size(tables: Iterable[TableEntry]) -> int:
    """Exact size of the slot file: Σ slots × ``SLOT_SIZE``."""
    return sum(t.size for t in tables)


@dataclass(frozen=True)
class MediumHeader:
    """Written once when a medium is initialised for an election; signed by the machine."""

    medium_id: str
    role: MediumRole
    machine_id: str
    election_id: str
    package_fingerprint: str
    tables: tuple[TableEntry, ...]

    def to_body(self) -> dict[str, Any]:
        return {
            "format": HEADER_FORMAT,
            "medium_id": self.medium_id,
            "role": self.role.value,
            "machine_id": self.machine_id,
            "election_id": self.election_id,
            "package_fingerprint": self.package_fingerprint,
            "slot_size": SLOT_SIZE,
            "tables": [
                {"contest_id": t.contest_id, "offset": t.offset, "slots": t.slots}
                for t in self.tables
            ],
        }

    def encode(self, machine_key: Ed25519PrivateKey) -> bytes:
        return encode_signed(self.to_body(), machine_key, HEADER_PURPOSE)

    def table(self, contest_id: str) -> TableEntry:
        for entry in self.tables:
            if entry.contest_id == contest_id:
                return entry
        raise KeyError(contest_id)


def decode_header(data: bytes) -> tuple[MediumHeader, SignedDocument]:
    """Parse a header; the caller verifies the signature with the machine's key from the package."""
    document = decode_signed(data, HEADER_FORMAT, "記録媒体の見出し / medium header")
    r = FieldReader(document.body, "header", DocumentUnreadable)
    r.text("format")  # checked by decode_signed
    if r.integer("slot_size") != SLOT_SIZE:
        raise DocumentUnreadable("記録媒体のスロット長が違います / medium header fields are invalid: slot size differs")
    header = whole(r, MediumHeader(
        medium_id=r.identifier("medium_id"),
        role=r.enum("role", MediumRole),
        machine_id=r.identifier("machine_id"),
        election_id=r.identifier("election_id"),
        package_fingerprint=r.digest("package_fingerprint"),
        tables=tuple(
            whole(t, TableEntry(t.identifier("contest_id"), t.integer("offset"),
                                t.integer("slots", minimum=1)))
            for t in r.items("tables")
        ),
    ))
    # The regions lie back to back from byte 0, in order, so they can never overlap (§8.2).
    if header.tables != table_entries((t.contest_id, t.slots) for t in header.tables):
        raise DocumentUnreadable(
            "記録媒体の見出しの記録表の位置が不正です（先頭から隙間なく順に並んでいません） / medium "
            "header table list: offsets are not contiguous from 0 in order")
    if len({t.contest_id for t in header.tables}) != len(header.tables):
        raise DocumentUnreadable(
            "記録媒体の見出しに同じ選挙の記録表が二つあります / medium header table list names a "
            "contest twice")
    return header, document
