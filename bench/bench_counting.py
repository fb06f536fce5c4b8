"""Counting 1,000,000 records from 500 media on every core, against raw HPKE decryption.

Import + verify + decrypt + tally, compared with raw HPKE decryption of the same records
measured in the same run.

The election is generated once (bench/election_gen.py: real HPKE records, real signed media)
into a cache outside the repository — ``$TOHYOKI_BENCH_CACHE`` or ``/tmp/tohyoki-bench`` — so
later runs measure counting only. The counting key is unlocked from 3 of 5 simulated key-holder
cards. Quick mode (``python -m bench --quick``): 20 media, about 20,000 records.

The raw baseline gives each worker whole slot tables in file order; it reads each table in one
go and calls HPKE decryption on every record — no signature, seal, slot or audit checks, no
shuffle, no classification. The pipeline is the counting tool's own: ``import_media`` (headers,
seals, every slot, table digests, audit chains, duplicates) then ``tally`` (shuffled references,
each record re-read and checked against its digest, decrypted, classified, totals only). Every
pool, the baseline's too, forks from the same forkserver with the counting modules preloaded
(``counting.importer.worker_context``), so neither side pays for importing them in its workers.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.election_gen import Election, cached
from bench.measurement import Measurement
from counting.importer import import_media, worker_context
from counting.tally import tally
from counting.unlock import unlock
from media.counting_key import SUITE, private_key
from media.slot import SLOT_SIZE
from media.vote_record import info

FULL = {"machines": 500, "voters": 1047}  # ≈ 1,000,000 records: 2 contests, some mayor-only
QUICK = {"machines": 20, "voters": 524}  # ≈ 20,000 records
SEED = 2026

_RAW: dict[str, object] = {}


def _init_raw(raw_key: bytes, election_id: str) -> None:
    _RAW["key"] = private_key(raw_key)
    _RAW["election"] = election_id


def _raw_decrypt(item: tuple[str, str, int, Sequence[int]]) -> int:
    path, contest_id, offset, slots = item  # the contest's region of the slot file
    key = _RAW["key"]
    with Path(path).open("rb") as handle:
        handle.seek(offset)
        data = handle.read((max(slots, default=-1) + 1) * SLOT_SIZE)
    label = info(str(_RAW["election"]), contest_id)
    for slot in slots:
        start = slot * SLOT_SIZE + 6
        SUITE.decrypt(data[start:start + 1200], key, info=label)  # type: ignore[arg-type]
    return len(slots)


def _peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


class WorkerMemory:
    """The largest resident size of any process descending from this one (the pools' workers
    are the forkserver's children, so RUSAGE_CHILDREN does not see them): sampled from /proc
    twice a second while the count runs."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.5):
            parents: dict[int, int] = {}
            sizes: dict[int, int] = {}
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    stat = (entry / "stat").read_text()
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                pid = int(entry.name)
                parents[pid] = int(stat.rpartition(")")[2].split()[1])
                rss = [line for line in status.splitlines() if line.startswith("VmRSS:")]
                sizes[pid] = int(rss[0].split()[1]) if rss else 0
            for pid, size in sizes.items():
                ancestor, hops = parents.get(pid, 0), 0
                while ancestor not in (0, 1, me) and hops < 8:
                    ancestor, hops = parents.get(ancestor, 0), hops + 1
                if ancestor == me and pid != me:
                    self.peak_kb = max(self.peak_kb, size)


def measure(election: Election, workers: int, repeat: int = 1) -> list[Measurement]:
    package = election.versions[-1].package
    media = election.media()
    records = sum(sum(v.values()) for v in election.truth.values())
    with unlock(election.key_holder_cards()[1:4], election.counting_public) as key:
        # the same counted records, listed for the baseline from an import without timing
        listing = import_media(media, election.versions, {}, keep_records=False,
                               workers=workers)
        items = [(str(t.file), contest_id, t.offset, t.slots.tolist())
                 for m in listing.counted for contest_id, t in m.reading.tables.items()]
        del listing
        context = worker_context()  # the counting pools' own (forkserver: fork can deadlock)
        raw_runs, import_runs, tally_runs = [], [], []
        workers_memory = WorkerMemory().__enter__()
        for _ in range(repeat):  # alternate, so load from elsewhere hits both alike
            start = time.perf_counter()
            with context.Pool(workers, _init_raw, (bytes(key.raw), package.election_id)) as pool:
                decrypted = sum(pool.imap_unordered(_raw_decrypt, items, chunksize=1))
            raw_runs.append(time.perf_counter() - start)
            start = time.perf_counter()
            imported = import_media(media, election.versions, {}, keep_records=False,
                                    workers=workers)
            import_runs.append(time.perf_counter() - start)
            start = time.perf_counter()
            results = tally(package, imported.counted, key.raw, workers=workers)
            tally_runs.append(time.perf_counter() - start)
        workers_memory.__exit__()
    raw_seconds, import_seconds, tally_seconds = min(raw_runs), min(import_runs), min(tally_runs)
    counted = {r.contest_id: {**{c.candidate_id: c.votes for c in r.candidates if c.votes},
                              **({"blank": r.blank} if r.blank else {})} for r in results}
    correct = counted == election.truth and not imported.problems and decrypted == records
    pipeline = import_seconds + tally_seconds
    overhead = pipeline / raw_seconds - 1
    return [
        Measurement(f"records counted ({len(media)} media, {workers} workers, best of "
                    f"{repeat})", records, "records"),
        Measurement("count equals the simulated voters' choices", float(correct), "bool",
                    "= 1", correct),
        Measurement("raw HPKE decryption of the same records", records / raw_seconds,
                    "records/s"),
        Measurement("import + verify (every medium)", import_seconds, "s"),
        Measurement("shuffle + re-check + decrypt + tally", tally_seconds, "s"),
        Measurement("whole count: import + verify + decrypt + tally", records / pipeline,
                    "records/s"),
        Measurement("overhead over raw HPKE decryption", overhead * 100, "%", "<= 10",
                    overhead <= 0.10),
        Measurement("peak memory, counting process", _peak_rss_mb(resource.RUSAGE_SELF), "MB",
                    "<= 512", _peak_rss_mb(resource.RUSAGE_SELF) <= 512),
        Measurement("peak memory, largest worker (sampled from /proc)",
                    workers_memory.peak_kb / 1024, "MB"),
    ]


COLD_MEDIA = 80  # ≈ 155,000 records: long enough to time, short enough to add little


def _drop_page_cache() -> bool:
    """Empty the kernel's page cache (root only): the media's pages as they are hours after the
    import, when the count is started."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def measure_cold(election: Election, workers: int,
                 drop: Callable[[], bool] = _drop_page_cache) -> list[Measurement]:
    """Raw decryption and the tally, each started on an empty page cache (``drop``), on the
    first ``COLD_MEDIA`` media: the tally reads scattered records, raw reads whole tables."""
    package = election.versions[-1].package
    media = election.media()[:COLD_MEDIA]
    imported = import_media(media, election.versions, {}, keep_records=False, workers=workers)
    items = [(str(t.file), contest_id, t.offset, t.slots.tolist())
             for m in imported.counted for contest_id, t in m.reading.tables.items()]
    with unlock(election.key_holder_cards()[1:4], election.counting_public) as key:
        if not drop():
            return [Measurement("cold page cache: not measured (needs root)", 0, "")]
        start = time.perf_counter()
        with worker_context().Pool(workers, _init_raw, (bytes(key.raw),
                                                        package.election_id)) as pool:
            sum(pool.imap_unordered(_raw_decrypt, items, chunksize=1))
        raw = time.perf_counter() - start
        drop()
        start = time.perf_counter()
        tally(package, imported.counted, key.raw, workers=workers)
        counted = time.perf_counter() - start
    return [Measurement(f"cold page cache ({len(media)} media): tally ÷ raw decryption",
                        counted / raw, "×")]


def run(quick: bool, cache: Path | None = None) -> list[Measurement]:
    cache = cache or Path(os.environ.get("TOHYOKI_BENCH_CACHE", "/tmp/tohyoki-bench"))
    workers = os.cpu_count() or 1
    scale = QUICK if quick else FULL
    start = time.perf_counter()
    election = cached(cache, seed=SEED, copies=False, workers=workers, **scale)
    generated = time.perf_counter() - start
    return [Measurement("generate or load the election (cached)", generated, "s"),
            *measure(election, workers, repeat=3), *measure_cold(election, workers)]
