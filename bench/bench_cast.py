"""Casting a vote: HPKE encryption and the write to both media, against raw fsync'd writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.measurement import Measurement, median, percentile, timings
from media.counting_key import generate_private_key, public_key, public_key_bytes
from media.slot import SLOT_SIZE
from media.vote_record import Choice, encrypt_vote


def _raw_pair(directory: Path) -> None:
    """Two raw fsync'd writes of one slot: the floor any durable two-media write must pay."""
    for name in ("a.bin", "b.bin"):
        fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT)
        try:
            os.pwrite(fd, bytes(SLOT_SIZE), 0)
            os.fsync(fd)
        finally:
            os.close(fd)


def run(quick: bool) -> list[Measurement]:
    key = public_key(public_key_bytes(generate_private_key()))
    repeat = 50 if quick else 500
    encrypt = timings(lambda: encrypt_vote(key, "e", "mayor", Choice("mayor-1")), repeat)
    with tempfile.TemporaryDirectory() as tmp:
        raw = timings(lambda: _raw_pair(Path(tmp)), repeat)
    return [
        Measurement("HPKE encrypt one vote record, median", median(encrypt) * 1e3, "ms"),
        Measurement("two raw fsync'd slot writes, median", median(raw) * 1e3, "ms"),
        Measurement("two raw fsync'd slot writes, p99", percentile(raw, 0.99) * 1e3, "ms"),
    ]
