"""Reading one medium image at the counting centre and checking everything it claims:
header and seal signatures, the header's tables against the package's contests, the records
against the seal, the audit log chain (docs/media-format.md §13 steps 2–5).

Tables are read slot by slot in blocks, so memory does not grow with the size of a medium. The
reader keeps, per contest, the positions of the filled slots and each record's digest
(``TableRecords``), which is what the tally needs to read the records again later and to prove
they are the ones that were verified; with ``keep_records`` it also keeps the records themselves
(small elections and tests)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from election import canonical
from election.package import PackageError, SignedPackage
from election.signature import BadSignature
from media.audit_log import (
    EVENT_NAME,
    GENESIS,
    OUTCOMES,
    TIME,
    AuditChainBroken,
    verify_export,
)
from media.layout import (
    AUDIT_LOG_FILE,
    HEADER_FILE,
    HEADER_PURPOSE,
    SEAL_FILE,
    SLOT_FILE,
    MediumHeader,
    MediumRole,
    TableEntry,
    decode_header,
    slot_file_size,
)
from media.seal import SEAL_PURPOSE, Seal, decode_seal
from media.signed_document import DocumentUnreadable
from media.slot import (
    CHECK_LENGTH,
    RECORD_LABEL,
    RECORD_OFFSET,
    SLOT_HEADER,
    SLOT_MAGIC,
    SLOT_SIZE,
    TABLE_LABEL,
    Damaged,
    decode_slot,
)
from media.vote_record import CIPHERTEXT_LENGTH

BLOCK_SLOTS = 1024  # slots read at once (1.25 MiB)
# A filled slot (media.slot.encode_slot): magic ‖ length ‖ record ‖ SHA-256 of those ‖ zeros.
_SLOT_HEAD = np.frombuffer(SLOT_HEADER.pack(SLOT_MAGIC, CIPHERTEXT_LENGTH), dtype=np.uint8)
_BODY_END = RECORD_OFFSET + CIPHERTEXT_LENGTH
_CHECK_END = _BODY_END + CHECK_LENGTH
_RECORD_HASH = hashlib.sha256(RECORD_LABEL)  # media.slot.record_digest


class MediumRejected(Exception):
    """This medium cannot be counted; the message names the problem for the counting manager.
    ``machine_id`` and ``role`` are filled in when the header could be trusted that far."""

    machine_id: str | None = None
    role: MediumRole | None = None
    medium_id: str | None = None
    tables: tuple[TableEntry, ...] = ()  # the verified header's, to compare with the partner


class ForeignMedium(MediumRejected):
    pass


class TablesMismatch(MediumRejected):
    """The header's slot tables are not the package's contests (in order)."""


class NotSealed(MediumRejected):
    pass


class SealMismatch(MediumRejected):
    pass


class MediumDamaged(MediumRejected):
    """A file is missing or cut short, or a slot is Damaged (§7.2): the medium is 破損 in the
    sense of art. 10(2), and only the counting manager's decision can put its copy in its
    place."""


@dataclass(frozen=True, eq=False)
class TableRecords:
    """The verified content of one contest's slot table on one medium: slot *i* of the contest
    is at byte ``offset + i × SLOT_SIZE`` of ``file`` (the medium's slot file, §8.2)."""

    contest_id: str
    file: Path
    offset: int  # where the contest's region starts in ``file`` (a multiple of SLOT_SIZE)
    slots: np.ndarray  # uint32 indices of the filled slots within the contest, ascending
    digests: bytes  # 32-byte record digests (§7.4), in the order of ``slots``

    def __len__(self) -> int:
        return len(self.slots)


@dataclass(frozen=True)
class MediumReading:
    path: Path
    header: MediumHeader
    seal: Seal
    records: dict[str, list[bytes]]  # filled only with keep_records=True
    audit_entries: int
    tables: dict[str, TableRecords] = field(default_factory=dict, compare=False)

    def record_count(self, contest_id: str) -> int:
        return len(self.tables[contest_id]) if contest_id in self.tables else len(
            self.records.get(contest_id, ()))


def _read(path: Path, name: str, what: str) -> bytes:
    try:
        return (path / name).read_bytes()
    except FileNotFoundError as exc:
        raise MediumDamaged(f"{path.name}: {what}がありません / {name} is missing") from exc
    except OSError as exc:
        raise MediumDamaged(f"{path.name}: {what}を読めません / cannot read {name}: {exc}") from exc


def _check_slot_file(path: Path, label: str, tables: Sequence[TableEntry]) -> None:
    """The slot file is exactly Σ slots × ``SLOT_SIZE`` bytes (§8.2 check 4)."""
    try:
        size = (path / SLOT_FILE).stat().st_size
    except FileNotFoundError as exc:
        raise MediumDamaged(f"{label}: 記録表のファイルがありません / {SLOT_FILE} is missing") from exc
    except OSError as exc:
        raise MediumDamaged(f"{label}: {SLOT_FILE} を読めません / cannot read {SLOT_FILE}: {exc}"
                            ) from exc
    expected = slot_file_size(tables)
    if size != expected:
        raise MediumDamaged(
            f"{label}: {SLOT_FILE} の大きさ {size} バイトが見出しの {expected} バイトと違います / "
            f"the slot file is {size} bytes, the header says {expected}")


def _scan_table(path: Path, label: str, entry: TableEntry,
                keep: list[bytes] | None) -> TableRecords:
    """Every slot of one contest's region of the slot file classified as
    ``media.slot.decode_slot`` does (§7.2: empty, or a complete record with its header,
    checksum and zero padding), a whole block at once; the first Damaged slot goes to
    ``decode_slot`` for its reason and is named by its index. Any Damaged slot refuses the
    medium, even one whose record the seal would accept (§9.3 step 3). The file's size is
    checked first (``_check_slot_file``)."""
    file, slots = entry.file, entry.slots
    table_path = path / file
    filled: list[np.ndarray] = []
    digests = bytearray()
    sha256, record_hash = hashlib.sha256, _RECORD_HASH.copy
    try:
        with table_path.open("rb") as handle:
            handle.seek(entry.offset)
            index = 0
            while index < slots:
                block = handle.read(min(BLOCK_SLOTS, slots - index) * SLOT_SIZE)
                if not block or len(block) % SLOT_SIZE:
                    raise MediumDamaged(f"{label}: {file} が途中で切れています / table truncated")
                rows = np.frombuffer(block, dtype=np.uint8).reshape(-1, SLOT_SIZE)
                used = np.flatnonzero(rows.any(axis=1))
                starts = (used * SLOT_SIZE).tolist()
                view = memoryview(block)
                bad = ((rows[used, :RECORD_OFFSET] != _SLOT_HEAD).any(axis=1)
                       | rows[used, _CHECK_END:].any(axis=1))
                checks = b"".join([sha256(view[i:i + _BODY_END]).digest() for i in starts])
                bad |= (rows[used, _BODY_END:_CHECK_END]
                        != np.frombuffer(checks, dtype=np.uint8).reshape(-1, 32)).any(axis=1)
                if bad.any():
                    start = starts[int(np.argmax(bad))]
                    damaged = decode_slot(block[start:start + SLOT_SIZE])
                    assert isinstance(damaged, Damaged)
                    at = index + start // SLOT_SIZE
                    raise MediumDamaged(
                        f"{label}: {file} の {entry.contest_id} のスロット {at} が壊れています"
                        f"（{damaged.reason}） / damaged slot {at} in {entry.contest_id} "
                        f"({damaged.reason})")
                for i in starts:  # one copy of the base hash per record, no byte copies
                    h = record_hash()
                    h.update(view[i + RECORD_OFFSET:i + _BODY_END])
                    digests += h.digest()
                if keep is not None:
                    keep.extend(block[i + RECORD_OFFSET:i + _BODY_END] for i in starts)
                filled.append(used + index)
                index += len(rows)
    except OSError as exc:
        raise MediumDamaged(f"{label}: {file} を読めません / cannot read {file}: {exc}") from exc
    return TableRecords(entry.contest_id, table_path, entry.offset,
                        np.concatenate(filled).astype(np.uint32) if filled
                        else np.empty(0, dtype=np.uint32), bytes(digests))


_AUDIT_KEYS = frozenset({"seq", "time", "event_id", "event", "outcome", "detail", "prev"})
_MAX_INT = 2**53 - 1


class _Doubt(Exception):
    pass


def _refuse_float(text: str) -> float:
    raise _Doubt(text)


_DECODER = json.JSONDecoder(parse_float=_refuse_float)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)
# The plain line most entries are: empty detail, plain identifiers and time, small integers.
# Any line of exactly this form is canonical JSON with valid fields (keys sorted, nothing to
# escape, integers below 2**53), so only its sequence number and link remain to be checked;
# every other line is parsed and checked field by field.
_PLAIN_ENTRY = re.compile(
    rb'\{"detail":\{\},"event":"[a-z][a-z0-9_]{0,63}","event_id":[1-9][0-9]{0,14},'
    rb'"outcome":"(?:start|success|failure|done)","prev":"([0-9a-f]{64})",'
    rb'"seq":([1-9][0-9]{0,14}),"time":"(' + TIME.pattern.encode() + rb')"\}')
_AUDIT_HASH = hashlib.sha256(b"tohyoki/audit/v1\x00")  # media.audit_log.entry_hash


@functools.lru_cache(maxsize=64)
def _valid_day(day: str) -> bool:
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def _valid_time(text: str) -> bool:
    """``media.audit_log.check_exported_entry``'s rule for ``time``, the day checked once."""
    return TIME.fullmatch(text) is not None and _valid_day(text[:10])


def _check_entry(line: bytes, index: int, head: str) -> None:
    """One audit line that is not of the plain form, checked as verify_export checks it."""
    text = line.decode("utf-8")
    v, end = _DECODER.raw_decode(text)
    if end != len(text) or type(v) is not dict or v.keys() != _AUDIT_KEYS:
        raise _Doubt("shape")
    seq, event_id, event = v["seq"], v["event_id"], v["event"]
    if (type(seq) is not int or seq != index + 1 or v["prev"] != head
            or type(event_id) is not int or not 1 <= event_id <= _MAX_INT
            or type(event) is not str or not EVENT_NAME.fullmatch(event)
            or type(v["time"]) is not str or not _valid_time(v["time"])
            or v["outcome"] not in OUTCOMES
            or type(v["detail"]) is not dict):
        raise _Doubt("fields")
    if v["detail"]:
        canonical.encode(v["detail"])  # integer range and value types
    if _ENCODER.encode(v) != text:
        raise _Doubt("not canonical")


def verify_audit_log(data: bytes) -> tuple[int, str]:
    """The audit log's entry count and head hash, checked line by line exactly as
    ``media.audit_log.verify_export`` does (canonical form, fields, their types and values, the
    final line feed, the sequence and the hash chain) but with a pattern for the plain line and the C JSON codec for the
    others, which is many times faster on the thousands of lines of a medium. On any doubt it
    defers to ``verify_export`` for the official reason; it never accepts a log that
    ``verify_export`` refuses (the agreement is tested on mutated logs in
    tests/test_counting_import.py)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    head = GENESIS
    plain, link = _PLAIN_ENTRY.fullmatch, _AUDIT_HASH.copy
    try:
        if data and not data.endswith(b"\n"):
            raise _Doubt("no final line feed")
        for index, line in enumerate(lines):
            match = plain(line)
            if match is None:
                _check_entry(line, index, head)
            elif (int(match[2]) != index + 1 or match[1] != head.encode()
                  or not _valid_day(match[3][:10].decode())):
                raise _Doubt("sequence, link or day")
            h = link()
            h.update(line)
            head = h.hexdigest()
    except (_Doubt, ValueError, RecursionError) as doubt:
        verify_export(data)  # raises AuditChainBroken with the reference reader's reason
        raise AuditChainBroken(
            f"監査ログの行の形式が不正です / an audit log line is malformed ({doubt})") from doubt
    return len(lines), head


def table_digest_of(digests: bytes) -> str:
    """The seal's order-independent table digest from the record digests (§7.4): the digests
    in ascending byte order, sorted as four big-endian 64-bit words each (the same order)."""
    rows = np.frombuffer(digests, dtype=">u8").reshape(-1, 4)
    h = hashlib.sha256(TABLE_LABEL)
    h.update(rows[np.lexsort(rows.T[::-1])].tobytes())
    return h.hexdigest()


def read_medium(path: Path, versions: Sequence[SignedPackage], *,
                keep_records: bool = True) -> MediumReading:
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

    def rejected(error: MediumRejected) -> MediumRejected:
        error.machine_id, error.role, error.medium_id = (header.machine_id, header.role,
                                                         header.medium_id)
        error.tables = header.tables
        return error

    if header.election_id != election_id or header.package_fingerprint not in fingerprints:
        raise ForeignMedium(
            f"{label}: この記録媒体は別の選挙のものです / this medium belongs to another "
            f"election ({header.election_id})"
        )
    try:
        machine = newest.package.machine(header.machine_id)
        header_doc.verify(machine.public_key, HEADER_PURPOSE, "見出し / header")
    except (PackageError, BadSignature) as exc:
        # not attributed to the machine it names: only a verified header says whose it is (§13)
        raise ForeignMedium(
            f"{label}: 見出しは投票機 {header.machine_id} を名乗りますが、その署名が確認できません。"
            f"どの投票機の媒体とも扱いません / the header claims machine {header.machine_id} but "
            f"does not verify ({exc}); it is not taken as any machine's medium") from exc
    contests = [c.contest_id for c in newest.package.contests]
    if [t.contest_id for t in header.tables] != contests:
        raise rejected(TablesMismatch(
            f"{label}: 見出しの記録表 {[t.contest_id for t in header.tables]} が選挙データの"
            f"選挙 {contests} と一致しません / the header's tables do not match the package's "
            "contests"
        ))
    slots = newest.package.settings.slots_per_contest
    if any(t.slots != slots for t in header.tables):
        raise rejected(TablesMismatch(
            f"{label}: 見出しの記録表のスロット数 {[t.slots for t in header.tables]} が選挙データの "
            f"{slots} と違います / the header's tables do not have the package's "
            f"slots_per_contest ({slots}) slots"))
    if not (path / SEAL_FILE).exists():
        raise rejected(NotSealed(
            f"{label}: 封印記録がありません（投票終了前の媒体） / no seal: polls were not closed"
        ))
    try:
        seal, seal_doc = decode_seal(_read(path, SEAL_FILE, "封印記録"))
        seal_doc.verify(machine.public_key, SEAL_PURPOSE, "封印記録 / seal")
    except (DocumentUnreadable, BadSignature) as exc:
        raise rejected(SealMismatch(f"{label}: {exc}")) from exc
    except MediumRejected as exc:
        raise rejected(exc) from None
    if seal.machine_id != header.machine_id or seal.election_id != election_id:
        raise rejected(SealMismatch(f"{label}: 封印記録が別の媒体のものです / seal of another medium"))
    if seal.package_fingerprint not in fingerprints:
        raise rejected(SealMismatch(
            f"{label}: 封印の選挙データ指紋が不明です / unknown package in seal"))
    if [t.contest_id for t in seal.tables] != contests:
        raise rejected(SealMismatch(
            f"{label}: 封印の記録表が選挙データと一致しません / the seal's tables do not match "
            "the package's contests"))
    records: dict[str, list[bytes]] = {}
    tables: dict[str, TableRecords] = {}
    try:
        _check_slot_file(path, label, header.tables)
    except MediumRejected as exc:
        raise rejected(exc) from None
    for entry in header.tables:
        keep: list[bytes] | None = [] if keep_records else None
        try:
            found = _scan_table(path, label, entry, keep)
            sealed = seal.table(entry.contest_id)
            digest = table_digest_of(found.digests)
        except MediumRejected as exc:
            raise rejected(exc) from None
        if len(found) != sealed.records:
            added = len(found) > sealed.records
            raise rejected(SealMismatch(
                f"{label}: {entry.contest_id} の記録数 {len(found)} が封印の {sealed.records} と"
                f"違います（記録が{'追加' if added else '削除'}されています） / records were "
                f"{'added' if added else 'removed'} after sealing"
            ))
        if digest != sealed.digest:
            raise rejected(SealMismatch(
                f"{label}: {entry.contest_id} の記録が封印後に変更されています / a record was "
                "changed after sealing"
            ))
        tables[entry.contest_id] = found
        if keep is not None:
            records[entry.contest_id] = keep
    try:
        entries, head = verify_audit_log(_read(path, AUDIT_LOG_FILE, "監査ログ"))
    except AuditChainBroken as exc:
        raise rejected(SealMismatch(f"{label}: {exc}")) from exc
    except MediumRejected as exc:
        raise rejected(exc) from None
    if entries != seal.audit_log_entries or head != seal.audit_log_head:
        raise rejected(SealMismatch(
            f"{label}: 監査ログが封印と一致しません / audit log does not match seal"))
    return MediumReading(path, header, seal, records, entries, tables)
