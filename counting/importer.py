"""Importing the media one after another and deciding which medium of each machine is counted:
the primary (正本), or its copy (副本) only by the counting manager's recorded decision when the
primary is damaged or lost (art. 10(2)). Every medium gets a finding that says what was found
in it; every problem that must be resolved before counting may start is listed, with the
machine and the reason (docs/media-format.md §13 steps 2–7)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from counting.medium_reader import MediumReading, MediumRejected, read_medium
from election.package import SignedPackage
from firmware.audit_events import AuditEvent
from media.layout import SLOT_FILE, MediumRole, TableEntry
from media.slot import SLOT_SIZE


class EventLog(Protocol):
    """The counting session's audit log (counting/decisions.py SessionLog)."""

    def append(self, event: AuditEvent, outcome: str, **detail: Any) -> object: ...

STATUS_COUNTED = "counted"
STATUS_NOT_USED = "not-used"  # a usable medium whose partner is counted instead
STATUS_SAME_MEDIUM = "same-medium"  # the same medium_id already imported
STATUS_REJECTED = "rejected"
STATUS_HELD = "held"  # usable, but not counted until a problem is resolved

STATUS_JA = {
    STATUS_COUNTED: "集計対象",
    STATUS_NOT_USED: "照合のみ（集計しない）",
    STATUS_SAME_MEDIUM: "同一媒体の重複（一度だけ数える）",
    STATUS_REJECTED: "使用不可",
    STATUS_HELD: "保留（問題の解決待ち）",
}


@dataclass(frozen=True)
class CountedMachine:
    machine_id: str
    reading: MediumReading
    role: MediumRole
    note: str


@dataclass(frozen=True)
class MediumFinding:
    """What the import found on one medium, as shown to the counting manager and witnesses."""

    path: Path
    status: str
    message: str
    machine_id: str | None = None
    role: MediumRole | None = None
    medium_id: str | None = None
    records: tuple[tuple[str, int], ...] = ()  # contest id, records found
    sessions_voted: int | None = None
    problem: str = ""  # the rejection class, e.g. "SealMismatch"
    # slots whose bytes differ from the same machine's other medium: (contest id, indices)
    differing_slots: tuple[tuple[str, tuple[int, ...]], ...] = ()


@dataclass(frozen=True)
class ImportResult:
    counted: tuple[CountedMachine, ...]
    problems: tuple[str, ...]  # must be resolved before counting may start
    notes: tuple[str, ...]  # shown and recorded, do not block
    findings: tuple[MediumFinding, ...] = ()
    missing_machines: tuple[str, ...] = ()  # machines of the package with no medium at all
    duplicate_records: int = field(default=0)  # ciphertexts seen more than once


@dataclass(frozen=True)
class _Rejection:
    path: Path
    kind: str
    message: str
    machine_id: str | None
    role: MediumRole | None
    medium_id: str | None
    tables: tuple[TableEntry, ...] = ()


_VERSIONS: Sequence[SignedPackage] = ()
_KEEP = True
# What the forkserver imports once, before it forks any worker: the counting code with numpy
# and cryptography. A pool starts its workers one after another, each waiting until the last
# has read its start-up data, which a worker does only after importing what that data names;
# preloaded, a worker starts in milliseconds instead of a third of a second.
_PRELOAD = ["__main__", "counting.tally"]


def worker_context() -> multiprocessing.context.ForkServerContext:
    """The process context of the counting pools: forkserver, not fork (the caller may run
    kivy threads), with the counting modules preloaded in the forkserver. The preload applies
    when this process starts its forkserver, on the first pool; later calls change nothing."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _init_worker(versions: Sequence[SignedPackage], keep: bool) -> None:
    global _VERSIONS, _KEEP
    _VERSIONS, _KEEP = versions, keep


def _read_one(path: Path) -> MediumReading | _Rejection:
    try:
        return read_medium(path, _VERSIONS, keep_records=_KEEP)
    except MediumRejected as exc:
        return _Rejection(path, type(exc).__name__, str(exc), exc.machine_id, exc.role,
                          exc.medium_id, exc.tables)


def _read_all(paths: Sequence[Path], versions: Sequence[SignedPackage], keep: bool,
              workers: int, progress: Callable[[int, int, Path], None] | None,
              ) -> list[MediumReading | _Rejection]:
    results: list[MediumReading | _Rejection] = []
    if workers <= 1 or len(paths) <= 1:
        _init_worker(versions, keep)
        for done, path in enumerate(paths, start=1):
            results.append(_read_one(path))
            if progress:
                progress(done, len(paths), path)
        return results
    context = worker_context()
    # an executor, not multiprocessing.Pool: the Pool's worker handler wakes on every result
    # waiting in its pipe and spins while a medium's tens of kilobytes of digests are read,
    # taking a core's share from the workers
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(versions, keep)) as pool:
        for done, result in enumerate(pool.map(_read_one, paths), start=1):
            results.append(result)
            if progress:
                progress(done, len(paths), result.path)
    return results


def _counts(reading: MediumReading) -> tuple[tuple[str, int], ...]:
    return tuple((t.contest_id, t.records) for t in reading.seal.tables)


def _duplicates(counted: Sequence[CountedMachine]) -> tuple[int, list[str]]:
    """Records (ciphertexts) present more than once among the counted media (§13 step 7)."""
    parts = [(m, c, t.digests) for m in counted for c, t in m.reading.tables.items()]
    if not parts:
        return 0, []
    joined = b"".join(d for _, _, d in parts)
    if not joined:
        return 0, []
    rows = np.frombuffer(joined, dtype=">u8").reshape(-1, 4)
    first = np.sort(rows[:, 0])
    if not (first[1:] == first[:-1]).any():
        return 0, []  # no two digests share even their first 8 bytes: all distinct
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    repeated = unique[counts > 1]
    if len(repeated) == 0:
        return 0, []
    wanted = {r.astype(">u8").tobytes() for r in repeated}
    where: dict[bytes, list[str]] = {w: [] for w in wanted}
    for machine, contest_id, digests in parts:
        for i in range(0, len(digests), 32):
            d = digests[i:i + 32]
            if d in where:
                where[d].append(f"{machine.machine_id}/{contest_id}")
    extra = int((counts[counts > 1] - 1).sum())
    messages = [
        f"同一の投票記録（暗号文）が{len(places)}回現れます: {', '.join(places)} / the same "
        f"record appears {len(places)} times: a copied record, counting may not start"
        for places in where.values()
    ]
    return extra, messages


SlotDifferences = tuple[tuple[str, tuple[int, ...]], ...]


def _same_contents(a: MediumReading, b: MediumReading) -> bool:
    """Two verified readings hold the same bytes: header, seal, audit log (its count and head
    are in the seal) and every slot (a filled slot is fixed by its record, §7.1)."""
    return (a.header == b.header and a.seal == b.seal and a.audit_entries == b.audit_entries
            and a.tables.keys() == b.tables.keys()
            and all(np.array_equal(t.slots, b.tables[c].slots)
                    and t.digests == b.tables[c].digests for c, t in a.tables.items()))


def _reading_differences(a: MediumReading, b: MediumReading) -> SlotDifferences:
    """The slots of each contest that hold different bytes on two verified media."""
    out = []
    for contest_id, ta in a.tables.items():
        tb = b.tables.get(contest_id)
        if tb is None:
            continue
        if np.array_equal(ta.slots, tb.slots) and ta.digests == tb.digests:
            continue
        da = {int(i): ta.digests[n * 32:n * 32 + 32] for n, i in enumerate(ta.slots)}
        db = {int(i): tb.digests[n * 32:n * 32 + 32] for n, i in enumerate(tb.slots)}
        differing = sorted(i for i in da.keys() | db.keys() if da.get(i) != db.get(i))
        out.append((contest_id, tuple(differing)))
    return tuple(out)


def _file_differences(a: Path, b: Path, tables: Sequence[TableEntry]) -> SlotDifferences | str:
    """The slots whose 1280 bytes differ between two media's slot files, read as ``tables``
    lays them out; or why they cannot be compared."""
    try:
        with (a / SLOT_FILE).open("rb") as fa, (b / SLOT_FILE).open("rb") as fb:
            out = []
            for entry in tables:
                fa.seek(entry.offset)
                fb.seek(entry.offset)
                differing: list[int] = []
                for first in range(0, entry.slots, 1024):
                    n = min(1024, entry.slots - first) * SLOT_SIZE
                    ba, bb = fa.read(n), fb.read(n)
                    if ba == bb:
                        continue
                    if len(ba) != n or len(bb) != n:
                        return (f"{SLOT_FILE} の長さが違います / the slot files are not the same "
                                "length")
                    rows = (np.frombuffer(ba, np.uint8).reshape(-1, SLOT_SIZE)
                            != np.frombuffer(bb, np.uint8).reshape(-1, SLOT_SIZE)).any(axis=1)
                    differing += (np.flatnonzero(rows) + first).tolist()
                if differing:
                    out.append((entry.contest_id, tuple(differing)))
            return tuple(out)
    except OSError as exc:
        return f"{SLOT_FILE} を比べられません / cannot compare the slot files: {exc}"


def _describe(differences: SlotDifferences) -> str:
    parts = []
    for contest_id, slots in differences:
        shown = ", ".join(str(i) for i in slots[:20]) + (" …" if len(slots) > 20 else "")
        parts.append(f"{contest_id}: {len(slots)} ({shown})")
    return "; ".join(parts)


def import_media(
    paths: Sequence[Path],
    versions: Sequence[SignedPackage],
    copy_decisions: Mapping[str, str],
    *,
    keep_records: bool = True,
    workers: int = 1,
    progress: Callable[[int, int, Path], None] | None = None,
    log: EventLog | None = None,
    night_seal_decisions: Mapping[str, str] | None = None,
) -> ImportResult:
    """``copy_decisions`` maps a machine id to the counting manager's reason for using its copy
    (art. 10(2)); ``night_seal_decisions`` maps a machine id to the reason for counting a medium
    whose seal is a night seal only (期日前投票, ``final = false``) — without one such a medium
    is held as a problem. ``keep_records=False`` keeps only slot positions and digests in memory (large
    counts: the tally reads the records again); ``workers`` reads media in parallel."""
    findings: dict[Path, MediumFinding] = {}
    readings: list[MediumReading] = []
    problems: list[str] = []
    notes: list[str] = []
    rejections: list[_Rejection] = []
    for result in _read_all(paths, versions, keep_records, workers, progress):
        if isinstance(result, _Rejection):
            rejections.append(result)
            problems.append(result.message)
            findings[result.path] = MediumFinding(
                result.path, STATUS_REJECTED, result.message, result.machine_id, result.role,
                result.medium_id, problem=result.kind)
        else:
            readings.append(result)
    seen: dict[str, MediumReading] = {}
    conflicts: dict[str, list[MediumReading]] = {}  # machine id → media with a reused id
    for reading in readings:
        header = reading.header
        first = seen.get(header.medium_id)
        if first is not None and _same_contents(first, reading):
            message = (f"{reading.path.name}: {first.path.name} と同じ媒体です。"
                       "一度だけ数えます / the same medium imported twice; counted once")
            notes.append(message)
            findings[reading.path] = MediumFinding(
                reading.path, STATUS_SAME_MEDIUM, message, header.machine_id, header.role,
                header.medium_id, _counts(reading), reading.seal.sessions_voted)
            continue
        if first is not None:
            conflicts.setdefault(header.machine_id, []).append(reading)
            continue
        seen[header.medium_id] = reading

    differences: dict[str, SlotDifferences] = {}  # machine id → slots differing

    def finding(reading: MediumReading, status: str, message: str) -> None:
        h = reading.header
        differing = differences.get(h.machine_id, ())
        if differing:
            message += (f"。正本と副本で異なるスロット / slots that differ between primary and "
                        f"copy: {_describe(differing)}")
        findings[reading.path] = MediumFinding(
            reading.path, status, message, h.machine_id, h.role, h.medium_id, _counts(reading),
            reading.seal.sessions_voted, differing_slots=differing)

    # §13 step 6: the slots that differ between a machine's primary and copy, whenever both
    # have a verified header — whether or not either is usable — for the counting manager
    attributed = [r for r in rejections if r.machine_id is not None and r.role is not None]
    for machine_id in sorted({r.header.machine_id for r in seen.values()}
                             | {r.machine_id for r in attributed if r.machine_id}):
        pair: dict[MediumRole, tuple[Path, tuple[TableEntry, ...], MediumReading | None]] = {}
        for r in seen.values():
            if r.header.machine_id == machine_id:
                pair.setdefault(r.header.role, (r.path, r.header.tables, r))
        for rejection in attributed:
            if rejection.machine_id == machine_id and rejection.role is not None:
                pair.setdefault(rejection.role, (rejection.path, rejection.tables, None))
        if len(pair) != 2:
            continue
        (pa, ta, ra), (pb, tb, rb) = pair[MediumRole.PRIMARY], pair[MediumRole.COPY]
        found = (_reading_differences(ra, rb) if ra is not None and rb is not None
                 else _file_differences(pa, pb, ta or tb))
        if isinstance(found, str):
            notes.append(f"{machine_id}: {found}")
        elif found:
            differences[machine_id] = found
            notes.append(f"{machine_id}: 正本と副本で異なるスロット / slots that differ between "
                         f"primary and copy: {_describe(found)}")
    for path, f in list(findings.items()):
        if f.status == STATUS_REJECTED and f.machine_id in differences:
            findings[path] = replace(
                f, differing_slots=differences[f.machine_id],
                message=f.message + f"。正本と副本で異なるスロット / slots that differ between "
                f"primary and copy: {_describe(differences[f.machine_id])}")

    newest = max(versions, key=lambda v: v.package.version).package
    counted: list[CountedMachine] = []
    missing: list[str] = []
    rejected_machines = {f.machine_id for f in findings.values() if f.status == STATUS_REJECTED}
    by_machine: dict[str, list[MediumReading]] = {}
    for reading in seen.values():
        by_machine.setdefault(reading.header.machine_id, []).append(reading)
    for machine in newest.machines:
        mine = by_machine.get(machine.machine_id, [])
        if machine.machine_id in conflicts:
            message = (f"{machine.machine_id}: 同じ媒体番号で内容の違う記録媒体があります（一方は"
                       "改変または複製の疑い） / two media with the same medium_id but different "
                       "contents: neither is counted until the counting manager resolves it")
            problems.append(message)
            for r in mine + conflicts[machine.machine_id]:
                finding(r, STATUS_HELD, message)
            continue
        primaries = [r for r in mine if r.header.role is MediumRole.PRIMARY]
        copies = [r for r in mine if r.header.role is MediumRole.COPY]
        if len(primaries) > 1 or len(copies) > 1:
            message = (f"{machine.machine_id}: 同じ投票機の別の媒体が複数あります / more than one "
                       "primary or copy for the same machine")
            problems.append(message)
            for r in mine:
                finding(r, STATUS_HELD, message)
            continue
        if primaries and copies and primaries[0].seal != copies[0].seal:
            message = (f"{machine.machine_id}: 正本と副本の封印が一致しません / primary and copy "
                       "seals differ")
            problems.append(message)
            for r in mine:
                finding(r, STATUS_HELD, message)
            continue
        chosen = primaries[0] if primaries else copies[0] if copies else None
        if chosen is not None and not chosen.seal.final:
            night_reason = (night_seal_decisions or {}).get(machine.machine_id)
            if night_reason is None:
                message = (
                    f"{machine.machine_id}: 期日前投票の夜間封印のみで、投票終了の最終封印がありませ"
                    f"ん（封印番号 {chosen.seal.closing_number}）。数えるには開票管理者の決定が"
                    "必要です / sealed for the night only, not finally closed (closing "
                    f"{chosen.seal.closing_number}); counting it needs the counting manager's "
                    "recorded decision"
                )
                problems.append(message)
                for r in mine:
                    finding(r, STATUS_HELD, message)
                continue
            notes.append(f"{machine.machine_id}: 夜間封印のみの媒体を数えます（決定理由: "
                         f"{night_reason}） / night-sealed medium counted by decision")
        if primaries:
            note = "正本を使用 / primary counted" + (
                "（副本と封印が一致） / seal equal to the copy's" if copies else "")
            counted.append(CountedMachine(machine.machine_id, primaries[0], MediumRole.PRIMARY,
                                          note))
            finding(primaries[0], STATUS_COUNTED, note)
            if copies:
                finding(copies[0], STATUS_NOT_USED,
                        "封印が正本と一致。副本は数えません（法第10条） / its seal equals the "
                        "primary's; the copy is not counted (art. 10)")
            if machine.machine_id in copy_decisions:
                notes.append(f"{machine.machine_id}: 正本があるため副本使用の決定は適用しません / "
                             "the primary is present: the decision to use the copy is not applied")
        elif copies:
            reason = copy_decisions.get(machine.machine_id)
            if reason is None:
                message = (
                    f"{machine.machine_id}: 正本がありません。副本を使うには開票管理者の決定が"
                    "必要です（法第10条） / the primary is missing; using the copy needs the "
                    "counting manager's recorded decision (art. 10)"
                )
                problems.append(message)
                finding(copies[0], STATUS_HELD, message)
                continue
            note = f"副本を使用（決定理由: {reason}） / copy used"
            counted.append(CountedMachine(machine.machine_id, copies[0], MediumRole.COPY, note))
            finding(copies[0], STATUS_COUNTED, note)
        elif machine.machine_id not in rejected_machines:
            missing.append(machine.machine_id)
            notes.append(f"{machine.machine_id}: 記録媒体がありません / no medium from this machine")
    duplicate_count, duplicate_messages = _duplicates(counted)
    problems += duplicate_messages
    ordered = tuple(findings[p] for p in dict.fromkeys(paths) if p in findings)
    if log is not None:
        for f in ordered:
            log.append(AuditEvent.MEDIUM_IMPORTED,
                       "ok" if f.status != STATUS_REJECTED else "rejected",
                       medium=f.path.name, machine_id=f.machine_id or "",
                       role=f.role.value if f.role else "", status=f.status,
                       records=dict(f.records), problem=f.problem)
        log.append(AuditEvent.IMPORT_COMPLETED, "ok" if not problems else "problems",
                   counted=[m.machine_id for m in counted], problems=len(problems),
                   missing=list(missing), duplicate_records=duplicate_count)
    return ImportResult(tuple(counted), tuple(problems), tuple(notes), ordered, tuple(missing),
                        duplicate_count)
