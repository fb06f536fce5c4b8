"""Where things are on a vote medium and what its header says (docs/media-format.md §8)."""

from __future__ import annotations

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
HEADER_FORMAT = "tohyoki-medium/1"
HEADER_PURPOSE = "medium-header"


def table_file(index: int) -> str:
    """Slot table of the index-th contest (1-based), an 8.3 name so any FAT driver accepts it."""
    return f"{DIRECTORY}/C{index:02d}.SLT"


class MediumRole(StrEnum):
    """Primary medium or its copy (複写, art. 10: used only when the primary is damaged or lost)."""

    PRIMARY = "primary"
    COPY = "copy"


@dataclass(frozen=True)
class TableEntry:
    contest_id: str
    file: str
    slots: int


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
                {"contest_id": t.contest_id, "file": t.file, "slots": t.slots} for t in self.tables
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
            whole(t, TableEntry(t.identifier("contest_id"), t.text("file"),
                                t.integer("slots", minimum=1)))
            for t in r.items("tables")
        ),
    ))
    for index, entry in enumerate(header.tables, start=1):
        if entry.file != table_file(index) or entry.slots < 1:
            raise DocumentUnreadable("記録媒体の見出しの表が不正です / medium header table list")
    return header, document
