"""The ballot box's medium headers (docs/media-format.md §8.2): a blank medium's header written
when the machine is set up, and each medium recognised as this machine's, for this election, in
its role — at start-up, and again before every vote, so a medium swapped mid-day stops voting."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.package import SignedPackage
from election.signature import BadSignature
from firmware.ballot_box_errors import MediumFromAnotherElection
from firmware.interfaces import MediumIOError, MediumReplaced, MediumStore
from media.layout import (
    HEADER_FILE,
    SLOT_FILE,
    MediumHeader,
    MediumRole,
    decode_header,
    slot_file_size,
    table_entries,
)
from media.signed_document import DocumentUnreadable


def initialise_medium(
    store: MediumStore,
    role: MediumRole,
    medium_id: str,
    machine_id: str,
    signed: SignedPackage,
    machine_key: Ed25519PrivateKey,
) -> None:
    """Pre-allocate every contest's table in the slot file, then write the signed header."""
    package = signed.package
    tables = table_entries(
        (c.contest_id, package.settings.slots_per_contest) for c in package.contests
    )
    header = MediumHeader(
        medium_id=medium_id,
        role=role,
        machine_id=machine_id,
        election_id=package.election_id,
        package_fingerprint=signed.fingerprint,
        tables=tables,
    )
    store.create(SLOT_FILE, slot_file_size(tables))  # every contest's table
    store.write_atomic(HEADER_FILE, header.encode(machine_key))


def verified_header(
    store: MediumStore,
    role: MediumRole,
    machine_id: str,
    election_id: str,
    public_key: bytes,
) -> MediumHeader:
    """The medium's header, once its signature, election, machine, role and slot file size
    are this machine's; otherwise an error naming the medium and what is wrong."""
    try:
        header, document = decode_header(store.read(HEADER_FILE))
        document.verify(public_key, "medium-header", "記録媒体の見出し / medium header")
    except (DocumentUnreadable, BadSignature) as exc:
        raise MediumFromAnotherElection(
            f"{store.label}: この記録媒体はこの投票機で初期化されたものではありません / this "
            f"medium was not initialised by this machine ({exc})"
        ) from exc
    if header.election_id != election_id or header.machine_id != machine_id:
        raise MediumFromAnotherElection(
            f"{store.label}: この記録媒体は別の選挙または別の投票機のものです / this medium "
            "belongs to another election or machine"
        )
    if header.role is not role:
        raise MediumFromAnotherElection(
            f"{store.label}: 正本と副本が逆に挿入されています / the primary and copy media "
            "are swapped"
        )
    size, expected = len(store.read(SLOT_FILE)), slot_file_size(header.tables)
    if size != expected:
        raise MediumIOError(
            f"{store.label}: {SLOT_FILE} の大きさが違います（{size} バイト、"
            f"{expected} バイトのはず） / the slot file has the wrong size "
            f"({size} bytes, not {expected})"
        )
    return header


def replaced_medium(store: MediumStore, expected: MediumHeader, current: bytes) -> MediumReplaced:
    """The error for a medium whose header bytes are no longer the ones verified at start-up,
    naming the ``medium_id`` expected and the one found."""
    try:
        found = decode_header(current)[0].medium_id
    except DocumentUnreadable:
        found = "不明 / unknown"
    return MediumReplaced(
        f"{store.label}: 記録媒体が差し替えられています（識別子 {expected.medium_id} のはずが"
        f" {found}）。元の記録媒体を戻してください / the medium was replaced (expected id "
        f"{expected.medium_id}, found {found}); put the original medium back"
    )
