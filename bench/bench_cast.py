"""Casting a vote: confirm → durable on both media, against two raw fsync'd writes.

What is timed, on one filesystem in one run (the directory given by ``TOHYOKI_BENCH_DIR``, else
the system temporary directory — point it at a mounted USB stick to measure one):

- *cast*: ``BallotBox.cast`` over real ``DirectoryMedium``/``DirectoryStorage`` — journal,
  both slots on the primary (pwrite, fsync, read-back from the device), then on the copy, ledger
  line, journal removal — for a two-contest ballot (two 1280-byte slots per medium);
- *raw*: the floor: the same bytes (two slots) written with one pwrite+fsync to each of two
  files, nothing else;
- *encrypt*: HPKE of the two records, which the goal allows on top.

Goal (issue #5): cast ≤ 1.5 × raw + encryption. Also: how many records a medium holds per MB."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.measurement import Measurement, median, percentile, timings
from drivers.medium import DirectoryMedium
from drivers.randomness import SeededRandom
from drivers.storage import DirectoryStorage
from firmware.ballot_box import BallotBox
from media.counting_key import generate_private_key, public_key, public_key_bytes
from media.slot import SLOT_SIZE
from media.vote_record import Choice, encrypt_vote

CONTESTS = ("mayor", "assembly")


def _raw_pair(directory: Path, size: int) -> None:
    """Two raw fsync'd writes of ``size`` bytes: the floor any durable two-media write pays."""
    for name in ("a.bin", "b.bin"):
        fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT)
        try:
            os.pwrite(fd, bytes(size), 0)
            os.fsync(fd)
        finally:
            os.close(fd)


def _ballot_box(root: Path, slots: int) -> BallotBox:
    from tests.station import fixed_key, make_package

    key = fixed_key("bench-machine")
    signed = make_package({"M-001": key.public_key().public_bytes_raw()}, slots=slots)
    media = []
    for role in ("primary", "copy"):
        (root / role).mkdir(parents=True)
        media.append(DirectoryMedium(root / role, role))
    box = BallotBox(media[0], media[1], DirectoryStorage(root / "internal"), SeededRandom(3))
    box.prepare("M-001", signed, key, initialise=True)
    return box


def run(quick: bool) -> list[Measurement]:
    key = public_key(public_key_bytes(generate_private_key()))
    repeat = 40 if quick else 400
    records = {c: encrypt_vote(key, "tsukuba-2026-11", c, Choice(f"{c}-1")) for c in CONTESTS}
    encrypt = timings(
        lambda: [encrypt_vote(key, "e", c, Choice(f"{c}-1")) for c in CONTESTS], repeat
    )
    parent = os.environ.get("TOHYOKI_BENCH_DIR") or None
    with tempfile.TemporaryDirectory(dir=parent) as tmp:
        root = Path(tmp)
        box = _ballot_box(root / "machine", slots=repeat + 10)
        counter = iter(range(10**9))

        def cast() -> None:
            box.cast(f"{next(counter):032x}", CONTESTS, records, lambda: None)

        (root / "raw").mkdir()
        raw = timings(lambda: _raw_pair(root / "raw", SLOT_SIZE * len(CONTESTS)), repeat)
        durable = timings(cast, repeat)
        read_back = box.primary.read_back_mode  # type: ignore[attr-defined]
    ratio = median(durable) / median(raw)
    ratio99 = percentile(durable, 0.99) / percentile(raw, 0.99)
    allowed = 1.5 * median(raw) + median(encrypt)
    per_mb = (1 << 20) // SLOT_SIZE
    return [
        Measurement("HPKE encrypt two vote records, median", median(encrypt) * 1e3, "ms"),
        Measurement("two raw fsync'd writes (2 slots each), median", median(raw) * 1e3, "ms"),
        Measurement("two raw fsync'd writes (2 slots each), p99", percentile(raw, 0.99) * 1e3,
                    "ms"),
        Measurement(f"confirm → durable on both media, median (read-back: {read_back})",
                    median(durable) * 1e3, "ms"),
        Measurement("confirm → durable on both media, p99", percentile(durable, 0.99) * 1e3,
                    "ms"),
        Measurement("(confirm → durable + encrypt) ÷ (1.5 × raw + encrypt), median",
                    (median(durable) + median(encrypt)) / allowed, "×", "<= 1",
                    median(durable) + median(encrypt) <= allowed),
        Measurement("confirm → durable ÷ two raw writes, median", ratio, "×", "<= 1.5",
                    ratio <= 1.5),
        Measurement("confirm → durable ÷ two raw writes, p99", ratio99, "×"),
        Measurement("records per MiB of slot table (one contest)", per_mb, "records"),
    ]
