"""Reading one medium image at the counting centre and checking everything it claims:
header and seal signatures, the records against the seal, the audit log chain
(docs/media-format.md §13)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from election.package import PackageError, SignedPackage
from election.signature import BadSignature
from media.audit_log import AuditChainBroken, verify_chain
from media.layout import (
    AUDIT_LOG_FILE,
    HEADER_FILE,
    HEADER_PURPOSE,
    SEAL_FILE,
    MediumHeader,
    decode_header,
)
from media.seal import SEAL_PURPOSE, Seal, decode_seal
from media.signed_document import DocumentUnreadable
from media.slot import SLOT_SIZE, Damaged, Filled, decode_slot, split_table, table_digest


class MediumRejected(Exception):
    """This medium cannot be counted; the message names the problem for the counting manager."""


class ForeignMedium(MediumRejected):
    pass


class NotSealed(MediumRejected):
    pass


class SealMismatch(MediumRejected):
    pass


class MediumDamaged(MediumRejected):
    pass


@dataclass(frozen=True)
class MediumReading:
    path: Path
    header: MediumHeader
    seal: Seal
    records: dict[str, list[bytes]]
    audit_entries: int


def _read(path: Path, name: str, what: str) -> bytes:
    try:
        return (path / name).read_bytes()
    except FileNotFoundError as exc:
        raise MediumDamaged(f"{path.name}: {what}がありません / {name} is missing") from exc
    except OSError as exc:
        raise MediumDamaged(f"{path.name}: {what}を読めません / cannot read {name}: {exc}") from exc


def read_medium(path: Path, versions: Sequence[SignedPackage]) -> MediumReading:
    """``versions`` is the verified amendment chain; the newest decides which machines exist."""
    newest = max(versions, key=lambda v: v.package.version)
    fingerprints = {v.fingerprint for v in versions}
    election_id = newest.package.election_id
    label = path.name
    try:
        header, header_doc = decode_header(_read(path, HEADER_FILE, "見出し"))
    except DocumentUnreadable as exc:
        raise ForeignMedium(
            f"{label}: 投票機の記録媒体ではありません / not a vote medium: {exc}"
        ) from exc
    if header.election_id != election_id or header.package_fingerprint not in fingerprints:
        raise ForeignMedium(
            f"{label}: この記録媒体は別の選挙のものです / this medium belongs to another "
            f"election ({header.election_id})"
        )
    try:
        machine = newest.package.machine(header.machine_id)
        header_doc.verify(machine.public_key, HEADER_PURPOSE, "見出し / header")
    except (PackageError, BadSignature) as exc:
        raise ForeignMedium(f"{label}: {exc}") from exc
    if not (path / SEAL_FILE).exists():
        raise NotSealed(
            f"{label}: 封印記録がありません（投票終了前の媒体） / no seal: polls were not closed"
        )
    try:
        seal, seal_doc = decode_seal(_read(path, SEAL_FILE, "封印記録"))
        seal_doc.verify(machine.public_key, SEAL_PURPOSE, "封印記録 / seal")
    except (DocumentUnreadable, BadSignature) as exc:
        raise SealMismatch(f"{label}: {exc}") from exc
    if seal.machine_id != header.machine_id or seal.election_id != election_id:
        raise SealMismatch(f"{label}: 封印記録が別の媒体のものです / seal of another medium")
    if seal.package_fingerprint not in fingerprints:
        raise SealMismatch(f"{label}: 封印の選挙データ指紋が不明です / unknown package in seal")
    records: dict[str, list[bytes]] = {}
    for entry in header.tables:
        table = _read(path, entry.file, "記録表")
        if len(table) != entry.slots * SLOT_SIZE:
            raise MediumDamaged(f"{label}: {entry.file} の大きさが違います / table size wrong")
        found = []
        for slot in map(decode_slot, split_table(table)):
            if isinstance(slot, Damaged):
                raise MediumDamaged(f"{label}: {entry.file} に壊れた記録 / damaged slot ({slot.reason})")
            if isinstance(slot, Filled):
                found.append(slot.record)
        try:
            sealed = seal.table(entry.contest_id)
        except KeyError as exc:
            raise SealMismatch(f"{label}: 封印に {entry.contest_id} がありません") from exc
        if len(found) != sealed.records:
            change = "追加" if len(found) > sealed.records else "削除"
            raise SealMismatch(
                f"{label}: {entry.contest_id} の記録数 {len(found)} が封印の {sealed.records} と"
                f"違います（記録が{change}されています） / records were "
                f"{'added' if len(found) > sealed.records else 'removed'} after sealing"
            )
        if table_digest(found) != sealed.digest:
            raise SealMismatch(
                f"{label}: {entry.contest_id} の記録が封印後に変更されています / a record was "
                "changed after sealing"
            )
        records[entry.contest_id] = found
    try:
        entries, head = verify_chain(_read(path, AUDIT_LOG_FILE, "監査ログ"))
    except AuditChainBroken as exc:
        raise SealMismatch(f"{label}: {exc}") from exc
    if len(entries) != seal.audit_log_entries or head != seal.audit_log_head:
        raise SealMismatch(f"{label}: 監査ログが封印と一致しません / audit log does not match seal")
    return MediumReading(path, header, seal, records, len(entries))
