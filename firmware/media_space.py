"""Warning the poll manager well before a slot table or a medium is full (art. 4-1-5: a full
medium must not surprise anyone; docs/media-format.md §7.5), while there is still room to seal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from firmware.interfaces import MediumStore
from media.layout import TableEntry

LOW_SLOTS_MINIMUM = 10  # warn when a table has fewer free slots than this ...
LOW_SLOTS_FRACTION = 20  # ... or than 1/20 of its size, whichever is larger
CLOSE_RESERVE_BYTES = 1 << 20  # free bytes always kept for the seal and audit-log export


def space_warning(
    tables: Sequence[TableEntry],
    free_slots: Mapping[str, int],
    stores: Sequence[MediumStore],
    audit_bytes: int,
) -> str | None:
    """The warning, or None while every table and medium has room. ``free_slots``: per contest,
    as far as the ballot box has read them; ``audit_bytes``: the audit log's size now (sealing
    writes it to each medium)."""
    problems = []
    for entry in tables:
        free = free_slots.get(entry.contest_id)
        if free is None:
            continue
        if free < max(LOW_SLOTS_MINIMUM, entry.slots // LOW_SLOTS_FRACTION):
            problems.append(
                f"{entry.contest_id}: 残り {free} 票分 / {free} vote slots left"
            )
    reserve = CLOSE_RESERVE_BYTES + 4 * audit_bytes
    for store in stores:
        free_bytes = store.free_bytes()
        if 0 <= free_bytes < reserve:  # -1: the driver does not say (ENOSPC still stops)
            problems.append(
                f"{store.label}: 空き {free_bytes // 1024} KiB（封印に {reserve // 1024} KiB"
                f" 必要）/ {free_bytes // 1024} KiB free, {reserve // 1024} KiB kept for sealing"
            )
    if not problems:
        return None
    return (
        "記録媒体の残りが少なくなっています。予備の投票機を準備してください / media are "
        "nearly full; prepare a spare machine: " + "; ".join(problems)
    )
