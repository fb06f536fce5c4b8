"""Deciding which medium of each machine is counted: the primary (正本), or its copy (副本) only
by the counting manager's recorded decision when the primary is damaged or lost (art. 10)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from counting.medium_reader import MediumReading, MediumRejected, read_medium
from election.package import SignedPackage
from media.layout import MediumRole


@dataclass(frozen=True)
class CountedMachine:
    machine_id: str
    reading: MediumReading
    role: MediumRole
    note: str


@dataclass(frozen=True)
class ImportResult:
    counted: tuple[CountedMachine, ...]
    problems: tuple[str, ...]  # must be resolved before counting may start
    notes: tuple[str, ...]  # shown and recorded, do not block


def import_media(
    paths: Sequence[Path],
    versions: Sequence[SignedPackage],
    copy_decisions: Mapping[str, str],
) -> ImportResult:
    """``copy_decisions`` maps a machine id to the counting manager's reason for using its copy."""
    readings: list[MediumReading] = []
    problems: list[str] = []
    notes: list[str] = []
    for path in paths:
        try:
            readings.append(read_medium(path, versions))
        except MediumRejected as exc:
            problems.append(str(exc))
    seen: dict[str, MediumReading] = {}
    for reading in readings:
        medium_id = reading.header.medium_id
        if medium_id in seen:
            notes.append(
                f"{reading.path.name}: {seen[medium_id].path.name} と同じ媒体です。一度だけ数えます"
                " / the same medium imported twice; counted once"
            )
            continue
        seen[medium_id] = reading
    newest = max(versions, key=lambda v: v.package.version).package
    counted = []
    for machine in newest.machines:
        mine = [r for r in seen.values() if r.header.machine_id == machine.machine_id]
        primaries = [r for r in mine if r.header.role is MediumRole.PRIMARY]
        copies = [r for r in mine if r.header.role is MediumRole.COPY]
        if len(primaries) > 1 or len(copies) > 1:
            problems.append(
                f"{machine.machine_id}: 同じ投票機の別の媒体が複数あります / more than one "
                "primary or copy for the same machine"
            )
            continue
        if primaries and copies and primaries[0].seal != copies[0].seal:
            problems.append(
                f"{machine.machine_id}: 正本と副本の封印が一致しません / primary and copy seals "
                "differ"
            )
            continue
        if primaries:
            note = "正本を使用 / primary counted" + ("（副本と一致）" if copies else "")
            counted.append(CountedMachine(machine.machine_id, primaries[0], MediumRole.PRIMARY,
                                          note))
        elif copies:
            reason = copy_decisions.get(machine.machine_id)
            if reason is None:
                problems.append(
                    f"{machine.machine_id}: 正本がありません。副本を使うには開票管理者の決定が"
                    "必要です（法第10条） / the primary is missing; using the copy needs the "
                    "counting manager's recorded decision (art. 10)"
                )
                continue
            counted.append(CountedMachine(machine.machine_id, copies[0], MediumRole.COPY,
                                          f"副本を使用（決定理由: {reason}） / copy used"))
        else:
            notes.append(f"{machine.machine_id}: 記録媒体がありません / no medium from this machine")
    return ImportResult(tuple(counted), tuple(problems), tuple(notes))
