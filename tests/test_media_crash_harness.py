"""SIGKILL at every enumerated write, sync, rename and unlink point of casting, closing and
recovery, with the machine core in a subprocess over real directories (art. 4-1-4, 4-1-5).

For each point the run is killed there (``TOHYOKI_FAULT_AT``), restarted, and a final clean run
finishes the day (recovery, resume, the voters not yet recorded vote, close); then
``tests.fault_harness.harness.check`` verifies: votes on media = cards consumed (ledger); primary
and copy hold the same records; no record twice; nothing a voter saw as recorded is missing;
every record decrypts to what its voter chose; audit log chain intact; at the close the same seal
and audit log on both media, agreeing with the records.

Also: every data write (slot pwrite, ledger/audit append) torn after k bytes then killed; and
crashes *during* recovery (a second kill in the restart). The number of points exercised is
printed and written to ``out/fault-harness.json``. ``TOHYOKI_FAULT_VOTERS=N`` runs a longer day
(default 2 voters, which already passes every kind of point of a cast, a close and a recovery)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fault_harness import harness

VOTERS = int(os.environ.get("TOHYOKI_FAULT_VOTERS", "2"))
WORKERS = 2
SLOT_TEARS = (1, 640, 1279)
LINE_TEARS = (7,)
SUMMARY: dict[str, int] = {}


@pytest.fixture(scope="module")
def base() -> Iterator[Path]:
    """Scratch space for the runs. A SIGKILL loses nothing that reached the page cache, so
    fsync's cost does not change what is checked here; tmpfs (/dev/shm) keeps the sweep
    fast (``TOHYOKI_FAULT_DIR`` overrides; the FUSE tests cover real devices)."""
    parent = os.environ.get("TOHYOKI_FAULT_DIR") or (
        "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    )
    path = Path(tempfile.mkdtemp(prefix="tohyoki-fault-", dir=parent))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def template(base: Path) -> Iterator[Path]:
    harness.start_zygotes(WORKERS)
    try:
        yield harness.make_template(base / "template")
    finally:
        harness.stop_zygotes()


@pytest.fixture(scope="module")
def points(template: Path, base: Path) -> list[str]:
    work = base / "count"
    found = harness.count_points(template, work, VOTERS, close=True)
    harness.check(work, VOTERS, close=True)
    return found


def _sweep(jobs: list[tuple[str, Callable[[], object]]]) -> list[str]:
    """Run jobs two at a time; return a description of every failure."""

    def run(job: tuple[str, Callable[[], object]]) -> str | None:
        name, action = job
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - collected and reported per crash point
            return f"{name}: {type(exc).__name__}: {exc}"
        return None

    with ThreadPoolExecutor(WORKERS) as pool:
        return [f for f in pool.map(run, jobs) if f]


def _write_summary() -> None:
    out = Path(__file__).resolve().parent.parent / "out"
    out.mkdir(exist_ok=True)
    (out / "fault-harness.json").write_text(json.dumps(SUMMARY, indent=1, sort_keys=True))
    print("fault harness:", SUMMARY)


def _scenario(template: Path, base: Path, name: str, **kwargs: int) -> Callable[[], object]:
    def action() -> None:
        work = base / name
        result = harness.crash_and_recover(template, work, VOTERS, True, **kwargs)
        assert result.returncode == 0, result.stderr[-2000:]
        harness.check(work, VOTERS, close=True)

    return action


def test_enumeration_covers_casting_closing_and_every_kind_of_point(points: list[str]) -> None:
    kinds = {line.split()[1] for line in points}
    assert {"write", "fsync", "rename", "fsync-dir", "pwrite", "append", "consume"} <= kinds
    targets = " ".join(points)
    for where in ("storage/journal.bin", "cards.log", "audit.log", "state.json", "VOTES.SLT",
                  "SEAL.JSN", "AUDIT.LOG", "primary", "copy", "card/"):
        assert where in targets, where
    # a voter passes ≥ 12 points (reservation 2; per medium 2 slot pwrites and one sync; ledger
    # 2; journal cleared 2), besides the audit log's
    assert len(points) >= 12 * VOTERS
    # the copy is written only after the journal's card part (§7.5): before each voter's copy
    # slots, since the previous voter's, internal storage got its pwrite and fsync. Its place
    # among the primary's points varies from run to run (the copy's writer writes it while
    # the primary's writer writes), so a point number names a kind of point, not always the same
    # one; every run is checked whatever the order.
    copy_starts = [n for n, line in enumerate(points)
                   if "copy/TOHYOKI/VOTES.SLT" in line and line.split()[1] == "pwrite"][::2]
    for start in copy_starts:
        commit = max(n for n in range(start) if points[n].endswith("storage/audit.log"))
        cast = [line.split(maxsplit=1)[1] for line in points[commit + 1:start]]
        assert [p for p in cast if p.endswith("storage/journal.bin")] == [
            "pwrite storage/journal.bin", "fsync storage/journal.bin"], cast
    assert len(copy_starts) == VOTERS
    # and each medium syncs a ballot's two slots once (§7.5): a pwrite pair, then its fsync
    for medium in ("primary", "copy"):
        slot_file = [line.split()[1] for line in points if f"{medium}/TOHYOKI/VOTES.SLT" in line
                     and line.split()[1] in ("pwrite", "fsync")]
        assert slot_file == ["pwrite", "pwrite", "fsync"] * VOTERS, slot_file


def test_sigkill_at_every_point_of_a_day_loses_no_vote_and_keeps_the_mirror(
    template: Path, points: list[str], base: Path
) -> None:
    jobs = [(f"point {n}", _scenario(template, base, f"p{n}", point=n))
            for n in range(1, len(points) + 1)]
    failures = _sweep(jobs)
    SUMMARY["sigkill_points"] = len(jobs)
    _write_summary()
    assert not failures, "\n".join(failures)


def test_torn_writes_at_every_data_write_point(
    template: Path, points: list[str], base: Path
) -> None:
    jobs = []
    for line in points:
        number, kind, *_ = line.split()
        tears = SLOT_TEARS if kind == "pwrite" else LINE_TEARS if kind == "append" else ()
        for tear in tears:
            jobs.append((f"point {line} torn at {tear}",
                         _scenario(template, base, f"t{number}-{tear}", point=int(number),
                                   tear=tear)))
    assert len(jobs) >= len(SLOT_TEARS) * 8 * VOTERS // 2
    failures = _sweep(jobs)
    SUMMARY["torn_write_points"] = len(jobs)
    _write_summary()
    assert not failures, "\n".join(failures)


def test_sigkill_during_recovery_at_every_point_of_the_restart(
    template: Path, points: list[str], base: Path
) -> None:
    """Crash in the middle of a cast (after the primary, after the copy, after the ledger) and
    in the middle of the seal; then kill the restart at each of its points up to its first new
    vote (its recovery, resume or re-seal), then finish."""
    wanted = []
    for line in points:
        number, kind, target = line.split(maxsplit=2)
        if (kind == "fsync" and ("VOTES.SLT" in target or "cards.log" in target)) or (
            kind == "rename" and "SEAL.JSN" in target
        ):
            wanted.append(int(number))
    wanted = wanted[:6]
    assert len(wanted) >= 4
    jobs = []
    for first in wanted:
        work = base / f"enum{first}"
        harness.prepare(template, work, VOTERS, True)
        crashed = harness.run_child(work, fault_at=first)
        assert crashed.returncode == -9
        log = work / "restart.log"
        harness.run_child(work, log=log)
        restart = log.read_text().splitlines()
        for second in range(1, min(len(restart), 14) + 1):
            jobs.append((f"point {first} then restart point {second}",
                         _scenario(template, base, f"r{first}-{second}", point=first,
                                   recovery_point=second)))
    failures = _sweep(jobs)
    SUMMARY["recovery_points"] = len(jobs)
    _write_summary()
    assert not failures, "\n".join(failures)
